"""Backups: named manual snapshots, every restore point in one view, hourly rotation, policy.

SCCOS keeps four kinds of restore points for a database (seed runbook):

- ``automated``: AWS daily snapshots (``rds:NAME-YYYY-MM-DD-HH-MM``), kept 5 days by default;
- point-in-time recovery (transaction logs), between the earliest and latest restorable time;
- ``hourly``: manual snapshots taken by the SCCOS tooling (here: ``snapshot rotate``), tagged
  ``sccos-backup:kind=hourly`` and kept 60 hours;
- ``manual``: snapshots a person takes before a risky change;

plus ``awsbackup``: snapshots managed by AWS Backup, where an account uses it.

Every action is observed, planned as data by a pure function, then executed:
:func:`plan_manual_snapshot` / :func:`take_snapshot`, :func:`plan_rotation` /
:func:`execute_rotation`, :func:`evaluate_policy`, :func:`deletable_snapshot` /
:func:`delete_snapshot`. Snapshots belong to a database by its DbiResourceId, which survives
a rename, or by the instance identifier they were taken under.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from sccos_backup import errors, identifiers
from sccos_backup.aws.rds import Instance, RdsAdapter, RestoreWindow, Snapshot
from sccos_backup.defaults import DEFAULT_KEEP_HOURS, DEFAULT_MAX_HOURLY_AGE, DEFAULT_WAIT_TIMEOUT
from sccos_backup.waiting import Poll

TAG_CREATED_BY = "sccos-backup:created-by"
TAG_KIND = "sccos-backup:kind"
TAG_NOTE = "sccos-backup:note"
CREATED_BY = "sccos-backup"

#: Retention of hourly snapshots, in hours (seed: 60 hours).
#: The policy's minimum retention of automated daily backups, in days (seed: 5 days).
MIN_RETENTION_DAYS = 5
#: How old the newest hourly snapshot may be before the policy counts as unmet.
#: How far the latest restorable time may lag behind now (AWS: usually under 5 minutes).
DEFAULT_MAX_PITR_LAG = timedelta(minutes=15)
#: Warn when fewer manual snapshots than this are left in the region's quota.
QUOTA_WARN_LEFT = 10
#: Default bound of a wait for a new snapshot, in seconds.
#: AWS limits a tag value to 256 characters.
NOTE_MAX = 256


class Kind(StrEnum):
    """The kind of a restore point."""

    AUTOMATED = "automated"
    MANUAL = "manual"
    HOURLY = "hourly"
    AWS_BACKUP = "awsbackup"
    OTHER = "other"


def kind_of(snapshot: Snapshot) -> Kind:
    """Classify a snapshot: by its SnapshotType, and by our kind tag among manual ones."""
    if snapshot.snapshot_type == "automated":
        return Kind.AUTOMATED
    if snapshot.snapshot_type == "awsbackup":
        return Kind.AWS_BACKUP
    if snapshot.snapshot_type == "manual":
        return Kind.HOURLY if snapshot.tag(TAG_KIND) == Kind.HOURLY else Kind.MANUAL
    return Kind.OTHER


def belongs_to(snapshot: Snapshot, *, identifier: str, resource_id: str | None) -> bool:
    """True when ``snapshot`` was taken of this database (resource id, or identifier)."""
    if resource_id and snapshot.resource_id == resource_id:
        return True
    return snapshot.instance_identifier == identifier


def _utc(now: datetime) -> datetime:
    return now.replace(tzinfo=UTC) if now.tzinfo is None else now.astimezone(UTC)


def hourly_name(instance: str, now: datetime) -> str:
    """This hour's snapshot name, e.g. ``shop-hourly-2026-11-25-13`` (UTC)."""
    return identifiers.snapshot_identifier(f"{instance}-hourly-{_utc(now):%Y-%m-%d-%H}")


def propose_name(instance: str, now: datetime, purpose: str = "manual") -> str:
    """A meaningful manual snapshot name, e.g. ``shop-manual-20261125-1300`` (UTC)."""
    if not purpose or not purpose.replace("-", "").isalnum():
        raise errors.InvalidInput(
            f"purpose '{purpose}' is invalid: use letters, digits and single hyphens "
            "(e.g. before-release)"
        )
    return identifiers.snapshot_identifier(f"{instance}-{purpose}-{_utc(now):%Y%m%d-%H%M}")


def _age(now: datetime, then: datetime) -> str:
    minutes = int((now - then).total_seconds() // 60)
    if abs(minutes) < 120:
        return f"{minutes} min"
    return f"{minutes // 60} h {minutes % 60} min"


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


# -- observing -------------------------------------------------------------------------------


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


def newest_first(snapshots: Iterable[Snapshot]) -> tuple[Snapshot, ...]:
    """Sort by creation time, newest first; snapshots without a time (still starting) first."""
    far_future = datetime.max.replace(tzinfo=UTC)
    return tuple(
        sorted(snapshots, key=lambda s: (s.created or far_future, s.identifier), reverse=True)
    )


def _available_instance(rds: RdsAdapter, db_id: str, action: str) -> Instance:
    instance = rds.describe_instance(identifiers.instance_identifier(db_id))
    require_available(instance, action)
    return instance


def require_available(instance: Instance, action: str) -> None:
    """Refuse with :class:`NotAvailable` unless the instance is ``available``."""
    if not instance.available:
        raise errors.NotAvailable(
            f"DB instance '{instance.identifier}' is '{instance.status}'; {action} needs it "
            "'available': start it or wait for the change to finish, then run again"
        )


# -- manual snapshots ------------------------------------------------------------------------


@dataclass(frozen=True)
class SnapshotRequest:
    """A snapshot to take: checked, not yet made."""

    instance: str
    name: str
    #: True when the name was proposed (no NAME given).
    proposed: bool
    tags: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class SnapshotResult:
    """A snapshot that was taken (and awaited unless ``waited`` is False)."""

    request: SnapshotRequest
    snapshot: Snapshot
    seconds: float
    waited: bool

    @property
    def size_gib(self) -> int:
        return self.snapshot.allocated_storage

    def as_dict(self) -> dict[str, Any]:
        return {
            "snapshot": self.snapshot.identifier,
            "instance": self.request.instance,
            "proposed_name": self.request.proposed,
            "status": self.snapshot.status,
            "size_gib": self.size_gib,
            "seconds": round(self.seconds, 1),
            "waited": self.waited,
            "arn": self.snapshot.arn,
            "tags": dict(self.request.tags),
        }


def manual_tags(note: str | None) -> tuple[tuple[str, str], ...]:
    """The tags of a manual snapshot: what created it, its kind, and the note if any."""
    tags = [(TAG_CREATED_BY, CREATED_BY), (TAG_KIND, str(Kind.MANUAL))]
    if note:
        if len(note) > NOTE_MAX:
            raise errors.InvalidInput(
                f"the note has {len(note)} characters; a tag value holds at most {NOTE_MAX}"
            )
        tags.append((TAG_NOTE, note))
    return tuple(tags)


def hourly_tags() -> tuple[tuple[str, str], ...]:
    return ((TAG_CREATED_BY, CREATED_BY), (TAG_KIND, str(Kind.HOURLY)))


def _creatable_name(name: str) -> str:
    if ":" in name:
        raise errors.InvalidInput(
            f"snapshot name '{name}' has a prefix; 'rds:' and 'awsbackup:' are reserved for AWS"
        )
    return identifiers.snapshot_identifier(name)


def plan_manual_snapshot(
    rds: RdsAdapter,
    db_id: str,
    name: str | None = None,
    *,
    purpose: str = "manual",
    note: str | None = None,
    now: datetime | None = None,
) -> SnapshotRequest:
    """Check everything a manual snapshot needs; propose a name when ``name`` is None.

    Raises InvalidInput (name, purpose, note), NotFound / NotAvailable (instance) or
    IdentifierTaken (a snapshot of that name exists). Nothing is changed.
    """
    db_id = identifiers.instance_identifier(db_id)
    tags = manual_tags(note)
    if name is None:
        chosen = propose_name(db_id, now or rds.clock(), purpose)
    else:
        chosen = _creatable_name(name)
    instance = _available_instance(rds, db_id, "a snapshot")
    existing = rds.find_snapshot(chosen)
    if existing is not None:
        hint = "pass another NAME" if name is not None else "pass a NAME or another --purpose"
        raise errors.IdentifierTaken(
            f"a snapshot named '{chosen}' already exists (of '{existing.instance_identifier}', "
            f"{existing.status}); {hint}"
        )
    return SnapshotRequest(
        instance=instance.identifier, name=chosen, proposed=name is None, tags=tags
    )


def take_snapshot(
    rds: RdsAdapter,
    request: SnapshotRequest,
    *,
    wait: bool = True,
    timeout: float = DEFAULT_WAIT_TIMEOUT,
    on_poll: Callable[[Poll], None] | None = None,
) -> SnapshotResult:
    """Create the snapshot; unless ``wait`` is False, wait until it is available."""
    start = rds.clock()
    snapshot = rds.create_snapshot(request.instance, request.name, dict(request.tags))
    if wait:
        snapshot = rds.wait_snapshot(request.name, timeout=timeout, on_poll=on_poll)
    seconds = (rds.clock() - start).total_seconds()
    return SnapshotResult(request=request, snapshot=snapshot, seconds=seconds, waited=wait)


# -- every restore point ---------------------------------------------------------------------


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
            "time": _iso(self.created),
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
                "earliest": _iso(self.pitr.earliest),
                "latest": _iso(self.pitr.latest),
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


# -- hourly rotation -------------------------------------------------------------------------


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
            "now": _iso(self.now),
            "keep_hours": self.keep_hours,
            "cutoff": _iso(self.cutoff),
            "create": self.create,
            "existing": self.existing,
            "delete": [{"identifier": s.identifier, "time": _iso(s.created)} for s in self.delete],
            "keep": [{"identifier": s.identifier, "time": _iso(s.created)} for s in self.keep],
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
    now = _utc(now)
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


# -- backup policy ---------------------------------------------------------------------------


@dataclass(frozen=True)
class PolicyCheck:
    """One point of the backup policy and whether it is met."""

    name: str
    ok: bool
    detail: str


@dataclass(frozen=True)
class PolicyReport:
    instance: str
    now: datetime
    checks: tuple[PolicyCheck, ...]

    @property
    def met(self) -> bool:
        return all(c.ok for c in self.checks)

    @property
    def problems(self) -> tuple[str, ...]:
        return tuple(c.detail for c in self.checks if not c.ok)

    def raise_if_unmet(self) -> None:
        if not self.met:
            raise errors.PolicyUnmet(
                f"backup policy of '{self.instance}' is not met: " + "; ".join(self.problems),
                self.problems,
            )

    def as_dict(self) -> dict[str, Any]:
        return {
            "instance": self.instance,
            "now": _iso(self.now),
            "met": self.met,
            "checks": [{"name": c.name, "ok": c.ok, "detail": c.detail} for c in self.checks],
        }


def evaluate_policy(
    now: datetime,
    instance: Instance,
    snapshots: Sequence[Snapshot],
    *,
    min_retention_days: int = MIN_RETENTION_DAYS,
    max_pitr_lag: timedelta = DEFAULT_MAX_PITR_LAG,
    max_hourly_age: timedelta = DEFAULT_MAX_HOURLY_AGE,
) -> PolicyReport:
    """The seed's backup policy (pure): daily automated backups kept at least 5 days, so
    point-in-time recovery is on and current, and an hourly snapshot younger than
    ``max_hourly_age``."""
    now = _utc(now)
    name = instance.identifier
    retention = instance.backup_retention_period
    checks: list[PolicyCheck] = []
    if retention <= 0:
        detail = (
            f"automated backups of '{name}' are off (retention 0 days); set "
            f"BackupRetentionPeriod to at least {min_retention_days}"
        )
    elif retention < min_retention_days:
        detail = (
            f"automated backups of '{name}' are kept {retention} day(s); the policy needs at "
            f"least {min_retention_days}"
        )
    else:
        detail = f"automated backups kept {retention} days (policy: at least {min_retention_days})"
    checks.append(PolicyCheck("retention", retention >= min_retention_days, detail))

    latest = instance.latest_restorable_time
    if retention <= 0 or latest is None:
        checks.append(PolicyCheck("pitr", False, f"point-in-time recovery of '{name}' is off"))
    elif now - latest > max_pitr_lag:
        checks.append(
            PolicyCheck(
                "pitr",
                False,
                f"point-in-time recovery of '{name}' lags: latest restorable time "
                f"{latest:%Y-%m-%d %H:%M} UTC is {_age(now, latest)} old "
                f"(limit {_age(now, now - max_pitr_lag)})",
            )
        )
    else:
        checks.append(
            PolicyCheck(
                "pitr",
                True,
                f"point-in-time recovery up to {latest:%Y-%m-%d %H:%M} UTC "
                f"({_age(now, latest)} ago)",
            )
        )

    hourly = [
        s
        for s in snapshots
        if kind_of(s) is Kind.HOURLY
        and s.available
        and s.created is not None
        and s.resource_id == instance.resource_id
    ]
    limit = _age(now, now - max_hourly_age)
    if not hourly:
        checks.append(
            PolicyCheck(
                "hourly",
                False,
                f"no hourly snapshot of '{name}' exists; run `sccos-backup snapshot rotate "
                f"{name}` every hour (cron or a Jenkins timer)",
            )
        )
    else:
        newest = newest_first(hourly)[0]
        assert newest.created is not None
        age = now - newest.created
        if age > max_hourly_age:
            checks.append(
                PolicyCheck(
                    "hourly",
                    False,
                    f"the newest hourly snapshot of '{name}' ({newest.identifier}) is "
                    f"{_age(now, newest.created)} old (limit {limit}); is the hourly rotation "
                    "running?",
                )
            )
        else:
            checks.append(
                PolicyCheck(
                    "hourly",
                    True,
                    f"newest hourly snapshot {newest.identifier} is "
                    f"{_age(now, newest.created)} old (limit {limit})",
                )
            )
    return PolicyReport(instance=name, now=now, checks=tuple(checks))


def check_policy(
    rds: RdsAdapter,
    db_id: str,
    *,
    max_hourly_age: timedelta = DEFAULT_MAX_HOURLY_AGE,
    now: datetime | None = None,
) -> PolicyReport:
    """Observe ``db_id`` and its snapshots, then :func:`evaluate_policy`."""
    if max_hourly_age <= timedelta(0):
        raise errors.InvalidInput("--max-hourly-age must be at least 1 minute")
    instance = rds.describe_instance(identifiers.instance_identifier(db_id))
    snapshots = observe_snapshots(rds, instance.identifier, instance.resource_id)
    return evaluate_policy(now or rds.clock(), instance, snapshots, max_hourly_age=max_hourly_age)


# -- deleting --------------------------------------------------------------------------------


def deletable_snapshot(rds: RdsAdapter, db_id: str, name: str) -> Snapshot:
    """The manual or hourly snapshot ``name`` of ``db_id``, or a refusal explaining why not.

    Automated and AWS Backup snapshots are never deleted; a snapshot belongs to ``db_id`` by
    resource id (also after a rename) or by the identifier it was taken under.
    """
    db_id = identifiers.instance_identifier(db_id)
    snapshot = rds.describe_snapshot(identifiers.snapshot_identifier(name))
    kind = kind_of(snapshot)
    if kind is Kind.AUTOMATED:
        raise errors.PreconditionFailed(
            f"'{snapshot.identifier}' is an automated snapshot: RDS deletes it after the "
            "retention period; sccos-backup deletes only manual and hourly snapshots"
        )
    if kind is Kind.AWS_BACKUP:
        raise errors.PreconditionFailed(
            f"'{snapshot.identifier}' is managed by AWS Backup: delete its recovery point in "
            "AWS Backup; sccos-backup deletes only manual and hourly snapshots"
        )
    if kind is Kind.OTHER:
        raise errors.PreconditionFailed(
            f"'{snapshot.identifier}' is a {snapshot.snapshot_type} snapshot; sccos-backup "
            "deletes only manual and hourly snapshots"
        )
    instance = rds.find_instance(db_id)
    resource_id = instance.resource_id if instance else None
    if not belongs_to(snapshot, identifier=db_id, resource_id=resource_id):
        raise errors.PreconditionFailed(
            f"snapshot '{snapshot.identifier}' belongs to DB instance "
            f"'{snapshot.instance_identifier}', not '{db_id}'; nothing was deleted"
        )
    return snapshot


def delete_snapshot(rds: RdsAdapter, snapshot: Snapshot) -> None:
    """Delete a snapshot returned by :func:`deletable_snapshot`."""
    if kind_of(snapshot) not in (Kind.MANUAL, Kind.HOURLY):
        raise errors.PreconditionFailed(
            f"'{snapshot.identifier}' is not a manual snapshot; it is not deleted"
        )
    rds.delete_snapshot(snapshot.identifier)
