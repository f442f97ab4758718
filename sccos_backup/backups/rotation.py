"""Backups: the hourly rotation, planned as data (:func:`plan_rotation`) and executed.

Entry points (stable; the schedule's Lambda handler calls them): :func:`prepare_rotation`
(observe, then plan) and :func:`execute_rotation`, or :func:`rotate` for both.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sccos_backup import errors, identifiers
from sccos_backup.aws.rds import Instance, RdsAdapter, Snapshot
from sccos_backup.backups.naming import (
    CREATABLE,
    QUOTA_WARN_LEFT,
    alternate_hourly_name,
    hourly_name,
    iso,
    newest_first,
    utc,
)
from sccos_backup.backups.ownership import (
    DELETABLE,
    Owner,
    being_copied,
    delete_hourly,
    hourly_mark,
    hourly_tags,
)
from sccos_backup.backups.quota import QuotaProjection, project, take_census
from sccos_backup.defaults import DEFAULT_KEEP_HOURS, DEFAULT_WAIT_TIMEOUT
from sccos_backup.waiting import Poll


@dataclass(frozen=True)
class RotationPlan:
    """What one run of the hourly rotation does; computed by :func:`plan_rotation`."""

    owner: Owner
    instance_status: str
    now: datetime
    keep_hours: int
    #: Hourly snapshots created before this are deleted.
    cutoff: datetime
    #: This hour's snapshot to create, or None (it exists, or it cannot be taken: ``blocked``).
    create: str | None
    #: This hour's snapshot when it exists already.
    existing: str | None
    #: Why this hour's snapshot cannot be taken (expired ones are still deleted), or None.
    blocked: str | None
    delete: tuple[Snapshot, ...]
    keep: tuple[Snapshot, ...]
    #: Expired hourly snapshots left alone because a copy of them is in progress.
    skipped: tuple[Snapshot, ...]
    #: Delete before creating (when the quota is unknown or near full).
    delete_first: bool
    quota: QuotaProjection | None
    warnings: tuple[str, ...]

    @property
    def instance(self) -> str:
        return self.owner.identifier

    @property
    def resource_id(self) -> str:
        return self.owner.resource_id

    @property
    def changes(self) -> bool:
        return self.create is not None or bool(self.delete)

    def as_dict(self) -> dict[str, Any]:
        def listed(snapshots: Sequence[Snapshot]) -> list[dict[str, Any]]:
            return [{"identifier": s.identifier, "time": iso(s.created)} for s in snapshots]

        return {
            "instance": self.instance,
            "resource_id": self.resource_id,
            "shared_resource_id_with": list(self.owner.shared_with),
            "instance_status": self.instance_status,
            "now": iso(self.now),
            "keep_hours": self.keep_hours,
            "cutoff": iso(self.cutoff),
            "create": self.create,
            "existing": self.existing,
            "blocked": self.blocked,
            "delete": listed(self.delete),
            "keep": listed(self.keep),
            "skipped_being_copied": listed(self.skipped),
            "delete_first": self.delete_first,
            "quota": self.quota.as_dict() if self.quota else None,
            "warnings": list(self.warnings),
        }


def _quota_warnings(
    quota: QuotaProjection | None, creates: int, deletes: int
) -> tuple[bool, tuple[str, ...]]:
    """(delete_first, warnings) for a rotation that creates and deletes this many snapshots.

    Expired snapshots go first when the quota is unknown or near full (fewer than
    ``QUOTA_WARN_LEFT`` left after the create): a create refused at the quota must not keep
    the expired ones, or every following hour is refused too."""
    if quota is None:
        return False, ()
    warnings: list[str] = []
    problem = quota.problem_line()
    if problem:
        warnings.append(problem)
    if quota.limit is None:
        return bool(creates and deletes), tuple(warnings)
    used, limit = quota.used, quota.limit
    delete_first = bool(creates and deletes and used + creates > limit - QUOTA_WARN_LEFT)
    peak = used + creates - (deletes if delete_first else 0)
    left = limit - (used + creates - deletes)
    if peak > limit:
        warnings.append(
            f"the region's manual-snapshot quota is full ({used} of {limit} used): "
            "this hour's snapshot will be refused; delete manual snapshots or raise the quota"
        )
    elif left < QUOTA_WARN_LEFT:
        warnings.append(
            f"only {left} manual snapshot(s) left in the region's quota of {limit} after this "
            "rotation; delete old manual snapshots or raise the quota"
        )
    return delete_first, tuple(warnings)


def plan_rotation(
    now: datetime,
    instance: Instance,
    snapshots: Sequence[Snapshot],
    keep_hours: int = DEFAULT_KEEP_HOURS,
    quota: QuotaProjection | None = None,
    *,
    owner: Owner | None = None,
) -> RotationPlan:
    """The hourly rotation as data (pure): create this hour's snapshot unless it exists or
    the instance's status does not allow it, and delete the hourly snapshots this database owns
    (:meth:`Owner.owns_hourly`) taken before ``now - keep_hours``.

    ``snapshots`` may hold any snapshots (the region's); only owned hourly ones are ever
    deleted, never one being copied, one already ``deleting`` or one still being created.
    """
    if keep_hours < 1:
        raise errors.InvalidInput(f"--keep-hours must be at least 1, not {keep_hours}")
    owner = owner or Owner.of(instance)
    now = utc(now)
    cutoff = now - timedelta(hours=keep_hours)
    by_id = {s.identifier: s for s in snapshots}
    name = hourly_name(instance.identifier, now)
    existing: Snapshot | None = None
    blocked = None
    warnings: list[str] = []
    for candidate in (name, alternate_hourly_name(name)):
        found = by_id.get(candidate)
        name = candidate
        if found is None:
            break
        if found.status == "deleting":
            blocked = f"this hour's name '{candidate}' is held by a snapshot being deleted"
            break
        if owner.owns_hourly(found):
            existing = found
            break
        # a look-alike (untagged, a copy, another database's) never stands for this hour
        warnings.append(
            f"this hour's name '{candidate}' is taken by '{found.instance_identifier}' "
            f"({found.resource_id or 'no resource id'}), not one of this database's hourly "
            "snapshots"
        )
    else:
        blocked = f"both of this hour's names are taken by snapshots that are not ours ({name})"
    if existing is not None and existing.status == "failed":
        warnings.append(f"this hour's snapshot '{name}' failed; it expires with the others")
    elif existing is None and blocked is None and instance.status not in CREATABLE:
        blocked = (
            f"DB instance '{instance.identifier}' is '{instance.status}': RDS takes snapshots "
            "only when it is 'available' or 'storage-optimization'; this hour has no snapshot"
        )
    copying = being_copied(snapshots)
    owned = [s for s in snapshots if owner.owns_hourly(s) and s.status != "deleting"]

    def taken(s: Snapshot) -> datetime:
        mark = hourly_mark(s)
        assert mark is not None
        return s.created or mark.hour

    expired = [
        s for s in owned if taken(s) < cutoff and s.status in DELETABLE and s.identifier != name
    ]
    skipped = tuple(s for s in expired if s.identifier in copying)
    delete = tuple(s for s in expired if s.identifier not in copying)
    kept = tuple(s for s in owned if s not in delete)
    create = None if existing is not None or blocked else name
    delete_first, quota_warnings = _quota_warnings(quota, int(create is not None), len(delete))
    if owner.sharing_note():
        warnings.insert(0, str(owner.sharing_note()))
    warnings += [f"kept '{s.identifier}' for now: a copy of it is in progress" for s in skipped]
    return RotationPlan(
        owner=owner,
        instance_status=instance.status,
        now=now,
        keep_hours=keep_hours,
        cutoff=cutoff,
        create=create,
        existing=existing.identifier if existing else None,
        blocked=blocked,
        delete=newest_first(delete),
        keep=newest_first(kept),
        skipped=newest_first(skipped),
        delete_first=delete_first,
        quota=quota,
        warnings=tuple(warnings) + quota_warnings,
    )


def prepare_rotation(
    rds: RdsAdapter,
    db_id: str,
    *,
    keep_hours: int = DEFAULT_KEEP_HOURS,
    now: datetime | None = None,
) -> RotationPlan:
    """Observe the instance, the region's instances and manual snapshots and the quota, then
    :func:`plan_rotation`. Changes nothing."""
    if keep_hours < 1:
        raise errors.InvalidInput(f"--keep-hours must be at least 1, not {keep_hours}")
    instance = rds.describe_instance(identifiers.instance_identifier(db_id))
    now = now or rds.clock()
    census = take_census(rds)
    owner = Owner.of(instance, census.shared)
    projection = project(census, keep_hours, also=[instance.identifier])
    return plan_rotation(now, instance, census.manual, keep_hours, projection, owner=owner)


@dataclass(frozen=True)
class RotationResult:
    plan: RotationPlan
    created: Snapshot | None
    #: True when another scheduler created this hour's snapshot at the same time.
    raced: bool
    deleted: tuple[str, ...]
    #: Snapshots of the plan that were already gone or being deleted by someone else.
    gone: tuple[str, ...]

    @property
    def complete(self) -> bool:
        """False when this hour's snapshot could not be taken (``plan.blocked``)."""
        return self.plan.blocked is None

    def as_dict(self) -> dict[str, Any]:
        return {
            **self.plan.as_dict(),
            "created": self.created.identifier if self.created else None,
            "created_status": self.created.status if self.created else None,
            "raced": self.raced,
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
    other way round when the quota is unknown or near full (``plan.delete_first``).

    Another rotation running at the same time is no failure: this hour's snapshot already
    created by it counts as created, and a snapshot it already deletes counts as gone.
    """
    created: Snapshot | None = None
    raced = False
    deleted: tuple[str, ...] = ()
    gone: tuple[str, ...] = ()

    def create() -> None:
        nonlocal created, raced
        if plan.create is None:
            return
        tags = dict(hourly_tags(plan.instance, plan.create))
        try:
            created = rds.create_snapshot(plan.instance, plan.create, tags)
        except errors.IdentifierTaken:
            found = rds.find_snapshot(plan.create)
            if found is None or not plan.owner.owns_hourly(found):
                raise
            created, raced = found, True
        if wait:
            created = rds.wait_snapshot(plan.create, timeout=timeout, on_poll=on_poll)

    def delete() -> None:
        nonlocal deleted, gone
        deleted, gone = delete_hourly(rds, plan.delete, plan.owner.owns_hourly)

    for step in (delete, create) if plan.delete_first else (create, delete):
        step()
    return RotationResult(plan=plan, created=created, raced=raced, deleted=deleted, gone=gone)


def rotate(
    rds: RdsAdapter,
    db_id: str,
    *,
    keep_hours: int = DEFAULT_KEEP_HOURS,
    now: datetime | None = None,
) -> RotationResult:
    """:func:`prepare_rotation` then :func:`execute_rotation` (without waiting). Check
    ``result.complete`` / ``result.plan.blocked``: a blocked hour is reported, not raised."""
    plan = prepare_rotation(rds, db_id, keep_hours=keep_hours, now=now)
    return execute_rotation(rds, plan)
