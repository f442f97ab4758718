"""A restore drill as data: the copy's name, its source, its steps and its deliberate differences.

A drill restores the original's data *aside*, under ``DB_ID-drill-YYYYMMDDHHMM``, through the
same declaration as a restore (:mod:`sccos_backup.restore.declaration`) with every captured
setting, except what a throw-away copy must differ in (:func:`drill_settings`). The live
database is only described: never renamed, modified, tagged or put in maintenance.

:func:`build_drill_plan` is pure: the same request, observation and time give the same plan.
"""

from __future__ import annotations

import dataclasses
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from sccos_backup.identifiers import truncate_identifier
from sccos_backup.restore.plan import original_values
from sccos_backup.restore.preconditions import Observed
from sccos_backup.restore.settings import InstanceSettings, inherited
from sccos_backup.restore.source import (
    PointInTimeSource,
    RestoreSource,
    SnapshotSource,
    iso,
    only_one,
    parse_point_in_time,
    source_from_config,
)
from sccos_backup.restore.spec import RestoreSpec

#: Tags declared on the drill's copy (through Pulumi, so verification expects them).
TAG_DRILL = "sccos-backup:drill"
TAG_DRILL_OF = "sccos-backup:drill-of"
TAG_DRILL_SOURCE = "sccos-backup:drill-source"
TAG_DRILL_SOURCE_TIME = "sccos-backup:drill-source-time"
TAG_DRILL_STACK = "sccos-backup:drill-stack"
TAG_DRILL_STARTED = "sccos-backup:drill-started"
TAG_DRILL_OPTIONS = "sccos-backup:drill-options"
#: Tags the driver adds as steps complete (not declared; the capture ignores the prefix).
TAG_PROGRESS_AVAILABLE = "sccos-backup:drill-progress-available"
TAG_PROGRESS_VERIFIED = "sccos-backup:drill-progress-verified"
TAG_PROGRESS_CHECK = "sccos-backup:drill-progress-check"
TAG_PROGRESS_KEPT = "sccos-backup:drill-progress-kept"

#: Backup retention of the copy, in days: the least that keeps automated backups on. 0 would
#: switch them off, which RDS applies with an outage of the copy and which drops the backup
#: window from what the drill proves.
DRILL_BACKUP_RETENTION = 1


@dataclass(frozen=True)
class Step:
    """One step of a drill, as shown by ``drill plan``."""

    key: str
    title: str
    #: True when the step changes AWS, Pulumi state or Jenkins.
    changes: bool = True


@dataclass(frozen=True)
class DrillChoice:
    """Which restore point the user asked for, before anything is looked up."""

    kind: str
    snapshot: str | None = None
    to_time: datetime | None = None

    @classmethod
    def from_options(
        cls,
        *,
        snapshot: str | None,
        to_time: str | None,
        latest: bool,
        hourly: bool,
        random: bool,
        local_zone: str | None = None,
    ) -> DrillChoice:
        from sccos_backup.aws.rds import snapshot_identifier_from
        from sccos_backup.identifiers import snapshot_identifier

        only_one(
            (
                ("--snapshot", snapshot),
                ("--to-time", to_time),
                ("--latest", latest),
                ("--hourly", hourly),
                ("--random", random),
            ),
            "restore point: --snapshot ID, --to-time TIME, --latest, --hourly or --random",
        )
        if snapshot:
            return cls("snapshot", snapshot=snapshot_identifier(snapshot_identifier_from(snapshot)))
        if to_time:
            return cls("to-time", to_time=parse_point_in_time(to_time, local_zone=local_zone))
        return cls("latest" if latest else "hourly" if hourly else "random")


@dataclass(frozen=True)
class DrillRequest:
    db_identifier: str
    choice: DrillChoice
    check_command: str | None = None
    keep: bool = False


@dataclass(frozen=True)
class ResolvedSource:
    """The restore point a drill uses, and how old its data is (for the RPO)."""

    source: RestoreSource
    #: The time of the data: snapshot creation, the point in time, or the latest restorable
    #: time observed at the start.
    data_time: datetime | None
    #: Why this one (``--hourly``: the newest hourly snapshot; ``--random``: drawn from N).
    reason: str


@dataclass(frozen=True)
class DrillNames:
    run_id: str
    target: str
    stack: str

    @classmethod
    def for_run(cls, db_identifier: str, run_id: str) -> DrillNames:
        return cls(
            run_id=run_id,
            target=truncate_identifier(db_identifier, f"drill-{run_id}"),
            stack=f"drill-{db_identifier}-{run_id}",
        )


@dataclass(frozen=True)
class Difference:
    setting: str
    original: Any
    drill: Any
    why: str


def drill_tags(
    request: DrillRequest, names: DrillNames, resolved: ResolvedSource, started: datetime | None
) -> dict[str, str]:
    """The tags that mark the copy as this drill's (declared, hence verified)."""
    options = " ".join(
        (
            f"choice={request.choice.kind}",
            f"check={'yes' if request.check_command else 'no'}",
            f"keep={'yes' if request.keep else 'no'}",
        )
    )
    tags = {
        TAG_DRILL: names.run_id,
        TAG_DRILL_OF: request.db_identifier,
        TAG_DRILL_SOURCE: source_text(resolved.source),
        TAG_DRILL_STACK: names.stack,
        TAG_DRILL_OPTIONS: options,
    }
    if resolved.data_time is not None:
        tags[TAG_DRILL_SOURCE_TIME] = iso(resolved.data_time)
    if started is not None:
        tags[TAG_DRILL_STARTED] = iso(started)
    return tags


def drill_settings(
    settings: InstanceSettings, tags: dict[str, str]
) -> tuple[InstanceSettings, tuple[Difference, ...]]:
    """The original's settings as a throw-away copy carries them, and each deliberate change."""
    merged = {**dict(settings.tags), **tags}
    changed = dataclasses.replace(
        settings,
        deletion_protection=False,
        backup_retention_period=DRILL_BACKUP_RETENTION,
        tags=tuple(merged.items()),
    )
    differences = (
        Difference(
            "DeletionProtection",
            settings.deletion_protection,
            False,
            "the copy is deleted at the end of the drill",
        ),
        Difference(
            "BackupRetentionPeriod",
            settings.backup_retention_period,
            DRILL_BACKUP_RETENTION,
            "the least that keeps automated backups on; the copy's backups are deleted with it",
        ),
        Difference(
            "SkipFinalSnapshot",
            False,
            True,
            "no final snapshot of a throw-away copy (the restore always takes one)",
        ),
        Difference(
            "DeleteAutomatedBackups",
            False,
            True,
            "the copy's automated backups go with it",
        ),
        Difference(
            "Tags",
            "the original's tags",
            dict(sorted(tags.items())),
            "added to the original's tags: they mark the copy as this drill's; destroy checks them",
        ),
        Difference(
            "PulumiResourceOptions",
            "protect, retainOnDelete",
            "none",
            "the drill's own stack may delete its copy (nowhere else does this project let "
            "Pulumi delete)",
        ),
    )
    return changed, differences


def drill_steps(request: DrillRequest, names: DrillNames, source: str) -> tuple[Step, ...]:
    db = request.db_identifier
    steps = [
        Step(
            "preconditions",
            "Check the restore's preconditions (the original, the source and its restore window, "
            "storage, encryption, parameter group family, free names) as this plan is made, not "
            "the checks of `sccos-backup doctor`; `drill run` makes a new plan and checks again "
            "before it creates the copy",
            False,
        ),
        Step(
            "up",
            f"pulumi up on stack '{names.stack}': restore '{names.target}' from {source}; "
            f"'{db}' is only read",
        ),
        Step("wait", f"Wait until '{names.target}' is available (the RTO)", False),
        Step(
            "verify",
            f"Compare '{names.target}' with the captured settings, field by field",
            False,
        ),
    ]
    if request.check_command:
        steps.append(
            Step("check", "Run the check command against the copy (DRILL_HOST ...)", False)
        )
    if not request.keep:
        steps.append(
            Step(
                "destroy",
                f"pulumi destroy on stack '{names.stack}': delete '{names.target}' (only with "
                "this drill's tags and the DbiResourceId the stack recorded)",
            )
        )
    steps.append(Step("report", "Write the drill report", False))
    return tuple(steps)


@dataclass(frozen=True)
class DrillPlan:
    request: DrillRequest
    names: DrillNames
    resolved: ResolvedSource
    spec: RestoreSpec
    original: dict[str, Any]
    original_resource_id: str
    inherited: dict[str, Any]
    differences: tuple[Difference, ...]
    steps: tuple[Step, ...]
    warnings: tuple[str, ...]
    planned_at: datetime
    #: The original's settings as captured (before the drill's differences).
    captured: InstanceSettings

    @property
    def source(self) -> RestoreSource:
        return self.spec.source

    def as_dict(self) -> dict[str, Any]:
        """The shape of ``restore plan --json`` plus the drill's deliberate ``differences``."""
        return {
            "database": self.request.db_identifier,
            "drill": self.names.run_id,
            "target": self.names.target,
            "stack": self.names.stack,
            "source": {
                "description": self.source.describe(),
                **self.source.to_config(),
                "choice": self.request.choice.kind,
                "reason": self.resolved.reason,
                "data_time": iso(self.resolved.data_time) if self.resolved.data_time else None,
                "age_seconds": self.source_age(self.planned_at),
            },
            "steps": [{"key": s.key, "title": s.title, "changes": s.changes} for s in self.steps],
            "settings": self.spec.settings.to_api(),
            "original": self.original,
            "inherited": self.inherited,
            "differences": [asdict(d) for d in self.differences],
            "keep": self.request.keep,
            "check_command": bool(self.request.check_command),
            "warnings": list(self.warnings),
        }

    def source_age(self, at: datetime) -> float | None:
        if self.resolved.data_time is None:
            return None
        return round((at - self.resolved.data_time).total_seconds(), 1)

    def spec_at(self, started: datetime) -> RestoreSpec:
        """The spec ``up`` declares: the start of the restore is part of the copy's tags."""
        tags = drill_tags(self.request, self.names, self.resolved, started)
        settings, _ = drill_settings(self.captured, tags)
        return dataclasses.replace(self.spec, settings=settings)


def build_drill_plan(
    request: DrillRequest, observed: Observed, resolved: ResolvedSource, now: datetime
) -> DrillPlan:
    """The drill as data. Pure."""
    names = DrillNames.for_run(request.db_identifier, now.strftime("%Y%m%d%H%M"))
    raw = observed.original.raw
    captured = InstanceSettings.capture(raw)
    tags = drill_tags(request, names, resolved, None)
    settings, differences = drill_settings(captured, tags)
    spec = RestoreSpec(
        target_identifier=names.target,
        original_identifier=request.db_identifier,
        source=resolved.source,
        settings=settings,
        final_snapshot_identifier="",
        throwaway=True,
    )
    warnings = []
    snap = observed.snapshot
    if snap is not None and snap.resource_id and snap.resource_id != observed.original.resource_id:
        warnings.append(
            f"snapshot '{snap.identifier}' was taken of another instance "
            f"('{snap.instance_identifier}'), not of '{request.db_identifier}'"
        )
    window = observed.window
    if isinstance(resolved.source, PointInTimeSource) and window is not None and window.estimated:
        warnings.append(
            f"the restorable window was estimated ({iso(window.earliest)} to "
            f"{iso(window.latest)}); AWS checks it again at restore time"
        )
    if captured.manage_master_user_password:
        warnings.append(
            "the original's master password is managed in Secrets Manager: RDS creates a new "
            "secret for the copy (DRILL_SECRET_ARN) and deletes it with the copy"
        )
    return DrillPlan(
        request=request,
        names=names,
        resolved=resolved,
        spec=spec,
        original=original_values(raw),
        original_resource_id=observed.original.resource_id,
        inherited=inherited(raw),
        differences=differences,
        steps=drill_steps(request, names, resolved.source.describe()),
        warnings=tuple(warnings),
        planned_at=now,
        captured=captured,
    )


def source_text(source: RestoreSource) -> str:
    if isinstance(source, SnapshotSource):
        return f"snapshot:{source.snapshot_identifier}"
    return f"time:{iso(source.restore_time)}" if source.restore_time else "latest"


def source_from_text(value: str, resource_id: str) -> RestoreSource:
    """The inverse of :func:`source_text` (a point in time of ``resource_id``)."""
    if value.startswith("snapshot:"):
        return source_from_config(
            {"type": "snapshot", "snapshotIdentifier": value.removeprefix("snapshot:")}
        )
    when = value.removeprefix("time:") if value.startswith("time:") else None
    return source_from_config(
        {"type": "point-in-time", "sourceDbiResourceId": resource_id, "restoreTime": when}
    )
