"""Restore drills end to end against moto with the in-process engine: every source, a check
command that passes and one that fails, a crash after each step followed by `drill run` again or
`drill cleanup`, the report's figures against the injected clock, the live database untouched,
and a destroy that refuses what is not this drill's copy."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from automation.drill.driver import DrillDriver
from sccos_backup import errors
from sccos_backup.aws.rds import RdsAdapter, make_rds_client
from sccos_backup.backups.ownership import hourly_tags
from sccos_backup.drill.history import ReportStore, history
from sccos_backup.drill.plan import TAG_DRILL, DrillChoice, DrillRequest
from sccos_backup.drill.prepare import prepare_drill
from sccos_backup.objects import FolderStore
from sccos_backup.waiting import Callbacks
from tests.conftest import FakeClock, make_instance
from tests.inprocess_engine import InProcessEngine
from tests.support.drill import (
    DESTROY_TIME,
    FAILING,
    PASSING,
    RESTORE_TIME,
    TimedEngine,
    instance_ids,
    live_view,
    make_shop,
    start_clock,
)

pytestmark = pytest.mark.aws_in_process


class Crash(BaseException):
    """A simulated crash: not an Exception, so nothing on the way catches it."""


@pytest.fixture
def shop(rds: Any) -> dict[str, Any]:
    return make_shop(rds)


class World:
    """One process's drill driver; a second World on the same state is another machine."""

    def __init__(self, moto: str, tmp_path: Path, clock: FakeClock) -> None:
        self.clock = clock
        client = make_rds_client(region="eu-central-1", profile=None, endpoint_url=moto)
        self.rds = RdsAdapter(client, clock=clock, sleep=clock.sleep)
        self.engine = TimedEngine(InProcessEngine(moto, tmp_path / "state"), clock)
        self.store = ReportStore(FolderStore(tmp_path / "reports", narrow=False))
        self.crash_at: str | None = None
        self.lines: list[str] = []

        def after_step(key: str) -> None:
            if key == self.crash_at:
                raise Crash(key)

        self.driver = DrillDriver(
            rds=self.rds,
            engine=self.engine,
            clock=clock,
            store=self.store,
            callbacks=Callbacks(notify=self.lines.append, after_step=after_step),
            first_interval=1.0,
        )

    def plan(self, choice: DrillChoice, **options: Any) -> Any:
        request = DrillRequest("shop", choice, **options)
        return prepare_drill(self.rds, request, self.clock(), random.Random(7))


def snapshot_time(rds: Any, name: str) -> datetime:
    [found] = rds.describe_db_snapshots(DBSnapshotIdentifier=name)["DBSnapshots"]
    return found["SnapshotCreateTime"].astimezone(UTC)


CHOICES = {
    "snapshot": DrillChoice("snapshot", snapshot="shop-nightly"),
    "point-in-time": DrillChoice("latest"),
    "hourly": DrillChoice("hourly"),
}


@pytest.mark.parametrize("kind", list(CHOICES))
def test_a_drill_runs_end_to_end_and_reports_figures_from_the_clock(
    moto: str, rds: Any, shop: Any, tmp_path: Path, kind: str
) -> None:
    clock = start_clock()
    world = World(moto, tmp_path, clock)
    before = live_view(rds)
    plan = world.plan(CHOICES[kind], check_command=PASSING)
    world.driver.check_can_start(plan)
    called_at = clock()
    report = world.driver.start(plan)

    assert report.passed, report.problems
    assert instance_ids(rds) == {"shop"}, "the copy is destroyed"
    assert live_view(rds) == before, "the live database is untouched"
    [stored] = (tmp_path / "reports").glob(f"shop-drill-{plan.names.run_id}-*.json")
    data = json.loads(stored.read_text())
    assert data == json.loads(report.to_text())
    figures = data["figures"]
    assert figures["rtoSeconds"] == RESTORE_TIME.total_seconds()
    assert figures["minutesRun"] == (RESTORE_TIME + DESTROY_TIME).total_seconds() / 60
    assert figures["totalSeconds"] == (RESTORE_TIME + DESTROY_TIME).total_seconds()
    if kind == "point-in-time":
        assert data["source"]["type"] == "point-in-time"
        expected_data_time = plan.resolved.data_time
    else:
        name = "shop-nightly" if kind == "snapshot" else "shop-hourly-2026-11-25-11"
        assert data["source"]["snapshotIdentifier"] == name
        expected_data_time = snapshot_time(rds, name)
    assert expected_data_time is not None
    data_time = expected_data_time.replace(microsecond=0)  # kept to the second in a tag
    assert figures["rpoSeconds"] == (called_at - data_time).total_seconds()
    assert data["verification"]["ok"] is True
    settings = {s["setting"]: s for s in data["verification"]["settings"]}
    assert settings["DeletionProtection"]["declared"] is False
    assert settings["BackupRetentionPeriod"]["found"] == 1
    assert settings["MultiAZ"]["found"] is True
    assert data["check"]["ok"] is True and data["check"]["exitCode"] == 0
    assert f"rows shop-drill-{plan.names.run_id}." in data["check"]["outputTail"]
    assert data["cost"]["instanceClass"] == "db.t3.medium"
    assert data["times"]["availableAt"] == (called_at + RESTORE_TIME).strftime("%Y-%m-%dT%H:%M:%SZ")


def test_a_failing_check_command_fails_the_drill_and_still_removes_the_copy(
    moto: str, rds: Any, shop: Any, tmp_path: Path
) -> None:
    world = World(moto, tmp_path, start_clock())
    plan = world.plan(CHOICES["snapshot"], check_command=FAILING)
    report = world.driver.start(plan)
    assert not report.passed
    assert report.problems == ("the check command exited 3",)
    assert report.check is not None and report.check.output_tail == "0 rows"
    assert instance_ids(rds) == {"shop"}


def test_keep_leaves_the_copy_and_cleanup_removes_it(
    moto: str, rds: Any, shop: Any, tmp_path: Path
) -> None:
    world = World(moto, tmp_path, start_clock())
    plan = world.plan(CHOICES["snapshot"], keep=True)
    report = world.driver.start(plan)
    assert report.kept and report.passed
    assert plan.names.target in instance_ids(rds)
    assert world.driver.open_drill("shop") is None, "a kept copy is a finished drill"
    assert world.driver.cleanup("shop") == [
        f"drill {plan.names.run_id}: '{plan.names.target}' destroyed"
    ]
    assert instance_ids(rds) == {"shop"}


STEPS = ["up", "wait", "verify", "check", "destroy"]


@pytest.mark.parametrize("then", ["run-again", "cleanup"])
@pytest.mark.parametrize("crash_at", STEPS)
def test_an_interrupted_drill_continues_or_is_cleaned_up(
    moto: str, rds: Any, shop: Any, tmp_path: Path, crash_at: str, then: str
) -> None:
    clock = start_clock()
    first = World(moto, tmp_path, clock)
    before = live_view(rds)
    plan = first.plan(CHOICES["snapshot"], check_command=PASSING)
    called_at = clock()
    first.crash_at = crash_at
    with pytest.raises(Crash):
        first.driver.start(plan)

    clock.now += timedelta(minutes=10)  # the operator comes back later
    second = World(moto, tmp_path, clock)  # another process, same state backend
    if then == "cleanup":
        second.driver.cleanup("shop")
    else:
        record = second.driver.open_drill("shop")
        if crash_at == "destroy":
            assert record is None, "the copy is gone: nothing to continue"
        else:
            assert record is not None and record.run_id == plan.names.run_id
            report = second.driver.resume(record, plan.request)
            assert report.passed, report.problems
            if crash_at in {"up", "wait"}:  # the copy was not yet recorded as available
                assert report.rto_seconds == (RESTORE_TIME + timedelta(minutes=10)).seconds
                assert "the RTO includes the interruption" in report.notes[0]
            else:
                assert report.rto_seconds == RESTORE_TIME.total_seconds(), "measured once"
                assert report.notes == ()
            assert report.started_at == called_at
    assert instance_ids(rds) == {"shop"}
    assert live_view(rds) == before
    assert second.driver.open_drill("shop") is None


def test_resume_without_the_check_command_it_started_with_is_refused(
    moto: str, rds: Any, shop: Any, tmp_path: Path
) -> None:
    world = World(moto, tmp_path, start_clock())
    plan = world.plan(CHOICES["snapshot"], check_command=PASSING)
    world.crash_at = "wait"
    with pytest.raises(Crash):
        world.driver.start(plan)
    record = world.driver.open_drill("shop")
    assert record is not None
    with pytest.raises(errors.InvalidInput, match="--check-command"):
        world.driver.resume(record, DrillRequest("shop", CHOICES["snapshot"]))
    with pytest.raises(errors.RunInProgress, match="drill cleanup shop"):
        world.driver.check_can_start(world.plan(CHOICES["snapshot"]))


def _interrupted(moto: str, tmp_path: Path) -> tuple[World, Any]:
    world = World(moto, tmp_path, start_clock())
    plan = world.plan(CHOICES["snapshot"])
    world.crash_at = "verify"
    with pytest.raises(Crash):
        world.driver.start(plan)
    record = world.driver.open_drill("shop")
    assert record is not None
    return world, record


def test_destroy_refuses_a_copy_without_the_drills_tags(
    moto: str, rds: Any, shop: Any, tmp_path: Path
) -> None:
    world, record = _interrupted(moto, tmp_path)
    rds.remove_tags_from_resource(ResourceName=record.copy.arn, TagKeys=[TAG_DRILL])
    with pytest.raises(errors.PreconditionFailed, match="does not carry this drill's tags"):
        world.driver.destroy(record)
    assert record.copy.identifier in instance_ids(rds), "nothing was deleted"


def test_destroy_refuses_a_stack_that_records_another_dbi_resource_id(
    moto: str, rds: Any, shop: Any, tmp_path: Path
) -> None:
    """The stack's state is pointed at the live database: destroy must not go near it."""
    world, record = _interrupted(moto, tmp_path)
    before = live_view(rds)
    path = tmp_path / "state" / f"{record.stack}.json"
    state = json.loads(path.read_text())
    state["resources"]["restored"]["id"] = shop["DbiResourceId"]
    state["outputs"]["resourceId"] = shop["DbiResourceId"]
    path.write_text(json.dumps(state))
    with pytest.raises(errors.PreconditionFailed, match="records DbiResourceId") as raised:
        world.driver.destroy(record)
    assert "the live database 'shop'" in str(raised.value)
    assert instance_ids(rds) == {"shop", record.copy.identifier}
    assert live_view(rds) == before


def test_history_lists_past_drills_newest_first(
    moto: str, rds: Any, shop: Any, tmp_path: Path
) -> None:
    clock = start_clock()
    world = World(moto, tmp_path, clock)
    first = world.driver.start(world.plan(CHOICES["snapshot"]))
    clock.now += timedelta(hours=1)
    second = world.driver.start(world.plan(CHOICES["snapshot"], check_command=FAILING))
    (tmp_path / "reports" / "shop-drill-broken.json").write_text("{")
    skipped: list[str] = []
    entries = history(world.store, "shop", skipped.append)
    assert [e.report["drill"] for e in entries] == [second.run_id, first.run_id]
    assert [e.row()["result"] for e in entries] == ["failed", "passed"]
    assert len(skipped) == 1 and "shop-drill-broken.json" in skipped[0]


def test_random_picks_a_restore_point_of_the_retention_window(
    moto: str, rds: Any, shop: Any, tmp_path: Path
) -> None:
    world = World(moto, tmp_path, start_clock())
    seen = set()
    for seed in range(12):
        request = DrillRequest("shop", DrillChoice("random"))
        plan = prepare_drill(world.rds, request, world.clock(), random.Random(seed))
        seen.add(plan.source.describe().split(" ")[0])
        assert plan.resolved.reason == (
            "drawn at random from 4 snapshot(s) of the retention window "  # 3 + moto's automated
            "and its point-in-time window"
        )
    assert seen == {"snapshot", "point"}, "both snapshots and the PITR window are drawn"


def test_a_copy_its_stack_does_not_record_is_left_with_the_command_that_adopts_it(
    moto: str, rds: Any, shop: Any, tmp_path: Path
) -> None:
    """A `pulumi up` killed after the create call: the copy exists, the stack has no record."""
    world, record = _interrupted(moto, tmp_path)
    (tmp_path / "state" / f"{record.stack}.json").unlink()
    with pytest.raises(errors.PreconditionFailed) as raised:
        world.driver.cleanup("shop")
    message = str(raised.value)
    assert f"pulumi refresh --stack {record.stack} --import-pending-creates" in message
    assert "drill cleanup shop" in message and "nothing was deleted" in message
    assert record.copy.identifier in instance_ids(rds)


def test_destroy_refuses_where_the_copy_shares_the_live_databases_id(
    moto: str, rds: Any, shop: Any, tmp_path: Path
) -> None:
    """moto_server gives every instance one DbiResourceId: a rehearsal's copy is not destroyed."""
    from tests.conftest import give_resource_id

    world, record = _interrupted(moto, tmp_path)
    give_resource_id(record.copy.identifier, shop["DbiResourceId"])
    path = tmp_path / "state" / f"{record.stack}.json"
    state = json.loads(path.read_text())
    state["resources"]["restored"]["id"] = shop["DbiResourceId"]
    state["outputs"]["resourceId"] = shop["DbiResourceId"]
    path.write_text(json.dumps(state))
    shared = world.driver.open_drill("shop")
    assert shared is not None and shared.copy.resource_id == shop["DbiResourceId"]
    with pytest.raises(errors.PreconditionFailed, match="DbiResourceId on this emulator"):
        world.driver.destroy(shared)
    assert instance_ids(rds) == {"shop", record.copy.identifier}


def test_hourly_and_random_never_pick_a_snapshot_of_an_instance_sharing_the_id(
    moto: str, rds: Any, shop: Any, tmp_path: Path
) -> None:
    """moto_server gives every instance one DbiResourceId: `drill plan shop --hourly` picked
    the newer hourly snapshot of 'other', and --random drew from both databases' snapshots."""
    from tests.conftest import give_resource_id

    make_instance(rds, "other")
    give_resource_id("other", shop["DbiResourceId"])
    name = "other-hourly-2026-11-25-12"
    tags = [{"Key": k, "Value": v} for k, v in hourly_tags("other", name)]
    rds.create_db_snapshot(DBInstanceIdentifier="other", DBSnapshotIdentifier=name, Tags=tags)
    rds.create_db_snapshot(DBInstanceIdentifier="other", DBSnapshotIdentifier="other-nightly")
    world = World(moto, tmp_path, start_clock())
    hourly = world.plan(CHOICES["hourly"]).source.describe()
    assert hourly == "snapshot shop-hourly-2026-11-25-11", hourly
    for seed in range(12):
        request = DrillRequest("shop", DrillChoice("random"))
        plan = prepare_drill(world.rds, request, world.clock(), random.Random(seed))
        assert "other" not in plan.source.describe()
        assert plan.resolved.reason.startswith("drawn at random from 4 snapshot(s)")
