"""A fleet's hourly rotation: the region listed once per run, and never stuck at the quota."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import botocore.config
import pytest
from botocore.exceptions import ClientError

from sccos_backup import errors, lambda_handler
from sccos_backup.aws.rds import RdsAdapter
from sccos_backup.backups import snapshots as backups
from sccos_backup.backups.ownership import hourly_tags
from sccos_backup.backups.quota import QuotaProjection
from tests.conftest import ACCOUNT, REGION, FakeClock, make_instance
from tests.fake_rds import FakeRds
from tests.support.snapshots import NOW, RID, hourly, instance, snapshot

pytestmark = pytest.mark.aws_in_process

ONE_ATTEMPT = botocore.config.Config(retries={"mode": "standard", "max_attempts": 1})
TAG = {"Key": "sccos:project", "Value": "shop"}


class _Publisher:
    def publish(self, data: Any) -> None:
        pass


def count_calls(client: Any) -> Counter[str]:
    """Every API call of ``client`` by operation (once per call, not per retry)."""
    calls: Counter[str] = Counter()

    def before_call(model: Any, **_: Any) -> None:
        calls[model.name] += 1

    client.meta.events.register("before-call.rds", before_call)
    return calls


def age_snapshot(identifier: str, created: datetime) -> None:
    """moto stamps a snapshot with the real time: move it into the past (same process)."""
    from moto.rds.models import rds_backends

    rds_backends[ACCOUNT][REGION].database_snapshots[identifier].created = created


def test_a_fleet_rotation_lists_the_region_once_and_then_only_creates_and_deletes(
    moto: str, rds: Any
) -> None:
    now = datetime.now(UTC)
    names = [f"shop-{i}" for i in range(8)]
    for name in names:
        make_instance(rds, name, Tags=[TAG])
        old = backups.hourly_name(name, now - timedelta(hours=61))
        rds.create_db_snapshot(
            DBInstanceIdentifier=name,
            DBSnapshotIdentifier=old,
            Tags=[{"Key": k, "Value": v} for k, v in hourly_tags(name, old)],
        )
        age_snapshot(old, now - timedelta(hours=61))
    client = boto3.client("rds", region_name=REGION, endpoint_url=moto, config=ONE_ATTEMPT)
    calls = count_calls(client)
    clock = FakeClock(now)
    services = lambda_handler.Services(
        RdsAdapter(client, clock=clock, sleep=clock.sleep), _Publisher()
    )
    result = lambda_handler.handle(
        {"action": "rotate", "tag": "sccos:project=shop", "keep_hours": 60}, services
    )
    assert result["failed"] == []
    assert all(len(d["deleted"]) == 1 and d["created"] for d in result["databases"])
    # one listing of the region per run (DescribeDBInstances: the tag's selection, the census)
    assert calls["DescribeDBSnapshots"] == 1, calls
    assert calls["DescribeDBInstances"] <= 2, calls
    assert calls["DescribeAccountAttributes"] == 1, calls
    assert calls["CreateDBSnapshot"] == len(names) and calls["DeleteDBSnapshot"] == len(names)
    assert sum(calls.values()) <= 2 * len(names) + 4, calls


def test_a_database_that_fails_leaves_the_listing_usable_for_the_next(moto: str, rds: Any) -> None:
    from sccos_backup.backups.fleet import FleetRotation

    make_instance(rds, "shop-a")
    clock = FakeClock(datetime.now(UTC))
    adapter = RdsAdapter(
        boto3.client("rds", region_name=REGION, endpoint_url=moto), clock=clock, sleep=clock.sleep
    )
    fleet = FleetRotation(adapter, databases=["gone", "shop-a"])
    with pytest.raises(errors.NotFound, match="'gone' does not exist"):
        fleet.rotate("gone")
    assert fleet.rotate("shop-a").created is not None
    again = fleet.rotate("shop-a")  # a second delivery: the listing knows this hour's snapshot
    assert again.created is None and again.plan.existing is not None


class _QuotaUnreadable(FakeRds):
    def describe_account_attributes(self) -> dict[str, Any]:
        raise ClientError(
            {"Error": {"Code": "AccessDenied", "Message": "not authorized"}},
            "DescribeAccountAttributes",
        )


@pytest.mark.parametrize("fleet", [False, True], ids=["snapshot-rotate", "schedule"])
def test_a_full_region_with_an_unknown_quota_recovers_by_deleting_first(fleet: bool) -> None:
    """Quota 4 and keep 3 h: the region is full when an hour expires. Deleting the expired
    hourly snapshot first frees its place; creating first is refused every hour, forever."""
    start = datetime(2026, 11, 20, 0, 5, tzinfo=UTC)
    clock = FakeClock(start)
    aws = _QuotaUnreadable(clock, quota=4)
    aws.add_instance("shop", "db-SHOP")
    rds = RdsAdapter(aws, clock=clock, sleep=clock.sleep)  # type: ignore[arg-type]
    keep = 3

    def rotate() -> backups.RotationResult:
        from sccos_backup.backups.fleet import FleetRotation

        if fleet:
            return FleetRotation(rds, keep_hours=keep, databases=["shop"]).rotate("shop")
        return backups.rotate(rds, "shop", keep_hours=keep)

    refused = []
    for hour in range(8):
        clock.now = start + timedelta(hours=hour)
        try:
            result = rotate()
        except errors.PreconditionFailed as error:
            assert "quota" in str(error).lower()
            refused.append(hour)
            continue
        assert result.plan.delete_first is bool(result.plan.delete)
        assert any("cannot be read" in w for w in result.plan.warnings)
        clock.now += timedelta(minutes=15)  # snapshots become available, deleted ones go
        aws.describe_db_snapshots()
    # hour 4 is the first with the region full; at most that hour is lost
    assert refused in ([], [4]), refused
    assert backups.hourly_name("shop", start + timedelta(hours=7)) in aws.snapshots


@pytest.mark.parametrize(("used", "first"), [(40, False), (89, False), (95, True)])
def test_near_a_known_quota_the_expired_go_first(used: int, first: bool) -> None:
    projection = QuotaProjection(1, ("shop",), 0, used, 100, None)
    plan = backups.plan_rotation(NOW, instance(), [hourly(61)], keep_hours=1, quota=projection)
    assert plan.delete_first is first


# -- a look-alike never takes an hour's place ------------------------------------------------


def test_an_untagged_look_alike_does_not_stand_for_the_hour() -> None:
    """A person's snapshot named like this hour's hourly one: the hour's snapshot is taken
    under the second name, and the check counts only ours (no gap once it is there)."""
    from sccos_backup.backups.gaps import hourly_gaps
    from sccos_backup.backups.ownership import Owner

    this_hour = backups.hourly_name("shop", NOW)
    look_alike = snapshot(this_hour, hours_ago=0.1, kind=None)
    plan = backups.plan_rotation(NOW, instance(), [look_alike], keep_hours=60)
    assert plan.create == f"{this_hour}-2" and plan.existing is None
    assert any("not one of this database's hourly snapshots" in w for w in plan.warnings)
    # the check counts only ours: an hour held by a look-alike alone is a gap
    last_hour = NOW - timedelta(hours=1)
    stranger = snapshot(backups.hourly_name("shop", last_hour), hours_ago=1, kind=None)
    gaps = hourly_gaps(NOW, Owner("shop", RID), [stranger, hourly(2)], 60, NOW - timedelta(hours=2))
    assert last_hour.replace(minute=0) in gaps
    ours = snapshot(f"{this_hour}-2", hours_ago=0.1)
    tagged = backups.plan_rotation(NOW, instance(), [look_alike, ours], keep_hours=60)
    assert tagged.create is None and tagged.existing == f"{this_hour}-2"
    assert backups.hourly_mark(ours) is not None


def test_both_names_taken_by_strangers_blocks_the_hour() -> None:
    this_hour = backups.hourly_name("shop", NOW)
    strangers = [snapshot(n, kind=None) for n in (this_hour, f"{this_hour}-2")]
    plan = backups.plan_rotation(NOW, instance(), strangers, keep_hours=60)
    assert plan.create is None and plan.blocked and "not ours" in plan.blocked
