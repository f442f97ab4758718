"""Plans, run summaries, cleanups, drill plans and drill reports keep their exact JSON.

Plan files and drill reports are stored (``--out``, the state backend, the reports folder) and
read back by later versions; ``--json`` output is read by scripts. The golden files in
``tests/golden/`` are what this version writes: a plan file written by ``restore plan --out``
loads and is written again byte for byte, and each representative object prints exactly its
golden text. A deliberate change of shape updates a golden file (and the schema version)."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from contextlib import redirect_stdout
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from automation.commands.context import echo_json
from automation.doctor.model import Check, Checks, Status
from automation.rehearse.plan import RehearsalNames, RehearsalPlan, RehearsalRequest
from automation.rehearse.report import RehearsalReport, StepTiming
from automation.runbook.cleanup import CleanupPlan
from automation.runbook.record import RunRecord, RunSummary, StepResult
from sccos_backup.aws.rds import Instance, Snapshot
from sccos_backup.drill.plan import (
    Difference,
    DrillChoice,
    DrillNames,
    DrillPlan,
    DrillRequest,
    ResolvedSource,
    drill_steps,
)
from sccos_backup.drill.report import CheckResult, DrillReport, read_report
from sccos_backup.restore.planfile import dumps, loads, plan_document
from sccos_backup.restore.strategy import Strategy
from sccos_backup.restore.verify import SettingCheck

GOLDEN = Path(__file__).resolve().parent / "golden"
NOW = datetime(2026, 11, 25, 13, 0, tzinfo=UTC)
PLANS = sorted(p.name for p in GOLDEN.glob("plan-*.json"))


def printed(payload: Any) -> str:
    """What ``--json`` prints for ``payload``."""
    out = io.StringIO()
    with redirect_stdout(out):
        echo_json(payload)
    return out.getvalue()


def golden(name: str) -> str:
    return (GOLDEN / name).read_text(encoding="utf-8")


def plan(name: str = "plan-snapshot-in-place.json") -> Any:
    return loads(golden(name), name)


@pytest.mark.parametrize("name", PLANS)
def test_a_stored_plan_file_loads_and_is_written_again_byte_for_byte(name: str) -> None:
    assert dumps(loads(golden(name), name)) == golden(name)


def test_restore_plan_json_prints_the_plan_document() -> None:
    text = printed(plan_document(plan()))
    assert json.loads(text) == json.loads(golden("plan-snapshot-in-place.json"))
    assert text.startswith('{\n  "schemaVersion": 1,\n  "kind": ')


def original() -> Instance:
    return Instance.from_api(
        {
            "DBInstanceIdentifier": "shop-pre-restore-202611251300",
            "DBInstanceStatus": "available",
            "DbiResourceId": "db-SHOP0000000000000000000000",
            "DBInstanceArn": "arn:aws:rds:eu-central-1:123456789012:db:shop-pre-restore-2026",
            "Engine": "postgres",
            "EngineVersion": "13.7",
            "AllocatedStorage": 20,
            "BackupRetentionPeriod": 5,
            "TagList": [{"Key": "Environment", "Value": "production"}],
        }
    )


def run_summary() -> RunSummary:
    return RunSummary(
        run_id="202611251300",
        db_identifier="shop",
        strategy="in-place",
        stack="restore-shop-202611251300",
        steps=(
            StepResult("preconditions", "Check every precondition", "done", 0.04),
            StepResult("up", "pulumi up on stack 'restore-shop-202611251300'", "skipped", 612.345),
        ),
        downtime_seconds=731.5,
        original_now="shop-pre-restore-202611251300",
        restored="shop",
        warnings=("the parked original changed since the plan",),
    )


def cleanup_plan() -> CleanupPlan:
    record = RunRecord(
        run_id="202611251300",
        request=plan().request,
        step="done",
        down_since=None,
        original=original(),
    )
    return CleanupPlan(record, original(), "shop-final-202611251300")


def checks() -> Checks:
    return Checks.of(
        [
            Check("credentials", "AWS credentials", Status.OK, "arn:aws:iam::1:user/ops"),
            Check("jenkins", "Jenkins", Status.FAILED, "401 Unauthorized", "check the token"),
            Check("kms", "KMS key", Status.SKIPPED, "the database is not encrypted"),
        ]
    )


def drill_plan() -> DrillPlan:
    restore = plan()
    request = DrillRequest("shop", DrillChoice("hourly"), check_command="psql -c 'select 1'")
    names = DrillNames.for_run("shop", "202611251300")
    resolved = ResolvedSource(restore.source, NOW - timedelta(minutes=45), "the newest hourly")
    return DrillPlan(
        request=request,
        names=names,
        resolved=resolved,
        spec=restore.spec,
        original=restore.original,
        original_resource_id=restore.original_resource_id,
        inherited=restore.inherited,
        differences=(Difference("MultiAZ", True, False, "a drill copy needs no standby"),),
        steps=drill_steps(request, names, restore.source.describe()),
        warnings=("no check command output is kept",),
        planned_at=NOW,
        captured=restore.spec.settings,
    )


def drill_report(passed: bool = True) -> DrillReport:
    return DrillReport(
        database="shop",
        run_id="202611251300",
        target="shop-drill-202611251300",
        stack="drill-shop-202611251300",
        source={"description": "snapshot 'shop-hourly'", "snapshotIdentifier": "shop-hourly"},
        data_time=NOW - timedelta(minutes=45),
        started_at=NOW,
        available_at=NOW + timedelta(minutes=21, seconds=7),
        finished_at=NOW + timedelta(minutes=40),
        destroyed_at=None if not passed else NOW + timedelta(minutes=38),
        kept=not passed,
        verification=(
            SettingCheck("MultiAZ", False, False),
            SettingCheck("VpcSecurityGroupIds", ("sg-2", "sg-1"), ["sg-1", "sg-2"]),
        ),
        check=CheckResult("psql -c 'select 1' password=hunter2", 0 if passed else 2, 3.21, "ok"),
        cost={"instanceClass": "db.t3.micro", "multiAZ": False, "allocatedStorageGiB": 20},
        differences=({"setting": "MultiAZ", "original": True, "drill": False, "why": "no"},),
        problems=() if passed else ("the check command exited 2",),
        notes=("kept: remove it with `sccos-backup drill destroy shop`",),
    )


def rehearsal_plan(strategy: Strategy = Strategy.IN_PLACE) -> RehearsalPlan:
    production = Instance.from_api(
        {
            "DBInstanceIdentifier": "shop",
            "DBInstanceStatus": "available",
            "DbiResourceId": "db-SHOP0000000000000000000000",
            "DBInstanceArn": "arn:aws:rds:eu-central-1:123456789012:db:shop",
            "DBInstanceClass": "db.r6g.large",
            "MultiAZ": True,
            "StorageType": "gp3",
            "AllocatedStorage": 100,
            "Iops": 3000,
            "StorageThroughput": 125,
        }
    )
    snapshot = Snapshot.from_api(
        {
            "DBSnapshotIdentifier": "shop-hourly-2026-11-25-12",
            "DBInstanceIdentifier": "shop",
            "DbiResourceId": "db-SHOP0000000000000000000000",
            "SnapshotType": "manual",
            "Status": "available",
            "SnapshotCreateTime": NOW - timedelta(minutes=58),
        }
    )
    in_place = strategy is Strategy.IN_PLACE
    request = RehearsalRequest(
        "shop", strategy, maintenance_env="shop-staging" if in_place else None, resync=in_place
    )
    return RehearsalPlan(
        request=request,
        names=RehearsalNames.for_id("shop", "202611251300"),
        production=production,
        snapshot=snapshot,
        spec=plan().spec,
        planned_at=NOW,
    )


def rehearsal_run(up: float) -> RunSummary:
    timed = (("rename-original", 12.5), ("up", up), ("verify", 3.25), ("resync", 40.0))
    stand_in = "shop-rehearsal-202611251300"
    return replace(
        run_summary(),
        run_id="202611251310",
        db_identifier=stand_in,
        stack="rehearsal-shop-202611251300-run-1",
        steps=(
            StepResult("preconditions", "Check every precondition", "done", 0.5),
            *(StepResult(key, key, "done", seconds) for key, seconds in timed),
            StepResult("maintenance-off", "maintenance off", "skipped", 0.0),
        ),
        downtime_seconds=up + 55.75,
        original_now=f"{stand_in}-pre-restore",
        restored=stand_in,
        warnings=(),
    )


def rehearsal_report() -> RehearsalReport:
    rehearsal = rehearsal_plan()
    steps = ("stand-in", "run", "rollback", "run-again", "cleanup", "delete")
    timings = tuple(
        StepTiming(key, title, NOW + timedelta(minutes=10 * n), NOW + timedelta(minutes=10 * n + 7))
        for n, (key, title) in enumerate(zip(steps, (t for _, t in rehearsal.steps()), strict=True))
    )
    return RehearsalReport(
        database="shop",
        rehearsal_id="202611251300",
        strategy=Strategy.IN_PLACE,
        stand_in=rehearsal.names.stand_in,
        source={
            "snapshotIdentifier": rehearsal.snapshot.identifier,
            "snapshotCreateTime": "2026-11-25T12:02:00Z",
            "standInResourceId": "db-STANDIN00000000000000000000",
        },
        steps=timings,
        runs=(rehearsal_run(731.5), rehearsal_run(690.25)),
        rollback=("renamed 'shop-rehearsal-202611251300' back",),
        removed=("instance shop-rehearsal-202611251300", "stack rehearsal-shop-202611251300"),
        cost=rehearsal.cost(),
        notes=("a note",),
    )


def rendered_rehearsal_plan(strategy: Strategy) -> str:
    """The plan ``restore rehearse`` shows before its question."""
    from automation.commands.rehearse import _render_plan

    out = io.StringIO()
    with redirect_stdout(out):
        _render_plan(rehearsal_plan(strategy))
    return out.getvalue()


def rendered_rehearsal_report() -> str:
    """The lines ``restore rehearse`` prints at its end."""
    from automation.commands.rehearse import _render_report

    out = io.StringIO()
    with redirect_stdout(out):
        _render_report(rehearsal_report(), "file:///reports/shop.json")
    return out.getvalue()


def rehearsal_printed() -> str:
    """What ``restore rehearse --json`` prints (the report and where it was stored)."""
    return printed({**rehearsal_report().as_dict(), "report": "file:///reports/shop.json"})


PRINTED: dict[str, Callable[[], str]] = {
    "run-summary.json": lambda: printed(run_summary().as_dict()),
    "cleanup-plan.json": lambda: printed(cleanup_plan().as_dict()),
    "doctor-checks.json": lambda: printed(checks().as_dict()),
    "drill-plan.json": lambda: printed(drill_plan().as_dict()),
    "drill-report-passed.json": lambda: drill_report().to_text(),
    "drill-report-failed.json": lambda: drill_report(passed=False).to_text(),
    "drill-report-failed.md": lambda: drill_report(passed=False).to_markdown(),
    "rehearsal-report.json": lambda: rehearsal_report().to_text(),
    "rehearsal-report-printed.json": rehearsal_printed,
    "rehearsal-report.txt": rendered_rehearsal_report,
    "rehearsal-plan.txt": lambda: rendered_rehearsal_plan(Strategy.IN_PLACE),
    "rehearsal-plan-swap.txt": lambda: rendered_rehearsal_plan(Strategy.SWAP),
}


@pytest.mark.parametrize("name", sorted(PRINTED))
def test_each_record_prints_exactly_its_golden_text(name: str) -> None:
    assert PRINTED[name]() == golden(name)


@pytest.mark.parametrize("name", ["drill-report-passed.json", "drill-report-failed.json"])
def test_a_stored_drill_report_reads_back(name: str) -> None:
    report = read_report(golden(name))
    assert report["database"] == "shop" and report["drill"] == "202611251300"
