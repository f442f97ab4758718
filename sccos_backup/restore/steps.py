"""The steps of a restore run, typed and carrying their parameters.

One pure function, :func:`sccos_backup.restore.plan.build_steps`, turns a request, its names and
its source into the ordered steps. ``restore plan`` renders them, the runbook dispatches on their
type, ``restore status`` and ``--json`` print them: every place shows the same objects, so the
plan an operator approves reads exactly as the run that carries it out. ``key`` is what a run
records as its progress (the ``sccos-backup:run-step`` tag); ``title`` is the one text of the
step.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any, ClassVar

#: The Jenkins job that runs ``sync:data`` unless ``--job`` names another.
DEFAULT_RESYNC_JOB = "sccos-backup-sync-data"


@dataclass(frozen=True)
class Step:
    """One step of a run. Subclasses set ``key``, ``changes`` and the ``template`` of their
    ``title`` (their fields in braces), or say their ``title`` themselves."""

    key: ClassVar[str]
    #: True when the step changes AWS, Pulumi state or Jenkins.
    changes: ClassVar[bool] = True
    template: ClassVar[str]

    @property
    def title(self) -> str:
        return self.template.format_map({f.name: getattr(self, f.name) for f in fields(self)})

    def parameters(self) -> dict[str, Any]:
        return {f.name.rstrip("_"): getattr(self, f.name) for f in fields(self)}

    def as_dict(self) -> dict[str, Any]:
        return {"key": self.key, "title": self.title, "changes": self.changes, **self.parameters()}


@dataclass(frozen=True)
class CheckPreconditions(Step):
    key: ClassVar[str] = "preconditions"
    changes: ClassVar[bool] = False
    template: ClassVar[str] = (
        "Check the source, the preconditions and the checks below (as `sccos-backup "
        "doctor`); `restore run` makes them again before its first change"
    )


@dataclass(frozen=True)
class SafetySnapshot(Step):
    instance: str
    snapshot: str
    key: ClassVar[str] = "safety-snapshot"
    template: ClassVar[str] = "Take safety snapshot '{snapshot}' of '{instance}'"


@dataclass(frozen=True)
class MaintenanceOn(Step):
    env: str
    key: ClassVar[str] = "maintenance-on"
    template: ClassVar[str] = "Run CodePipeline Maintenance_Enable_{env}"


@dataclass(frozen=True)
class MaintenanceOff(Step):
    env: str
    key: ClassVar[str] = "maintenance-off"
    template: ClassVar[str] = "Run CodePipeline Maintenance_Disable_{env}"


@dataclass(frozen=True)
class RenameOriginal(Step):
    from_: str
    to: str
    key: ClassVar[str] = "rename-original"
    template: ClassVar[str] = (
        "Rename '{from_}' to '{to}' (ApplyImmediately) and wait until the new name answers"
    )


@dataclass(frozen=True)
class Up(Step):
    """``pulumi refresh`` + ``up`` of the plan's declaration under ``target``."""

    stack: str
    target: str
    source: str
    #: The original's name while it keeps serving (swap), else None.
    serving: str | None = None
    key: ClassVar[str] = "up"

    @property
    def title(self) -> str:
        serving = f" while '{self.serving}' keeps serving" if self.serving else ""
        return (
            f"pulumi refresh + up on stack '{self.stack}': restore '{self.target}' from "
            f"{self.source}{serving}"
        )


@dataclass(frozen=True)
class WaitAvailable(Step):
    identifier: str
    key: ClassVar[str] = "wait"
    changes: ClassVar[bool] = False
    template: ClassVar[str] = "Wait until '{identifier}' is available"


@dataclass(frozen=True)
class Verify(Step):
    identifier: str
    stack: str
    key: ClassVar[str] = "verify"
    changes: ClassVar[bool] = False
    template: ClassVar[str] = (
        "Compare '{identifier}' with the approved settings; a preview of stack '{stack}' "
        "shows no changes"
    )


@dataclass(frozen=True)
class CutOver(Step):
    stack: str
    from_: str
    to: str
    key: ClassVar[str] = "cut-over"
    template: ClassVar[str] = "pulumi up on stack '{stack}': rename '{from_}' to '{to}' in place"


@dataclass(frozen=True)
class VerifyFinal(Verify):
    key: ClassVar[str] = "verify-final"


#: What the re-sync job runs unless the run names another command.
SYNC_DATA = "vendor/bin/console sync:data"


@dataclass(frozen=True)
class Resync(Step):
    job: str
    #: What the job runs: ``sync:data`` unless another command is named (a rehearsal's echo).
    command: str = SYNC_DATA
    key: ClassVar[str] = "resync"
    template: ClassVar[str] = "Run `{command}` in Jenkins (job '{job}')"


#: Every step type by its recorded key.
STEP_TYPES: dict[str, type[Step]] = {
    t.key: t
    for t in (
        CheckPreconditions,
        SafetySnapshot,
        MaintenanceOn,
        MaintenanceOff,
        RenameOriginal,
        Up,
        WaitAvailable,
        Verify,
        CutOver,
        VerifyFinal,
        Resync,
    )
}
