"""Backups: which snapshots are this tool's hourly snapshots, and of which database.

An hourly snapshot is recognised by its name *and* its tags, never by one alone:

- the name is ``DB-hourly-YYYY-MM-DD-HH`` (the hour it stands for, UTC), or the same with
  ``-2`` where something that is not this database's hourly snapshot held that name;
- it is a manual snapshot tagged ``sccos-backup:created-by=sccos-backup`` and
  ``sccos-backup:kind=hourly``;
- ``sccos-backup:instance`` names the instance it was taken under and equals ``DB`` in the name;
- ``sccos-backup:snapshot`` holds its own identifier. A copy (``CopyDBSnapshot`` with
  ``CopyTags``) inherits every tag but gets another identifier, so a copy never matches.

Snapshots taken before the last two tags existed (``legacy``) match when ``DB`` is the instance
identifier they were taken under.

A database owns the hourly series taken under its name (this is how a restored instance, which
has a new DbiResourceId, expires the hourly snapshots of the original it replaced) and, where its
DbiResourceId is its own, the series of its earlier names (after a rename). Where several
instances share one DbiResourceId (an emulator's, behind the switch in
:mod:`sccos_backup.aws.identity`; on AWS the RDS adapter refuses such an answer), the resource id
says nothing and only names and tags count.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sccos_backup import errors
from sccos_backup.aws.rds import Instance, RdsAdapter, Snapshot
from sccos_backup.backups.naming import CREATED_BY, TAG_CREATED_BY, TAG_KIND, Kind

#: The instance identifier an hourly snapshot was taken under.
TAG_INSTANCE = "sccos-backup:instance"
#: The hourly snapshot's own identifier (a copy carries its source's).
TAG_SNAPSHOT = "sccos-backup:snapshot"

_HOURLY = re.compile(
    r"^(?P<db>.+)-hourly-(?P<y>\d{4})-(?P<m>\d{2})-(?P<d>\d{2})-(?P<h>\d{2})(?:-2)?$"
)

#: Snapshot statuses in which a snapshot is still being made (by CreateDBSnapshot or a copy).
IN_PROGRESS = frozenset({"creating", "copying", "pending"})
#: Statuses an expired hourly snapshot is deleted in (a failed one expires like the others).
DELETABLE = frozenset({"available", "failed"})


@dataclass(frozen=True)
class HourlyMark:
    """What the name and tags of an hourly snapshot say: its series (DB) and hour."""

    series: str
    hour: datetime


def hourly_mark(snapshot: Snapshot) -> HourlyMark | None:
    """The series and hour of one of this tool's hourly snapshots; None for anything else."""
    if snapshot.snapshot_type != "manual":
        return None
    if snapshot.tag(TAG_CREATED_BY) != CREATED_BY or snapshot.tag(TAG_KIND) != "hourly":
        return None
    found = _HOURLY.match(snapshot.identifier.lower())
    if found is None:
        return None
    try:
        hour = datetime(
            int(found["y"]), int(found["m"]), int(found["d"]), int(found["h"]), tzinfo=UTC
        )
    except ValueError:
        return None
    series = found["db"]
    taken_under = snapshot.tag(TAG_INSTANCE)
    own_name = snapshot.tag(TAG_SNAPSHOT)
    if taken_under is None and own_name is None:  # legacy: before these two tags existed
        if series != snapshot.instance_identifier.lower():
            return None
    elif (taken_under or "").lower() != series or (own_name or "").lower() != (
        snapshot.identifier.lower()
    ):
        return None
    return HourlyMark(series=series, hour=hour)


def kind_of(snapshot: Snapshot) -> Kind:
    """Classify a snapshot: by its SnapshotType; a manual one is ``hourly`` only when
    :func:`hourly_mark` recognises it (a kept copy of an hourly snapshot is ``manual``)."""
    if snapshot.snapshot_type == "automated":
        return Kind.AUTOMATED
    if snapshot.snapshot_type == "awsbackup":
        return Kind.AWS_BACKUP
    if snapshot.snapshot_type == "manual":
        return Kind.HOURLY if hourly_mark(snapshot) is not None else Kind.MANUAL
    return Kind.OTHER


def hourly_tags(instance: str, name: str) -> tuple[tuple[str, str], ...]:
    """The tags of the hourly snapshot ``name`` taken of ``instance``."""
    return (
        (TAG_CREATED_BY, CREATED_BY),
        (TAG_KIND, str(Kind.HOURLY)),
        (TAG_INSTANCE, instance),
        (TAG_SNAPSHOT, name),
    )


@dataclass(frozen=True)
class Owner:
    """A database as the owner of snapshots: its name, and its resource id where that is its
    own (``shared_with`` lists the other instances holding the same DbiResourceId)."""

    identifier: str
    resource_id: str
    shared_with: tuple[str, ...] = ()

    @property
    def resource_id_usable(self) -> bool:
        return bool(self.resource_id) and not self.shared_with

    @classmethod
    def of(cls, instance: Instance, shared: Mapping[str, tuple[str, ...]] | None = None) -> Owner:
        """The owner ``instance``; ``shared`` holds the DbiResourceIds several instances
        report, as only the RDS adapter's switch allows (:meth:`RdsAdapter.shared_resource_ids`,
        :attr:`Census.shared <sccos_backup.backups.quota.Census.shared>`)."""
        holders = (shared or {}).get(instance.resource_id, ())
        return cls(
            instance.identifier,
            instance.resource_id,
            tuple(n for n in holders if n != instance.identifier),
        )

    def sharing_note(self) -> str | None:
        """One line saying that the resource id is shared, or None."""
        if not self.shared_with:
            return None
        return (
            f"DB instance '{self.identifier}' shares its DbiResourceId {self.resource_id} with "
            f"{', '.join(repr(n) for n in self.shared_with)} (an emulator's); snapshots are "
            "matched by instance name and tags only"
        )

    def belongs(self, snapshot: Snapshot) -> bool:
        """True when ``snapshot`` is of this database: taken under its name, or of its own
        resource id (after a rename), or one of its hourly series."""
        if snapshot.instance_identifier == self.identifier:
            return True
        if self.resource_id_usable and snapshot.resource_id == self.resource_id:
            return True
        mark = hourly_mark(snapshot)
        return mark is not None and mark.series == self.identifier

    def owns_hourly(self, snapshot: Snapshot) -> bool:
        """True when ``snapshot`` is an hourly snapshot this database's rotation expires."""
        mark = hourly_mark(snapshot)
        if mark is None:
            return False
        if mark.series == self.identifier:
            return True
        return self.resource_id_usable and snapshot.resource_id == self.resource_id


def being_copied(snapshots: Sequence[Snapshot]) -> frozenset[str]:
    """Identifiers of snapshots that are the source of a copy still in progress.

    A copy in progress names its source in ``SourceDBSnapshotIdentifier`` (identifier or ARN),
    carries its ``sccos-backup:snapshot`` tag (CopyTags), or has the source's resource id and
    its creation time as ``OriginalSnapshotCreateTime``: the RDS API reference's DBSnapshot
    (read 2026-11) fills ``SourceDBSnapshotIdentifier`` only for cross-account or cross-Region
    copies, and a copy made without CopyTags carries no tag.
    """
    by_key: dict[str, str] = {}
    for snapshot in snapshots:
        by_key[snapshot.identifier.lower()] = snapshot.identifier
        if snapshot.arn:
            by_key[snapshot.arn.lower()] = snapshot.identifier
    sources: set[str] = set()
    for copy in snapshots:
        if copy.status not in IN_PROGRESS:
            continue
        for key in (copy.source_snapshot, copy.tag(TAG_SNAPSHOT)):
            if key and key.lower() in by_key and by_key[key.lower()] != copy.identifier:
                sources.add(by_key[key.lower()])
        if copy.original_created is not None:
            sources.update(
                s.identifier
                for s in snapshots
                if s.identifier != copy.identifier
                and s.resource_id == copy.resource_id
                and s.created == copy.original_created
                and s.status not in IN_PROGRESS
            )
    return frozenset(sources)


def delete_hourly(
    rds: RdsAdapter, snapshots: Sequence[Snapshot], may_delete: Callable[[Snapshot], bool]
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Delete planned hourly snapshots: (deleted, gone). One already gone, or already being
    deleted by another run, is gone; ``may_delete`` guards against a plan built wrongly."""
    deleted: list[str] = []
    gone: list[str] = []
    for snapshot in snapshots:
        if hourly_mark(snapshot) is None or not may_delete(snapshot):
            raise AssertionError(f"must not delete '{snapshot.identifier}'")
        try:
            rds.delete_snapshot(snapshot.identifier)
        except (errors.NotFound, errors.NotAvailable):
            gone.append(snapshot.identifier)
        else:
            deleted.append(snapshot.identifier)
    return tuple(deleted), tuple(gone)
