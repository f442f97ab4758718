"""The steps of a restore run, typed and carrying their parameters.

One pure function, :func:`build_steps`, turns a request, its names and its source into the
ordered steps. ``restore plan`` renders them, the runbook dispatches on their type, ``restore
status`` and ``--json`` print them: every place shows the same objects, so the plan an operator
approves reads exactly as the run that carries it out. ``key`` is what a run records as its
progress (the ``sccos-backup:run-step`` tag); ``title`` is the one text of the step.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any, ClassVar

from sccos_backup.restore.strategy import Strategy

if TYPE_CHECKING:
    from sccos_backup.restore.plan import Names, RestoreRequest
    from sccos_backup.restore.source import RestoreSource

#: The Jenkins job that runs ``sync:data`` unless ``--job`` names another.
DEFAULT_RESYNC_JOB = "sccos-backup-sync-data"


@dataclass(frozen=True)
class Step:
    """One step of a run. Subclasses set ``key`` and ``changes`` and say their ``title``."""

    key: ClassVar[str]
    #: True when the step changes AWS, Pulumi state or Jenkins.
    changes: ClassVar[bool] = True

    @property
    def title(self) -> str:  # pragma: no cover - every step says its own
        raise NotImplementedError

    def parameters(self) -> dict[str, Any]:
        return {f.name.rstrip("_"): getattr(self, f.name) for f in fields(self)}

    def to_json(self) -> dict[str, Any]:
        return {"key": self.key, "title": self.title, "changes": self.changes, **self.parameters()}


@dataclass(frozen=True)
class CheckPreconditions(Step):
    key: ClassVar[str] = "preconditions"
    changes: ClassVar[bool] = False

    @property
    def title(self) -> str:
        return "Check every precondition (done for this plan)"


@dataclass(frozen=True)
class SafetySnapshot(Step):
    instance: str
    snapshot: str
    key: ClassVar[str] = "safety-snapshot"

    @property
    def title(self) -> str:
        return f"Take safety snapshot '{self.snapshot}' of '{self.instance}'"


@dataclass(frozen=True)
class MaintenanceOn(Step):
    env: str
    key: ClassVar[str] = "maintenance-on"

    @property
    def title(self) -> str:
        return f"Run CodePipeline Maintenance_Enable_{self.env}"


@dataclass(frozen=True)
class MaintenanceOff(Step):
    env: str
    key: ClassVar[str] = "maintenance-off"

    @property
    def title(self) -> str:
        return f"Run CodePipeline Maintenance_Disable_{self.env}"


@dataclass(frozen=True)
class RenameOriginal(Step):
    from_: str
    to: str
    key: ClassVar[str] = "rename-original"

    @property
    def title(self) -> str:
        return (
            f"Rename '{self.from_}' to '{self.to}' (ApplyImmediately) and wait until the new "
            "name answers"
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

    @property
    def title(self) -> str:
        return f"Wait until '{self.identifier}' is available"


@dataclass(frozen=True)
class Verify(Step):
    identifier: str
    stack: str
    key: ClassVar[str] = "verify"
    changes: ClassVar[bool] = False

    @property
    def title(self) -> str:
        return (
            f"Compare '{self.identifier}' with the approved settings; a preview of stack "
            f"'{self.stack}' shows no changes"
        )


@dataclass(frozen=True)
class CutOver(Step):
    stack: str
    from_: str
    to: str
    key: ClassVar[str] = "cut-over"

    @property
    def title(self) -> str:
        return f"pulumi up on stack '{self.stack}': rename '{self.from_}' to '{self.to}' in place"


@dataclass(frozen=True)
class VerifyFinal(Verify):
    key: ClassVar[str] = "verify-final"


@dataclass(frozen=True)
class Resync(Step):
    job: str
    key: ClassVar[str] = "resync"

    @property
    def title(self) -> str:
        return f"Run `vendor/bin/console sync:data` in Jenkins (job '{self.job}')"


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
    resync: list[Step] = [Resync(request.resync_job)] if request.resync else []
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
