"""One convention for every command, walked over the real command tree, so a command added
later is held to it without a line here: `-h`, DB_ID in the usage line, help within 80
columns, time options with units, `--json` with a JSON error object on failure, shell
completion. Each failure message says what to change, and where."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from typer.testing import CliRunner

from automation.cli import app
from tests.faults import record_backoff
from tests.support.commands import command_paths

pytestmark = pytest.mark.aws_in_process

__all__ = ["record_backoff"]  # the fixture, used by name

#: An endpoint that refuses at once: a command that contacts AWS fails fast, not after retries.
REFUSING = {"AWS_ENDPOINT_URL": "http://127.0.0.1:9", "COLUMNS": "80"}
HOW = "(automation/commands/options.py; docs/cli.md describes the convention)"


def _leaves() -> list[tuple[str, ...]]:
    return command_paths(app)


def _click_command(path: tuple[str, ...]) -> Any:
    from typer.main import get_command

    command = get_command(app)
    for name in path:
        command = command.commands[name]  # type: ignore[attr-defined]
    return command


def _name(path: tuple[str, ...]) -> str:
    return "sccos-backup " + " ".join(path)


LEAVES = _leaves()
IDS = [" ".join(p) for p in LEAVES]


@pytest.mark.parametrize("path", LEAVES, ids=IDS)
def test_h_is_help(path: tuple[str, ...]) -> None:
    short = CliRunner().invoke(app, [*path, "-h"], env=REFUSING)
    assert short.exit_code == 0, f"`{_name(path)} -h` is refused: {short.output}"
    long = CliRunner().invoke(app, [*path, "--help"], env=REFUSING)
    assert short.stdout == long.stdout
    assert "-h, --help" in long.stdout, (
        f"{_name(path)}: no `-h`; do not give one of its options the short name -h"
    )


@pytest.mark.parametrize("path", LEAVES, ids=IDS)
def test_usage_names_arguments_in_capitals(path: tuple[str, ...]) -> None:
    usage = CliRunner().invoke(app, [*path, "--help"], env=REFUSING).stdout.splitlines()[0]
    assert "{" not in usage and "<" not in usage, (
        f"{_name(path)}: the usage line shows `{usage}`; give the argument a "
        'metavar in capitals, e.g. typer.Argument(metavar="DB_ID")'
    )


@pytest.mark.parametrize("path", LEAVES, ids=IDS)
def test_help_fits_80_columns(path: tuple[str, ...]) -> None:
    shown = CliRunner().invoke(app, [*path, "--help"], env=REFUSING).stdout
    long = [line for line in shown.splitlines() if len(line) > 80]
    assert long == [], (
        f"{_name(path)} --help has lines over 80 columns (shorten the help text, or the "
        f"example in automation/commands/examples.py): {long}"
    )


_TIME = re.compile(r"(timeout|since|age|interval|wait_for|duration)$")


@pytest.mark.parametrize("path", LEAVES, ids=IDS)
def test_time_options_take_units(path: tuple[str, ...]) -> None:
    for param in _click_command(path).params:
        if param.param_type_name != "option" or not _TIME.search(str(param.name)):
            continue
        assert param.metavar in {"DURATION", "TIME|AGE"}, (
            f"{_name(path)} {param.opts[0]}: a time option takes units (4h, 90m, 30s; a bare "
            f"number is seconds): declare it with `duration_option(...)` {HOW}"
        )
        if param.metavar == "DURATION":
            parsed = CliRunner().invoke(app, [*path, param.opts[0], "soon", "-h"], env=REFUSING)
            assert parsed.exit_code == 0  # -h is eager: no value is converted


@pytest.mark.parametrize("path", LEAVES, ids=IDS)
def test_every_command_has_json(path: tuple[str, ...]) -> None:
    options = [o for p in _click_command(path).params for o in getattr(p, "opts", [])]
    assert "--json" in options, (
        f"{_name(path)} has no --json: add `json_output: JsonOpt = False` {HOW} and print the "
        "result with echo_json (schemaVersion first, camelCase keys)"
    )


def _json_error(result: Any, path: tuple[str, ...], args: list[str]) -> dict[str, Any]:
    where = f"`{_name(path)} {' '.join(args)}`"
    assert result.exit_code != 0, f"{where} succeeded: {result.output}"
    try:
        printed = json.loads(result.stdout)
    except ValueError:
        raise AssertionError(
            f"{where} failed without a JSON error object on stdout (raise the error through "
            f"automation.commands.context.fail or a library error): {result.stdout!r}"
        ) from None
    assert next(iter(printed)) == "schemaVersion", printed
    error = printed["error"]
    assert set(error) >= {"code", "exitCode", "message"}, error
    assert error["exitCode"] == result.exit_code or printed.get("verdict") == "UNKNOWN"
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1 and error["message"] in errors[0], result.stderr
    assert "Traceback" not in result.output
    return printed


@pytest.mark.parametrize("path", LEAVES, ids=IDS)
def test_a_failing_json_command_prints_a_json_error(path: tuple[str, ...]) -> None:
    args = ["--json", "--no-such-option"]
    result = CliRunner().invoke(app, [*path, *args], env=REFUSING)
    printed = _json_error(result, path, args)
    assert printed["error"]["code"] == "usage"
    if any(p.name == "db_id" for p in _click_command(path).params):
        args = ["bad--id", "--json", "--snapshot", "x", "--stack", "s"]
        args = [a for a in args if a in ("bad--id", "--json") or _has(path, "--snapshot", a)]
        result = CliRunner().invoke(app, [*path, *args], env=REFUSING)
        _json_error(result, path, args)


def _has(path: tuple[str, ...], option: str, word: str) -> bool:
    options = {o for p in _click_command(path).params for o in getattr(p, "opts", [])}
    return option in options and word in (option, "x")


def test_shell_completion_is_offered() -> None:
    shown = CliRunner().invoke(app, ["--help"], env=REFUSING).stdout
    assert "--install-completion" in shown and "--show-completion" in shown


def test_db_ids_are_completed_from_rds(moto: str, rds: Any, record_backoff: list[float]) -> None:
    from tests.conftest import make_instance

    make_instance(rds, "shop")
    make_instance(rds, "blog")
    env = {
        "_SCCOS_BACKUP_COMPLETE": "complete_bash",
        "COMP_WORDS": "sccos-backup snapshot list s",
        "COMP_CWORD": "3",
        "AWS_ENDPOINT_URL": moto,
    }
    result = CliRunner().invoke(app, [], env=env, prog_name="sccos-backup")
    assert "shop" in result.stdout.split() and "blog" not in result.stdout.split(), result.output
    env["AWS_ENDPOINT_URL"] = REFUSING["AWS_ENDPOINT_URL"]
    offline = CliRunner().invoke(app, [], env=env, prog_name="sccos-backup")
    assert offline.exit_code == 0 and "Traceback" not in offline.output, "completion never fails"
    assert offline.stdout.split() == [], offline.output
    assert record_backoff == [], "a Tab press asks once: no retries, no backoff to wait out"


def test_missing_credentials_and_missing_region_exit_alike(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    """Both are missing settings (exit 2); the credentials line named a DB instance first."""
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.delenv("AWS_REGION", raising=False)
    monkeypatch.delenv("AWS_DEFAULT_REGION", raising=False)
    no_region = CliRunner().invoke(app, ["snapshot", "list", "shop"], env=REFUSING)
    monkeypatch.setenv("AWS_REGION", "eu-central-1")
    no_credentials = CliRunner().invoke(app, ["snapshot", "list", "shop"], env=REFUSING)
    assert no_region.exit_code == 2, no_region.output
    assert no_credentials.exit_code == 2, no_credentials.output
    assert no_credentials.stderr.startswith("error: no AWS credentials found"), (
        no_credentials.stderr
    )


def test_the_production_warning_is_said_only_where_true(aws_env: None) -> None:
    said = {}
    for path in (
        ("restore", "run", "shop", "--latest"),
        ("restore", "rollback", "shop"),
        ("restore", "unlock", "shop"),
        ("schedule", "up", "--stack", "fleet"),
        ("drill", "run", "shop", "--hourly"),
    ):
        result = CliRunner().invoke(app, list(path), env=REFUSING)
        assert result.exit_code == 2, (path, result.output)
        said[path[:2]] = "changes production databases" in result.stderr
    assert said == {
        ("restore", "run"): True,
        ("restore", "rollback"): True,
        ("restore", "unlock"): False,
        ("schedule", "up"): False,
        ("drill", "run"): False,
    }


def test_docs_cli_gives_the_exit_code_of_a_refused_prompt(aws_env: None) -> None:
    """docs/cli.md said a confirmation refused without a terminal exits 10; it exits 2."""
    from pathlib import Path

    page = (Path(__file__).parent.parent / "docs" / "cli.md").read_text(encoding="utf-8")
    said = re.search(r"refuses unless `-y` is given \(exit (\d+)\)", " ".join(page.split()))
    assert said, "docs/cli.md no longer says how a refused confirmation exits"
    result = CliRunner().invoke(app, ["restore", "rollback", "shop"], env=REFUSING)
    assert result.exit_code == int(said.group(1)), result.output


def test_a_point_in_time_plan_reads_as_one(moto: str, rds: Any) -> None:
    """It said "from point in time the latest restorable time" and "(from the snapshot)"."""
    from tests.conftest import make_instance

    make_instance(rds, "shop")
    result = CliRunner().invoke(
        app, ["restore", "plan", "shop", "--latest", "--endpoint-url", moto], env={"COLUMNS": "80"}
    )
    assert result.exit_code == 3, result.output  # not ready here (no Pulumi CLI nor Jenkins)
    assert "point in time the latest" not in result.stdout
    assert "the latest restorable time of" in result.stdout
    assert "(from the snapshot)" not in result.stdout
