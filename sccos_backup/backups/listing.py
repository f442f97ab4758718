"""Backups: every restore point of a database in one view."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sccos_backup import errors, identifiers
from sccos_backup.aws.rds import Instance, RdsAdapter, RestoreWindow, Snapshot
from sccos_backup.backups.gaps import hourly_gaps, series_start
from sccos_backup.backups.naming import TAG_NOTE, Kind, iso, newest_first, utc
from sccos_backup.backups.ownership import Owner, kind_of
from sccos_backup.backups.quota import QuotaProjection, project, take_census
from sccos_backup.defaults import DEFAULT_KEEP_HOURS


def observe_snapshots(
    rds: RdsAdapter,
    identifier: str,
    resource_id: str | None,
    owner: Owner | None = None,
    also: Iterable[Snapshot] = (),
) -> tuple[Snapshot, ...]:
    """Every snapshot of one database, newest first: taken under ``identifier`` or of
    ``resource_id`` (a renamed original; not where ``owner`` says it is shared), including
    AWS Backup ones, plus those of ``also`` that belong to it. Filters client-side too, since
    not every endpoint honours the DbiResourceId filter."""
    owner = owner or Owner(identifier, resource_id or "")
    found: list[Snapshot] = list(also)
    for snapshot_type in (None, "awsbackup"):
        found += rds.list_snapshots(instance_identifier=identifier, snapshot_type=snapshot_type)
        if owner.resource_id_usable:
            found += rds.list_snapshots(resource_id=owner.resource_id, snapshot_type=snapshot_type)
    unique: dict[str, Snapshot] = {}
    for snapshot in found:
        if owner.belongs(snapshot):
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
    #: One line explaining a database that no longer exists under ``query``, or a shared
    #: resource id.
    note: str | None = None
    quota: QuotaProjection | None = None
    #: Completed hours of the retention without an hourly snapshot, oldest first.
    gaps: tuple[datetime, ...] = ()
    keep_hours: int = DEFAULT_KEEP_HOURS
    #: Restore points left out by ``--since`` / ``--kind``.
    hidden: int = 0
    #: The first hour gaps are counted from (the hourly series' first snapshot); None when
    #: there is no hourly snapshot and no gap is counted.
    gaps_since: datetime | None = None
    #: When the listing was observed (to say what "no gaps" covers).
    now: datetime | None = None

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
            "hidden": self.hidden,
            "note": self.note,
            "quota": self.quota.as_dict() if self.quota else None,
            "gaps_counted_from": iso(self.gaps_since) if self.gaps_since else None,
            "gaps": [iso(g) for g in self.gaps],
        }

    def filtered(self, since: datetime | None, kinds: Collection[Kind]) -> RestorePoints:
        """Only points taken at or after ``since`` (in-progress ones always) of ``kinds``."""

        def wanted(point: RestorePoint) -> bool:
            if kinds and point.kind not in kinds:
                return False
            return since is None or point.created is None or point.created >= utc(since)

        points = tuple(p for p in self.points if wanted(p))
        hidden = self.hidden + len(self.points) - len(points)
        return replace(self, points=points, hidden=hidden)


def list_restore_points(
    rds: RdsAdapter,
    db_id: str,
    *,
    since: datetime | None = None,
    kinds: Collection[Kind] = (),
    keep_hours: int = DEFAULT_KEEP_HOURS,
) -> RestorePoints:
    """Every restore point of ``db_id``; also those of a renamed original, by resource id
    (not where it is shared), and the hourly series taken under its name; with the quota
    projection and the gaps of the hourly series. ``since`` and ``kinds`` filter the points.

    When no instance answers to ``db_id`` any more, its snapshots taken under that name are
    listed with a note (naming the instance they belong to now, if it was renamed); when there
    are none either, NotFound is raised.
    """
    if keep_hours < 1:
        raise errors.InvalidInput(f"--keep-hours must be at least 1, not {keep_hours}")
    db_id = identifiers.instance_identifier(db_id)
    instance = rds.find_instance(db_id)
    if instance is not None:
        census = take_census(rds)
        owner = Owner.of(instance, census.shared)
        snapshots = observe_snapshots(rds, db_id, instance.resource_id, owner, census.manual)
        points = tuple(RestorePoint.from_snapshot(s) for s in snapshots)
        since_start = series_start(owner, snapshots)
        now = rds.clock()
        gaps = hourly_gaps(now, owner, snapshots, keep_hours, since_start) if since_start else ()
        return RestorePoints(
            db_id,
            instance,
            rds.restore_window(instance),
            points,
            note=owner.sharing_note(),
            quota=project(census, keep_hours, also=[db_id]),
            gaps=gaps,
            keep_hours=keep_hours,
            gaps_since=since_start,
            now=now,
        ).filtered(since, kinds)
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
    instances = rds.list_instances()
    for resource_id in dict.fromkeys(s.resource_id for s in snapshots if s.resource_id):
        holders = [i for i in instances if i.resource_id == resource_id]
        if len(holders) == 1:  # a resource id several instances share names none of them
            renamed = holders[0].identifier
            note += (
                f"; it was renamed to '{renamed}': "
                f"`sccos-backup snapshot list {renamed}` shows all its restore points"
            )
            break
    points = tuple(RestorePoint.from_snapshot(s) for s in snapshots)
    return RestorePoints(db_id, None, None, points, note).filtered(since, kinds)
