"""A restore as data: an ordered tuple of steps computed by a pure function from what was observed.

``restore plan`` renders it; the runbook's executor applies it. Re-running after a crash
observes again and continues with what is left.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
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
from sccos_backup.restore.strategy import Strategy

__all__ = [
    "Names",
    "RestorePlan",
    "RestoreRequest",
    "Step",
    "Strategy",
    "build_plan",
    "restore_steps",
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

    def stack_name(self, run_id: str) -> str:
        """One stack per run: it records that run's restored instance and nothing else."""
        return self.stack or f"restore-{self.db_identifier}-{run_id}"


@dataclass(frozen=True)
class Step:
    key: str
    title: str
    #: True when the step changes AWS, Pulumi state or Jenkins.
    changes: bool = True


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

    @property
    def stack(self) -> str:
        return self.request.stack_name(self.names.run_id)

    @property
    def source(self) -> RestoreSource:
        return self.spec.source

    def to_json(self) -> dict[str, Any]:
        return {
            "database": self.request.db_identifier,
            "target": self.target,
            "restoreAs": self.restore_as,
            "renameOriginalTo": self.names.aside,
            "strategy": str(self.request.strategy),
            "stack": self.stack,
            "source": {"description": self.source.describe(), **self.source.to_config()},
            "steps": [{"key": s.key, "title": s.title, "changes": s.changes} for s in self.steps],
            "settings": self.spec.settings.to_api(),
            "original": self.original,
            "inherited": self.inherited,
            "finalSnapshotIdentifier": self.spec.final_snapshot_identifier,
            "warnings": list(self.warnings),
        }


def original_values(described: Mapping[str, Any]) -> dict[str, Any]:
    """The original's settings as RDS reports them (before any restore-time decision)."""
    values = InstanceSettings.capture(described).to_api()
    for key in ("Iops", "StorageThroughput", "AvailabilityZone"):
        values[key] = described.get(key)
    return values


def restore_steps(request: RestoreRequest, names: Names, source: str) -> tuple[Step, ...]:
    """The runbook's steps for the request's strategy, in order."""
    db = request.db_identifier
    stack = request.stack_name(names.run_id)
    first = [Step("preconditions", "Check every precondition (done for this plan)", False)]
    if request.safety_snapshot:
        first.append(Step("safety-snapshot", f"Take safety snapshot '{names.safety_snapshot}'"))
    maint_on = (
        [Step("maintenance-on", f"Run CodePipeline Maintenance_Enable_{request.maintenance_env}")]
        if request.maintenance_env
        else []
    )
    maint_off = (
        [Step("maintenance-off", f"Run CodePipeline Maintenance_Disable_{request.maintenance_env}")]
        if request.maintenance_env
        else []
    )
    resync = (
        [Step("resync", "Run `vendor/bin/console sync:data` in Jenkins")] if request.resync else []
    )
    rename = Step(
        "rename-original",
        f"Rename '{db}' to '{names.aside}' (ApplyImmediately) and wait until the new name answers",
    )
    if request.strategy is Strategy.IN_PLACE:
        middle = [
            rename,
            Step("up", f"pulumi refresh + up on stack '{stack}': restore '{db}' from {source}"),
            Step("wait", f"Wait until '{db}' is available", False),
            Step(
                "verify",
                f"Compare '{db}' with the captured settings; preview shows no changes",
                False,
            ),
        ]
        return (*first, *maint_on, *middle, *resync, *maint_off)
    middle = [
        Step(
            "up",
            f"pulumi refresh + up on stack '{stack}': restore '{names.temporary}' "
            f"from {source} while '{db}' keeps serving",
        ),
        Step("wait", f"Wait until '{names.temporary}' is available", False),
        Step("verify", f"Compare '{names.temporary}' with the captured settings", False),
        *maint_on,
        rename,
        Step("cut-over", f"pulumi up: rename '{names.temporary}' to '{db}' in place"),
        Step(
            "verify-final",
            f"Compare '{db}' with the captured settings; preview shows no changes",
            False,
        ),
    ]
    return (*first, *middle, *resync, *maint_off)


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
        steps=restore_steps(request, names, source.describe()),
        warnings=tuple(warnings),
        original_resource_id=original.resource_id,
        original_arn=original.arn,
    )


def _warnings(request: RestoreRequest, observed: Observed) -> list[str]:
    original = observed.original
    out: list[str] = []
    snap = observed.snapshot
    if snap is not None and snap.resource_id and snap.resource_id != original.resource_id:
        out.append(
            f"snapshot '{snap.identifier}' was taken of another instance "
            f"('{snap.instance_identifier}'), not of '{original.identifier}'"
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
