"""RDS instances and snapshots as the adapter sees them, and a moto instance with a resource id."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sccos_backup.aws.rds import Instance, Snapshot
from sccos_backup.backups import snapshots as backups
from tests.conftest import REGION, make_instance

NOW = datetime(2026, 11, 25, 13, 20, tzinfo=UTC)


RID = "db-SHOP"


def instance(
    identifier: str = "shop",
    *,
    status: str = "available",
    retention: int = 5,
    latest: datetime | None = NOW - timedelta(minutes=3),
    resource_id: str = RID,
    created: datetime = NOW - timedelta(minutes=30),
) -> Instance:
    return Instance.from_api(
        {
            "DBInstanceIdentifier": identifier,
            "DBInstanceStatus": status,
            "DbiResourceId": resource_id,
            "BackupRetentionPeriod": retention,
            "LatestRestorableTime": latest,
            "AllocatedStorage": 50,
            "InstanceCreateTime": created,
        }
    )


def snapshot(
    identifier: str,
    *,
    hours_ago: float = 1,
    snapshot_type: str = "manual",
    kind: str | None = "hourly",
    resource_id: str = RID,
    instance_identifier: str = "shop",
    status: str = "available",
) -> Snapshot:
    tags = [{"Key": backups.TAG_KIND, "Value": kind}] if kind else []
    if kind == "hourly":
        tags += [
            {"Key": backups.TAG_CREATED_BY, "Value": backups.CREATED_BY},
            {"Key": backups.TAG_INSTANCE, "Value": instance_identifier},
            {"Key": backups.TAG_SNAPSHOT, "Value": identifier},
        ]
    return Snapshot.from_api(
        {
            "DBSnapshotIdentifier": identifier,
            "DBSnapshotArn": f"arn:aws:rds:{REGION}:123456789012:snapshot:{identifier}",
            "DBInstanceIdentifier": instance_identifier,
            "DbiResourceId": resource_id,
            "SnapshotType": snapshot_type,
            "Status": status,
            "AllocatedStorage": 50,
            "SnapshotCreateTime": NOW - timedelta(hours=hours_ago),
            "TagList": tags,
        }
    )


def hourly(
    hours_ago: float,
    *,
    db: str = "shop",
    resource_id: str = RID,
    status: str = "available",
    taken_under: str | None = None,
) -> Snapshot:
    """One of this tool's hourly snapshots of ``db`` taken ``hours_ago`` (named for its hour)."""
    name = backups.hourly_name(db, NOW - timedelta(hours=hours_ago))
    return snapshot(
        name,
        hours_ago=hours_ago,
        resource_id=resource_id,
        instance_identifier=taken_under or db,
        status=status,
    )


def make_db(rds: Any, identifier: str = "shop", **overrides: Any) -> str:
    """``make_instance`` (which gives the instance a DbiResourceId of its own); the id."""
    return str(make_instance(rds, identifier, **overrides)["DbiResourceId"])


def tags_of(rds: Any, name: str) -> dict[str, str]:
    found = rds.describe_db_snapshots(DBSnapshotIdentifier=name)["DBSnapshots"][0]
    return {t["Key"]: t["Value"] for t in found.get("TagList", [])}


def names(rds: Any) -> set[str]:
    return {s["DBSnapshotIdentifier"] for s in rds.describe_db_snapshots()["DBSnapshots"]}
