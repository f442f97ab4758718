"""The restore runbook: rename, ``pulumi up``, verify, re-sync; resume and roll back.

Progress is never kept in this process: it is read from what can be observed. The original
carries ``sccos-backup:run*`` tags (which run, which original name, which strategy and source,
which stack, the last completed step); the instances are told apart by their DbiResourceId;
the stack state holds the restored instance. Every step is safe to repeat, so a run that
crashed anywhere continues with ``restore resume`` (or the same ``restore run``), even on
another machine that shares the state backend. Nothing here deletes an instance except
:meth:`Runbook.cleanup` and, with an explicit flag, :meth:`Runbook.rollback` (both with a final
snapshot).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from automation.engine.base import Engine
from sccos_backup import errors
from sccos_backup.aws.rds import Instance, RdsAdapter
from sccos_backup.identifiers import truncate_identifier
from sccos_backup.restore.plan import (
    Names,
    RestorePlan,
    RestoreRequest,
    Step,
    Strategy,
    restore_steps,
)
from sccos_backup.restore.settings import InstanceSettings
from sccos_backup.restore.source import (
    PointInTimeSource,
    RestoreSource,
    SnapshotSource,
    SourceChoice,
    iso,
    parse_time,
)
from sccos_backup.restore.spec import RestoreSpec
from sccos_backup.restore.verify import differences
from sccos_backup.waiting import Poll

TAG_RUN = "sccos-backup:run"
TAG_ORIGINAL = "sccos-backup:run-original"
TAG_STEP = "sccos-backup:run-step"
TAG_STRATEGY = "sccos-backup:run-strategy"
TAG_SOURCE = "sccos-backup:run-source"
TAG_STACK = "sccos-backup:run-stack"
TAG_OPTIONS = "sccos-backup:run-options"
TAG_DOWN = "sccos-backup:run-down-since"
RUN_TAGS = (
    TAG_RUN,
    TAG_ORIGINAL,
    TAG_STEP,
    TAG_STRATEGY,
    TAG_SOURCE,
    TAG_STACK,
    TAG_OPTIONS,
    TAG_DOWN,
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

    @property
    def names(self) -> Names:
        return Names.from_run_id(self.request.db_identifier, self.run_id)

    @property
    def stack(self) -> str:
        return self.request.stack_name(self.run_id)

    @property
    def steps(self) -> tuple[Step, ...]:
        return restore_steps(self.request, self.names, _choice_text(self.request.choice))

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
        )

    @staticmethod
    def tags_for(plan: RestorePlan) -> dict[str, str]:
        request = plan.request
        options = " ".join(
            f"{k}={v}"
            for k, v in (
                ("maintenance", request.maintenance_env or ""),
                ("resync", "yes" if request.resync else "no"),
                ("safety", "yes" if request.safety_snapshot else "no"),
            )
        )
        return {
            TAG_RUN: plan.names.run_id,
            TAG_ORIGINAL: request.db_identifier,
            TAG_STRATEGY: str(request.strategy),
            TAG_SOURCE: _source_tag(request.choice),
            TAG_STACK: plan.stack,
            TAG_OPTIONS: options,
            TAG_STEP: STARTED,
        }


def _choice_text(choice: SourceChoice) -> str:
    if choice.snapshot:
        return f"snapshot {choice.snapshot}"
    if choice.to_time:
        return f"point in time {iso(choice.to_time)}"
    return "the latest restorable time"


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

    def to_json(self) -> dict[str, Any]:
        return {
            "run": self.run_id,
            "database": self.db_identifier,
            "strategy": self.strategy,
            "stack": self.stack,
            "originalRenamedTo": self.original_now,
            "restored": self.restored,
            "downtimeSeconds": self.downtime_seconds,
            "steps": [
                {"key": s.key, "title": s.title, "status": s.status, "seconds": round(s.seconds, 1)}
                for s in self.steps
            ],
        }


@dataclass
class Callbacks:
    """How the runbook reports; the CLI renders, tests record."""

    notify: Callable[[str], None] = lambda line: None
    on_output: Callable[[str], None] = lambda text: None
    on_poll: Callable[[Poll], None] | None = None
    #: Called after each step's action and before it is recorded (tests inject crashes here).
    after_step: Callable[[str], None] = lambda key: None


@dataclass(frozen=True)
class Timeouts:
    rename: float = 30 * 60
    restore: float = 6 * 3600
    snapshot: float = 6 * 3600
    maintenance: float = 30 * 60


class Maintenance(Protocol):
    """What the runbook needs of the maintenance-mode adapter."""

    def check_pipelines_exist(self, env: str) -> None: ...  # pragma: no cover - protocol

    def set_maintenance(
        self, env: str, on: bool, *, timeout: float, on_poll: Callable[[Poll], None] | None = None
    ) -> None: ...  # pragma: no cover - protocol


@dataclass
class Runbook:
    """Executes restore plans; every change goes through ``rds``, ``engine``, ``maintenance``
    or ``resync``."""

    rds: RdsAdapter
    engine: Engine
    clock: Callable[[], datetime]
    maintenance: Maintenance | None = None
    resync: Callable[[Callable[[str], None]], object] | None = None
    callbacks: Callbacks = field(default_factory=Callbacks)
    timeouts: Timeouts = field(default_factory=Timeouts)
    first_interval: float = 15.0

    # -- finding runs ------------------------------------------------------------------------

    def runs(self, db_identifier: str) -> list[RunRecord]:
        """Every run of ``db_identifier`` recorded on an instance, newest first."""
        found = [
            record
            for instance in self.rds.list_instances()
            if (record := RunRecord.from_instance(instance)) is not None
            and record.request.db_identifier == db_identifier
        ]
        return sorted(found, key=lambda r: r.run_id, reverse=True)

    def active_run(self, db_identifier: str) -> RunRecord | None:
        active = [r for r in self.runs(db_identifier) if r.step != DONE]
        if len(active) > 1:
            ids = ", ".join(r.run_id for r in active)
            raise errors.RunInProgress(
                f"several restore runs of '{db_identifier}' are open ({ids}); roll back all "
                "but one with `restore rollback`"
            )
        return active[0] if active else None

    # -- preconditions of a new run -------------------------------------------------------------

    def check_can_start(self, plan: RestorePlan) -> None:
        """Everything but the AWS preconditions (already in the plan): no other run, a fresh
        stack, a ready engine, existing maintenance pipelines. Changes nothing."""
        active = self.active_run(plan.request.db_identifier)
        if active is not None:
            raise errors.RunInProgress(
                f"restore run {active.run_id} of '{plan.request.db_identifier}' is in progress "
                f"(step {active.step}); continue it with `sccos-backup restore resume "
                f"{plan.request.db_identifier}` or undo it with `restore rollback`"
            )
        self.engine.ensure_ready()
        if self.engine.outputs(plan.stack):
            raise errors.IdentifierTaken(
                f"stack '{plan.stack}' already records a restored instance; choose another --stack"
            )
        if plan.request.maintenance_env:
            self._maintenance().check_pipelines_exist(plan.request.maintenance_env)

    # -- run ----------------------------------------------------------------------------------

    def start(self, plan: RestorePlan) -> RunSummary:
        """Record the run on the original (the first change), then execute every step."""
        original = self.rds.describe_instance(plan.request.db_identifier)
        self.rds.add_tags(original.arn, RunRecord.tags_for(plan))
        record = self.active_run(plan.request.db_identifier)
        assert record is not None
        return self._execute(record)

    def resume(self, db_identifier: str) -> RunSummary:
        record = self.active_run(db_identifier)
        if record is None:
            raise errors.NotFound(
                f"no restore run of '{db_identifier}' is in progress; start one with "
                "`sccos-backup restore run`"
            )
        if record.step == ROLLING_BACK:
            raise errors.RunInProgress(
                f"restore run {record.run_id} of '{db_identifier}' is being rolled back; "
                "run `sccos-backup restore rollback` again to finish it"
            )
        self.engine.ensure_ready()
        if record.request.maintenance_env:
            self._maintenance().check_pipelines_exist(record.request.maintenance_env)
        return self._execute(record)

    def _execute(self, record: RunRecord) -> RunSummary:
        resource_id = record.original.resource_id
        results: list[StepResult] = []
        down_since = record.down_since
        downtime: float | None = None
        for step in record.steps:
            if step.key == "preconditions":
                continue
            if record.completed(step.key):
                results.append(StepResult(step.key, step.title, "skipped", 0.0))
                continue
            self.callbacks.notify(f"-> {step.title}")
            started = self.clock()
            ended = self._do(step.key, record)
            if step.key == "rename-original" and down_since is None:
                down_since = ended
                self._tag(resource_id, {TAG_DOWN: iso(ended)})
            back_up = "cut-over" if record.request.strategy is Strategy.SWAP else "wait"
            if step.key == back_up and down_since is not None:
                downtime = (ended - down_since).total_seconds()
            self.callbacks.after_step(step.key)
            self._tag(resource_id, {TAG_STEP: step.key})
            seconds = (self.clock() - started).total_seconds()
            results.append(StepResult(step.key, step.title, "done", seconds))
            self.callbacks.notify(f"   done in {seconds:.0f} s")
        self._tag(resource_id, {TAG_STEP: DONE})
        original = self._original(resource_id)
        return RunSummary(
            run_id=record.run_id,
            db_identifier=record.request.db_identifier,
            strategy=str(record.request.strategy),
            stack=record.stack,
            steps=tuple(results),
            downtime_seconds=downtime,
            original_now=original.identifier,
            restored=record.request.db_identifier,
        )

    def _do(self, key: str, record: RunRecord) -> datetime:
        """Carry out one step; safe to repeat. Returns when it ended."""
        request = record.request
        names = record.names
        db = request.db_identifier
        swap = request.strategy is Strategy.SWAP
        restore_as = names.temporary if swap else db
        if key == "safety-snapshot":
            if self.rds.find_snapshot(names.safety_snapshot) is None:
                original = self._original(record.original.resource_id)
                self.rds.create_snapshot(
                    original.identifier,
                    names.safety_snapshot,
                    {"sccos-backup:kind": "safety", "sccos-backup:created-by": "sccos-backup"},
                )
            self.rds.wait_snapshot(names.safety_snapshot, **self._wait(self.timeouts.snapshot))
        elif key in {"maintenance-on", "maintenance-off"}:
            assert request.maintenance_env
            self._maintenance().set_maintenance(
                request.maintenance_env,
                key == "maintenance-on",
                timeout=self.timeouts.maintenance,
                on_poll=self.callbacks.on_poll,
            )
        elif key == "rename-original":
            self._rename_original(record)
        elif key == "up":
            self.engine.up(record.stack, self._spec(record, restore_as), self.callbacks.on_output)
        elif key == "wait":
            self.rds.wait_instance(restore_as, **self._wait(self.timeouts.restore))
        elif key == "verify":
            self._verify(record, restore_as)
        elif key == "cut-over":
            self.engine.up(record.stack, self._spec(record, db), self.callbacks.on_output)
            self.rds.wait_absent(names.temporary, **self._wait(self.timeouts.rename))
            self.rds.wait_instance(db, **self._wait(self.timeouts.rename))
        elif key == "verify-final":
            self._verify(record, db)
        elif key == "resync":
            if self.resync is None:
                raise errors.InvalidInput(
                    "the re-sync step needs Jenkins settings (JENKINS_URL, JENKINS_USER, "
                    "JENKINS_API_TOKEN); set them or pass --no-resync"
                )
            self.resync(self.callbacks.on_output)
        else:  # pragma: no cover - the plan only holds the keys above
            raise AssertionError(key)
        return self.clock()

    def _rename_original(self, record: RunRecord) -> None:
        db = record.request.db_identifier
        aside = record.names.aside
        original = self._original(record.original.resource_id)
        if original.identifier == db:
            if self.rds.find_instance(aside) is not None:
                raise errors.IdentifierTaken(
                    f"cannot rename '{db}' to '{aside}': that name is in use; nothing was renamed"
                )
            self.rds.rename_instance(db, aside)
        self.rds.wait_absent(
            db, resource_id=original.resource_id, **self._wait(self.timeouts.rename)
        )
        self.rds.wait_instance(aside, **self._wait(self.timeouts.rename))

    def _verify(self, record: RunRecord, identifier: str) -> None:
        spec = self._spec(record, identifier)
        restored = self.rds.describe_instance(identifier)
        if restored.resource_id == record.original.resource_id:
            raise errors.VerificationFailed(
                f"'{identifier}' is the original, not the restored instance; "
                "run `sccos-backup restore status` and roll back"
            )
        found = differences(spec.settings, restored.raw)
        if found:
            raise errors.VerificationFailed(
                f"restored instance '{identifier}' differs from the original: "
                + "; ".join(found)
                + "; fix it or roll back with `sccos-backup restore rollback`"
            )
        changes = self.engine.preview_changes(record.stack, spec, self.callbacks.on_output)
        if changes:
            raise errors.VerificationFailed(
                f"a second preview of stack '{record.stack}' still shows {changes} change(s); "
                "inspect it with `pulumi preview --diff` or roll back"
            )

    def _spec(self, record: RunRecord, target: str) -> RestoreSpec:
        original = self._original(record.original.resource_id)
        choice = record.request.choice
        source: RestoreSource
        if choice.snapshot:
            source = SnapshotSource(choice.snapshot)
        else:
            source = PointInTimeSource(original.resource_id, choice.to_time)
        return RestoreSpec(
            target_identifier=target,
            original_identifier=record.request.db_identifier,
            source=source,
            settings=InstanceSettings.capture(original.raw),
            final_snapshot_identifier=record.names.final_snapshot,
        )

    # -- rollback and cleanup -------------------------------------------------------------------

    def rollback(self, db_identifier: str, *, delete_restored: bool = False) -> list[str]:
        """Put the original back under its name; rename the restored instance aside.

        Works at any point of a run, also after it is done, and is safe to repeat.
        Returns what was done, one line each.
        """
        runs = self.runs(db_identifier)
        if not runs:
            raise errors.NotFound(
                f"no restore run of '{db_identifier}' is recorded; nothing to roll back"
            )
        record = runs[0]
        names = record.names
        resource_id = record.original.resource_id
        done: list[str] = []
        self._tag(resource_id, {TAG_STEP: ROLLING_BACK})
        for identifier in (db_identifier, names.temporary):
            holder = self.rds.find_instance(identifier)
            if holder is None or holder.resource_id == resource_id:
                continue
            if self.rds.find_instance(names.rolled_back) is not None:
                raise errors.IdentifierTaken(
                    f"cannot rename the restored '{identifier}' to '{names.rolled_back}': that "
                    "name is in use; rename or remove it and run rollback again"
                )
            self.callbacks.notify(f"-> rename the restored '{identifier}' to '{names.rolled_back}'")
            self.rds.rename_instance(identifier, names.rolled_back)
            self.rds.wait_absent(identifier, **self._wait(self.timeouts.rename))
            self.rds.wait_instance(names.rolled_back, **self._wait(self.timeouts.rename))
            done.append(f"restored instance renamed to '{names.rolled_back}'")
        original = self._original(resource_id)
        if original.identifier != db_identifier:
            self.callbacks.notify(f"-> rename '{original.identifier}' back to '{db_identifier}'")
            self.rds.rename_instance(original.identifier, db_identifier)
            self.rds.wait_instance(db_identifier, **self._wait(self.timeouts.rename))
            done.append(f"original '{original.identifier}' renamed back to '{db_identifier}'")
        if delete_restored and self.rds.find_instance(names.rolled_back) is not None:
            final = truncate_identifier(names.rolled_back, "final", 255)
            self.callbacks.notify(f"-> delete '{names.rolled_back}' (final snapshot '{final}')")
            self._delete_with_final_snapshot(names.rolled_back, final)
            done.append(f"restored instance deleted; final snapshot '{final}'")
        try:
            if self.engine.outputs(record.stack) is not None:
                self.engine.ensure_ready()
                self.engine.refresh(record.stack, self.callbacks.on_output)
                done.append(f"stack '{record.stack}' refreshed")
        except errors.EngineError as error:  # the databases are back; the state can follow later
            done.append(
                f"stack '{record.stack}' not refreshed ({error}); run `pulumi refresh --stack "
                f"{record.stack}` before using it again"
            )
        if record.request.maintenance_env:
            self._maintenance().set_maintenance(
                record.request.maintenance_env,
                False,
                timeout=self.timeouts.maintenance,
                on_poll=self.callbacks.on_poll,
            )
            done.append("maintenance mode off")
        original = self._original(resource_id)
        self.rds.remove_tags(original.arn, RUN_TAGS)
        done.append(f"'{db_identifier}' is the original again")
        return done

    def cleanup_target(self, db_identifier: str) -> RunRecord:
        """The finished run whose renamed original ``cleanup`` would delete."""
        for record in self.runs(db_identifier):
            if record.step == DONE and record.original.identifier != db_identifier:
                return record
        raise errors.NotFound(
            f"no finished restore of '{db_identifier}' has a renamed original to clean up"
        )

    def cleanup(self, record: RunRecord) -> str:
        """Delete the renamed original with a final snapshot, keeping its automated backups."""
        identifier = record.original.identifier
        final = truncate_identifier(identifier, "final", 255)
        self._delete_with_final_snapshot(identifier, final)
        return final

    def _delete_with_final_snapshot(self, identifier: str, final_snapshot: str) -> None:
        instance = self.rds.describe_instance(identifier)
        if instance.raw.get("DeletionProtection"):
            self.rds.modify_instance(identifier, DeletionProtection=False, ApplyImmediately=True)
        self.rds.delete_instance(identifier, final_snapshot=final_snapshot)

    # -- helpers ------------------------------------------------------------------------------

    def _maintenance(self) -> Maintenance:
        if self.maintenance is None:  # pragma: no cover - the CLI always provides one
            raise errors.InvalidInput("maintenance mode was requested but is not configured")
        return self.maintenance

    def _original(self, resource_id: str) -> Instance:
        found = self.rds.find_instance_by_resource_id(resource_id)
        if found is None:
            raise errors.NotFound(
                f"the original instance ({resource_id}) no longer exists; "
                "check the RDS console before doing anything else"
            )
        return found

    def _tag(self, resource_id: str, tags: dict[str, str]) -> None:
        self.rds.add_tags(self._original(resource_id).arn, tags)

    def _wait(self, timeout: float) -> dict[str, Any]:
        return {
            "timeout": timeout,
            "on_poll": self.callbacks.on_poll,
            "first_interval": self.first_interval,
        }


def run_status(rds: RdsAdapter, db_identifier: str) -> dict[str, Any]:
    """The latest run of ``db_identifier`` as data: its steps, where it stands, the instances."""
    runbook_runs = Runbook(rds=rds, engine=NO_ENGINE, clock=rds.clock).runs(db_identifier)
    if not runbook_runs:
        return {"database": db_identifier, "run": None}
    record = runbook_runs[0]
    names = record.names
    steps = []
    current_found = False
    for step in record.steps:
        if step.key == "preconditions" or record.completed(step.key):
            state = "done"
        elif not current_found and record.step not in {ROLLING_BACK}:
            state = "next"
            current_found = True
        else:
            state = "pending"
        steps.append({"key": step.key, "title": step.title, "state": state})
    seen = {}
    for name in (db_identifier, names.aside, names.temporary, names.rolled_back):
        found = rds.find_instance(name)
        if found is not None:
            role = "original" if found.resource_id == record.original.resource_id else "restored"
            seen[name] = {"status": found.status, "role": role, "resourceId": found.resource_id}
    return {
        "database": db_identifier,
        "run": record.run_id,
        "strategy": str(record.request.strategy),
        "source": _choice_text(record.request.choice),
        "stack": record.stack,
        "step": record.step,
        "finished": record.step == DONE,
        "downSince": iso(record.down_since) if record.down_since else None,
        "steps": steps,
        "instances": seen,
    }


class _StatusEngine:
    """For status and cleanup, which read tags and instances and never reach the engine."""

    def ensure_ready(self) -> None:  # pragma: no cover - never called
        raise errors.EngineError("this command does not use Pulumi")

    def up(
        self, stack: str, spec: RestoreSpec, on_output: Any
    ) -> dict[str, Any]:  # pragma: no cover
        raise errors.EngineError("this command does not use Pulumi")

    def preview_changes(
        self, stack: str, spec: RestoreSpec, on_output: Any
    ) -> int:  # pragma: no cover
        raise errors.EngineError("this command does not use Pulumi")

    def refresh(self, stack: str, on_output: Any) -> None:  # pragma: no cover
        raise errors.EngineError("this command does not use Pulumi")

    def outputs(self, stack: str) -> dict[str, Any] | None:  # pragma: no cover
        return None


NO_ENGINE = _StatusEngine()
