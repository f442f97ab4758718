"""Ctrl-C and SIGTERM on a real ``sccos-backup resync`` process, like ``jenkins-cli build -s``.

The CLI runs in a subprocess against :mod:`tests.fake_jenkins` in this process; signals are sent
with ``send_signal`` (a script's ``cmd &`` would ignore SIGINT, see test-environment.md).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from sccos_backup.defaults import DEFAULT_JOB
from tests.fake_jenkins import BuildPlan, FakeJenkins

ROOT = Path(__file__).resolve().parent.parent


def start_cli(fake: FakeJenkins, *args: str) -> subprocess.Popen[str]:
    env = {
        **os.environ,
        "JENKINS_URL": fake.url,
        "JENKINS_USER": fake.user,
        "JENKINS_API_TOKEN": fake.token,
    }
    return subprocess.Popen(
        [sys.executable, "-c", "from automation.cli import main; main()", "resync", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_until(condition: Callable[[], object], timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("the CLI did not get there in time")
        time.sleep(0.05)


def finish(process: subprocess.Popen[str]) -> tuple[int, str]:
    out, err = process.communicate(timeout=30)
    return process.returncode, out + err


@pytest.mark.parametrize(
    ("sig", "twice"),
    [(signal.SIGINT, False), (signal.SIGTERM, False), (signal.SIGINT, True)],
    ids=["sigint", "sigterm", "sigint-twice"],
)
def test_an_interrupted_build_is_stopped_once_and_the_command_exits_130(
    sig: signal.Signals, twice: bool
) -> None:
    with FakeJenkins(lifetime=60) as fake:
        fake.plan(BuildPlan(never_ends=True, chunks=["syncing\n"] * 1000))
        process = start_cli(fake)
        wait_until(lambda: fake.calls("GET", "logText/progressiveText"))
        process.send_signal(sig)
        if twice:
            time.sleep(0.02)
            process.send_signal(sig)
        code, output = finish(process)

        assert code == 130, output
        assert [r.path for r in fake.calls("POST", "/stop")] == [f"/job/{DEFAULT_JOB}/1/stop"]
        assert fake.build(DEFAULT_JOB).result == "ABORTED"
        assert f"stopped build #1 of job '{DEFAULT_JOB}': {fake.url}job/{DEFAULT_JOB}/1/" in output
        assert "Traceback" not in output and fake.token not in output


def test_an_interrupt_while_queued_cancels_the_queue_item() -> None:
    with FakeJenkins(lifetime=60) as fake:
        fake.plan(BuildPlan(queue_waits=1_000_000))
        process = start_cli(fake)
        wait_until(lambda: fake.calls("GET", "/queue/item/"))
        process.send_signal(signal.SIGINT)
        code, output = finish(process)

        assert code == 130, output
        assert [r.query for r in fake.calls("POST", "/queue/cancelItem")] == [{"id": "101"}]
        assert fake.builds == {} and "cancelled queue item 101" in output
        assert fake.token not in output


def test_detach_leaves_the_build_running_and_says_how_to_follow() -> None:
    with FakeJenkins(lifetime=60) as fake:
        fake.plan(BuildPlan(never_ends=True, chunks=["syncing\n"] * 1000))
        process = start_cli(fake, "--detach")
        wait_until(lambda: fake.calls("GET", "logText/progressiveText"))
        process.send_signal(signal.SIGTERM)
        code, output = finish(process)

        assert code == 130, output
        assert not fake.calls("POST", "/stop") and fake.build(DEFAULT_JOB).building
        assert "sccos-backup resync --follow" in output and f"{fake.url}job/" in output
