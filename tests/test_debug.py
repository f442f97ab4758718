"""``--debug``: the AWS calls, Jenkins requests and Pulumi CLI lines of a command on stderr,
with every secret redacted; without it, nothing extra."""

from __future__ import annotations

import logging
import stat
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from automation.cli import app
from tests.conftest import REGION, make_instance
from tests.fake_jenkins import FakeJenkins, FakeTime
from tests.support.factory import FakeFactory

pytestmark = pytest.mark.aws_in_process

DEBUG = "debug: "


def invoke(args: list[str], **kwargs: Any) -> Any:
    return CliRunner().invoke(app, args, **kwargs)


def test_debug_logs_each_aws_call_of_a_real_command(moto: str, rds: Any) -> None:
    make_instance(rds, "shop")
    result = invoke(
        ["--debug", "--endpoint-url", moto, "--region", REGION, "snapshot", "list", "shop"]
    )
    assert result.exit_code == 0, result.output
    calls = [line for line in result.stderr.splitlines() if line.startswith(DEBUG)]
    assert any(
        "rds DescribeDBInstances DBInstanceIdentifier=shop: 200 in " in line for line in calls
    ), result.stderr
    assert any("rds DescribeDBSnapshots" in line for line in calls), result.stderr
    assert DEBUG not in result.stdout


def test_debug_is_a_global_option_after_the_command_too(moto: str, rds: Any) -> None:
    make_instance(rds, "shop")
    args = ["snapshot", "list", "shop", "--endpoint-url", moto, "--region", REGION, "--debug"]
    result = invoke(args)
    assert result.exit_code == 0, result.output
    assert "rds DescribeDBInstances" in result.stderr


def test_without_debug_nothing_extra_is_printed(moto: str, rds: Any) -> None:
    make_instance(rds, "shop")
    result = invoke(["--endpoint-url", moto, "--region", REGION, "snapshot", "list", "shop"])
    assert result.exit_code == 0, result.output
    assert result.stderr == "", result.stderr
    assert "DescribeDB" not in result.stdout


def test_a_failed_aws_call_is_logged_with_its_error(moto: str, rds: Any) -> None:
    result = invoke(
        ["--debug", "--endpoint-url", moto, "--region", REGION, "snapshot", "list", "nope"]
    )
    assert result.exit_code != 0
    assert "rds DescribeDBInstances DBInstanceIdentifier=nope: 404" in result.stderr, result.stderr


@pytest.fixture
def jenkins() -> Iterator[FakeJenkins]:
    with FakeJenkins() as server:
        yield server


def test_debug_logs_each_jenkins_request_and_never_the_token(
    jenkins: FakeJenkins, tmp_path: Path
) -> None:
    token_file = tmp_path / "token"
    token_file.write_text(jenkins.token + "\n")
    time = FakeTime()
    env = {"JENKINS_URL": jenkins.url, "JENKINS_USER": jenkins.user, "JENKINS_API_TOKEN": ""}
    result = invoke(
        ["--debug", "resync", "--jenkins-token-file", str(token_file)],
        env=env,
        obj=FakeFactory(sleep=time.sleep, clock=time.clock),
    )
    assert result.exit_code == 0, result.output
    lines = [line for line in result.stderr.splitlines() if line.startswith(DEBUG)]
    assert any(f"GET {jenkins.url}api/json?tree=url: 200" in line for line in lines), lines
    assert any("POST " in line and "/build" in line and ": 201" in line for line in lines), lines
    assert jenkins.token not in result.stderr + result.stdout
    assert "Authorization" not in result.stderr


def test_the_debug_log_redacts_every_secret(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from automation.commands.debug import enable_debug_logging
    from sccos_backup.redaction import hide

    monkeypatch.setenv("PULUMI_CONFIG_PASSPHRASE", "pw-SECRET-passphrase")
    hide("tok-SECRET-from-a-file")
    disable = enable_debug_logging()
    try:
        log = logging.getLogger("sccos_backup.aws")
        log.debug("token %s", "tok-SECRET-from-a-file")
        log.debug("stack secrets under pw-SECRET-passphrase")
        log.debug('{"MasterUserPassword": "pw-SECRET-master"} --password=pw-SECRET-flag')
        log.debug("https://ops:pw-SECRET-userinfo@jenkins.example/")
    finally:
        disable()
    err = capsys.readouterr().err
    assert "SECRET" not in err, err
    assert err.count("***") >= 5, err
    logging.getLogger("sccos_backup.aws").debug("after disable")
    assert capsys.readouterr().err == ""


def test_debug_logs_the_pulumi_cli_output_redacted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The Pulumi CLI run exactly as the engine runs it (ForwardingCommand): a stand-in
    ``pulumi`` that prints a progress line and, on stderr, its passphrase."""
    from automation.commands.debug import enable_debug_logging
    from automation.engine.interrupts import ForwardingCommand

    cli = tmp_path / "pulumi"
    cli.write_text(
        f"#!{sys.executable}\n"
        "import os, sys\n"
        "print('Updating (restore-shop-1)')\n"
        "print('passphrase ' + os.environ['PULUMI_CONFIG_PASSPHRASE'], file=sys.stderr)\n"
    )
    cli.chmod(cli.stat().st_mode | stat.S_IXUSR)

    class Found:
        command = str(cli)
        version = None

    monkeypatch.setenv("PULUMI_CONFIG_PASSPHRASE", "pw-SECRET-stack")
    disable = enable_debug_logging()
    try:
        ForwardingCommand(Found()).run(["preview", "--stack", "restore-shop-1"], str(tmp_path), {})
    finally:
        disable()
    err = capsys.readouterr().err
    assert (
        "debug: automation.pulumi: pulumi --non-interactive preview --stack restore-shop-1" in err
    )
    assert "Updating (restore-shop-1)" in err
    assert "passphrase ***" in err and "SECRET" not in err, err
    assert "exit code 0" in err


def test_a_whole_restore_run_under_debug_logs_its_calls_and_no_secret(
    moto: str, rds: Any, jenkins: FakeJenkins, tmp_path: Path
) -> None:
    """The command with the most secrets at hand: a restore run with its re-sync (Jenkins token
    from a file) and the stack passphrase set; the suite's secret guard scans its output too."""
    from tests.conftest import FakeClock
    from tests.inprocess_engine import InProcessEngine

    make_instance(rds, "shop")
    rds.create_db_snapshot(DBInstanceIdentifier="shop", DBSnapshotIdentifier="shop-nightly")
    token_file = tmp_path / "token"
    token_file.write_text(jenkins.token + "\n")
    clock = FakeClock()
    engine = InProcessEngine(moto, tmp_path / "state")
    env = {
        "JENKINS_URL": jenkins.url,
        "JENKINS_USER": jenkins.user,
        "JENKINS_API_TOKEN": "",
        "PULUMI_CONFIG_PASSPHRASE": "pw-SECRET-stack-passphrase",
    }
    args = ["--debug", "--endpoint-url", moto, "--region", REGION, "restore", "run", "shop"]
    args += ["--snapshot", "shop-nightly", "--yes", "--jenkins-token-file", str(token_file)]
    result = invoke(
        args,
        env=env,
        obj=FakeFactory(clock=clock, sleep=clock.sleep, interactive=False, engine=engine),
    )
    assert result.exit_code == 0, result.output
    assert (
        "rds ModifyDBInstance DBInstanceIdentifier=shop NewDBInstanceIdentifier=" in result.stderr
    )
    assert f"POST {jenkins.url}" in result.stderr
    everything = result.stdout + result.stderr
    assert jenkins.token not in everything
    assert "pw-SECRET-stack-passphrase" not in everything


def test_a_passphrase_from_its_file_is_redacted_too(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Only the environment variable's value was hidden: a passphrase read from
    PULUMI_CONFIG_PASSPHRASE_FILE reached the debug log as it is."""
    from automation.commands.factory import passphrase
    from sccos_backup import redaction

    monkeypatch.setattr(redaction, "_hidden", set())
    monkeypatch.delenv("PULUMI_CONFIG_PASSPHRASE", raising=False)
    secret_file = tmp_path / "passphrase"
    secret_file.write_text("file-kept-passphrase\n")
    monkeypatch.setenv("PULUMI_CONFIG_PASSPHRASE_FILE", str(secret_file))
    assert passphrase() is None  # the Pulumi CLI reads the file itself
    line = redaction.redact("pulumi: decrypting with file-kept-passphrase")
    assert "file-kept-passphrase" not in line, line
