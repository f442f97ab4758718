"""Backups: every restore point of a database in one view."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sccos_backup import errors, identifiers
from sccos_backup.aws.rds import Instance, RdsAdapter, RestoreWindow, Snapshot
from sccos_backup.backups.naming import TAG_NOTE, Kind, belongs_to, iso, kind_of, newest_first


def observe_snapshots(
    rds: RdsAdapter, identifier: str, resource_id: str | None
) -> tuple[Snapshot, ...]:
    """Every snapshot of one database, newest first: taken under ``identifier`` or of
    ``resource_id`` (a renamed original), including AWS Backup ones. Filters client-side too,
    since not every endpoint honours the DbiResourceId filter."""
    found: list[Snapshot] = []
    for snapshot_type in (None, "awsbackup"):
        found += rds.list_snapshots(instance_identifier=identifier, snapshot_type=snapshot_type)
        if resource_id:
            found += rds.list_snapshots(resource_id=resource_id, snapshot_type=snapshot_type)
    unique: dict[str, Snapshot] = {}
    for snapshot in found:
        if belongs_to(snapshot, identifier=identifier, resource_id=resource_id):
            unique.setdefault(snapshot.arn or snapshot.identifier, snapshot)
    return newest_first(unique.values())


@dataclass(frozen=True)
class RestorePoint:
    """One snapshot seen as a restore point of a database."""

    kind: Kind
    identifier: str
    created: datetime | None
    size_gib: int
    status: str
    #: The instance identifier the snapshot was taken under (differs after a rename).
    taken_from: str
    resource_id: str
    note: str | None

    @classmethod
    def from_snapshot(cls, snapshot: Snapshot) -> RestorePoint:
        return cls(
            kind=kind_of(snapshot),
            identifier=snapshot.identifier,
            created=snapshot.created,
            size_gib=snapshot.allocated_storage,
            status=snapshot.status,
            taken_from=snapshot.instance_identifier,
            resource_id=snapshot.resource_id,
            note=snapshot.tag(TAG_NOTE),
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": str(self.kind),
            "identifier": self.identifier,
            "time": iso(self.created),
            "size_gib": self.size_gib,
            "status": self.status,
            "taken_from": self.taken_from,
            "resource_id": self.resource_id,
            "note": self.note,
        }


@dataclass(frozen=True)
class RestorePoints:
    """Every restore point of one database, newest first, and its point-in-time window."""

    query: str
    instance: Instance | None
    pitr: RestoreWindow | None
    points: tuple[RestorePoint, ...]
    #: One line explaining a database that no longer exists under ``query``.
    note: str | None = None

    @property
    def resource_id(self) -> str | None:
        return self.instance.resource_id if self.instance else None

    def as_dict(self) -> dict[str, Any]:
        pitr = None
        if self.pitr is not None:
            pitr = {
                "earliest": iso(self.pitr.earliest),
                "latest": iso(self.pitr.latest),
                "estimated": self.pitr.estimated,
            }
        return {
            "instance": self.query,
            "resource_id": self.resource_id,
            "status": self.instance.status if self.instance else None,
            "pitr": pitr,
            "restore_points": [p.as_dict() for p in self.points],
            "note": self.note,
        }


def list_restore_points(rds: RdsAdapter, db_id: str) -> RestorePoints:
    """Every restore point of ``db_id``; also those of a renamed original, by resource id.

    When no instance answers to ``db_id`` any more, its snapshots taken under that name are
    listed with a note (naming the instance they belong to now, if it was renamed); when there
    are none either, NotFound is raised.
    """
    db_id = identifiers.instance_identifier(db_id)
    instance = rds.find_instance(db_id)
    if instance is not None:
        snapshots = observe_snapshots(rds, db_id, instance.resource_id)
        points = tuple(RestorePoint.from_snapshot(s) for s in snapshots)
        return RestorePoints(db_id, instance, rds.restore_window(instance), points)
    snapshots = observe_snapshots(rds, db_id, None)
    if not snapshots:
        raise errors.NotFound(
            f"DB instance '{db_id}' does not exist and no snapshot was taken under that name; "
            "check the identifier and --region"
        )
    note = (
        f"no DB instance is named '{db_id}' now; showing {len(snapshots)} snapshot(s) "
        "taken under that name"
    )
    for resource_id in dict.fromkeys(s.resource_id for s in snapshots if s.resource_id):
        owner = rds.find_instance_by_resource_id(resource_id)
        if owner is not None:
            note += (
                f"; it was renamed to '{owner.identifier}': "
                f"`sccos-backup snapshot list {owner.identifier}` shows all its restore points"
            )
            break
    points = tuple(RestorePoint.from_snapshot(s) for s in snapshots)
    return RestorePoints(db_id, None, None, points, note)
