"""Backups: named manual snapshots (plan, take) and deleting a manual or hourly snapshot."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sccos_backup import errors, identifiers
from sccos_backup.aws.rds import Instance, RdsAdapter, Snapshot
from sccos_backup.backups.naming import (
    CREATED_BY,
    NOTE_MAX,
    TAG_CREATED_BY,
    TAG_KIND,
    TAG_NOTE,
    Kind,
    propose_name,
    require_available,
)
from sccos_backup.backups.ownership import Owner, kind_of
from sccos_backup.defaults import DEFAULT_WAIT_TIMEOUT
from sccos_backup.waiting import Poll


def _available_instance(rds: RdsAdapter, db_id: str, action: str) -> Instance:
    instance = rds.describe_instance(identifiers.instance_identifier(db_id))
    require_available(instance, action)
    return instance


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
    owner = Owner(db_id, "")
    if instance is not None:
        owner = Owner.of(instance, rds.shared_resource_ids(rds.list_instances()))
    if not owner.belongs(snapshot):
        shared = ""
        if owner.shared_with and snapshot.resource_id == owner.resource_id:
            shared = f" (the DbiResourceId is shared: {owner.sharing_note()})"
        raise errors.PreconditionFailed(
            f"snapshot '{snapshot.identifier}' belongs to DB instance "
            f"'{snapshot.instance_identifier}', not '{db_id}'{shared}; nothing was deleted"
        )
    return snapshot


def delete_snapshot(rds: RdsAdapter, snapshot: Snapshot) -> None:
    """Delete a snapshot returned by :func:`deletable_snapshot`."""
    if kind_of(snapshot) not in (Kind.MANUAL, Kind.HOURLY):
        raise errors.PreconditionFailed(
            f"'{snapshot.identifier}' is not a manual snapshot; it is not deleted"
        )
    rds.delete_snapshot(snapshot.identifier)
