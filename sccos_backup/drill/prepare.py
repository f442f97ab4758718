"""A drill from request to plan: observe the original (read only), pick the restore point, check
the restore's preconditions, plan. Changes nothing."""

from __future__ import annotations

import random as random_module
from datetime import datetime, timedelta

from sccos_backup import errors
from sccos_backup.aws.rds import Instance, RdsAdapter, RestoreWindow, Snapshot
from sccos_backup.backups.ownership import Owner
from sccos_backup.backups.snapshots import Kind, kind_of, observe_snapshots
from sccos_backup.drill.plan import (
    DrillNames,
    DrillPlan,
    DrillRequest,
    ResolvedSource,
    build_drill_plan,
)
from sccos_backup.restore.preconditions import Observed, check
from sccos_backup.restore.source import PointInTimeSource, SnapshotSource, SourceChoice


def _newest_hourly(db: str, snapshots: tuple[Snapshot, ...]) -> Snapshot:
    hourly = [s for s in snapshots if kind_of(s) is Kind.HOURLY and s.available]
    if not hourly:
        raise errors.NotFound(
            f"'{db}' has no available hourly snapshot; take them with "
            f"`sccos-backup snapshot rotate {db}` or choose --snapshot, --latest or --random"
        )
    return hourly[0]  # observe_snapshots lists newest first


def _snapshots_of(rds: RdsAdapter, original: Instance) -> tuple[Snapshot, ...]:
    """The original's snapshots; by name and tags only where its DbiResourceId is shared (an
    emulator's, behind the switch in :mod:`sccos_backup.aws.identity`; refused on AWS), so
    another database's are never picked."""
    owner = Owner.of(original, rds.shared_resource_ids(rds.list_instances()))
    return observe_snapshots(rds, original.identifier, original.resource_id, owner)


def _in_retention(
    snapshots: tuple[Snapshot, ...], original: Instance, now: datetime
) -> list[Snapshot]:
    days = original.backup_retention_period
    since = now - timedelta(days=days) if days > 0 else None
    return [
        s
        for s in snapshots
        if s.available and s.created is not None and (since is None or s.created >= since)
    ]


def _random_point(
    db: str,
    snapshots: list[Snapshot],
    window: RestoreWindow | None,
    rng: random_module.Random,
) -> tuple[Snapshot | None, datetime | None, str]:
    """A snapshot, or a time in the PITR window, drawn uniformly from all restore points."""
    buckets = len(snapshots) + (1 if window is not None else 0)
    if buckets == 0:
        raise errors.NotFound(
            f"'{db}' has no restore point in its retention window (no available snapshot and "
            "no point-in-time recovery); take a snapshot first"
        )
    reason = f"drawn at random from {len(snapshots)} snapshot(s) of the retention window" + (
        " and its point-in-time window" if window is not None else ""
    )
    pick = rng.randrange(buckets)
    if pick < len(snapshots):
        return snapshots[pick], None, reason
    assert window is not None
    span = (window.latest - window.earliest).total_seconds()
    when = window.earliest + timedelta(seconds=int(rng.random() * span))
    return None, when, reason


def prepare_drill(
    rds: RdsAdapter,
    request: DrillRequest,
    now: datetime,
    rng: random_module.Random | None = None,
) -> DrillPlan:
    """Observe once, resolve the restore point, check every precondition, plan."""
    db = request.db_identifier
    names = DrillNames.for_run(db, now.strftime("%Y%m%d%H%M"))
    original = rds.describe_instance(db)
    choice = request.choice
    snapshot: Snapshot | None = None
    to_time: datetime | None = None
    window: RestoreWindow | None = None
    if choice.kind == "snapshot":
        assert choice.snapshot is not None
        snapshot = rds.describe_snapshot(choice.snapshot)
        reason = "named with --snapshot"
    elif choice.kind == "hourly":
        snapshot = _newest_hourly(db, _snapshots_of(rds, original))
        reason = "the newest hourly snapshot"
    elif choice.kind == "random":
        window = rds.restore_window(original)
        candidates = _in_retention(_snapshots_of(rds, original), original, now)
        snapshot, to_time, reason = _random_point(
            db,
            candidates,
            window,
            rng or random_module.Random(),  # noqa: S311 - not a secret
        )
        if snapshot is not None:
            window = None
    else:
        window = rds.restore_window(original)
        to_time = choice.to_time
        reason = "named with --to-time" if to_time else "the latest restorable time"
    if snapshot is not None:
        source_choice = SourceChoice(snapshot=snapshot.identifier)
        resolved = ResolvedSource(SnapshotSource(snapshot.identifier), snapshot.created, reason)
    else:
        source_choice = SourceChoice(to_time=to_time) if to_time else SourceChoice(latest=True)
        data_time = to_time or original.latest_restorable_time
        resolved = ResolvedSource(
            PointInTimeSource(original.resource_id, to_time), data_time, reason
        )
    family = (
        rds.parameter_group_family(original.parameter_group) if original.parameter_group else None
    )
    taken = {names.target: rds.find_instance(names.target) is not None}
    observed = Observed(original, snapshot, window, family, taken)
    check(db, source_choice, observed)
    return build_drill_plan(request, observed, resolved, now)
