"""Backups: the tags, kinds and names of restore points, and small time helpers."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from sccos_backup import errors, identifiers
from sccos_backup.aws.rds import Instance, Snapshot

TAG_CREATED_BY = "sccos-backup:created-by"
TAG_KIND = "sccos-backup:kind"
TAG_NOTE = "sccos-backup:note"
CREATED_BY = "sccos-backup"

#: The policy's minimum retention of automated daily backups, in days (Spryker's runbook: 5 days).
MIN_RETENTION_DAYS = 5
#: How far the latest restorable time may lag behind now (AWS: usually under 5 minutes).
DEFAULT_MAX_PITR_LAG = timedelta(minutes=15)
#: Warn when fewer manual snapshots than this are left in the region's quota.
QUOTA_WARN_LEFT = 10
#: Instance statuses in which RDS takes a snapshot (CreateDBSnapshot: "The source DB instance
#: must be in the available or storage-optimization state", RDS API reference).
CREATABLE = frozenset({"available", "storage-optimization"})
#: AWS limits a tag value to 256 characters.
NOTE_MAX = 256


class Kind(StrEnum):
    """The kind of a restore point."""

    AUTOMATED = "automated"
    MANUAL = "manual"
    HOURLY = "hourly"
    AWS_BACKUP = "awsbackup"
    OTHER = "other"


def belongs_to(snapshot: Snapshot, *, identifier: str, resource_id: str | None) -> bool:
    """True when ``snapshot`` was taken of this database (resource id, or identifier)."""
    if resource_id and snapshot.resource_id == resource_id:
        return True
    return snapshot.instance_identifier == identifier


def utc(now: datetime) -> datetime:
    return now.replace(tzinfo=UTC) if now.tzinfo is None else now.astimezone(UTC)


def hourly_name(instance: str, now: datetime) -> str:
    """This hour's snapshot name, e.g. ``shop-hourly-2026-11-25-13`` (UTC)."""
    return identifiers.snapshot_identifier(f"{instance}-hourly-{utc(now):%Y-%m-%d-%H}")


def alternate_hourly_name(name: str) -> str:
    """The hour's second name, taken when a snapshot that is not this database's hourly one
    (a look-alike a person made, a copy) holds the first: ``shop-hourly-2026-11-25-13-2``."""
    return identifiers.snapshot_identifier(f"{name}-2")


def propose_name(instance: str, now: datetime, purpose: str = "manual") -> str:
    """A meaningful manual snapshot name, e.g. ``shop-manual-20261125-1300`` (UTC)."""
    if not purpose or not purpose.replace("-", "").isalnum():
        raise errors.InvalidInput(
            f"purpose '{purpose}' is invalid: use letters, digits and single hyphens "
            "(e.g. before-release)"
        )
    return identifiers.snapshot_identifier(f"{instance}-{purpose}-{utc(now):%Y%m%d-%H%M}")


def age_text(now: datetime, then: datetime) -> str:
    minutes = int((now - then).total_seconds() // 60)
    if abs(minutes) < 120:
        return f"{minutes} min"
    return f"{minutes // 60} h {minutes % 60} min"


def iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def newest_first(snapshots: Iterable[Snapshot]) -> tuple[Snapshot, ...]:
    """Sort by creation time, newest first; snapshots without a time (still starting) first."""
    far_future = datetime.max.replace(tzinfo=UTC)
    return tuple(
        sorted(snapshots, key=lambda s: (s.created or far_future, s.identifier), reverse=True)
    )


def require_available(instance: Instance, action: str) -> None:
    """Refuse with :class:`NotAvailable` unless RDS can snapshot the instance now."""
    if instance.status not in CREATABLE:
        raise errors.NotAvailable(
            f"DB instance '{instance.identifier}' is '{instance.status}'; {action} needs it "
            "'available' or 'storage-optimization': start it or wait for the change to "
            "finish, then run again"
        )
