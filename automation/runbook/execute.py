"""Starting, running and resuming a restore: every step, each safe to repeat."""

from __future__ import annotations

import dataclasses

from automation.runbook.actions import StepActions
from automation.runbook.claim import check_unchanged, claim_and_tag
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


class Execution(StepActions):
    """Starts, runs and resumes restore runs."""

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
        """Take the database's lock, claim the original and record the run on it (the first
        change), then execute every step; the lock is released when this returns or raises."""
        db = plan.request.db_identifier
        store = self.plan_store
        if store is None:
            raise errors.PreconditionFailed(
                f"a restore run records its plan on the state backend, and this runbook has "
                f"none; nothing was changed (restore of '{db}')"
            )
        with self._locked(db, plan.original_arn, "restore run", plan.names.run_id):
            check_unchanged(self.rds, plan)
            store.record(plan)
            claim_and_tag(
                self.rds, plan, RunRecord.tags_for(plan, self.backend), self._holder_name()
            )
            record = self.active_run(db)
            assert record is not None and record.plan is not None
            return self._execute(record)

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
        self.check_backend(record, "resume")
        with self._locked(db_identifier, record.original.arn, "restore resume", record.run_id):
            record = self._resumable(db_identifier)  # as it is now that we hold the lock
            self.approved_plan(record)  # refused before any change when none is recorded
            record = self._with_options(record, resync, maintenance_env)
            self.engine.ensure_ready()
            env = record.request.maintenance_env
            if env:
                self._maintenance().check_pipelines_exist(env)
            if maintenance_env and record.completed(MaintenanceOn.key):
                self.callbacks.notify(f"-> maintenance mode on ({env}), asked for on resume")
                self._maintenance().set_maintenance(
                    maintenance_env,
                    True,
                    timeout=self.timeouts.maintenance,
                    on_poll=self.callbacks.on_poll,
                )
            return self._execute(record)

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
        self._tag(record, {TAG_OPTIONS: options_tag(changed)})
        return dataclasses.replace(record, request=changed)

    def _resumable(self, db_identifier: str) -> RunRecord:
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
        return record

    def _execute(self, record: RunRecord) -> RunSummary:
        plan = self.approved_plan(record)
        results: list[StepResult] = []
        down_since = record.down_since
        downtime: float | None = None
        parked = self._parked_changes(record, plan)
        for line in parked:
            self.callbacks.notify(f"note: {line}")
        back_up = CutOver if plan.request.strategy is Strategy.SWAP else WaitAvailable
        for step in plan.steps:
            if isinstance(step, CheckPreconditions):
                continue
            if record.completed(step.key):
                results.append(StepResult(step.key, step.title, "skipped", 0.0))
                continue
            self.callbacks.notify(f"-> {step.title}")
            started = self.clock()
            self._do(step, record, plan)
            ended = self.clock()
            if isinstance(step, RenameOriginal) and down_since is None:
                down_since = ended
                self._tag(record, {TAG_DOWN: iso(ended)})
            if isinstance(step, back_up) and down_since is not None:
                downtime = (ended - down_since).total_seconds()
                self._tag(record, {TAG_UP: iso(ended)})
            self.callbacks.after_step(step.key)
            self._tag(record, {TAG_STEP: step.key})
            seconds = (self.clock() - started).total_seconds()
            results.append(StepResult(step.key, step.title, "done", seconds))
            self.callbacks.notify(f"   done in {seconds:.0f} s")
        self._tag(record, {TAG_STEP: DONE})
        original = self._original(record)
        late = [line for line in self._parked_changes(record, plan) if line not in parked]
        for line in late:
            self.callbacks.notify(f"note: {line}")
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
