"""Backups: the hourly rotation of a fleet, from one listing of the region.

:func:`~sccos_backup.backups.rotation.rotate` observes the region for one database (its
instance, every instance, every manual snapshot, the quota): fine for one database, quadratic
for a fleet, where every database would list every snapshot again. :class:`FleetRotation`
lists instances and manual snapshots once (paginated, one call per 100) and reads the quota
once; after that the only calls per database are its create and its deletes. What one
rotation changes (a snapshot created, others deleted) is applied to the listing, so the next
database plans with the region as it now is, quota included.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime

from sccos_backup import errors
from sccos_backup.aws.rds import Instance, RdsAdapter, Snapshot
from sccos_backup.backups.naming import alternate_hourly_name, hourly_name
from sccos_backup.backups.ownership import IN_PROGRESS, Owner, hourly_mark
from sccos_backup.backups.quota import Census, QuotaProjection, project, take_census
from sccos_backup.backups.rotation import RotationResult, execute_rotation, plan_rotation
from sccos_backup.defaults import DEFAULT_KEEP_HOURS


class _Index:
    """The region's manual snapshots, found by hourly series, resource id and identifier."""

    def __init__(self, snapshots: Iterable[Snapshot]) -> None:
        self.by_id: dict[str, Snapshot] = {}
        self._series: dict[str, set[str]] = defaultdict(set)
        self._resource: dict[str, set[str]] = defaultdict(set)
        self._in_progress: set[str] = set()
        for snapshot in snapshots:
            self.add(snapshot)

    def add(self, snapshot: Snapshot) -> None:
        self.by_id[snapshot.identifier] = snapshot
        mark = hourly_mark(snapshot)
        if mark is not None:
            self._series[mark.series].add(snapshot.identifier)
        if snapshot.resource_id:
            self._resource[snapshot.resource_id].add(snapshot.identifier)
        if snapshot.status in IN_PROGRESS:
            self._in_progress.add(snapshot.identifier)

    def remove(self, identifier: str) -> None:
        snapshot = self.by_id.pop(identifier, None)
        if snapshot is None:
            return
        mark = hourly_mark(snapshot)
        if mark is not None:
            self._series[mark.series].discard(identifier)
        self._resource[snapshot.resource_id].discard(identifier)
        self._in_progress.discard(identifier)

    def relevant(self, owner: Owner, now: datetime) -> list[Snapshot]:
        """What :func:`plan_rotation` looks at for ``owner``: its hourly series, snapshots of
        its resource id, whatever holds this hour's name, and every copy in progress (a copy
        names its source, which may be one of these)."""
        names = set(self._series.get(owner.identifier, ()))
        names |= self._resource.get(owner.resource_id, set())
        names.add(hourly_name(owner.identifier, now))
        names.add(alternate_hourly_name(hourly_name(owner.identifier, now)))
        return [self.by_id[n] for n in names | self._in_progress if n in self.by_id]


class FleetRotation:
    """Rotates databases one after another from one census of the region, taken at the first
    rotation. Each :meth:`rotate` raises as :func:`rotate` does, for that database
    alone; the census stays usable for the next one."""

    def __init__(
        self,
        rds: RdsAdapter,
        *,
        keep_hours: int = DEFAULT_KEEP_HOURS,
        now: datetime | None = None,
        databases: Iterable[str] = (),
    ) -> None:
        if keep_hours < 1:
            raise errors.InvalidInput(f"--keep-hours must be at least 1, not {keep_hours}")
        self._rds = rds
        self._keep_hours = keep_hours
        self._now = now
        self._databases = tuple(databases)
        self._census: Census | None = None
        self._instances: dict[str, Instance] = {}
        self._index: _Index | None = None
        self._projection: QuotaProjection | None = None
        self._used = 0

    def instances(self) -> tuple[Instance, ...]:
        """The region's instances as listed for this run (listing the region if not yet)."""
        self._ready()
        assert self._census is not None
        return self._census.instances

    def select(self, databases: Iterable[str]) -> None:
        """The databases this run rotates: the quota projection counts each of them."""
        self._databases = tuple(databases)
        self._projection = None

    def _ready(self) -> _Index:
        if self._index is None:
            census = take_census(self._rds)
            self._census = census
            self._instances = {i.identifier: i for i in census.instances}
            self._index = _Index(census.manual)
            self._used = project(census, self._keep_hours).used
        if self._projection is None:
            assert self._census is not None
            self._projection = project(self._census, self._keep_hours, also=self._databases)
        return self._index

    def rotate(self, db_id: str) -> RotationResult:
        index = self._ready()
        assert self._census is not None
        assert self._projection is not None
        instance = self._instances.get(db_id)
        if instance is None:  # not listed: let RDS say why (gone, or another region)
            instance = self._rds.describe_instance(db_id)
        now = self._now or self._rds.clock()
        owner = Owner.of(instance, self._census.shared)
        quota = replace(self._projection, used=self._used)
        plan = plan_rotation(
            now, instance, index.relevant(owner, now), self._keep_hours, quota, owner=owner
        )
        try:
            result = execute_rotation(self._rds, plan)
        except errors.SccosBackupError:
            # what happened is unknown: forget the plan's snapshots so that no later database
            # plans with them (they are never another database's to delete anyway)
            for snapshot in plan.delete:
                index.remove(snapshot.identifier)
            raise
        for name in (*result.deleted, *result.gone):
            index.remove(name)
        self._used -= len(result.deleted)
        if result.created is not None and not result.raced:
            index.add(result.created)
            self._used += 1
        return result
