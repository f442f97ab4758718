"""Backups: the hourly rotation, planned as data (:func:`plan_rotation`) and executed."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sccos_backup import errors, identifiers
from sccos_backup.aws.rds import Instance, RdsAdapter, Snapshot
from sccos_backup.backups.listing import observe_snapshots
from sccos_backup.backups.naming import (
    QUOTA_WARN_LEFT,
    Kind,
    hourly_name,
    hourly_tags,
    iso,
    kind_of,
    newest_first,
    require_available,
    utc,
)
from sccos_backup.defaults import DEFAULT_KEEP_HOURS, DEFAULT_WAIT_TIMEOUT
from sccos_backup.waiting import Poll


@dataclass(frozen=True)
class RotationPlan:
    """What one run of the hourly rotation does; computed by :func:`plan_rotation`."""

    instance: str
    resource_id: str
    now: datetime
    keep_hours: int
    #: Hourly snapshots created before this are deleted.
    cutoff: datetime
    #: This hour's snapshot to create, or None when it exists already.
    create: str | None
    #: This hour's snapshot when it exists already.
    existing: str | None
    delete: tuple[Snapshot, ...]
    keep: tuple[Snapshot, ...]
    #: Delete before creating (only when the quota is full and deleting makes room).
    delete_first: bool
    #: (used, max) of the region's manual snapshots; None where it cannot be read.
    quota: tuple[int, int] | None
    warnings: tuple[str, ...]

    @property
    def changes(self) -> bool:
        return self.create is not None or bool(self.delete)

    def as_dict(self) -> dict[str, Any]:
        return {
            "instance": self.instance,
            "resource_id": self.resource_id,
            "now": iso(self.now),
            "keep_hours": self.keep_hours,
            "cutoff": iso(self.cutoff),
            "create": self.create,
            "existing": self.existing,
            "delete": [{"identifier": s.identifier, "time": iso(s.created)} for s in self.delete],
            "keep": [{"identifier": s.identifier, "time": iso(s.created)} for s in self.keep],
            "delete_first": self.delete_first,
            "quota": {"used": self.quota[0], "max": self.quota[1]} if self.quota else None,
            "warnings": list(self.warnings),
        }


def _quota_warnings(
    quota: tuple[int, int] | None, creates: int, deletes: int
) -> tuple[bool, tuple[str, ...]]:
    """(delete_first, warnings) for a rotation that creates and deletes this many snapshots."""
    if quota is None:
        return False, ()
    used, limit = quota
    delete_first = bool(creates and deletes and used + creates > limit)
    peak = used + creates - (deletes if delete_first else 0)
    left = limit - (used + creates - deletes)
    if peak > limit:
        return delete_first, (
            f"the region's manual-snapshot quota is full ({used} of {limit} used): "
            "this hour's snapshot will be refused; delete manual snapshots or ask AWS "
            "for a higher quota",
        )
    if left < QUOTA_WARN_LEFT:
        return delete_first, (
            f"only {left} manual snapshot(s) left in the region's quota of {limit} after this "
            "rotation; delete old manual snapshots or ask AWS for a higher quota",
        )
    return delete_first, ()


def plan_rotation(
    now: datetime,
    instance: Instance,
    snapshots: Sequence[Snapshot],
    keep_hours: int = DEFAULT_KEEP_HOURS,
    quota: tuple[int, int] | None = None,
) -> RotationPlan:
    """The hourly rotation as data (pure): create this hour's snapshot unless it exists, and
    delete this database's hourly-tagged snapshots created before ``now - keep_hours``.

    Only manual snapshots tagged ``sccos-backup:kind=hourly`` whose resource id is the
    instance's are ever deleted; anything else in ``snapshots`` is ignored.
    """
    if keep_hours < 1:
        raise errors.InvalidInput(f"--keep-hours must be at least 1, not {keep_hours}")
    now = utc(now)
    cutoff = now - timedelta(hours=keep_hours)
    name = hourly_name(instance.identifier, now)
    existing = next((s for s in snapshots if s.identifier == name), None)
    if existing is None:
        require_available(instance, "this hour's snapshot")
    hourly = [
        s for s in snapshots if kind_of(s) is Kind.HOURLY and s.resource_id == instance.resource_id
    ]
    expired = tuple(
        s
        for s in hourly
        if s.created is not None and s.created < cutoff and s.available and s.identifier != name
    )
    kept = tuple(s for s in hourly if s not in expired)
    create = None if existing is not None else name
    delete_first, warnings = _quota_warnings(quota, int(create is not None), len(expired))
    return RotationPlan(
        instance=instance.identifier,
        resource_id=instance.resource_id,
        now=now,
        keep_hours=keep_hours,
        cutoff=cutoff,
        create=create,
        existing=existing.identifier if existing else None,
        delete=newest_first(expired),
        keep=newest_first(kept),
        delete_first=delete_first,
        quota=quota,
        warnings=warnings,
    )


def prepare_rotation(
    rds: RdsAdapter,
    db_id: str,
    *,
    keep_hours: int = DEFAULT_KEEP_HOURS,
    now: datetime | None = None,
) -> RotationPlan:
    """Observe the instance, its snapshots and the quota, then :func:`plan_rotation`."""
    if keep_hours < 1:
        raise errors.InvalidInput(f"--keep-hours must be at least 1, not {keep_hours}")
    instance = rds.describe_instance(identifiers.instance_identifier(db_id))
    now = now or rds.clock()
    snapshots = list(observe_snapshots(rds, instance.identifier, instance.resource_id))
    name = hourly_name(instance.identifier, now)
    if all(s.identifier != name for s in snapshots):
        # The name may be taken by another database's snapshot (e.g. before a rename).
        other = rds.find_snapshot(name)
        if other is not None:
            snapshots.append(other)
    quota = rds.manual_snapshot_quota()
    return plan_rotation(now, instance, snapshots, keep_hours, quota)


@dataclass(frozen=True)
class RotationResult:
    plan: RotationPlan
    created: Snapshot | None
    deleted: tuple[str, ...]
    #: Snapshots of the plan that were already gone when deleting.
    gone: tuple[str, ...]

    def as_dict(self) -> dict[str, Any]:
        return {
            **self.plan.as_dict(),
            "created": self.created.identifier if self.created else None,
            "created_status": self.created.status if self.created else None,
            "deleted": list(self.deleted),
            "gone": list(self.gone),
        }


def execute_rotation(
    rds: RdsAdapter,
    plan: RotationPlan,
    *,
    wait: bool = False,
    timeout: float = DEFAULT_WAIT_TIMEOUT,
    on_poll: Callable[[Poll], None] | None = None,
) -> RotationResult:
    """Apply a plan: create first (so a failed create deletes nothing), then delete; the
    other way round only when the quota is full and deleting makes room."""
    created: Snapshot | None = None
    deleted: list[str] = []
    gone: list[str] = []

    def create() -> None:
        nonlocal created
        if plan.create is not None:
            created = rds.create_snapshot(plan.instance, plan.create, dict(hourly_tags()))
            if wait:
                created = rds.wait_snapshot(plan.create, timeout=timeout, on_poll=on_poll)

    def delete() -> None:
        for snapshot in plan.delete:
            if kind_of(snapshot) is not Kind.HOURLY or snapshot.resource_id != plan.resource_id:
                raise AssertionError(f"rotation must not delete '{snapshot.identifier}'")
            try:
                rds.delete_snapshot(snapshot.identifier)
            except errors.NotFound:
                gone.append(snapshot.identifier)
            else:
                deleted.append(snapshot.identifier)

    for step in (delete, create) if plan.delete_first else (create, delete):
        step()
    return RotationResult(plan=plan, created=created, deleted=tuple(deleted), gone=tuple(gone))
