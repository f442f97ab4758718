"""`drill plan | run | cleanup | history` through the CLI against moto, on the test engine."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import boto3
import pytest
from typer.testing import CliRunner

from automation.cli import app
from sccos_backup.restore.spec import RestoreSpec
from tests.conftest import REGION, aws_state, one_error_line
from tests.inprocess_engine import InProcessEngine
from tests.support.drill import (
    FAILING,
    PASSING,
    RESTORE_TIME,
    TimedEngine,
    instance_ids,
    live_view,
    make_shop,
    start_clock,
)
from tests.support.factory import FakeFactory
from tests.support.restore_window import restorable_second

#: moto answered in process, except the end-to-end drill (aws_over_http), still over real HTTP.
pytestmark = pytest.mark.aws_in_process


class InterruptingEngine(TimedEngine):
    """Ctrl-C once, right after the copy was created: when the preview after `pulumi up` shows
    no change (the up step may run `up` twice, see automation/engine/converge.py)."""

    interrupt = True

    def changes(self, stack: str, spec: RestoreSpec, on_output: Any) -> dict[str, int]:
        result = super().changes(stack, spec, on_output)
        if self.interrupt and not result:
            self.interrupt = False
            raise KeyboardInterrupt
        return result


class Cli:
    def __init__(self, moto: str, tmp_path: Path, engine: type[TimedEngine] = TimedEngine) -> None:
        self.moto = moto
        self.clock = start_clock()
        self.engine = engine(InProcessEngine(moto, tmp_path / "state"), self.clock)
        self.reports = tmp_path / "reports"

    def __call__(self, *args: str) -> Any:
        context = FakeFactory(
            clock=self.clock, sleep=self.clock.sleep, interactive=False, engine=self.engine
        )
        return CliRunner().invoke(
            app,
            ["--endpoint-url", self.moto, "--region", REGION, *args],
            obj=context,
            env={"SCCOS_BACKUP_REPORTS_URL": str(self.reports)},
        )


@pytest.fixture
def shop(rds: Any) -> dict[str, Any]:
    return make_shop(rds)


def test_plan_json_has_the_restore_plans_shape_and_the_deliberate_differences(
    moto: str, rds: Any, shop: Any, tmp_path: Path
) -> None:
    cli = Cli(moto, tmp_path)
    drill = cli("drill", "plan", "shop", "--snapshot", "shop-nightly", "--json")
    restore = cli("restore", "plan", "shop", "--snapshot", "shop-nightly", "--no-resync", "--json")
    assert drill.exit_code == 0 and restore.exit_code == 0, drill.output + restore.output
    plan, restore_plan = json.loads(drill.stdout), json.loads(restore.stdout)
    for key in ("target", "source", "steps", "settings"):
        assert type(plan[key]) is type(restore_plan[key]), key
    assert set(restore_plan["settings"]) == set(plan["settings"])
    assert plan["target"].startswith("shop-drill-")
    assert plan["source"]["snapshotIdentifier"] == "shop-nightly"
    assert plan["settings"]["DeletionProtection"] is False
    assert restore_plan["settings"]["DeletionProtection"] is True
    assert plan["settings"]["BackupRetentionPeriod"] == 1
    tags = {t["Key"]: t["Value"] for t in plan["settings"]["Tags"]}
    assert tags["Environment"] == "production" and tags["sccos-backup:drill-of"] == "shop"
    differing = {k for k in plan["settings"] if plan["settings"][k] != restore_plan["settings"][k]}
    listed = {d["setting"] for d in plan["differences"]}
    assert differing <= listed, "every setting that differs is listed as deliberate"
    assert [s["key"] for s in plan["steps"]] == [
        "preconditions",
        "up",
        "wait",
        "verify",
        "destroy",
        "report",
    ]


@pytest.mark.aws_over_http
def test_run_end_to_end_writes_json_and_markdown_reports(
    moto: str, rds: Any, shop: Any, tmp_path: Path
) -> None:
    cli = Cli(moto, tmp_path)
    before = live_view(rds)
    markdown = tmp_path / "drill.md"
    result = cli(
        "drill",
        "run",
        "shop",
        "--hourly",
        "--check-command",
        PASSING,
        "--report",
        str(markdown),
        "--yes",
        "--json",
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["result"] == "passed"
    assert report["figures"]["rtoSeconds"] == RESTORE_TIME.total_seconds()
    assert report["source"]["snapshotIdentifier"] == "shop-hourly-2026-11-25-11"
    [stored] = list((tmp_path / "reports").glob("shop-drill-*.json"))
    assert {"schemaVersion": 1, **json.loads(stored.read_text())} == report
    text = markdown.read_text()
    assert text.startswith(f"# Restore drill {report['drill']} of `shop`: PASSED")
    assert "| DeletionProtection | no | no | ok |" in text
    assert instance_ids(rds) == {"shop"}
    assert live_view(rds) == before

    history = cli("drill", "history", "shop", "--json")
    assert history.exit_code == 0, history.output
    [row] = json.loads(history.stdout)["drills"]
    assert row["drill"] == report["drill"] and row["result"] == "passed"


def test_a_failing_check_exits_4_with_one_line_naming_the_report(
    moto: str, rds: Any, shop: Any, tmp_path: Path
) -> None:
    cli = Cli(moto, tmp_path)
    result = cli("drill", "run", "shop", "--latest", "--check-command", FAILING, "--yes")
    one_error_line(result, 4, "check command exited 3", "report: ", progress=True)
    assert instance_ids(rds) == {"shop"}, "a failed drill still removes its copy"


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--snapshot", "shop-nightly", "--latest", "--yes"], "exactly one restore point"),
        (["--random", "--hourly", "--yes"], "--hourly and --random"),
        (["--latest"], "needs a confirmation"),
        (["--latest", "--check-command", " ", "--yes"], "--check-command is empty"),
        (["--snapshot", "Bad_Name", "--yes"], "invalid"),
        (["--latest", "--report", "/nonexistent/folder/r.md", "--yes"], "does not exist"),
    ],
)
def test_bad_input_is_one_line_and_changes_nothing(
    moto: str, rds: Any, shop: Any, tmp_path: Path, args: list[str], needle: str
) -> None:
    before = aws_state(rds)
    result = Cli(moto, tmp_path)("drill", "run", "shop", *args)
    one_error_line(result, 2, needle)
    assert aws_state(rds) == before


def test_missing_snapshot_is_a_precondition_and_changes_nothing(
    moto: str, rds: Any, shop: Any, tmp_path: Path
) -> None:
    before = aws_state(rds)
    result = Cli(moto, tmp_path)("drill", "run", "shop", "--snapshot", "nope", "--yes")
    one_error_line(result, 3, "'nope' does not exist")
    assert aws_state(rds) == before


def test_ctrl_c_says_how_to_continue_and_run_again_continues(
    moto: str, rds: Any, shop: Any, tmp_path: Path
) -> None:
    cli = Cli(moto, tmp_path, InterruptingEngine)
    first = cli("drill", "run", "shop", "--snapshot", "shop-nightly", "--yes")
    one_error_line(first, 130, "drill run shop", "drill cleanup shop", progress=True)
    assert len(instance_ids(rds)) == 2, "the copy exists"
    other = cli("drill", "run", "shop", "--latest", "--yes")
    one_error_line(other, 3, "is unfinished", "drill cleanup shop")
    again = cli("drill", "run", "shop", "--snapshot", "shop-nightly", "--yes")
    assert again.exit_code == 0, again.output
    assert "continuing drill" in again.stdout and "PASSED" in again.stdout
    assert instance_ids(rds) == {"shop"}


def test_keep_then_cleanup(moto: str, rds: Any, shop: Any, tmp_path: Path) -> None:
    cli = Cli(moto, tmp_path)
    kept = cli("drill", "run", "shop", "--snapshot", "shop-nightly", "--keep", "--yes")
    assert kept.exit_code == 0, kept.output
    assert "drill cleanup shop" in kept.stdout
    assert len(instance_ids(rds)) == 2
    refused = cli("drill", "cleanup", "shop")
    one_error_line(refused, 2, "needs a confirmation")
    done = cli("drill", "cleanup", "shop", "--yes")
    assert done.exit_code == 0, done.output
    assert "destroyed" in done.stdout
    assert instance_ids(rds) == {"shop"}
    nothing = cli("drill", "cleanup", "shop", "--yes")
    assert "nothing to clean up" in nothing.stdout


def test_reports_in_an_s3_prefix(moto: str, rds: Any, shop: Any, tmp_path: Path) -> None:
    s3 = boto3.client("s3", region_name=REGION, endpoint_url=moto)
    s3.create_bucket(Bucket="drills", CreateBucketConfiguration={"LocationConstraint": REGION})
    cli = Cli(moto, tmp_path)
    url = "s3://drills/team-a/reports"
    run = cli("drill", "run", "shop", "--snapshot", "shop-nightly", "--reports-url", url, "--yes")
    assert run.exit_code == 0, run.output
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket="drills")["Contents"]]
    assert len(keys) == 1 and keys[0].startswith("team-a/reports/shop-drill-")
    history = cli("drill", "history", "shop", "--reports-url", url)
    assert history.exit_code == 0, history.output
    assert "passed" in history.stdout and "snapshot shop-nightly" in history.stdout
    # The state backend's URL grammar: options after '?' are not part of the prefix.
    same = cli("drill", "history", "shop", "--reports-url", f"{url}?region={REGION}")
    assert same.exit_code == 0 and "passed" in same.stdout, same.output
    missing = cli("drill", "history", "shop", "--reports-url", "s3://no-such-bucket/x")
    one_error_line(missing, 3, "no-such-bucket")


@pytest.mark.parametrize("choice", ["--to-time", "--random"])
def test_plan_for_a_point_in_time_and_a_random_point(
    moto: str, rds: Any, shop: Any, tmp_path: Path, choice: str
) -> None:
    when = restorable_second("shop").strftime("%Y-%m-%dT%H:%M:%SZ")
    args = [choice, when] if choice == "--to-time" else [choice]
    before = aws_state(rds)
    result = Cli(moto, tmp_path)("drill", "plan", "shop", *args, "--json")
    assert result.exit_code == 0, result.output
    plan = json.loads(result.stdout)
    assert plan["source"]["choice"] == choice.removeprefix("--")
    if choice == "--to-time":
        assert plan["source"]["type"] == "point-in-time"
        assert plan["source"]["restoreTime"] == when
        assert plan["source"]["sourceDbiResourceId"] == shop["DbiResourceId"]
    else:
        assert plan["source"]["reason"].startswith("drawn at random from")
    assert aws_state(rds) == before


@pytest.mark.parametrize(
    "url", ["https://drills.s3.amazonaws.com/reports", "S3://drills/reports", "http://x/y"]
)
def test_a_reports_url_that_is_neither_s3_nor_a_folder_is_refused_before_the_drill(
    moto: str, rds: Any, shop: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, url: str
) -> None:
    """It was taken for a folder: the drill ran, and its report went to ./https:/... ."""
    monkeypatch.chdir(tmp_path)
    before = aws_state(rds)
    cli = Cli(moto, tmp_path)
    result = cli("drill", "run", "shop", "--latest", "--reports-url", url, "--yes")
    one_error_line(result, 2, "--reports-url", "s3://BUCKET/PREFIX")
    assert aws_state(rds) == before
    history = cli("drill", "history", "shop", "--reports-url", url)
    one_error_line(history, 2, "--reports-url")
    assert not any(":" in p.name for p in tmp_path.iterdir()), "a folder named after a URL"


def test_a_report_path_that_is_a_folder_is_refused_before_the_drill(
    moto: str, rds: Any, shop: Any, tmp_path: Path
) -> None:
    """Only its parent was checked: the drill ran, then writing the Markdown report into a
    folder ended in a traceback and the report was not shown."""
    before = aws_state(rds)
    result = Cli(moto, tmp_path)(
        "drill", "run", "shop", "--latest", "--report", str(tmp_path), "--yes"
    )
    one_error_line(result, 2, "--report", "folder")
    assert aws_state(rds) == before


def test_a_reports_folder_that_is_a_file_is_refused_before_the_drill(
    moto: str, rds: Any, shop: Any, tmp_path: Path
) -> None:
    """The report was written only at the end: the drill ran, then failed and its figures
    were lost."""
    (tmp_path / "a-file").write_text("x")
    before = aws_state(rds)
    cli = Cli(moto, tmp_path)
    result = cli(
        "drill", "run", "shop", "--latest", "--reports-url", str(tmp_path / "a-file"), "--yes"
    )
    one_error_line(result, 2, "--reports-url", "a-file")
    assert aws_state(rds) == before


def test_two_drills_in_the_same_minute_keep_both_reports(
    moto: str, rds: Any, shop: Any, tmp_path: Path
) -> None:
    cli = Cli(moto, tmp_path)
    start = cli.clock.now.replace(second=0)
    drills = []
    for offset in (0, 30):
        cli.clock.now = start + timedelta(seconds=offset)  # both start within one minute
        result = cli(
            "drill", "run", "shop", "--hourly", "--check-command", PASSING, "--yes", "--json"
        )
        assert result.exit_code == 0, result.output
        drills.append(json.loads(result.stdout)["drill"])
    assert drills[0] == drills[1], "both drills carry the same minute's id"
    stored = sorted((tmp_path / "reports").glob("shop-drill-*.json"))
    assert len(stored) == 2, f"one report overwrote the other: {stored}"
    history = cli("drill", "history", "shop", "--json")
    assert len(json.loads(history.stdout)["drills"]) == 2


def test_the_first_step_says_what_the_drill_checks_and_that_run_checks_again(
    moto: str, rds: Any, shop: Any, tmp_path: Path
) -> None:
    cli = Cli(moto, tmp_path)
    planned = cli("drill", "plan", "shop", "--snapshot", "shop-nightly", "--json")
    first = json.loads(planned.stdout)["steps"][0]["title"]
    assert "done for this plan" not in first, first
    assert "not the checks of `sccos-backup doctor`" in first, first
    assert "`drill run` makes a new plan and checks again before it creates the copy" in first
    # ... and it does: a precondition broken after the plan stops the run before any change.
    rds.delete_db_snapshot(DBSnapshotIdentifier="shop-nightly")
    before = aws_state(rds)
    ran = cli("drill", "run", "shop", "--snapshot", "shop-nightly", "--yes")
    one_error_line(ran, 3, "'shop-nightly' does not exist")
    assert aws_state(rds) == before
