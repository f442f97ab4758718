"""Starting, running and resuming a restore: every step, each safe to repeat."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from automation.engine.runs import check_fresh_start
from automation.runbook.actions import StepActions
from automation.runbook.claim import check_unchanged, claim_and_tag
from automation.runbook.context import RunContext
from automation.runbook.finder import RunFinder
from automation.runbook.record import (
    DONE,
    ROLLING_BACK,
    TAG_DOWN,
    TAG_OPTIONS,
    TAG_STEP,
    TAG_UP,
    RunRecord,
    RunSummary,
    StepResult,
    options_tag,
)
from sccos_backup import errors
from sccos_backup.restore.plan import RestorePlan, Strategy
from sccos_backup.restore.source import iso
from sccos_backup.restore.steps import (
    CheckPreconditions,
    CutOver,
    MaintenanceOn,
    RenameOriginal,
    WaitAvailable,
)


@dataclass
class Executor:
    """Carries out the steps of a run's recorded plan that are not recorded as done."""

    context: RunContext
    finder: RunFinder
    actions: StepActions

    def execute(self, record: RunRecord) -> RunSummary:
        plan = self.finder.approved_plan(record)
        results: list[StepResult] = []
        down_since = record.down_since
        downtime: float | None = None
        parked = self.actions.parked_changes(record, plan)
        for line in parked:
            self.context.callbacks.notify(f"note: {line}")
        back_up = CutOver if plan.request.strategy is Strategy.SWAP else WaitAvailable
        for step in plan.steps:
            if isinstance(step, CheckPreconditions):
                continue
            if record.completed(step.key):
                results.append(StepResult(step.key, step.title, "skipped", 0.0))
                continue
            self.context.callbacks.notify(f"-> {step.title}")
            started = self.context.clock()
            self.actions.do(step, record, plan)
            ended = self.context.clock()
            if isinstance(step, RenameOriginal) and down_since is None:
                down_since = ended
                self.finder.tag(record, {TAG_DOWN: iso(ended)})
            if isinstance(step, back_up) and down_since is not None:
                downtime = (ended - down_since).total_seconds()
                self.finder.tag(record, {TAG_UP: iso(ended)})
            self.context.callbacks.after_step(step.key)
            self.finder.tag(record, {TAG_STEP: step.key})
            seconds = (self.context.clock() - started).total_seconds()
            results.append(StepResult(step.key, step.title, "done", seconds))
            self.context.callbacks.notify(f"   done in {seconds:.0f} s")
        self.finder.tag(record, {TAG_STEP: DONE})
        original = self.finder.original(record)
        late = [line for line in self.actions.parked_changes(record, plan) if line not in parked]
        for line in late:
            self.context.callbacks.notify(f"note: {line}")
        return RunSummary(
            run_id=record.run_id,
            db_identifier=record.request.db_identifier,
            strategy=str(record.request.strategy),
            stack=record.stack,
            steps=tuple(results),
            downtime_seconds=downtime,
            original_now=original.identifier,
            restored=record.request.db_identifier,
            warnings=(*plan.warnings, *parked, *late),
        )


@dataclass
class Starter:
    """Starts a new run: checks it can, takes the lock, claims the original, records the run."""

    context: RunContext
    finder: RunFinder
    executor: Executor

    def check_can_start(self, plan: RestorePlan) -> None:
        """Everything but the AWS preconditions (already in the plan): no other run, a fresh
        stack, a ready engine, existing maintenance pipelines. Changes nothing."""
        db = plan.request.db_identifier

        def busy(active: RunRecord) -> errors.SccosBackupError:
            return errors.RunInProgress(
                f"restore run {active.run_id} of '{db}' is in progress (step {active.step}); "
                f"continue it with `sccos-backup restore resume {db}` or undo it with "
                "`restore rollback`"
            )

        check_fresh_start(
            self.context.engine,
            plan.stack,
            self.finder.active_run(db),
            busy=busy,
            taken=f"stack '{plan.stack}' already records a restored instance; choose another "
            "--stack",
        )
        if plan.request.maintenance_env:
            self.context.require_maintenance().check_pipelines_exist(plan.request.maintenance_env)

    def start(self, plan: RestorePlan) -> RunSummary:
        """Take the database's lock, claim the original and record the run on it (the first
        change), then execute every step; the lock is released when this returns or raises."""
        db = plan.request.db_identifier
        store = self.context.plan_store
        if store is None:
            raise errors.PreconditionFailed(
                f"a restore run records its plan on the state backend, and this runbook has "
                f"none; nothing was changed (restore of '{db}')"
            )
        with self.context.locked(db, plan.original_arn, "restore run", plan.names.run_id):
            check_unchanged(self.context.rds, plan)
            store.record(plan)
            claim_and_tag(
                self.context.rds,
                plan,
                RunRecord.tags_for(plan, self.context.backend),
                self.context.holder_name(),
            )
            record = self.finder.active_run(db)
            assert record is not None and record.plan is not None
            return self.executor.execute(record)


@dataclass
class Resumer:
    """Continues the open run with the plan it recorded."""

    context: RunContext
    finder: RunFinder
    executor: Executor

    def resume(
        self,
        db_identifier: str,
        *,
        resync: bool | None = None,
        maintenance_env: str | None = None,
    ) -> RunSummary:
        """Continue the open run. ``resync=False`` (``--no-resync``) drops its re-sync step;
        ``maintenance_env`` adds maintenance mode to a run started without it (turned on at once
        when the run is past that step). Both are recorded on the run."""
        record = self._resumable(db_identifier)
        self.context.check_backend(record, "resume")
        with self.context.locked(
            db_identifier, record.original.arn, "restore resume", record.run_id
        ):
            record = self._resumable(db_identifier)  # as it is now that we hold the lock
            self.finder.approved_plan(record)  # refused before any change when none is recorded
            record = self._with_options(record, resync, maintenance_env)
            self.context.engine.ensure_ready()
            env = record.request.maintenance_env
            if env:
                self.context.require_maintenance().check_pipelines_exist(env)
            if maintenance_env and record.completed(MaintenanceOn.key):
                self.context.callbacks.notify(
                    f"-> maintenance mode on ({env}), asked for on resume"
                )
                self.context.set_maintenance(maintenance_env, on=True)
            return self.executor.execute(record)

    def _with_options(
        self, record: RunRecord, resync: bool | None, maintenance_env: str | None
    ) -> RunRecord:
        request = record.request
        recorded = request.maintenance_env
        if maintenance_env and recorded and maintenance_env != recorded:
            raise errors.InvalidInput(
                f"restore run {record.run_id} of '{request.db_identifier}' uses maintenance "
                f"environment '{recorded}'; resume it without --maintenance or with "
                f"--maintenance {recorded}"
            )
        changed = dataclasses.replace(
            request,
            resync=request.resync if resync is None else resync,
            maintenance_env=recorded or maintenance_env,
        )
        if changed == request:
            return record
        self.finder.tag(record, {TAG_OPTIONS: options_tag(changed)})
        return dataclasses.replace(record, request=changed)

    def _resumable(self, db_identifier: str) -> RunRecord:
        record = self.finder.active_run(db_identifier)
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
        return record
