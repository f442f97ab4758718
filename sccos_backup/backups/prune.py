"""Backups: expiring orphaned hourly snapshots, whose database is gone under every name.

An hourly series is normally expired by the rotation of the database that owns it (by name,
or by resource id after a rename; see :mod:`.ownership`). When no instance holds the series'
name nor its resource id any more (the original was deleted, e.g. by ``restore cleanup``, and
nothing took its name), nobody rotates it: :func:`plan_prune` finds those snapshots once they
are older than the retention, :func:`execute_prune` deletes them. ``restore cleanup`` does not
run it (yet): run ``sccos-backup snapshot prune`` after it, e.g. from the hourly schedule.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sccos_backup import errors
from sccos_backup.aws.rds import RdsAdapter, Snapshot
from sccos_backup.backups.naming import iso, newest_first, utc
from sccos_backup.backups.ownership import DELETABLE, being_copied, delete_hourly, hourly_mark
from sccos_backup.backups.quota import Census, take_census
from sccos_backup.defaults import DEFAULT_KEEP_HOURS


@dataclass(frozen=True)
class PrunePlan:
    now: datetime
    keep_hours: int
    cutoff: datetime
    #: Expired hourly snapshots of databases that no longer exist.
    delete: tuple[Snapshot, ...]
    #: Orphans younger than the retention (kept until they expire).
    waiting: tuple[Snapshot, ...]
    #: Expired orphans left alone because a copy of them is in progress.
    skipped: tuple[Snapshot, ...]

    def as_dict(self) -> dict[str, Any]:
        def listed(snapshots: tuple[Snapshot, ...]) -> list[dict[str, Any]]:
            return [
                {
                    "identifier": s.identifier,
                    "time": iso(s.created),
                    "taken_from": s.instance_identifier,
                }
                for s in snapshots
            ]

        return {
            "now": iso(self.now),
            "keep_hours": self.keep_hours,
            "cutoff": iso(self.cutoff),
            "delete": listed(self.delete),
            "waiting": listed(self.waiting),
            "skipped_being_copied": listed(self.skipped),
        }


def orphans(census: Census) -> tuple[Snapshot, ...]:
    """Hourly snapshots (pure) whose series name no instance holds, and whose resource id
    no instance holds alone (one the census found shared, an emulator's, identifies nobody)."""
    names = {i.identifier for i in census.instances}
    alone = {i.resource_id for i in census.instances if i.resource_id not in census.shared}
    found = []
    for snapshot in census.manual:
        mark = hourly_mark(snapshot)
        if mark is None or mark.series in names:
            continue
        if snapshot.resource_id in alone:
            continue  # its database was renamed; that database's rotation expires it
        found.append(snapshot)
    return tuple(found)


def plan_prune(census: Census, now: datetime, keep_hours: int = DEFAULT_KEEP_HOURS) -> PrunePlan:
    """The orphans to delete now (pure): older than ``keep_hours``, not being copied."""
    if keep_hours < 1:
        raise errors.InvalidInput(f"--keep-hours must be at least 1, not {keep_hours}")
    now = utc(now)
    cutoff = now - timedelta(hours=keep_hours)
    copying = being_copied(census.manual)
    delete, waiting, skipped = [], [], []
    for snapshot in orphans(census):
        mark = hourly_mark(snapshot)
        assert mark is not None
        if (snapshot.created or mark.hour) >= cutoff or snapshot.status not in DELETABLE:
            waiting.append(snapshot)
        elif snapshot.identifier in copying:
            skipped.append(snapshot)
        else:
            delete.append(snapshot)
    return PrunePlan(
        now=now,
        keep_hours=keep_hours,
        cutoff=cutoff,
        delete=newest_first(delete),
        waiting=newest_first(waiting),
        skipped=newest_first(skipped),
    )


@dataclass(frozen=True)
class PruneResult:
    plan: PrunePlan
    deleted: tuple[str, ...]
    gone: tuple[str, ...]

    def as_dict(self) -> dict[str, Any]:
        return {**self.plan.as_dict(), "deleted": list(self.deleted), "gone": list(self.gone)}


def execute_prune(rds: RdsAdapter, plan: PrunePlan) -> PruneResult:
    """Delete the planned orphans; one already gone or being deleted counts as gone."""
    orphaned = {s.identifier for s in plan.delete}
    deleted, gone = delete_hourly(rds, plan.delete, lambda s: s.identifier in orphaned)
    return PruneResult(plan=plan, deleted=deleted, gone=gone)


def prune_orphans(
    rds: RdsAdapter,
    *,
    keep_hours: int = DEFAULT_KEEP_HOURS,
    now: datetime | None = None,
    dry_run: bool = False,
) -> PruneResult:
    """Observe the region, plan and (unless ``dry_run``) delete expired orphaned hourly
    snapshots: the library entry point of ``snapshot prune``."""
    plan = plan_prune(take_census(rds), now or rds.clock(), keep_hours)
    if dry_run:
        return PruneResult(plan=plan, deleted=(), gone=())
    return execute_prune(rds, plan)
