"""Starting, running and resuming a restore: every step, each safe to repeat."""

from __future__ import annotations

import dataclasses
from datetime import datetime

from automation.engine.converge import apply_spec
from automation.runbook.claim import claim_and_tag
from automation.runbook.core import RunbookCore
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
from sccos_backup.restore.settings import InstanceSettings
from sccos_backup.restore.source import (
    PointInTimeSource,
    RestoreSource,
    SnapshotSource,
    iso,
)
from sccos_backup.restore.spec import RestoreSpec
from sccos_backup.restore.verify import spec_differences, status_problems


class Execution(RunbookCore):
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
        with self._locked(db, plan.original_arn, "restore run", plan.names.run_id):
            claim_and_tag(
                self.rds, plan, RunRecord.tags_for(plan, self.backend), self._holder_name()
            )
            record = self.active_run(db)
            assert record is not None
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
            record = self._with_options(record, resync, maintenance_env)
            self.engine.ensure_ready()
            env = record.request.maintenance_env
            if env:
                self._maintenance().check_pipelines_exist(env)
            if maintenance_env and record.completed("maintenance-on"):
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
                self._tag(record, {TAG_DOWN: iso(ended)})
            back_up = "cut-over" if record.request.strategy is Strategy.SWAP else "wait"
            if step.key == back_up and down_since is not None:
                downtime = (ended - down_since).total_seconds()
                self._tag(record, {TAG_UP: iso(ended)})
            self.callbacks.after_step(step.key)
            self._tag(record, {TAG_STEP: step.key})
            seconds = (self.clock() - started).total_seconds()
            results.append(StepResult(step.key, step.title, "done", seconds))
            self.callbacks.notify(f"   done in {seconds:.0f} s")
        self._tag(record, {TAG_STEP: DONE})
        original = self._original(record)
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
                original = self._original(record)
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
            self._apply(record, restore_as)
        elif key == "wait":
            self._wait_restored(restore_as, db, self.timeouts.restore)
        elif key == "verify":
            self._verify(record, restore_as)
        elif key == "cut-over":
            self._apply(record, db)
            self.rds.wait_absent(names.temporary, **self._wait(self.timeouts.rename))
            self._wait_restored(db, db, self.timeouts.rename)
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

    def _apply(self, record: RunRecord, target: str) -> None:
        apply_spec(
            self.engine,
            self.rds,
            record.stack,
            self._spec(record, target),
            original_resource_id=record.original.resource_id,
            on_output=self.callbacks.on_output,
            notify=self.callbacks.notify,
        )

    def _rename_original(self, record: RunRecord) -> None:
        db = record.request.db_identifier
        aside = record.names.aside
        original = self._original(record)
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
        if self._is_original(restored, record):
            raise errors.VerificationFailed(
                f"'{identifier}' is the original, not the restored instance; "
                "run `sccos-backup restore status` and roll back"
            )
        found = spec_differences(spec, restored.raw)
        if found:
            raise errors.VerificationFailed(
                f"restored instance '{identifier}' differs from the original: "
                + "; ".join(found)
                + "; fix it or roll back with `sccos-backup restore rollback`"
            )
        unsettled = status_problems(restored.raw)
        if unsettled:
            raise errors.VerificationFailed(
                f"restored instance '{identifier}' is not settled: "
                + "; ".join(unsettled)
                + "; then `sccos-backup restore resume`, or roll back with `restore rollback`"
            )
        changes = self.engine.preview_changes(record.stack, spec, self.callbacks.on_output)
        if changes:
            raise errors.VerificationFailed(
                f"a second preview of stack '{record.stack}' still shows {changes} change(s); "
                "inspect it with `pulumi preview --diff` or roll back"
            )

    def _spec(self, record: RunRecord, target: str) -> RestoreSpec:
        original = self._original(record)
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
            run_id=record.run_id,
        )
