"""A restore as data: the source, every generated name, the typed steps and the captured settings,
computed by a pure function from what was observed.

``restore plan`` renders it (and ``--out`` saves it, :mod:`sccos_backup.restore.planfile`);
``restore run`` records it on the state backend and the runbook carries out exactly that object:
a resume, a rollback or ``status``, on any machine, reads the recorded plan and never captures
the original again.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sccos_backup.identifiers import truncate_identifier
from sccos_backup.restore.preconditions import Observed
from sccos_backup.restore.settings import InstanceSettings, inherited
from sccos_backup.restore.source import (
    PointInTimeSource,
    RestoreSource,
    SnapshotSource,
    SourceChoice,
    iso,
)
from sccos_backup.restore.spec import RestoreSpec
from sccos_backup.restore.steps import (
    DEFAULT_RESYNC_JOB,
    SYNC_DATA,
    CheckPreconditions,
    CutOver,
    MaintenanceOff,
    MaintenanceOn,
    RenameOriginal,
    Resync,
    SafetySnapshot,
    Step,
    Up,
    Verify,
    VerifyFinal,
    WaitAvailable,
)
from sccos_backup.restore.strategy import Strategy

__all__ = [
    "Names",
    "RestorePlan",
    "RestoreRequest",
    "Step",
    "Strategy",
    "build_plan",
    "build_steps",
]


@dataclass(frozen=True)
class RestoreRequest:
    """What the user asked for, parsed and validated at the edge."""

    db_identifier: str
    choice: SourceChoice
    strategy: Strategy = Strategy.IN_PLACE
    stack: str | None = None
    maintenance_env: str | None = None
    safety_snapshot: bool = False
    resync: bool = True
    resync_job: str = DEFAULT_RESYNC_JOB
    #: What the re-sync job runs instead of ``sync:data`` (a rehearsal's harmless command).
    resync_command: str | None = None
    #: The database (DbiResourceId or identifier) the operator named as the source's, where it
    #: is not the original nor an earlier incarnation of it (``--from-database``).
    from_database: str | None = None

    def stack_name(self, run_id: str) -> str:
        """One stack per run: it records that run's restored instance and nothing else."""
        return self.stack or f"restore-{self.db_identifier}-{run_id}"


@dataclass(frozen=True)
class Names:
    """Every identifier one run creates, derived from the database and the run id."""

    run_id: str
    aside: str
    temporary: str
    final_snapshot: str
    safety_snapshot: str
    #: Where ``restore rollback`` puts the restored instance.
    rolled_back: str

    @classmethod
    def for_run(cls, db_identifier: str, now: datetime) -> Names:
        return cls.from_run_id(db_identifier, now.strftime("%Y%m%d%H%M"))

    @classmethod
    def from_run_id(cls, db_identifier: str, run_id: str) -> Names:
        return cls(
            run_id=run_id,
            aside=truncate_identifier(db_identifier, f"pre-restore-{run_id}"),
            temporary=truncate_identifier(db_identifier, f"restored-{run_id}"),
            final_snapshot=truncate_identifier(db_identifier, f"final-{run_id}", 255),
            safety_snapshot=truncate_identifier(db_identifier, f"before-restore-{run_id}", 255),
            rolled_back=truncate_identifier(db_identifier, f"rolled-back-{run_id}"),
        )

    def needed_free(self, strategy: Strategy) -> tuple[str, ...]:
        return (self.aside, self.temporary) if strategy is Strategy.SWAP else (self.aside,)


@dataclass(frozen=True)
class RestorePlan:
    request: RestoreRequest
    names: Names
    #: The identifier the restored instance carries at the end: the original's.
    target: str
    #: The identifier the restored instance is created under.
    restore_as: str
    spec: RestoreSpec
    original: dict[str, Any]
    inherited: dict[str, Any]
    steps: tuple[Step, ...]
    warnings: tuple[str, ...]
    #: Which instance the plan observed under the database's name (a run starts only on it).
    original_resource_id: str = ""
    original_arn: str = ""
    #: When the plan was made (its run id is derived from it).
    planned_at: datetime | None = None
    #: What the source was when planned: the snapshot's ARN and the DbiResourceId of the
    #: database it was taken of, or the point in time and the DbiResourceId it is read from.
    source_fingerprint: SourceFingerprint | None = None
    #: DbiResourceIds of earlier incarnations of the database (originals of finished restores).
    lineage: tuple[str, ...] = ()

    @property
    def stack(self) -> str:
        return self.request.stack_name(self.names.run_id)

    @property
    def source(self) -> RestoreSource:
        return self.spec.source

    def with_options(self, *, resync: bool, maintenance_env: str | None) -> RestorePlan:
        """The plan with the options ``restore resume`` may change (recorded on the run), its
        steps built again by the same function."""
        request = replace(self.request, resync=resync, maintenance_env=maintenance_env)
        if request == self.request:
            return self
        return replace(
            self, request=request, steps=build_steps(request, self.names, self.spec.source)
        )

    def spec_for(self, target: str) -> RestoreSpec:
        """The declaration under ``target`` (the cut-over declares the original's name)."""
        return replace(self.spec, target_identifier=target)


def original_values(described: Mapping[str, Any]) -> dict[str, Any]:
    """The original's settings as RDS reports them (before any restore-time decision)."""
    values = InstanceSettings.capture(described).to_api()
    for key in ("Iops", "StorageThroughput", "AvailabilityZone"):
        values[key] = described.get(key)
    return values


def build_steps(request: RestoreRequest, names: Names, source: RestoreSource) -> tuple[Step, ...]:
    """The run's steps for the request's strategy, in order. Pure."""
    db = request.db_identifier
    stack = request.stack_name(names.run_id)
    first: list[Step] = [CheckPreconditions()]
    if request.safety_snapshot:
        first.append(SafetySnapshot(db, names.safety_snapshot))
    env = request.maintenance_env
    on: list[Step] = [MaintenanceOn(env)] if env else []
    off: list[Step] = [MaintenanceOff(env)] if env else []
    resync: list[Step] = (
        [Resync(request.resync_job, request.resync_command or SYNC_DATA)] if request.resync else []
    )
    rename = RenameOriginal(db, names.aside)
    described = source.describe()
    if request.strategy is Strategy.IN_PLACE:
        middle: list[Step] = [
            rename,
            Up(stack, db, described),
            WaitAvailable(db),
            Verify(db, stack),
        ]
        return (*first, *on, *middle, *resync, *off)
    temporary = names.temporary
    middle = [
        Up(stack, temporary, described, serving=db),
        WaitAvailable(temporary),
        Verify(temporary, stack),
        *on,
        rename,
        CutOver(stack, temporary, db),
        VerifyFinal(db, stack),
    ]
    return (*first, *middle, *resync, *off)


def build_plan(request: RestoreRequest, observed: Observed, now: datetime) -> RestorePlan:
    """The restore as data. Pure: same request, observation and time give the same plan."""
    names = Names.for_run(request.db_identifier, now)
    original = observed.original
    source: RestoreSource
    if request.choice.snapshot:
        assert observed.snapshot is not None
        source = SnapshotSource(observed.snapshot.identifier)
    else:
        source = PointInTimeSource(original.resource_id, request.choice.to_time)
    restore_as = names.temporary if request.strategy is Strategy.SWAP else request.db_identifier
    spec = RestoreSpec(
        target_identifier=restore_as,
        original_identifier=request.db_identifier,
        source=source,
        settings=InstanceSettings.capture(original.raw),
        final_snapshot_identifier=names.final_snapshot,
        run_id=names.run_id,
    )
    warnings = list(_warnings(request, observed))
    return RestorePlan(
        request=request,
        names=names,
        target=request.db_identifier,
        restore_as=restore_as,
        spec=spec,
        original=original_values(original.raw),
        inherited=inherited(original.raw),
        steps=build_steps(request, names, source),
        warnings=tuple(warnings),
        original_resource_id=original.resource_id,
        original_arn=original.arn,
        planned_at=now,
        source_fingerprint=source_fingerprint(observed, source),
        lineage=observed.lineage,
    )


@dataclass(frozen=True)
class SnapshotFingerprint:
    """A snapshot source beyond its name: its ARN and the database it was taken of."""

    snapshot_arn: str
    snapshot_identifier: str
    database_resource_id: str
    database_identifier: str
    snapshot_create_time: str | None


@dataclass(frozen=True)
class PointInTimeFingerprint:
    """A point-in-time source: the DbiResourceId it is read from and the time."""

    database_resource_id: str
    database_identifier: str
    restore_time: str | None


SourceFingerprint = SnapshotFingerprint | PointInTimeFingerprint


def source_fingerprint(observed: Observed, source: RestoreSource) -> SourceFingerprint:
    """What identifies the source beyond its name: a snapshot's ARN and the DbiResourceId of the
    database it was taken of; the DbiResourceId and time of a point-in-time restore."""
    snap = observed.snapshot
    if isinstance(source, SnapshotSource) and snap is not None:
        return SnapshotFingerprint(
            snapshot_arn=snap.arn,
            snapshot_identifier=snap.identifier,
            database_resource_id=snap.resource_id,
            database_identifier=snap.instance_identifier,
            snapshot_create_time=iso(snap.created) if snap.created else None,
        )
    assert isinstance(source, PointInTimeSource)
    return PointInTimeFingerprint(
        database_resource_id=source.source_dbi_resource_id,
        database_identifier=observed.original.identifier,
        restore_time=iso(source.restore_time) if source.restore_time else None,
    )


def _warnings(request: RestoreRequest, observed: Observed) -> list[str]:
    original = observed.original
    out: list[str] = []
    snap = observed.snapshot
    if snap is not None and snap.resource_id and snap.resource_id != original.resource_id:
        whose = (
            "an earlier incarnation of it"
            if snap.resource_id in observed.lineage
            else "another database, as --from-database allows"
        )
        out.append(
            f"snapshot '{snap.identifier}' was taken of '{snap.instance_identifier}' "
            f"({snap.resource_id}), not of '{original.identifier}' ({original.resource_id}): "
            f"{whose}"
        )
    if snap is not None and snap.engine_version and snap.engine_version != original.engine_version:
        out.append(
            f"snapshot '{snap.identifier}' is of {original.engine} {snap.engine_version}, the "
            f"original runs {original.engine_version}: after the restore pulumi-aws upgrades "
            "the restored instance in place (an extra reboot and minutes of downtime)"
        )
    if original.raw.get("MasterUserSecret"):
        out.append(
            "the master password is managed in Secrets Manager: RDS generates a new password "
            "and a new secret for the restored instance (point applications at the new secret), "
            "and `restore cleanup` deletes the original together with its secret"
        )
    if original.raw.get("ReadReplicaDBInstanceIdentifiers"):
        out.append("read replicas of the original are not recreated; recreate them afterwards")
    if observed.window is not None and observed.window.estimated and not request.choice.snapshot:
        out.append(
            f"the restorable window was estimated ({iso(observed.window.earliest)} to "
            f"{iso(observed.window.latest)}); AWS checks it again at restore time"
        )
    if request.strategy is Strategy.SWAP:
        out.append(
            "swap: the original keeps serving during the restore; writes it takes after the "
            "restore point are not in the restored data (as with the in-place order)"
        )
    out.append(
        "CloudWatch alarms and metrics follow the name: alarms on "
        f"'{original.identifier}' will watch the restored instance"
    )
    return out
