"""SIGINT and SIGTERM during a Pulumi operation reach the CLI, and the tool waits for it.

A real process tree: a driver process (our engine's command runner) starts a stand-in ``pulumi``
that behaves as the real CLI does on SIGINT (pulumi/pkg/cmd: the first interrupt cancels
gracefully, finishing in-flight operations before it exits with code 255). The test sends the
signal to the driver only, as ``kill`` or a CI runner does (and as the terminal does once the CLI
runs in its own session), with ``subprocess`` and ``send_signal``.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

FAKE_PULUMI = """\
#!{python}
import pathlib, signal, sys, time
here = pathlib.Path({folder!r})
def cancel(signum, frame):
    (here / "cancel-received").write_text(str(signum))
    time.sleep(0.3)  # finishing the in-flight operation, writing the checkpoint
    (here / "cancelled").write_text("clean")
    sys.exit(255)
signal.signal(signal.SIGINT, cancel)
(here / "pid").write_text(str(__import__("os").getpid()))
(here / "started").write_text("yes")
for _ in range(300):
    time.sleep(0.1)
(here / "finished-uninterrupted").write_text("yes")
"""

DRIVER = """\
import sys, types
from automation.engine.interrupts import ForwardingCommand, forwarding_signals
inner = types.SimpleNamespace(command={fake!r}, version=None)
command = ForwardingCommand(inner) if {forwarding} else None
runner = command or __import__("pulumi.automation._cmd", fromlist=["x"]).PulumiCommand.__new__(
    __import__("pulumi.automation._cmd", fromlist=["x"]).PulumiCommand)
if command is None:
    runner.command = {fake!r}
    runner.version = None
try:
    with forwarding_signals(command, lambda line: print(line, flush=True)):
        runner.run(["up"], {folder!r}, {{}})
except KeyboardInterrupt:
    print("interrupted", flush=True)
    sys.exit(130)
except Exception as error:
    print("failed", type(error).__name__, flush=True)
    sys.exit(1)
"""


def _start(tmp_path: Path, forwarding: bool) -> subprocess.Popen[str]:
    fake = tmp_path / "pulumi"
    fake.write_text(FAKE_PULUMI.format(python=sys.executable, folder=str(tmp_path)))
    fake.chmod(0o755)
    driver = DRIVER.format(fake=str(fake), folder=str(tmp_path), forwarding=forwarding)
    process = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(driver)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    deadline = time.monotonic() + 30
    while not (tmp_path / "started").exists():
        assert process.poll() is None, process.communicate()[0]
        assert time.monotonic() < deadline, "the stand-in CLI never started"
        time.sleep(0.05)
    return process


def _alive(pid: int) -> bool:
    try:
        Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_signal_is_forwarded_to_the_cli_and_waited_for(tmp_path: Path, signum: int) -> None:
    driver = _start(tmp_path, forwarding=True)
    driver.send_signal(signum)
    output, _ = driver.communicate(timeout=30)
    assert driver.returncode == 130, output
    assert (tmp_path / "cancel-received").read_text() == str(int(signal.SIGINT))
    assert (tmp_path / "cancelled").exists(), "the tool ended before the CLI had cancelled"
    assert not _alive(int((tmp_path / "pid").read_text())), "no orphaned CLI"
    assert "Pulumi is cancelling the operation cleanly" in output


def test_the_sdk_runner_alone_leaves_the_cli_behind(tmp_path: Path) -> None:
    """What the stand-in shows without forwarding: the SDK's runner dies on SIGTERM and the CLI
    runs on, never told (the failure the forwarding fixes)."""
    driver = _start(tmp_path, forwarding=False)
    driver.send_signal(signal.SIGTERM)
    driver.communicate(timeout=30)
    pid = int((tmp_path / "pid").read_text())
    try:
        assert not (tmp_path / "cancel-received").exists()
        assert _alive(pid), "the CLI was orphaned, still running"
    finally:
        subprocess.run(["kill", "-9", str(pid)], check=False)
