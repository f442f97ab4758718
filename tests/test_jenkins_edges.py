"""Jenkins edges through the CLI: an adopted job's old config is saved privately and only a
summary of the change is printed; http:// needs --allow-insecure-http (loopback exempt); the
removed --jenkins-token says what to use instead."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from automation.cli import app
from tests.fake_jenkins import FakeJenkins, FakeTime
from tests.support.factory import FakeFactory

JOB = "sccos-backup-sync-data"
#: A foreign job whose configuration carries something its owners would not want printed.
THEIRS = (
    "<?xml version='1.1' encoding='UTF-8'?>\n<project>\n<description>ops</description>\n"
    "<builders><hudson.tasks.Shell><command>mysql -pTHEIR-DB-PASSWORD sync</command>"
    "</hudson.tasks.Shell></builders>\n</project>"
)


@pytest.fixture
def fake() -> Iterator[FakeJenkins]:
    with FakeJenkins() as server:
        yield server


def cli(*args: str, fake: FakeJenkins | None = None, url: str | None = None) -> Any:
    time = FakeTime()
    env = {"JENKINS_URL": "", "JENKINS_USER": "", "JENKINS_API_TOKEN": ""}
    if fake is not None:
        env = {"JENKINS_URL": fake.url, "JENKINS_USER": fake.user, "JENKINS_API_TOKEN": fake.token}
    if url is not None:
        env["JENKINS_URL"] = url
    context = FakeFactory(sleep=time.sleep, clock=time.clock)
    return CliRunner().invoke(app, list(args), env=env, obj=context)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_adopt_prints_a_summary_never_the_config_and_saves_it_privately(
    fake: FakeJenkins,
) -> None:
    fake.add_job(JOB, THEIRS)
    old = os.umask(0o022)
    try:
        result = cli("resync", "--adopt", fake=fake)
    finally:
        os.umask(old)
    assert result.exit_code == 0, result.output
    assert "THEIR-DB-PASSWORD" not in result.output, "the foreign config was printed"
    assert "<project>" not in result.output
    folder = Path(os.environ["XDG_DATA_HOME"]) / "sccos-backup" / "adopted-jobs"
    [saved] = list(folder.iterdir())
    assert saved.read_text() == THEIRS
    assert (mode(folder), mode(saved)) == (0o700, 0o600)
    [line] = [x for x in result.stderr.splitlines() if x.startswith("adopting job")]
    assert str(saved) in line and "line(s) added" in line and "removed" in line, line


def test_an_http_url_is_refused_without_allow_insecure_http(fake: FakeJenkins) -> None:
    url = "http://jenkins.example:8080/ci/"
    result = cli("resync", fake=fake, url=url)
    assert result.exit_code == 2, result.output
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("error: ") and "http://jenkins.example:8080/ci/" in line, line
    assert "--allow-insecure-http" in line and "https://" in line
    assert "tok-in-url" not in result.output and fake.token not in result.output
    assert not fake.calls("GET") and not fake.calls("POST"), "nothing is sent"


def test_the_http_rule_names_the_url_without_credentials_and_exempts_loopback() -> None:
    from sccos_backup import errors
    from sccos_backup.jenkins.config import JenkinsConfig

    with pytest.raises(errors.InvalidInput, match="--allow-insecure-http") as refused:
        JenkinsConfig(url="http://jenkins.example/", user="ops", token="tok-SECRET-1")
    assert "http://jenkins.example/" in str(refused.value)
    assert "tok-SECRET-1" not in str(refused.value)
    JenkinsConfig(url="http://jenkins.example/", user="ops", token="t", allow_insecure_http=True)
    for host in ("127.0.0.1", "127.8.9.10", "[::1]", "localhost", "LOCALHOST"):
        JenkinsConfig(url=f"http://{host}:8080/", user="ops", token="t")
    JenkinsConfig(url="https://jenkins.example/", user="ops", token="t")


def test_allow_insecure_http_lets_resync_reach_an_http_jenkins(fake: FakeJenkins) -> None:
    result = cli("resync", "--allow-insecure-http", fake=fake)
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize(
    "args",
    [
        ("resync", "--jenkins-token", "tok-SECRET-argv"),
        ("resync", "--jenkins-token=tok-SECRET-argv"),
        ("restore", "run", "shop", "--latest", "--jenkins-token", "tok-SECRET-argv"),
        ("doctor", "shop", "--latest", "--jenkins-token", "tok-SECRET-argv"),
    ],
)
def test_the_removed_token_option_says_what_to_use(args: tuple[str, ...]) -> None:
    result = cli(*args)
    assert result.exit_code == 2, result.output
    [line] = result.stderr.strip().splitlines()
    assert "No such option" not in line, line
    assert "JENKINS_API_TOKEN" in line and "--jenkins-token-file" in line, line
    assert "tok-SECRET-argv" not in result.output


def test_swapped_user_and_token_never_show_the_token(fake: FakeJenkins) -> None:
    time = FakeTime()
    env = {"JENKINS_URL": fake.url, "JENKINS_USER": fake.token, "JENKINS_API_TOKEN": fake.user}
    context = FakeFactory(sleep=time.sleep, clock=time.clock)
    result = CliRunner().invoke(app, ["resync"], env=env, obj=context)
    assert result.exit_code != 0
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("error: ") and "HTTP 401" in line, line
    assert fake.token not in result.output
    assert not fake.jobs


def test_a_host_that_fails_idna_is_one_line_through_the_cli(fake: FakeJenkins) -> None:
    result = cli("resync", fake=fake, url="https://" + "a" * 64 + ".example/")
    assert result.exit_code != 0
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("error: ") and "--jenkins-url" in line, line
    assert "Traceback" not in result.output


def test_an_interrupt_while_the_finished_build_is_read_stops_nothing(fake: FakeJenkins) -> None:
    """Ctrl-C as the last console lines of a build that has ended arrive: nothing to stop."""
    from sccos_backup import errors
    from sccos_backup.jenkins.client import make_jenkins_adapter
    from sccos_backup.jenkins.config import JenkinsConfig
    from sccos_backup.resync.job import ResyncRequest, run_resync
    from tests.fake_jenkins import BuildPlan

    fake.plan(BuildPlan(chunks=["syncing\n", "done\n"]))
    time = FakeTime()
    config = JenkinsConfig(url=fake.url, user=fake.user, token=fake.token)
    adapter = make_jenkins_adapter(config, sleep=time.sleep, clock=time.clock)

    def interrupted_at_the_end(text: str) -> None:
        if "done" in text:
            raise KeyboardInterrupt

    with pytest.raises((errors.SccosBackupError, KeyboardInterrupt)) as caught:
        run_resync(adapter, ResyncRequest(), interrupted_at_the_end)
    assert not fake.calls("POST", "/stop"), "a finished build was stopped"
    assert "stopped build" not in str(caught.value)
