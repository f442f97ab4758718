"""``sccos-backup resync`` through typer's CliRunner against the fake Jenkins server."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from automation.commands.resync import resync
from sccos_backup.defaults import DEFAULT_JOB
from tests.fake_jenkins import BuildPlan, FakeJenkins, FakeTime
from tests.support.factory import FakeFactory


@pytest.fixture
def fake() -> Iterator[FakeJenkins]:
    with FakeJenkins() as server:
        yield server


def app() -> typer.Typer:
    t = typer.Typer()
    t.command()(resync)
    return t


def run(
    args: list[str], *, env: dict[str, str] | None = None, fake: FakeJenkins | None = None
) -> Any:
    time = FakeTime()
    full_env = {"JENKINS_URL": "", "JENKINS_USER": "", "JENKINS_API_TOKEN": ""}
    if fake is not None:
        full_env = {
            "JENKINS_URL": fake.url,
            "JENKINS_USER": fake.user,
            "JENKINS_API_TOKEN": fake.token,
        }
    full_env |= env or {}
    return CliRunner().invoke(
        app(), args, env=full_env, obj=FakeFactory(sleep=time.sleep, clock=time.clock)
    )


def assert_clean(result: Any, *secrets: str) -> None:
    text = result.stdout + result.stderr
    for secret in secrets:
        assert secret not in text
    assert "Traceback" not in text
    assert isinstance(result.exception, SystemExit) or result.exception is None


def error_line(result: Any) -> str:
    lines = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert len(lines) == 1, result.stderr
    return lines[0]


# ---------------------------------------------------------------------------- success


def test_streams_the_console_to_stdout(fake: FakeJenkins) -> None:
    result = run([], fake=fake)

    assert result.exit_code == 0, result.output
    assert result.stdout == fake.build(DEFAULT_JOB).log.decode()
    assert f"job '{DEFAULT_JOB}' on {fake.url}: created" in result.stderr
    assert "build #1 of 'sccos-backup-sync-data': SUCCESS in 42 s" in result.stderr
    assert_clean(result, fake.token)


def test_json_prints_one_object_at_the_end(fake: FakeJenkins) -> None:
    result = run(
        ["--json", "--store", "DE", "--resource", "url", "--resource", "glossary"], fake=fake
    )

    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload == {
        "schemaVersion": 1,
        "attached": False,
        "job": DEFAULT_JOB,
        "jobAction": "created",
        "buildNumber": 1,
        "result": "SUCCESS",
        "durationSeconds": 42.0,
        "url": f"{fake.url}job/{DEFAULT_JOB}/1/",
    }
    assert (
        "vendor/bin/console sync:data url\nvendor/bin/console sync:data glossary"
        in (fake.jobs[DEFAULT_JOB])
    )
    again = run(["--json"], fake=fake)
    assert json.loads(again.stdout)["jobAction"] == "updated"
    assert_clean(result, fake.token)


def test_options_win_over_the_environment(fake: FakeJenkins, tmp_path: Path) -> None:
    token_file = tmp_path / "token"
    token_file.write_text(fake.token + "\n")
    result = run(
        [
            "--jenkins-url",
            fake.url,
            "--jenkins-user",
            fake.user,
            "--jenkins-token-file",
            str(token_file),
            "--job",
            "sync",
            "--command",
            'echo "a<b" && vendor/bin/console sync:data url',
        ],
        env={"JENKINS_URL": "http://127.0.0.1:9/", "JENKINS_USER": "x", "JENKINS_API_TOKEN": "y"},
    )
    assert result.exit_code == 0, result.output
    assert "sync" in fake.jobs
    assert_clean(result, fake.token)


def test_copy_script_from(fake: FakeJenkins) -> None:
    fake.add_job(
        "DE-worker",
        "<project><builders><hudson.tasks.Shell><command>cd /data\n"
        "vendor/bin/console queue:worker:start</command></hudson.tasks.Shell></builders>"
        "</project>",
    )
    result = run(["--copy-script-from", "DE-worker", "--store", "DE"], fake=fake)
    assert result.exit_code == 0, result.output
    assert (
        "<command>cd /data\nexport APPLICATION_STORE=DE\nvendor/bin/console sync:data\n"
        "</command>" in fake.jobs[DEFAULT_JOB]
    )


# ---------------------------------------------------------------------------- failures


@pytest.mark.parametrize(
    "missing",
    [
        ["JENKINS_URL"],
        ["JENKINS_USER"],
        ["JENKINS_API_TOKEN"],
        ["JENKINS_URL", "JENKINS_USER", "JENKINS_API_TOKEN"],
    ],
)
def test_missing_configuration_exits_2(fake: FakeJenkins, missing: list[str]) -> None:
    env = {name: "" for name in missing}
    result = run([], fake=fake, env=env)

    assert result.exit_code == 2
    line = error_line(result)
    assert line.startswith("error: Jenkins is not configured: set ")
    for name in missing:
        assert name in line
    assert not fake.requests  # nothing was contacted
    assert_clean(result, fake.token)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--store", "DE;rm"], "--store 'DE;rm' is not a store name"),
        (["--command", "x", "--resource", "url"], "do not go together"),
        (["--job", "a//b"], "not a valid Jenkins job name"),
        (["--jenkins-url", "jenkins.local"], "is not an http(s) URL"),
    ],
)
def test_bad_input_exits_2_without_contacting_jenkins(
    fake: FakeJenkins, args: list[str], message: str
) -> None:
    result = run(args, fake=fake)
    assert result.exit_code == 2
    assert message in error_line(result)
    assert not fake.requests
    assert_clean(result, fake.token)


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.parametrize(
    ("arrange", "args", "message"),
    [
        ("wrong-token", [], "refused the user and API token (HTTP 401)"),
        ("refuse-crumb", [], "refused the CSRF crumb (HTTP 403)"),
        ("none", ["--job", "ops/sync"], "folder 'ops' of job 'ops/sync' does not exist"),
        ("none", ["--copy-script-from", "nope"], "job 'nope' (--copy-script-from) does not"),
        ("cancel", [], "was cancelled before a build started"),
        ("expire", [], "disappeared before a build started (expired or removed)"),
        ("unreachable", [], "(connection refused)"),
        ("FAILURE", [], "ended FAILURE after 42 s"),
        ("ABORTED", [], "ended ABORTED"),
        ("UNSTABLE", [], "ended UNSTABLE"),
    ],
)
def test_jenkins_failures_exit_5_with_one_line(arrange: str, args: list[str], message: str) -> None:
    with FakeJenkins(refuse_crumb=arrange == "refuse-crumb") as fake:
        env: dict[str, str] = {}
        if arrange == "refuse-crumb":
            env["JENKINS_API_TOKEN"] = fake.password  # only password logins need a crumb
        if arrange == "wrong-token":
            env["JENKINS_API_TOKEN"] = "tok-SECRET-WRONG-987"
        if arrange == "unreachable":
            env["JENKINS_URL"] = f"http://127.0.0.1:{_closed_port()}/"
        if arrange in ("cancel", "expire"):
            fake.plan(BuildPlan(queue_waits=1, queue_outcome=arrange))
        if arrange in ("FAILURE", "ABORTED", "UNSTABLE"):
            fake.plan(BuildPlan(result=arrange))

        result = run(args, fake=fake, env=env)

        assert result.exit_code == 5, result.output
        assert message in error_line(result)
        assert_clean(result, fake.token, "tok-SECRET-WRONG-987")


def test_failed_build_with_json_prints_the_console_tail(fake: FakeJenkins) -> None:
    fake.plan(BuildPlan(result="FAILURE", chunks=[f"step {i}\n" for i in range(25)]))
    result = run(["--json"], fake=fake)

    assert result.exit_code == 5
    payload = json.loads(result.stdout)
    assert payload["result"] == "FAILURE"
    assert payload["consoleTail"].splitlines() == [f"step {i}" for i in range(5, 25)]
    assert "ended FAILURE" in error_line(result)


def test_build_timeout_exits_1(fake: FakeJenkins) -> None:
    fake.plan(BuildPlan(never_ends=True))
    result = run(["--build-timeout", "30"], fake=fake)
    assert result.exit_code == 1
    assert "still running after 30 s" in error_line(result)
    assert_clean(result, fake.token)


def test_help_never_shows_the_token(fake: FakeJenkins) -> None:
    result = run(["--help"], fake=fake)
    assert result.exit_code == 0
    assert "--jenkins-token-file" in result.stdout and "JENKINS_API_TOKEN" in result.stdout
    assert_clean(result, fake.token)


def test_a_token_is_never_taken_on_the_command_line(fake: FakeJenkins, tmp_path: Path) -> None:
    """`ps` shows a command line to every user of the host."""
    on_line = run(["--jenkins-token", "tok-SECRET-ON-THE-LINE"], fake=fake)
    assert on_line.exit_code == 2 and "No such option: --jenkins-token " in on_line.output
    empty = tmp_path / "empty"
    empty.write_text("\n")
    refused = run(["--jenkins-token-file", str(empty)], fake=fake)
    assert refused.exit_code == 2 and "is empty" in error_line(refused)
    assert not fake.jobs


# ---------------------------------------------------------------------------- follow, adopt


def test_follow_attaches_to_the_running_build(fake: FakeJenkins) -> None:
    from sccos_backup.jenkins.jobxml import ShellJob, freestyle_config
    from sccos_backup.resync.job import JOB_DESCRIPTION
    from tests.fake_jenkins import FakeBuild

    fake.add_job(
        DEFAULT_JOB,
        freestyle_config(ShellJob("vendor/bin/console sync:data\n"), description=JOB_DESCRIPTION),
    )
    fake.builds[DEFAULT_JOB] = [FakeBuild(DEFAULT_JOB, 1, BuildPlan())]

    result = run(["--follow", "--json"], fake=fake)

    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["attached"] is True and payload["buildNumber"] == 1
    assert not fake.calls("POST")
    assert "attaching to build #1" in result.stderr
    again = run([], fake=fake)  # finished now: a plain run starts build #2
    assert again.exit_code == 0 and len(fake.builds[DEFAULT_JOB]) == 2


def test_adopt_summarises_the_change_and_saves_the_previous_config(
    fake: FakeJenkins, tmp_path: Any
) -> None:
    theirs = (
        "<?xml version='1.1' encoding='UTF-8'?>\n<project><description>ops</description>"
        "<builders><hudson.tasks.Shell><command>make sync</command></hudson.tasks.Shell>"
        "</builders></project>"
    )
    fake.add_job(DEFAULT_JOB, theirs)

    refused = run([], fake=fake)
    assert refused.exit_code == 3 and "--adopt" in error_line(refused)
    assert fake.jobs[DEFAULT_JOB] == theirs

    result = run(["--adopt", "--save-dir", str(tmp_path)], fake=fake)
    assert result.exit_code == 0, result.output
    saved = list(tmp_path.iterdir())
    assert [p.read_text() for p in saved] == [theirs]
    assert "make sync" not in result.output, "a summary only, never the foreign config"
    assert "line(s) added" in result.stderr and str(saved[0]) in result.stderr
    assert_clean(result, fake.token)


def test_adopt_with_a_save_dir_that_cannot_hold_the_config_is_one_line(
    fake: FakeJenkins, tmp_path: Any
) -> None:
    """--save-dir naming a file ended in a traceback (FileExistsError)."""
    theirs = "<project><description>ops</description><builders/></project>"
    fake.add_job(DEFAULT_JOB, theirs)
    (tmp_path / "a-file").write_text("x")
    for save_dir in (tmp_path / "a-file", tmp_path / "a-file" / "below"):
        result = run(["--adopt", "--save-dir", str(save_dir)], fake=fake)
        assert result.exit_code == 2, result.output
        assert "--save-dir" in error_line(result)
        assert_clean(result, fake.token)
    assert fake.jobs[DEFAULT_JOB] == theirs and not fake.calls("POST")


@pytest.mark.parametrize(
    "url",
    [
        "admin:{token}@jenkins.example",
        "http:/admin:{token}@jenkins.example",
        "//admin:{token}@jenkins.example",
        "https//admin:{token}@jenkins.example",
        "https://jenkins.example/?token={token}",
    ],
    ids=["no-scheme", "one-slash", "no-scheme-slashes", "no-colon", "query"],
)
def test_a_mistyped_url_is_never_echoed(fake: FakeJenkins, url: str) -> None:
    result = run([], fake=fake, env={"JENKINS_URL": url.format(token=fake.token)})
    assert result.exit_code == 2
    assert "Jenkins URL" in error_line(result) and "admin" not in result.stderr
    assert not fake.requests
    assert_clean(result, fake.token)


def test_the_follow_hint_for_another_job_attaches_to_that_job_when_pasted(
    fake: FakeJenkins,
) -> None:
    """`resync --job shop-sync` refused behind a running build said to paste `sccos-backup
    resync --follow`, which created and built the default job: a second sync:data."""
    import re
    import shlex

    from sccos_backup.jenkins.jobxml import ShellJob, freestyle_config
    from sccos_backup.resync.job import JOB_DESCRIPTION
    from tests.fake_jenkins import FakeBuild

    job = "shop-sync"
    config = freestyle_config(
        ShellJob("vendor/bin/console sync:data\n"), description=JOB_DESCRIPTION
    )
    fake.add_job(job, config)
    fake.builds[job] = [FakeBuild(job, 1, BuildPlan(chunks=["a\n", "b\n"]), revealed=1)]

    refused = run(["--job", job], fake=fake)
    assert refused.exit_code == 3, refused.output
    [hint] = re.findall(r"`(sccos-backup resync --follow[^`]*)`", error_line(refused))
    argv = shlex.split(hint)
    assert argv[:2] == ["sccos-backup", "resync"]

    pasted = run(argv[2:], fake=fake)
    assert pasted.exit_code == 0, pasted.output
    assert f"attaching to build #1 of job '{job}'" in pasted.stderr
    assert not fake.calls("POST"), "the pasted hint changed or built a job"
