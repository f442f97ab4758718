"""Command-line conventions: --version, global options before or after the command, `init`,
project folders found from any folder."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from automation.cli import app, hoist_global_options
from automation.commands.projects import RESTORE, SCHEDULE, resolve
from tests.conftest import one_error_line

pytestmark = pytest.mark.aws_in_process

ROOT = Path(__file__).resolve().parent.parent


def test_version() -> None:
    result = CliRunner().invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.stdout.startswith("sccos-backup 0.")


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (
            ["snapshot", "list", "shop", "--region", "x"],
            ["--region", "x", "snapshot", "list", "shop"],
        ),
        (["snapshot", "--profile=p", "list"], ["--profile=p", "snapshot", "list"]),
        (["--region", "x", "snapshot"], ["--region", "x", "snapshot"]),
        (["resync", "--", "--region", "x"], ["resync", "--", "--region", "x"]),
        (["snapshot", "list", "--debug"], ["--debug", "snapshot", "list"]),
    ],
)
def test_global_options_are_moved_to_the_front(args: list[str], expected: list[str]) -> None:
    assert hoist_global_options(args) == expected


def test_global_options_work_after_the_command(aws_env: None) -> None:
    result = CliRunner().invoke(app, ["snapshot", "list", "shop", "--endpoint-url", "127.0.0.1:1"])
    one_error_line(result, 2, "'127.0.0.1:1'", "scheme")


def test_the_checkout_is_a_project_and_the_packaged_one_matches_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import yaml

    assert RESTORE.is_project(ROOT) and SCHEDULE.is_project(ROOT / "schedule")
    for template, folder in ((RESTORE, ROOT), (SCHEDULE, ROOT / "schedule")):
        packaged = yaml.safe_load(template.files(pin_interpreter=False)["Pulumi.yaml"])
        assert packaged == yaml.safe_load((folder / "Pulumi.yaml").read_text(encoding="utf-8"))
    monkeypatch.chdir(ROOT)
    assert resolve(RESTORE, None) == ROOT
    assert resolve(SCHEDULE, None) == ROOT / "schedule"


def test_outside_a_project_the_packaged_one_is_written_to_the_data_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    folder = resolve(RESTORE, None)
    assert folder == tmp_path / "data" / "sccos-backup" / "projects" / "restore"
    assert RESTORE.is_project(folder)
    assert "from sccos_backup.restore.program import main" in (folder / "__main__.py").read_text()
    assert list(p.name for p in tmp_path.iterdir()) == ["data"]
    assert resolve(RESTORE, tmp_path / "mine") == tmp_path / "mine", "--work-dir wins"


def test_init_creates_a_project_folder_and_refuses_another_project(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["init", str(tmp_path / "ops")])
    assert result.exit_code == 0, result.output
    assert RESTORE.is_project(tmp_path / "ops")
    assert SCHEDULE.is_project(tmp_path / "ops" / "schedule")
    assert f"wrote {tmp_path / 'ops' / 'Pulumi.yaml'}" in result.stdout
    again = CliRunner().invoke(app, ["init", str(tmp_path / "ops")])
    assert again.exit_code == 0, "idempotent"
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "Pulumi.yaml").write_text("name: website\nruntime: nodejs\n")
    one_error_line(CliRunner().invoke(app, ["init", str(tmp_path / "other")]), 2, "another Pulumi")


def test_init_onto_a_file_or_below_one_is_one_line(tmp_path: Path) -> None:
    """`init` onto an existing file, or a folder that cannot be created, ended in a traceback."""
    (tmp_path / "a-file").write_text("x")
    for target in (tmp_path / "a-file", tmp_path / "a-file" / "below"):
        result = CliRunner().invoke(app, ["init", str(target)])
        one_error_line(result, 2, f"'{target}'")
    assert (tmp_path / "a-file").read_text() == "x"


def _leaves() -> list[tuple[str, ...]]:
    from tests.support.commands import command_paths

    return command_paths(app)


@pytest.mark.parametrize("path", _leaves(), ids=" ".join)
def test_every_command_has_one_example_that_parses(path: tuple[str, ...]) -> None:
    import re

    from tests.support.docs import console_argv

    shown = CliRunner().invoke(app, [*path, "--help"])
    assert shown.exit_code == 0
    text = " ".join(shown.stdout.split())
    found = re.findall(r"Example: (sccos-backup .+?)(?: Arguments:| Options:|$)", text)
    assert found, f"{' '.join(path)} --help shows no example"
    argv = console_argv(found[0])
    assert argv[: len(path)] == list(path), found[0]
    parsed = CliRunner().invoke(app, [*argv, "--help"], env={"AWS_ENDPOINT_URL": ""})
    assert parsed.exit_code == 0, (found[0], parsed.output)


def test_no_option_shows_typers_default_metavar() -> None:
    for path in _leaves():
        shown = CliRunner().invoke(app, [*path, "--help"]).stdout
        assert "<int>" not in shown and "<str>" not in shown and "<float>" not in shown, path


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("75", 4500), ("75m", 4500), ("1h15m", 4500), ("90s", 90), ("2h", 7200), (" 5M ", 300)],
)
def test_durations_take_units_and_the_old_bare_minutes(text: str, seconds: float) -> None:
    from sccos_backup.identifiers import parse_duration

    assert parse_duration(text, bare_unit="m", option="--max-hourly-age") == seconds


@pytest.mark.parametrize("text", ["", "m", "7x", "1.5h", "-5m", "5 m"])
def test_a_bad_duration_is_one_line(text: str, aws_env: None) -> None:
    result = CliRunner().invoke(app, ["snapshot", "check", "shop", "--max-hourly-age", text])
    one_error_line(result, 3, "--max-hourly-age", "75m")  # a monitoring plugin's UNKNOWN
    assert result.stdout.startswith("UNKNOWN: ")


def test_confirmations_take_y_and_the_job_option_is_one_name() -> None:
    for path in _leaves():
        shown = CliRunner().invoke(app, [*path, "--help"]).stdout
        if "--yes" in shown:
            assert "-y, --yes" in shown, path
        assert "--jenkins-job" not in shown or "--job, --jenkins-job" in shown, path


def test_one_json_convention(capsys: pytest.CaptureFixture[str]) -> None:
    import json

    from automation.commands.context import echo_json

    echo_json(
        {
            "dry_run": True,
            "restore_points": [{"size_gib": 5, "tags": {"cost_center": "x"}}],
            "config": {"sccos-backup:keep_hours": 60},
            "resourceId": "db-1",
        }
    )
    printed = json.loads(capsys.readouterr().out)
    assert next(iter(printed)) == "schemaVersion" and printed["schemaVersion"] == 1
    assert printed["dryRun"] is True and printed["resourceId"] == "db-1"
    assert printed["restorePoints"] == [{"sizeGib": 5, "tags": {"cost_center": "x"}}]
    assert printed["config"] == {"sccos-backup:keep_hours": 60}, "data keys stay as they are"


def test_iam_policy_prints_a_plain_policy_document() -> None:
    import json

    printed = json.loads(CliRunner().invoke(app, ["iam-policy", "snapshot"]).stdout)
    assert set(printed) == {"Version", "Statement"}


def test_values_wrap_at_separators_never_mid_word() -> None:
    from automation.commands.columns import two_columns, wrap

    arn = "arn:aws:kms:eu-central-1:123456789012:key/1111aaaa-2222-bbbb-3333-cccc4444dddd"
    assert wrap(arn, 42) == [
        "arn:aws:kms:eu-central-1:123456789012:key/",
        "1111aaaa-2222-bbbb-3333-cccc4444dddd",
    ]
    assert "".join(wrap(arn, 42)) == arn
    table = two_columns([("PerformanceInsightsKMSKeyId", arn), ("Tags", "a=b\nc=d")], total=80)
    assert max(len(line) for line in table.splitlines()) <= 80
    assert wrap("sg-1, sg-2, sg-3", 8) == ["sg-1,", "sg-2,", "sg-3"]


def test_the_restore_and_drill_plans_fit_80_columns(moto: str, rds: object) -> None:
    from tests.conftest import make_instance

    make_instance(
        rds,
        StorageEncrypted=True,
        KmsKeyId="arn:aws:kms:eu-central-1:123456789012:key/1111aaaa-2222-bbbb-3333-cccc4444dddd",
    )
    result = CliRunner().invoke(
        app, ["restore", "plan", "shop", "--latest", "--endpoint-url", moto], env={"COLUMNS": "80"}
    )
    assert result.exit_code == 3, result.output  # not ready here (no Pulumi CLI nor Jenkins)
    settings = result.stdout[result.stdout.index("Settings") :].splitlines()[:-1]
    assert "1111aaaa-2222-bbbb-3333-cccc4444dddd" in result.stdout, "the ARN is cut at a '/'"
    long = [line for line in settings if len(line) > 80 and not line.startswith("warning:")]
    assert long == []
    # `drill plan` had 11 lines over 80 columns: its steps, differences and warnings wrap too.
    drill = ["drill", "plan", "shop", "--latest", "--check-command", "true"]
    result = CliRunner().invoke(app, [*drill, "--endpoint-url", moto], env={"COLUMNS": "80"})
    assert result.exit_code == 0, result.output
    assert [line for line in result.stdout.splitlines() if len(line) > 80] == []
