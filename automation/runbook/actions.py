"""Carrying out each typed step of a run; every action is safe to repeat."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from automation.engine.converge import apply_spec
from automation.runbook.context import RunContext
from automation.runbook.finder import RunFinder
from automation.runbook.record import TAG_RESTORED_ID, RunRecord
from sccos_backup import errors
from sccos_backup.aws.rds import rename_known
from sccos_backup.restore.plan import RestorePlan
from sccos_backup.restore.planfile import diff_lines, settings_diff
from sccos_backup.restore.prepare import refuse_drift
from sccos_backup.restore.settings import InstanceSettings
from sccos_backup.restore.spec import OUTPUT_RESOURCE_ID
from sccos_backup.restore.steps import (
    CutOver,
    MaintenanceOff,
    MaintenanceOn,
    RenameOriginal,
    Resync,
    SafetySnapshot,
    Step,
    Up,
    Verify,
    WaitAvailable,
)
from sccos_backup.restore.verify import spec_differences, status_problems


@dataclass
class StepActions:
    """What each step type does: dispatch on the step's type, with the step's parameters and
    the run's recorded plan (never a capture of the original)."""

    context: RunContext
    finder: RunFinder

    def parked_changes(self, record: RunRecord, plan: RestorePlan) -> list[str]:
        """Changes made to the original after it was renamed aside: reported, never applied."""
        original = self.finder.original(record)
        if original.identifier == plan.request.db_identifier:
            return []
        diff = settings_diff(plan.spec.settings, InstanceSettings.capture(original.raw))
        if not diff:
            return []
        return [
            f"the parked original '{original.identifier}' was changed after the plan was "
            f"approved ({'; '.join(diff_lines(diff))}); these changes are never applied: the "
            "restored instance is declared with the approved settings"
        ]

    def do(self, step: Step, record: RunRecord, plan: RestorePlan) -> None:
        """Carry out one step; safe to repeat."""
        match step:
            case SafetySnapshot():
                self._safety_snapshot(step, record)
            case MaintenanceOn() | MaintenanceOff():
                self.context.set_maintenance(step.env, on=isinstance(step, MaintenanceOn))
            case RenameOriginal():
                self._rename_original(step, record, plan)
            case Up():
                self._apply(record, plan, step.target)
            case WaitAvailable():
                db = plan.request.db_identifier
                self._wait_restored(step.identifier, db, self.context.timeouts.restore)
            case Verify():
                self._verify(record, plan, step.identifier)
            case CutOver():
                self._apply(record, plan, step.to)
                self.context.rds.wait_absent(
                    step.from_, **self.context.wait(self.context.timeouts.rename)
                )
                self._wait_restored(
                    step.to, plan.request.db_identifier, self.context.timeouts.rename
                )
            case Resync():
                if self.context.resync is None:
                    raise errors.InvalidInput(
                        "the re-sync step needs Jenkins settings (JENKINS_URL, JENKINS_USER, "
                        "JENKINS_API_TOKEN); set them or pass --no-resync"
                    )
                self.context.resync(self.context.callbacks.on_output)
            case _:  # pragma: no cover - build_steps makes only the steps above
                raise AssertionError(step)

    def _safety_snapshot(self, step: SafetySnapshot, record: RunRecord) -> None:
        if self.context.rds.find_snapshot(step.snapshot) is None:
            original = self.finder.original(record)
            self.context.rds.create_snapshot(
                original.identifier,
                step.snapshot,
                {"sccos-backup:kind": "safety", "sccos-backup:created-by": "sccos-backup"},
            )
        self.context.rds.wait_snapshot(
            step.snapshot, **self.context.wait(self.context.timeouts.snapshot)
        )

    def _apply(self, record: RunRecord, plan: RestorePlan, target: str) -> None:
        try:
            apply_spec(
                self.context.engine,
                self.context.rds,
                plan.stack,
                plan.spec_for(target),
                original_resource_id=record.original.resource_id,
                on_output=self.context.callbacks.on_output,
                notify=self.context.callbacks.notify,
            )
        except errors.EngineError:
            self._record_held(record, plan.stack)
            raise
        self._record_restored(record, plan.stack)

    def _record_held(self, record: RunRecord, stack: str) -> None:
        """After a failed ``up``: record the instance the stack holds with init errors (the
        provider keeps it once the restore call returned; a restore that ended ``failed`` is
        one), so a rollback knows the run's instance by identity."""
        try:
            held = self.context.engine.held(stack).instance_id
        except errors.EngineError:  # the up's own error is the one to report
            return
        if held and held != record.restored_id:
            self.finder.tag(record, {TAG_RESTORED_ID: held})

    def _rename_original(self, step: RenameOriginal, record: RunRecord, plan: RestorePlan) -> None:
        db = step.from_
        aside = step.to
        original = self.finder.original(record)
        if original.identifier == db:
            refuse_drift(plan, original)
            if self.context.rds.find_instance(aside) is not None:
                raise errors.IdentifierTaken(
                    f"cannot rename '{db}' to '{aside}': that name is in use; nothing was renamed"
                )
            rename_known(self.context.rds, original, aside)
        self.context.rds.wait_absent(
            db, resource_id=original.resource_id, **self.context.wait(self.context.timeouts.rename)
        )
        self.context.rds.wait_instance(aside, **self.context.wait(self.context.timeouts.rename))

    def _verify(self, record: RunRecord, plan: RestorePlan, identifier: str) -> None:
        spec = plan.spec_for(identifier)
        restored = self.context.rds.describe_instance(identifier)
        if self.finder.is_original(restored, record):
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
        changes = self.context.engine.preview_changes(
            plan.stack, spec, self.context.callbacks.on_output
        )
        if changes:
            raise errors.VerificationFailed(
                f"a second preview of stack '{plan.stack}' still shows {changes} change(s); "
                "inspect it with `pulumi preview --diff` or roll back"
            )

    def _record_restored(self, record: RunRecord, stack: str) -> RunRecord:
        """Record the DbiResourceId of the instance the run's stack holds (once its ``up``
        finished), so rollback and cleanup know it by identity, not by a copyable tag."""
        outputs = self.context.engine.outputs(stack) or {}
        resource_id = str(outputs.get(OUTPUT_RESOURCE_ID) or "")
        if not resource_id or resource_id == record.restored_id:
            return record
        self.finder.tag(record, {TAG_RESTORED_ID: resource_id})
        return dataclasses.replace(record, restored_id=resource_id)

    def _wait_restored(self, identifier: str, db_identifier: str, timeout: float) -> None:
        """Wait for the restored instance; a state it never leaves says the way on."""
        self.context.rds.wait_instance(
            identifier,
            failed_hint="the original is kept: fix the cause the event names and run "
            f"`sccos-backup restore resume {db_identifier}`, or roll back with "
            f"`sccos-backup restore rollback {db_identifier}`",
            **self.context.wait(timeout),
        )
