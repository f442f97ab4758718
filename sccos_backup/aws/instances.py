"""DB instances as RDS describes them, and the point-in-time window of one."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from types import MappingProxyType
from typing import Any

from sccos_backup.aws.translate import Described
from sccos_backup.aws.translate import tags as _tags
from sccos_backup.aws.translate import utc as _utc


def _freeze(value: Any) -> Any:
    if isinstance(value, Mapping):
        return MappingProxyType({k: _freeze(v) for k, v in value.items()})
    if isinstance(value, list | tuple):
        return tuple(_freeze(v) for v in value)
    return value


@dataclass(frozen=True)
class Instance(Described):
    """One DB instance as described by RDS."""

    identifier: str
    status: str
    resource_id: str
    arn: str
    engine: str
    engine_version: str
    allocated_storage: int
    address: str | None
    port: int | None
    created: datetime | None
    latest_restorable_time: datetime | None
    backup_retention_period: int
    parameter_group: str | None
    tags: tuple[tuple[str, str], ...]
    #: The describe response, read-only; :mod:`sccos_backup.restore.settings` captures from it.
    raw: Mapping[str, Any]

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> Instance:
        endpoint = data.get("Endpoint") or {}
        groups = data.get("DBParameterGroups") or []
        return cls(
            identifier=str(data["DBInstanceIdentifier"]),
            status=str(data.get("DBInstanceStatus", "unknown")),
            resource_id=str(data.get("DbiResourceId", "")),
            arn=str(data.get("DBInstanceArn", "")),
            engine=str(data.get("Engine", "")),
            engine_version=str(data.get("EngineVersion", "")),
            allocated_storage=int(data.get("AllocatedStorage", 0)),
            address=endpoint.get("Address"),
            port=endpoint.get("Port") or data.get("DbInstancePort"),
            created=_utc(data.get("InstanceCreateTime")),
            latest_restorable_time=_utc(data.get("LatestRestorableTime")),
            backup_retention_period=int(data.get("BackupRetentionPeriod", 0)),
            parameter_group=groups[0]["DBParameterGroupName"] if groups else None,
            tags=_tags(data.get("TagList")),
            raw=_freeze(dict(data)),
        )


#: Instance states that never become ``available`` by themselves: botocore 1.44's
#: ``DBInstanceAvailable`` waiter fails on the first five (data/rds/2014-10-31/waiters-2.json);
#: the RDS user guide ("Viewing Amazon RDS DB instance status") says the others need action.
FAILED_STATES = frozenset(
    {
        "deleted",
        "deleting",
        "failed",
        "incompatible-restore",
        "incompatible-parameters",
        "incompatible-network",
        "incompatible-option-group",
        "storage-full",
        "inaccessible-encryption-credentials",
    }
)


#: States in which RDS allows nothing but deleting the instance, and then only without a final
#: snapshot (botocore 1.44.18, ``data/rds/2014-10-31/service-2.json``, DeleteDBInstance's
#: ``SkipFinalSnapshot``: "When a DB instance is in a failure state and has a status of failed,
#: incompatible-restore, or incompatible-network, RDS can delete the instance only if you enable
#: this parameter"); a rename of such an instance is refused.
DELETE_ONLY_STATES = frozenset({"failed", "incompatible-restore", "incompatible-network"})


@dataclass(frozen=True)
class RestoreWindow:
    """The span a point-in-time restore of one instance may target."""

    earliest: datetime
    latest: datetime
    #: True when ``earliest`` was estimated from creation time and retention (no RestoreWindow).
    estimated: bool


def restore_window_of(
    instance: Instance, latest: datetime, backups: Sequence[Mapping[str, Any]]
) -> RestoreWindow:
    """The ``RestoreWindow`` RDS reports for the instance's automated backups, else the
    earliest time estimated conservatively as the later of the instance's creation and
    ``latest - retention days``."""
    for backup in backups:
        window = backup.get("RestoreWindow") or {}
        earliest, last = _utc(window.get("EarliestTime")), _utc(window.get("LatestTime"))
        if earliest and last:
            return RestoreWindow(earliest=earliest, latest=last, estimated=False)
    earliest = latest - timedelta(days=instance.backup_retention_period)
    if instance.created and instance.created > earliest:
        earliest = instance.created
    return RestoreWindow(earliest=earliest, latest=latest, estimated=True)
