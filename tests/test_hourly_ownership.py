"""Hourly snapshots, one test per finding: ownership by name and tags, copies, restores, statuses,
races, failed snapshots, gaps, the quota projection, pagination, prune, shared resource ids."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from automation.rehearse.plan import newest_snapshot
from sccos_backup import errors
from sccos_backup.aws.identity import shared_ids
from sccos_backup.aws.rds import Instance, RdsAdapter, Snapshot
from sccos_backup.aws.snapshots import SnapshotQuota
from sccos_backup.backups import snapshots as backups
from sccos_backup.backups.gaps import hourly_gaps
from sccos_backup.backups.ownership import Owner, being_copied, hourly_mark
from sccos_backup.backups.prune import plan_prune, prune_orphans
from sccos_backup.backups.quota import Census, project
from sccos_backup.drill.plan import DrillChoice, DrillRequest
from sccos_backup.drill.prepare import prepare_drill
from tests.conftest import FakeClock
from tests.fake_rds import FakeRds
from tests.support.snapshots import NOW, RID, hourly, instance, snapshot

pytestmark = pytest.mark.aws_in_process

ARN = "arn:aws:rds:eu-central-1:123456789012:snapshot:"


def copy_of(
    source: Snapshot, name: str, *, status: str = "available", tags: bool = True
) -> Snapshot:
    """A CopyDBSnapshot copy: the source's instance, resource id and (CopyTags) tags."""
    return Snapshot.from_api(
        {
            "DBSnapshotIdentifier": name,
            "DBSnapshotArn": ARN + name,
            "DBInstanceIdentifier": source.instance_identifier,
            "DbiResourceId": source.resource_id,
            "SnapshotType": "manual",
            "Status": status,
            "SnapshotCreateTime": NOW,
            "OriginalSnapshotCreateTime": source.created,
            "SourceDBSnapshotIdentifier": source.arn if tags else "",
            "TagList": [{"Key": k, "Value": v} for k, v in source.tags] if tags else [],
        }
    )


def census(
    instances: list[Instance], manual: list[Snapshot], quota: SnapshotQuota | None = None
) -> Census:
    """A census as the adapter takes it behind the emulator switch (shared ids allowed)."""
    used = quota or SnapshotQuota(len(manual), 100)
    return Census(tuple(instances), tuple(manual), used, shared_ids(instances, emulator=True))


# -- ownership by name and tags --------------------------------------------------------------


def test_an_hourly_snapshot_is_recognised_by_name_and_tags_together() -> None:
    good = hourly(2)
    assert hourly_mark(good) is not None
    assert hourly_mark(good).series == "shop"  # type: ignore[union-attr]
    kept = copy_of(good, "shop-keep-release")
    assert hourly_mark(kept) is None  # CopyTags copy: the tags name another snapshot
    renamed_like = copy_of(good, backups.hourly_name("shop", NOW - timedelta(hours=5)))
    assert hourly_mark(renamed_like) is None  # even under an hourly-looking name
    assert hourly_mark(snapshot("shop-hourly-2026-11-25-99")) is None  # no such hour
    no_tags = snapshot(backups.hourly_name("shop", NOW), kind=None)
    assert hourly_mark(no_tags) is None
    lying = snapshot(good.identifier, instance_identifier="cart")  # tags say taken under cart
    assert hourly_mark(lying) is None
    legacy = Snapshot.from_api(
        {
            "DBSnapshotIdentifier": good.identifier,
            "DBInstanceIdentifier": "shop",
            "SnapshotType": "manual",
            "TagList": [
                {"Key": backups.TAG_CREATED_BY, "Value": backups.CREATED_BY},
                {"Key": backups.TAG_KIND, "Value": "hourly"},
            ],
        }
    )
    assert hourly_mark(legacy) is not None  # taken before the instance/snapshot tags existed
    assert backups.kind_of(kept) is backups.Kind.MANUAL


def test_a_kept_copy_is_never_rotated_away() -> None:
    source = hourly(61)
    kept = copy_of(source, "shop-keep-release")
    plan = backups.plan_rotation(NOW, instance(), [source, kept])
    assert [s.identifier for s in plan.delete] == [source.identifier]
    assert kept not in plan.keep


def test_the_restored_instance_expires_the_originals_series_by_name() -> None:
    """A restore gives 'shop' a new DbiResourceId; the original's hourly snapshots were taken
    under 'shop' (and the original may be renamed or deleted)."""
    restored = instance(resource_id="db-RESTORED")
    original_old = hourly(61, resource_id="db-ORIGINAL")
    original_young = hourly(30, resource_id="db-ORIGINAL")
    plan = backups.plan_rotation(NOW, restored, [original_old, original_young])
    assert [s.identifier for s in plan.delete] == [original_old.identifier]
    assert [s.identifier for s in plan.keep] == [original_young.identifier]
    report = backups.evaluate_policy(NOW, restored, [hourly(0.3, resource_id="db-ORIGINAL")])
    assert report.met, report.problems  # the series continues across the restore


def test_a_renamed_database_still_expires_its_earlier_names_series() -> None:
    renamed = instance("shop2")
    before = hourly(61, db="shop")  # taken while it was called 'shop', same resource id
    plan = backups.plan_rotation(NOW, renamed, [before])
    assert [s.identifier for s in plan.delete] == [before.identifier]


# -- statuses, races, copies, failures -------------------------------------------------------


def test_rotation_proceeds_in_storage_optimization() -> None:
    plan = backups.plan_rotation(NOW, instance(status="storage-optimization"), [hourly(61)])
    assert plan.create == backups.hourly_name("shop", NOW)
    assert plan.blocked is None and len(plan.delete) == 1


def test_snapshots_being_copied_are_kept_until_the_copy_is_done() -> None:
    source = hourly(61)
    by_arn = copy_of(source, "shop-keep", status="creating")
    plan = backups.plan_rotation(NOW, instance(), [source, by_arn])
    assert plan.delete == () and plan.skipped == (source,)
    assert any("a copy of it is in progress" in w for w in plan.warnings)
    untagged = copy_of(source, "bare", status="creating", tags=False)  # moto: only times
    assert being_copied([source, untagged]) == {source.identifier}
    done = copy_of(source, "shop-keep", status="available")
    assert backups.plan_rotation(NOW, instance(), [source, done]).delete == (source,)


def test_failed_hourly_snapshots_expire_and_deleting_ones_are_left_alone() -> None:
    failed, deleting = hourly(62, status="failed"), hourly(61, status="deleting")
    plan = backups.plan_rotation(NOW, instance(), [failed, deleting])
    assert plan.delete == (failed,)
    assert deleting not in plan.keep


def test_two_rotations_at_once_both_succeed() -> None:
    clock = FakeClock(NOW)
    aws = FakeRds(clock)
    aws.add_instance("shop", RID)
    rds = RdsAdapter(aws, clock=clock, sleep=clock.sleep)  # type: ignore[arg-type]
    clock.now = NOW - timedelta(hours=61)
    backups.rotate(rds, "shop")
    clock.now = NOW
    first = backups.prepare_rotation(rds, "shop")
    second = backups.prepare_rotation(rds, "shop")
    one = backups.execute_rotation(rds, first)
    two = backups.execute_rotation(rds, second)
    assert one.created is not None and not one.raced and len(one.deleted) == 1
    assert two.raced and two.created is not None and two.created.identifier == first.create
    assert two.deleted == () and two.gone == one.deleted  # already 'deleting'
    assert aws.calls["CreateDBSnapshot"] == 3


def test_a_taken_name_of_another_database_is_no_success() -> None:
    clock = FakeClock(NOW)
    aws = FakeRds(clock)
    aws.add_instance("shop", RID)
    rds = RdsAdapter(aws, clock=clock, sleep=clock.sleep)  # type: ignore[arg-type]
    plan = backups.prepare_rotation(rds, "shop")
    assert plan.create is not None
    aws.create_db_snapshot(DBInstanceIdentifier="shop", DBSnapshotIdentifier=plan.create)
    with pytest.raises(errors.IdentifierTaken):  # untagged: not this tool's hourly snapshot
        backups.execute_rotation(rds, plan)


# -- gaps ------------------------------------------------------------------------------------


def test_gaps_are_every_completed_hour_without_an_hourly_snapshot() -> None:
    owner = Owner("shop", RID)
    series = [hourly(h) for h in (0.2, 1.2, 4.2, 5.2)]  # 13:08, 12:08, 09:08, 08:08
    gaps = hourly_gaps(NOW, owner, series, keep_hours=60, since=NOW - timedelta(hours=5.5))
    assert [f"{g:%H}" for g in gaps] == ["10", "11"]
    failed = [*series, hourly(2.2, status="failed")]
    assert len(hourly_gaps(NOW, owner, failed, 60, NOW - timedelta(hours=5.5))) == 2
    whole = hourly_gaps(NOW, owner, [], keep_hours=60)
    assert len(whole) == 59 and whole[0] == datetime(2026, 11, 23, 2, tzinfo=UTC)
    report = backups.evaluate_policy(NOW, instance(created=NOW - timedelta(hours=6)), series)
    assert [c.name for c in report.checks if not c.ok] == ["gaps"]
    assert "2 hour(s) of the last 60" in report.problems[0]
    assert "2026-11-25 10:00, 2026-11-25 11:00" in report.problems[0]


# -- the quota as part of the policy ---------------------------------------------------------


def test_the_quota_projection_counts_every_database_and_other_manual_snapshots() -> None:
    shop, cart = instance(), instance("cart", resource_id="db-CART")
    manual = [
        hourly(1),
        hourly(1, db="cart", resource_id="db-CART"),
        hourly(1, db="gone", resource_id="db-GONE"),  # an orphan decays: not in steady state
        snapshot("before-release", kind="manual"),
        copy_of(hourly(3), "shop-keep"),
    ]
    projection = project(census([shop, cart], manual, SnapshotQuota(57, 100)), 60, ["shop"])
    assert projection.databases == ("cart", "shop")
    assert projection.other_manual == 2
    assert projection.needed == 62 * 2 + 2
    assert not projection.fits
    line = projection.problem_line()
    assert line is not None
    assert "(60 + 2) x 2 database(s) with hourly snapshots + 2 other manual snapshot(s)" in line
    assert "= 126 needed at steady state; region quota 100, 57 used now" in line
    assert "Service Quotas" in line
    report = backups.evaluate_policy(NOW, shop, [hourly(0.3)], quota=projection)
    assert [c.name for c in report.checks if not c.ok] == ["quota"]
    raised = project(census([shop, cart], manual, SnapshotQuota(57, 200)), 60, ["shop"])
    assert raised.fits and raised.problem_line() is None


def test_an_unreadable_quota_is_reported_never_silent() -> None:
    unreadable = SnapshotQuota(None, None, "access denied (AccessDenied)")
    projection = project(census([instance()], [], unreadable), 60, ["shop"])
    report = backups.evaluate_policy(NOW, instance(), [hourly(0.3)], quota=projection)
    assert [c.name for c in report.checks if not c.ok] == ["quota"]
    assert "cannot be read (access denied (AccessDenied))" in report.problems[0]
    allowed = backups.evaluate_policy(
        NOW, instance(), [hourly(0.3)], quota=projection, allow_unknown_quota=True
    )
    assert allowed.met
    assert "not checked" in allowed.checks[-1].detail
    plan = backups.plan_rotation(NOW, instance(), [], quota=projection)
    assert any("cannot be read" in w for w in plan.warnings)


def test_rotate_warns_with_the_same_numbers() -> None:
    shop, cart = instance(), instance("cart", resource_id="db-CART")
    manual = [hourly(1), hourly(1, db="cart", resource_id="db-CART")]
    projection = project(census([shop, cart], manual, SnapshotQuota(2, 100)), 60, ["shop"])
    plan = backups.plan_rotation(NOW, shop, manual, quota=projection)
    assert any("(60 + 2) x 2 database(s)" in w and "region quota 100" in w for w in plan.warnings)


# -- pagination, with a stubbed client -------------------------------------------------------


def _api_snapshot(number: int) -> dict[str, Any]:
    name = backups.hourly_name("shop", NOW - timedelta(hours=number))
    return {
        "DBSnapshotIdentifier": name,
        "DBInstanceIdentifier": "shop",
        "DbiResourceId": RID,
        "SnapshotType": "manual",
        "Status": "available",
        "SnapshotCreateTime": NOW - timedelta(hours=number),
        "TagList": [{"Key": k, "Value": v} for k, v in backups.hourly_tags("shop", name)],
    }


def test_listing_follows_every_page_of_250_snapshots() -> None:
    client = boto3.client(
        "rds", region_name="eu-central-1", aws_access_key_id="x", aws_secret_access_key="x"
    )
    every = [_api_snapshot(n) for n in range(250)]
    with Stubber(client) as stub:
        for start, marker in ((0, None), (100, "m1"), (200, "m2")):
            expected: dict[str, Any] = {"SnapshotType": "manual", "MaxRecords": 100}
            if marker:
                expected["Marker"] = marker
            page: dict[str, Any] = {"DBSnapshots": every[start : start + 100]}
            if start + 100 < len(every):
                page["Marker"] = f"m{start // 100 + 1}"
            stub.add_response("describe_db_snapshots", page, expected)
        rds = RdsAdapter(client, clock=lambda: NOW, sleep=lambda _: None)
        found = rds.list_snapshots(snapshot_type="manual")
        stub.assert_no_pending_responses()  # exactly three calls, with the markers
    assert len(found) == 250
    assert len({s.identifier for s in found}) == 250


def test_the_rotation_sees_an_expired_snapshot_on_the_last_page() -> None:
    client = boto3.client(
        "rds", region_name="eu-central-1", aws_access_key_id="x", aws_secret_access_key="x"
    )
    shop = {
        "DBInstanceIdentifier": "shop",
        "DBInstanceStatus": "available",
        "DbiResourceId": RID,
    }
    every = [_api_snapshot(n) for n in range(1, 251)]  # 1 to 250 hours old
    calls = []
    with Stubber(client) as stub:
        stub.add_response("describe_db_instances", {"DBInstances": [shop]})
        stub.add_response("describe_db_instances", {"DBInstances": [shop]})
        for start in (0, 100, 200):
            page: dict[str, Any] = {"DBSnapshots": every[start : start + 100]}
            if start < 200:
                page["Marker"] = str(start + 100)
            stub.add_response("describe_db_snapshots", page)
        stub.add_response(
            "describe_account_attributes",
            {"AccountQuotas": [{"AccountQuotaName": "ManualSnapshots", "Used": 250, "Max": 300}]},
        )
        client.meta.events.register(
            "before-parameter-build.rds.*", lambda **kw: calls.append(kw["model"].name)
        )
        rds = RdsAdapter(client, clock=lambda: NOW, sleep=lambda _: None)
        plan = backups.prepare_rotation(rds, "shop")
        stub.assert_no_pending_responses()
    assert calls == [
        "DescribeDBInstances",
        "DescribeDBInstances",
        "DescribeDBSnapshots",
        "DescribeDBSnapshots",
        "DescribeDBSnapshots",
        "DescribeAccountAttributes",
    ]
    assert len(plan.delete) == 250 - 60  # 61 to 250 hours old; exactly 60 is still kept
    assert plan.delete[-1].identifier == every[-1]["DBSnapshotIdentifier"]


# -- prune -----------------------------------------------------------------------------------


def test_prune_deletes_only_expired_hourly_snapshots_of_databases_gone_under_every_name() -> None:
    shop = instance()
    orphan_old = hourly(61, db="gone", resource_id="db-GONE")
    orphan_young = hourly(10, db="gone", resource_id="db-GONE")
    renamed = hourly(61, db="old-name")  # resource id RID: 'shop' is that database now
    ours = hourly(61)
    kept_copy = copy_of(hourly(70, db="gone", resource_id="db-GONE"), "gone-keep")
    manual = [orphan_old, orphan_young, renamed, ours, kept_copy]
    plan = plan_prune(census([shop], manual), NOW)
    assert plan.delete == (orphan_old,)
    assert plan.waiting == (orphan_young,)
    twins = [instance("a", resource_id="db-SAME"), instance("b", resource_id="db-SAME")]
    shared = hourly(61, db="deleted", resource_id="db-SAME")  # moto_server: ids say nothing
    assert plan_prune(census(twins, [shared]), NOW).delete == (shared,)


def test_prune_orphans_against_the_stand_in() -> None:
    clock = FakeClock(NOW - timedelta(hours=70))
    aws = FakeRds(clock)
    aws.add_instance("gone", "db-GONE")
    rds = RdsAdapter(aws, clock=clock, sleep=clock.sleep)  # type: ignore[arg-type]
    taken = backups.rotate(rds, "gone").created
    assert taken is not None
    aws.delete_instance("gone", final_snapshot="gone-final")
    clock.now = NOW
    assert prune_orphans(rds, dry_run=True).deleted == ()
    result = prune_orphans(rds)
    assert result.deleted == (taken.identifier,)
    assert set(aws.snapshots) == {taken.identifier, "gone-final"}  # deleting, then gone
    assert aws.snapshots[taken.identifier]["Status"] == "deleting"


# -- a DbiResourceId shared by several instances (moto_server) -------------------------------


def test_a_shared_resource_id_falls_back_to_names_and_tags() -> None:
    shop, other = instance(resource_id="db-SAME"), instance("other", resource_id="db-SAME")
    owner = Owner.of(shop, shared_ids([shop, other], emulator=True))
    assert owner.shared_with == ("other",)
    note = owner.sharing_note()
    assert note is not None and "'other'" in note and "instance name and tags only" in note
    theirs = hourly(61, db="other", resource_id="db-SAME")
    their_manual = snapshot("other-snap", kind="manual", instance_identifier="other")
    assert not owner.owns_hourly(theirs) and not owner.belongs(their_manual)
    plan = backups.plan_rotation(
        NOW, shop, [theirs, hourly(61, resource_id="db-SAME")], owner=owner
    )
    assert [s.identifier for s in plan.delete] == [
        backups.hourly_name("shop", NOW - timedelta(hours=61))
    ]
    assert plan.warnings[0] == note


# -- the stand-in is strict where moto is kind -----------------------------------------------


def test_the_stand_in_follows_the_api_reference_where_moto_differs() -> None:
    clock = FakeClock(NOW)
    aws = FakeRds(clock, quota=2)
    aws.add_instance("shop", RID)
    aws.set_status("shop", "modifying")
    with pytest.raises(Exception, match="InvalidDBInstanceState"):
        aws.create_db_snapshot(DBInstanceIdentifier="shop", DBSnapshotIdentifier="a")
    aws.set_status("shop", "storage-optimization")
    aws.create_db_snapshot(DBInstanceIdentifier="shop", DBSnapshotIdentifier="a")
    assert aws.snapshots["a"]["Status"] == "creating"  # moto: available at once
    clock.now += timedelta(minutes=11)
    aws.copy_db_snapshot(SourceDBSnapshotIdentifier="a", TargetDBSnapshotIdentifier="b")
    aws.delete_db_snapshot(DBSnapshotIdentifier="a")
    with pytest.raises(Exception, match="InvalidDBSnapshotState"):
        aws.delete_db_snapshot(DBSnapshotIdentifier="a")
    with pytest.raises(Exception, match="SnapshotQuotaExceeded"):  # 'deleting' still counts
        aws.create_db_snapshot(DBInstanceIdentifier="shop", DBSnapshotIdentifier="c")
    clock.now += timedelta(hours=1)
    aws.describe_db_snapshots()
    assert "a" not in aws.snapshots
    assert aws.snapshots["b"]["Status"] == "failed"  # its source went away mid-copy
    with pytest.raises(Exception, match="MaxRecords"):  # moto ignores MaxRecords
        aws.describe_db_snapshots(MaxRecords=500)


def test_a_manual_snapshot_is_taken_in_storage_optimization_too() -> None:
    clock = FakeClock(NOW)
    aws = FakeRds(clock)
    aws.add_instance("shop", RID)
    aws.set_status("shop", "storage-optimization")
    rds = RdsAdapter(aws, clock=clock, sleep=clock.sleep)  # type: ignore[arg-type]
    request = backups.plan_manual_snapshot(rds, "shop", "before-release")
    assert backups.take_snapshot(rds, request, wait=False).snapshot.status == "creating"
    aws.set_status("shop", "modifying")
    with pytest.raises(errors.NotAvailable, match="'available' or 'storage-optimization'"):
        backups.plan_manual_snapshot(rds, "shop", "another")


def test_this_hours_name_held_by_a_snapshot_not_ours_is_reported_and_not_counted() -> None:
    squatter = snapshot(backups.hourly_name("shop", NOW), kind="manual", hours_ago=0.1)
    plan = backups.plan_rotation(NOW, instance(), [squatter])
    # it never stands for the hour: this hour's snapshot takes the second name
    assert plan.create == f"{squatter.identifier}-2" and plan.existing is None
    assert any("not one of this database's hourly snapshots" in w for w in plan.warnings)
    report = backups.evaluate_policy(NOW, instance(), [squatter])
    assert "hourly" in [c.name for c in report.checks if not c.ok]


def two_sharing_one_id(clock: FakeClock) -> tuple[FakeRds, RdsAdapter]:
    """On an AWS endpoint, 'shop' and 'other' answer with one DbiResourceId, which an hourly
    snapshot of a database gone since (and renamed away from) and 'other''s own snapshot carry."""
    aws = FakeRds(clock)
    rds = RdsAdapter(aws, clock=clock, sleep=clock.sleep)  # type: ignore[arg-type]
    clock.now = NOW - timedelta(hours=70)
    aws.add_instance("gone", "db-SAME")
    assert backups.rotate(rds, "gone").created is not None
    aws.delete_instance("gone", final_snapshot="gone-final")
    aws.add_instance("shop", "db-SAME")
    aws.add_instance("other", "db-SAME")
    aws.create_db_snapshot(DBInstanceIdentifier="other", DBSnapshotIdentifier="other-snap")
    clock.now = NOW
    return aws, rds


ON_A_SHARED_ID: dict[str, Callable[[RdsAdapter], object]] = {
    "list": lambda rds: backups.list_restore_points(rds, "shop"),
    "rotate": lambda rds: backups.rotate(rds, "shop"),
    "check": lambda rds: backups.check_policy(rds, "shop"),
    "prune": prune_orphans,
    "delete": lambda rds: backups.deletable_snapshot(rds, "shop", "other-snap"),
    "drill-hourly": lambda rds: prepare_drill(
        rds, DrillRequest("shop", DrillChoice("hourly")), NOW
    ),
    "rehearsal-source": lambda rds: newest_snapshot(rds, rds.describe_instance("shop")),
}


@pytest.mark.parametrize("action", sorted(ON_A_SHARED_ID))
def test_on_aws_instances_sharing_a_resource_id_are_refused_not_told_apart_by_name(
    action: str,
) -> None:
    """Only an emulator gives two instances one DbiResourceId (the switch in
    sccos_backup.aws.identity); on AWS the backups refuse the answer before any change instead
    of falling back to names and tags."""
    aws, rds = two_sharing_one_id(FakeClock(NOW))
    assert not rds.emulator_identity
    before = set(aws.snapshots)
    with pytest.raises(errors.NotFound, match=r"DbiResourceId db-SAME \(other, shop\).*one only"):
        ON_A_SHARED_ID[action](rds)
    assert set(aws.snapshots) == before
    assert aws.calls["CreateDBSnapshot"] == 3 and aws.calls["DeleteDBSnapshot"] == 0


def test_behind_the_emulator_switch_a_shared_resource_id_counts_for_nobody() -> None:
    aws, rds = two_sharing_one_id(FakeClock(NOW))
    rds.emulator_identity = True
    gone = {n for n in aws.snapshots if n.startswith("gone-hourly-")}
    assert set(prune_orphans(rds).deleted) == gone  # its series has no instance of that name
    listed = backups.list_restore_points(rds, "shop")
    assert listed.note is not None and "'other'" in listed.note
    assert not any(p.identifier.startswith(("gone", "other")) for p in listed.points)
