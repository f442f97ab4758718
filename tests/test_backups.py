"""sccos_backup.backups.snapshots: pure planning functions, and the library against moto."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from unittest.mock import Mock

import boto3
import botocore.config
import pytest

from sccos_backup import errors
from sccos_backup.aws.rds import Instance, RdsAdapter, Snapshot
from sccos_backup.backups import snapshots as backups
from sccos_backup.backups.quota import QuotaProjection
from sccos_backup.backups.snapshots import Kind
from tests.conftest import REGION, FakeClock, aws_state
from tests.quota_standin import answer_quota
from tests.support.snapshots import NOW, hourly, instance, make_db, names, snapshot, tags_of

pytestmark = pytest.mark.aws_in_process


# -- builders for the pure tests -------------------------------------------------------------


# -- fixtures for the moto tests -------------------------------------------------------------


@pytest.fixture
def clock() -> FakeClock:
    """moto stamps snapshots with the real time: start the fake clock there."""
    return FakeClock(datetime.now(UTC))


@pytest.fixture
def adapter(moto: str, clock: FakeClock) -> RdsAdapter:
    """The adapter on a client without retries, which answers the quota call moto lacks
    (:mod:`tests.quota_standin`, a quota of 100)."""
    config = botocore.config.Config(retries={"mode": "standard", "max_attempts": 1})
    client = boto3.client("rds", region_name=REGION, endpoint_url=moto, config=config)
    answer_quota(client, limit=100)
    return RdsAdapter(client, clock=clock, sleep=clock.sleep)


# -- names and kinds -------------------------------------------------------------------------


def test_names_are_built_from_instance_purpose_and_utc_time() -> None:
    berlin = NOW.astimezone(__import__("zoneinfo").ZoneInfo("Europe/Berlin"))
    assert backups.propose_name("shop", berlin) == "shop-manual-20261125-1320"
    assert backups.propose_name("shop", NOW, "before-release") == (
        "shop-before-release-20261125-1320"
    )
    assert backups.hourly_name("shop", berlin) == "shop-hourly-2026-11-25-13"
    for bad in ("", "before release", "before--release", "-x"):
        with pytest.raises(errors.InvalidInput):
            backups.propose_name("shop", NOW, bad)


def test_kind_of_each_restore_point() -> None:
    assert backups.kind_of(snapshot("a", snapshot_type="automated", kind=None)) is Kind.AUTOMATED
    assert backups.kind_of(snapshot("b", snapshot_type="awsbackup", kind=None)) is Kind.AWS_BACKUP
    assert backups.kind_of(hourly(1)) is Kind.HOURLY
    assert backups.kind_of(snapshot("c", kind="hourly")) is Kind.MANUAL  # not an hourly name
    assert backups.kind_of(snapshot("d", kind="manual")) is Kind.MANUAL
    assert backups.kind_of(snapshot("e", kind=None)) is Kind.MANUAL
    assert backups.kind_of(snapshot("f", snapshot_type="shared", kind=None)) is Kind.OTHER


# -- rotation plan (pure) --------------------------------------------------------------------


def test_plan_rotation_deletes_only_expired_hourly_snapshots_of_this_database() -> None:
    old, young, creating = hourly(61), hourly(59), hourly(70, status="creating")
    snapshots = [
        old,
        young,
        snapshot("shop-manual-old", hours_ago=100, kind="manual"),
        snapshot("untagged-old", hours_ago=100, kind=None),
        snapshot("rds:shop-old", hours_ago=100, snapshot_type="automated", kind=None),
        snapshot("awsbackup:shop-old", hours_ago=100, snapshot_type="awsbackup", kind="hourly"),
        hourly(100, db="other", resource_id="db-OTHER"),
        creating,
    ]
    plan = backups.plan_rotation(NOW, instance(), snapshots, keep_hours=60)
    assert plan.create == "shop-hourly-2026-11-25-13"
    assert plan.existing is None
    assert [s.identifier for s in plan.delete] == [old.identifier]
    assert {s.identifier for s in plan.keep} == {young.identifier, creating.identifier}
    assert plan.cutoff == NOW - timedelta(hours=60)
    assert plan.warnings == ()  # quota unknown: say nothing


def test_plan_rotation_does_not_create_when_this_hours_snapshot_exists() -> None:
    existing = snapshot("shop-hourly-2026-11-25-13", hours_ago=0.2)
    plan = backups.plan_rotation(NOW, instance(status="stopped"), [existing])
    assert plan.create is None
    assert plan.existing == "shop-hourly-2026-11-25-13"
    assert not plan.changes


def test_plan_rotation_only_deletes_when_the_status_allows_no_snapshot() -> None:
    for status in ("stopped", "modifying", "backing-up"):
        plan = backups.plan_rotation(NOW, instance(status=status), [hourly(61)])
        assert plan.create is None
        assert plan.blocked is not None and f"is '{status}'" in plan.blocked
        assert len(plan.delete) == 1  # expired ones are still deleted
    with pytest.raises(errors.InvalidInput):
        backups.plan_rotation(NOW, instance(), [], keep_hours=0)


@pytest.mark.parametrize(
    ("quota", "expired", "delete_first", "warning"),
    [
        (None, 0, False, None),  # no projection given: say nothing
        ((40, 100), 0, False, None),
        ((89, 100), 0, False, None),  # 90 used afterwards: 10 left
        ((91, 100), 1, True, "only 9 manual snapshot(s) left"),  # near full: delete first
        ((95, 100), 0, False, "only 4 manual snapshot(s) left"),
        ((100, 100), 0, False, "quota is full"),
        ((100, 100), 2, True, "only 1 manual snapshot(s) left"),
    ],
)
def test_plan_rotation_warns_before_the_quota_runs_out(
    quota: tuple[int, int] | None, expired: int, delete_first: bool, warning: str | None
) -> None:
    old = [hourly(61 + i) for i in range(expired)]
    projection = None
    if quota is not None:  # one database, nothing else: (1 + 2) fits any quota here
        projection = QuotaProjection(1, ("shop",), 0, quota[0], quota[1], None)
    plan = backups.plan_rotation(NOW, instance(), old, keep_hours=1, quota=projection)
    assert plan.delete_first is delete_first
    assert len(plan.delete) == expired
    if warning is None:
        assert plan.warnings == ()
    else:
        assert len(plan.warnings) == 1
        assert warning in plan.warnings[0]


# -- policy (pure) ---------------------------------------------------------------------------


def test_policy_met() -> None:
    report = backups.evaluate_policy(NOW, instance(), [hourly(0.5)])
    assert report.met, report.problems
    report.raise_if_unmet()


@pytest.mark.parametrize(
    ("inst", "snaps", "unmet"),
    [
        (instance(retention=1), [hourly(0.5)], ["retention"]),
        (instance(retention=0), [hourly(0.5)], ["retention", "pitr"]),
        (instance(latest=NOW - timedelta(hours=1)), [hourly(0.5)], ["pitr"]),
        (instance(), [hourly(1.5)], ["hourly", "gaps"]),  # 12:00 has none
        (instance(), [snapshot("m", hours_ago=0.1, kind="manual")], ["hourly"]),
        (instance(), [hourly(0.1, db="x", resource_id="db-X")], ["hourly"]),
        (instance(), [], ["hourly"]),
    ],
)
def test_policy_unmet_names_each_point(
    inst: Instance, snaps: list[Snapshot], unmet: list[str]
) -> None:
    report = backups.evaluate_policy(NOW, inst, snaps)
    assert [c.name for c in report.checks if not c.ok] == unmet
    with pytest.raises(errors.PolicyUnmet) as raised:
        report.raise_if_unmet()
    assert raised.value.problems == report.problems
    assert len(raised.value.problems) == len(unmet)


def test_policy_hourly_age_is_an_option() -> None:
    snaps = [hourly(1.3)]  # 12:02: 78 minutes old, no gap
    assert not backups.evaluate_policy(NOW, instance(), snaps).met
    relaxed = backups.evaluate_policy(NOW, instance(), snaps, max_hourly_age=timedelta(hours=2))
    assert relaxed.met


# -- manual snapshots against moto -----------------------------------------------------------


def test_manual_snapshot_with_name_and_note_is_tagged_and_awaited(
    rds: Any, adapter: RdsAdapter
) -> None:
    make_db(rds, "shop")
    request = backups.plan_manual_snapshot(adapter, "shop", "before-upgrade", note="ticket 42")
    assert not request.proposed
    polls: list[Any] = []
    result = backups.take_snapshot(adapter, request, on_poll=polls.append)
    assert result.snapshot.identifier == "before-upgrade"
    assert result.snapshot.available and result.waited
    assert result.size_gib == 50
    assert polls and polls[-1].percent == 100
    assert tags_of(rds, "before-upgrade") == {
        "sccos-backup:created-by": "sccos-backup",
        "sccos-backup:kind": "manual",
        "sccos-backup:note": "ticket 42",
    }


def test_manual_snapshot_name_is_proposed_without_one(
    rds: Any, adapter: RdsAdapter, clock: FakeClock
) -> None:
    make_db(rds, "shop")
    request = backups.plan_manual_snapshot(adapter, "shop", purpose="before-release")
    assert request.proposed
    assert request.name == f"shop-before-release-{clock.now:%Y%m%d-%H%M}"
    result = backups.take_snapshot(adapter, request, wait=False)
    assert not result.waited
    assert "sccos-backup:note" not in tags_of(rds, request.name)


def test_manual_snapshot_refusals_change_nothing(rds: Any, adapter: RdsAdapter) -> None:
    make_db(rds, "shop")
    make_db(rds, "halted")
    rds.stop_db_instance(DBInstanceIdentifier="halted")
    rds.create_db_snapshot(DBInstanceIdentifier="shop", DBSnapshotIdentifier="taken")
    before = aws_state(rds)
    cases: list[tuple[type[errors.SccosBackupError], dict[str, Any]]] = [
        (errors.IdentifierTaken, {"db_id": "shop", "name": "taken"}),
        (errors.InvalidInput, {"db_id": "shop", "name": "two--hyphens"}),
        (errors.InvalidInput, {"db_id": "shop", "name": "rds:shop-x"}),
        (errors.InvalidInput, {"db_id": "shop", "name": "ok", "note": "x" * 257}),
        (errors.NotAvailable, {"db_id": "halted", "name": "fresh"}),
        (errors.NotFound, {"db_id": "nowhere", "name": "fresh"}),
    ]
    for error, kwargs in cases:
        with pytest.raises(error):
            backups.plan_manual_snapshot(adapter, **kwargs)
    assert aws_state(rds) == before


# -- restore points against moto -------------------------------------------------------------


def test_list_shows_every_kind_newest_first_with_the_pitr_window(
    rds: Any, adapter: RdsAdapter
) -> None:
    make_db(rds, "shop")
    make_db(rds, "other")
    backups.take_snapshot(adapter, backups.plan_manual_snapshot(adapter, "shop", "mine"))
    backups.execute_rotation(adapter, backups.prepare_rotation(adapter, "shop"))
    rds.create_db_snapshot(DBInstanceIdentifier="other", DBSnapshotIdentifier="not-mine")
    found = backups.list_restore_points(adapter, "shop")
    kinds = {p.identifier: p.kind for p in found.points}
    assert set(kinds.values()) == {Kind.AUTOMATED, Kind.MANUAL, Kind.HOURLY}
    assert "not-mine" not in kinds
    times = [p.created for p in found.points]
    assert times == sorted(times, reverse=True)  # type: ignore[type-var]
    assert found.pitr is not None and found.pitr.earliest <= found.pitr.latest
    data = found.as_dict()
    assert data["resource_id"] == found.instance.resource_id  # type: ignore[union-attr]
    assert set(data["pitr"]) >= {"earliest", "latest"}
    assert set(data["restore_points"][0]) >= {"kind", "identifier", "time", "size_gib", "status"}


def test_list_finds_a_renamed_original_by_resource_id(rds: Any, adapter: RdsAdapter) -> None:
    make_db(rds, "shop")
    rds.create_db_snapshot(DBInstanceIdentifier="shop", DBSnapshotIdentifier="before-rename")
    rds.modify_db_instance(
        DBInstanceIdentifier="shop", NewDBInstanceIdentifier="shop-old", ApplyImmediately=True
    )
    renamed = backups.list_restore_points(adapter, "shop-old")
    points = {p.identifier: p for p in renamed.points}
    assert "before-rename" in points
    assert points["before-rename"].taken_from == "shop"
    assert any(p.kind is Kind.AUTOMATED for p in renamed.points)
    assert renamed.note is None

    gone = backups.list_restore_points(adapter, "shop")
    assert gone.instance is None and gone.pitr is None
    assert "before-rename" in {p.identifier for p in gone.points}
    assert gone.note is not None and "renamed to 'shop-old'" in gone.note


def test_list_of_a_database_that_never_existed(rds: Any, adapter: RdsAdapter) -> None:
    with pytest.raises(errors.NotFound, match="'ghost' does not exist"):
        backups.list_restore_points(adapter, "ghost")


# -- rotation against moto -------------------------------------------------------------------


def test_rotation_twice_in_one_hour_does_nothing_the_second_time(
    rds: Any, adapter: RdsAdapter, clock: FakeClock
) -> None:
    make_db(rds, "shop")
    clock.now = clock.now.replace(minute=5)
    first = backups.execute_rotation(adapter, backups.prepare_rotation(adapter, "shop"))
    assert first.created is not None
    assert first.created.identifier == f"shop-hourly-{clock.now:%Y-%m-%d-%H}"
    assert tags_of(rds, first.created.identifier) == {
        "sccos-backup:created-by": "sccos-backup",
        "sccos-backup:kind": "hourly",
        "sccos-backup:instance": "shop",
        "sccos-backup:snapshot": first.created.identifier,
    }
    before = aws_state(rds)
    clock.now += timedelta(minutes=50)
    again = backups.prepare_rotation(adapter, "shop")
    assert again.create is None and again.existing == first.created.identifier
    assert not again.changes
    backups.execute_rotation(adapter, again)
    assert aws_state(rds) == before


def test_rotation_deletes_only_expired_tagged_snapshots_of_this_database(
    rds: Any, adapter: RdsAdapter, clock: FakeClock
) -> None:
    make_db(rds, "shop")
    make_db(rds, "other")
    old = backups.execute_rotation(adapter, backups.prepare_rotation(adapter, "shop"))
    backups.execute_rotation(adapter, backups.prepare_rotation(adapter, "other"))
    rds.create_db_snapshot(DBInstanceIdentifier="shop", DBSnapshotIdentifier="untagged")
    backups.take_snapshot(adapter, backups.plan_manual_snapshot(adapter, "shop", "by-hand"))
    assert old.created is not None
    before = names(rds)

    clock.now += timedelta(hours=61)  # every snapshot above is now 61 hours old
    plan = backups.prepare_rotation(adapter, "shop", keep_hours=60)
    assert [s.identifier for s in plan.delete] == [old.created.identifier]
    result = backups.execute_rotation(adapter, plan)
    assert result.deleted == (old.created.identifier,)
    assert result.created is not None
    assert names(rds) == before - {old.created.identifier} | {result.created.identifier}


def test_rotation_keeps_snapshots_younger_than_the_retention(
    rds: Any, adapter: RdsAdapter, clock: FakeClock
) -> None:
    make_db(rds, "shop")
    backups.execute_rotation(adapter, backups.prepare_rotation(adapter, "shop"))
    clock.now += timedelta(hours=59)
    plan = backups.prepare_rotation(adapter, "shop")
    assert plan.delete == () and len(plan.keep) == 1 and plan.create is not None


def test_rotation_of_a_missing_or_stopped_instance(rds: Any, adapter: RdsAdapter) -> None:
    make_db(rds, "halted")
    rds.stop_db_instance(DBInstanceIdentifier="halted")
    before = aws_state(rds)
    with pytest.raises(errors.NotFound):
        backups.prepare_rotation(adapter, "nowhere")
    plan = backups.prepare_rotation(adapter, "halted")
    assert plan.create is None and plan.blocked and "'stopped'" in plan.blocked
    result = backups.execute_rotation(adapter, plan)
    assert not result.complete
    assert aws_state(rds) == before


# -- policy against moto ---------------------------------------------------------------------


def test_check_policy_after_rotation_and_when_the_rotation_stopped(
    rds: Any, adapter: RdsAdapter, clock: FakeClock
) -> None:
    make_db(rds, "shop")
    assert not backups.check_policy(adapter, "shop").met  # no hourly snapshot yet
    backups.execute_rotation(adapter, backups.prepare_rotation(adapter, "shop"))
    assert backups.check_policy(adapter, "shop").met
    clock.now += timedelta(hours=2)
    late = backups.check_policy(adapter, "shop")
    assert "hourly" in [c.name for c in late.checks if not c.ok]
    assert backups.check_policy(adapter, "shop", max_hourly_age=timedelta(hours=3)).checks[2].ok


# -- deleting against moto -------------------------------------------------------------------


def test_delete_manual_and_hourly_snapshots(rds: Any, adapter: RdsAdapter) -> None:
    make_db(rds, "shop")
    rds.create_db_snapshot(DBInstanceIdentifier="shop", DBSnapshotIdentifier="by-hand")
    hourly = backups.execute_rotation(adapter, backups.prepare_rotation(adapter, "shop")).created
    assert hourly is not None
    for name in ("by-hand", hourly.identifier):
        backups.delete_snapshot(adapter, backups.deletable_snapshot(adapter, "shop", name))
        assert name not in names(rds)


def test_delete_of_a_renamed_originals_snapshot_by_resource_id(
    rds: Any, adapter: RdsAdapter
) -> None:
    make_db(rds, "shop")
    rds.create_db_snapshot(DBInstanceIdentifier="shop", DBSnapshotIdentifier="by-hand")
    rds.modify_db_instance(
        DBInstanceIdentifier="shop", NewDBInstanceIdentifier="shop-old", ApplyImmediately=True
    )
    assert backups.deletable_snapshot(adapter, "shop-old", "by-hand").identifier == "by-hand"


def test_delete_refusals_change_nothing(rds: Any, adapter: RdsAdapter) -> None:
    make_db(rds, "shop")
    make_db(rds, "other")
    rds.create_db_snapshot(DBInstanceIdentifier="other", DBSnapshotIdentifier="theirs")
    automated = next(
        s["DBSnapshotIdentifier"]
        for s in rds.describe_db_snapshots(DBInstanceIdentifier="shop")["DBSnapshots"]
        if s["SnapshotType"] == "automated"
    )
    before = aws_state(rds)
    with pytest.raises(errors.PreconditionFailed, match="automated snapshot"):
        backups.deletable_snapshot(adapter, "shop", automated)
    with pytest.raises(errors.PreconditionFailed, match="belongs to DB instance 'other'"):
        backups.deletable_snapshot(adapter, "shop", "theirs")
    with pytest.raises(errors.NotFound):
        backups.deletable_snapshot(adapter, "shop", "missing")
    with pytest.raises(errors.PreconditionFailed, match="not a manual snapshot"):
        backups.delete_snapshot(
            adapter,
            Snapshot.from_api({"DBSnapshotIdentifier": automated, "SnapshotType": "automated"}),
        )
    assert aws_state(rds) == before


def test_delete_refuses_aws_backup_snapshots() -> None:
    rds = Mock(spec=RdsAdapter)
    rds.describe_snapshot.return_value = snapshot(
        "awsbackup:job-1", snapshot_type="awsbackup", kind=None
    )
    with pytest.raises(errors.PreconditionFailed, match="AWS Backup"):
        backups.deletable_snapshot(rds, "shop", "awsbackup:job-1")
    rds.delete_snapshot.assert_not_called()


def test_after_a_restore_the_restored_instance_expires_the_originals_series(
    rds: Any, adapter: RdsAdapter, clock: FakeClock
) -> None:
    """Against moto: 'shop' is renamed away and restored under its name (new DbiResourceId);
    its hourly snapshots are expired by the restored instance's rotation, also after the
    original is deleted, and prune finds no orphan."""
    from moto.rds.models import rds_backends

    from tests.conftest import ACCOUNT

    make_db(rds, "shop")
    first = backups.rotate(adapter, "shop").created
    assert first is not None
    rds.modify_db_instance(
        DBInstanceIdentifier="shop", NewDBInstanceIdentifier="shop-old", ApplyImmediately=True
    )
    backend = rds_backends[ACCOUNT][REGION]
    for name in [n for n in backend.database_snapshots if n.startswith("rds:shop-")]:
        del backend.database_snapshots[name]  # moto names the restore's automated one alike
    rds.restore_db_instance_from_db_snapshot(
        DBInstanceIdentifier="shop", DBSnapshotIdentifier=first.identifier
    )
    # A new DbiResourceId for the restored instance only (give_resource_id would also
    # rewrite the snapshots taken under 'shop', which belong to the original).
    backend.databases["shop"].dbi_resource_id = "db-SHOPRESTORED000000000000"
    assert first.resource_id != "db-SHOPRESTORED000000000000"
    clock.now += timedelta(hours=61)
    plan = backups.prepare_rotation(adapter, "shop")
    assert [s.identifier for s in plan.delete] == [first.identifier]
    rds.delete_db_instance(DBInstanceIdentifier="shop-old", SkipFinalSnapshot=True)
    assert backups.prune_orphans(adapter, dry_run=True).plan.delete == ()
    result = backups.execute_rotation(adapter, plan)
    assert result.deleted == (first.identifier,)
