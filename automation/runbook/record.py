"""A run as recorded on its original: the ``sccos-backup:run*`` tags, and what a run reports."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from sccos_backup.aws.rds import Instance
from sccos_backup.restore.plan import Names, RestorePlan, RestoreRequest, Strategy, build_steps
from sccos_backup.restore.source import (
    PointInTimeSource,
    RestoreSource,
    SnapshotSource,
    SourceChoice,
    iso,
    parse_time,
)
from sccos_backup.restore.steps import Step

TAG_RUN = "sccos-backup:run"
TAG_ORIGINAL = "sccos-backup:run-original"
TAG_STEP = "sccos-backup:run-step"
TAG_STRATEGY = "sccos-backup:run-strategy"
TAG_SOURCE = "sccos-backup:run-source"
TAG_STACK = "sccos-backup:run-stack"
TAG_OPTIONS = "sccos-backup:run-options"
TAG_DOWN = "sccos-backup:run-down-since"
#: When the restored instance took over the database's name (writes after it are its own).
TAG_UP = "sccos-backup:run-up-since"
#: The Pulumi state backend the run keeps its stack (and its lock) in.
TAG_BACKEND = "sccos-backup:run-backend"
#: Written by a rollback that found maintenance mode turned on by the run ("on") or could not
#: tell ("maybe"), so that a rollback run again after an interruption still knows.
TAG_MAINTENANCE = "sccos-backup:run-maintenance"
#: The DbiResourceId of the original when the run started: the tags are copied into every
#: snapshot (CopyTagsToSnapshot), so only an instance with this id is the run's original.
TAG_ORIGINAL_ID = "sccos-backup:run-original-id"
#: The DbiResourceId of the instance the run created, once its ``pulumi up`` finished.
TAG_RESTORED_ID = "sccos-backup:run-restored-id"
RUN_TAGS = (
    TAG_RUN,
    TAG_ORIGINAL,
    TAG_STEP,
    TAG_STRATEGY,
    TAG_SOURCE,
    TAG_STACK,
    TAG_OPTIONS,
    TAG_DOWN,
    TAG_BACKEND,
    TAG_UP,
    TAG_MAINTENANCE,
    TAG_ORIGINAL_ID,
    TAG_RESTORED_ID,
)

STARTED = "started"
DONE = "done"
ROLLING_BACK = "rolling-back"


def _source_tag(choice: SourceChoice) -> str:
    if choice.snapshot:
        return f"snapshot:{choice.snapshot}"
    if choice.to_time:
        return f"time:{iso(choice.to_time)}"
    return "latest"


def _choice_from_tag(value: str) -> SourceChoice:
    if value.startswith("snapshot:"):
        return SourceChoice(snapshot=value.removeprefix("snapshot:"))
    if value.startswith("time:"):
        return SourceChoice(to_time=parse_time(value.removeprefix("time:")))
    return SourceChoice(latest=True)


@dataclass(frozen=True)
class RunRecord:
    """A run as recorded in the tags of its original."""

    run_id: str
    request: RestoreRequest
    step: str
    down_since: datetime | None
    original: Instance
    #: The backend recorded when the run started (None for runs recorded before it was).
    backend: str | None = None
    up_since: datetime | None = None
    #: The plan the run recorded on its backend when it started (None where it cannot be read:
    #: a command without the backend, or a run started before plans were recorded).
    plan: RestorePlan | None = None
    #: The DbiResourceId of the instance the run created, once recorded (after its ``up``).
    restored_id: str | None = None

    @property
    def approved(self) -> RestorePlan | None:
        """The recorded plan with the options resume may change (recorded in the tags)."""
        if self.plan is None:
            return None
        return self.plan.with_options(
            resync=self.request.resync, maintenance_env=self.request.maintenance_env
        )

    @property
    def db_identifier(self) -> str:
        return self.request.db_identifier

    @property
    def names(self) -> Names:
        if self.plan is not None:
            return self.plan.names
        return Names.from_run_id(self.request.db_identifier, self.run_id)

    @property
    def stack(self) -> str:
        return self.plan.stack if self.plan is not None else self.request.stack_name(self.run_id)

    @property
    def source(self) -> RestoreSource:
        if self.plan is not None:
            return self.plan.source
        choice = self.request.choice  # only to show a run whose plan cannot be read
        if choice.snapshot:
            return SnapshotSource(choice.snapshot)
        return PointInTimeSource(self.original.resource_id, choice.to_time)

    @property
    def steps(self) -> tuple[Step, ...]:
        approved = self.approved
        if approved is not None:
            return approved.steps
        return build_steps(self.request, self.names, self.source)

    def completed(self, key: str) -> bool:
        """Whether ``key`` was recorded as completed (steps are recorded in plan order)."""
        if self.step == DONE:
            return True
        keys = [s.key for s in self.steps]
        return self.step in keys and key in keys and keys.index(key) <= keys.index(self.step)

    @classmethod
    def from_instance(cls, instance: Instance) -> RunRecord | None:
        tags = dict(instance.tags)
        if TAG_RUN not in tags or TAG_ORIGINAL not in tags:
            return None
        recorded = tags.get(TAG_ORIGINAL_ID)
        if recorded is not None and recorded != instance.resource_id:
            return None  # a look-alike: restored from a snapshot that copied the run's tags
        options = dict(
            item.split("=", 1) for item in tags.get(TAG_OPTIONS, "").split() if "=" in item
        )
        request = RestoreRequest(
            db_identifier=tags[TAG_ORIGINAL],
            choice=_choice_from_tag(tags.get(TAG_SOURCE, "latest")),
            strategy=Strategy(tags.get(TAG_STRATEGY, Strategy.IN_PLACE.value)),
            stack=tags.get(TAG_STACK),
            maintenance_env=options.get("maintenance") or None,
            safety_snapshot=options.get("safety") == "yes",
            resync=options.get("resync", "yes") == "yes",
        )
        down = tags.get(TAG_DOWN)
        return cls(
            run_id=tags[TAG_RUN],
            request=request,
            step=tags.get(TAG_STEP, STARTED),
            down_since=parse_time(down) if down else None,
            original=instance,
            backend=tags.get(TAG_BACKEND) or None,
            up_since=parse_time(tags[TAG_UP]) if tags.get(TAG_UP) else None,
            restored_id=tags.get(TAG_RESTORED_ID) or None,
        )

    @staticmethod
    def tags_for(plan: RestorePlan, backend: str | None = None) -> dict[str, str]:
        request = plan.request
        options = options_tag(request)
        return {
            TAG_RUN: plan.names.run_id,
            TAG_ORIGINAL: request.db_identifier,
            TAG_STRATEGY: str(request.strategy),
            TAG_SOURCE: _source_tag(request.choice),
            TAG_STACK: plan.stack,
            TAG_OPTIONS: options,
            TAG_STEP: STARTED,
        } | (
            ({TAG_BACKEND: backend} if backend else {})
            | ({TAG_ORIGINAL_ID: plan.original_resource_id} if plan.original_resource_id else {})
        )


def options_tag(request: RestoreRequest) -> str:
    """The value of the options tag: maintenance environment, re-sync, safety snapshot."""
    return " ".join(
        f"{k}={v}"
        for k, v in (
            ("maintenance", request.maintenance_env or ""),
            ("resync", "yes" if request.resync else "no"),
            ("safety", "yes" if request.safety_snapshot else "no"),
        )
    )


@dataclass(frozen=True)
class StepResult:
    key: str
    title: str
    status: str  # "done", "skipped" (recorded earlier)
    seconds: float


@dataclass(frozen=True)
class RunSummary:
    run_id: str
    db_identifier: str
    strategy: str
    stack: str
    steps: tuple[StepResult, ...]
    downtime_seconds: float | None
    original_now: str
    restored: str
    #: What the operator must know: e.g. changes found on the parked original (never applied).
    warnings: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {
            "run": self.run_id,
            "database": self.db_identifier,
            "strategy": self.strategy,
            "stack": self.stack,
            "original_renamed_to": self.original_now,
            "restored": self.restored,
            "downtime_seconds": self.downtime_seconds,
            "steps": [{**asdict(s), "seconds": round(s.seconds, 1)} for s in self.steps],
            "warnings": list(self.warnings),
        }
