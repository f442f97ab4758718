"""Carrying out each typed step of a run; every action is safe to repeat."""

from __future__ import annotations

from automation.engine.converge import apply_spec
from automation.runbook.core import RunbookCore
from automation.runbook.record import RunRecord
from sccos_backup import errors
from sccos_backup.restore.plan import RestorePlan
from sccos_backup.restore.planfile import diff_lines, settings_diff
from sccos_backup.restore.prepare import refuse_drift
from sccos_backup.restore.settings import InstanceSettings
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


class StepActions(RunbookCore):
    """What each step type does: dispatch on the step's type, with the step's parameters and
    the run's recorded plan (never a capture of the original)."""

    def _parked_changes(self, record: RunRecord, plan: RestorePlan) -> list[str]:
        """Changes made to the original after it was renamed aside: reported, never applied."""
        original = self._original(record)
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

    def _do(self, step: Step, record: RunRecord, plan: RestorePlan) -> None:
        """Carry out one step; safe to repeat."""
        match step:
            case SafetySnapshot():
                self._safety_snapshot(step, record)
            case MaintenanceOn() | MaintenanceOff():
                self._maintenance().set_maintenance(
                    step.env,
                    isinstance(step, MaintenanceOn),
                    timeout=self.timeouts.maintenance,
                    on_poll=self.callbacks.on_poll,
                )
            case RenameOriginal():
                self._rename_original(step, record, plan)
            case Up():
                self._apply(record, plan, step.target)
            case WaitAvailable():
                db = plan.request.db_identifier
                self._wait_restored(step.identifier, db, self.timeouts.restore)
            case Verify():
                self._verify(record, plan, step.identifier)
            case CutOver():
                self._apply(record, plan, step.to)
                self.rds.wait_absent(step.from_, **self._wait(self.timeouts.rename))
                self._wait_restored(step.to, plan.request.db_identifier, self.timeouts.rename)
            case Resync():
                if self.resync is None:
                    raise errors.InvalidInput(
                        "the re-sync step needs Jenkins settings (JENKINS_URL, JENKINS_USER, "
                        "JENKINS_API_TOKEN); set them or pass --no-resync"
                    )
                self.resync(self.callbacks.on_output)
            case _:  # pragma: no cover - build_steps makes only the steps above
                raise AssertionError(step)

    def _safety_snapshot(self, step: SafetySnapshot, record: RunRecord) -> None:
        if self.rds.find_snapshot(step.snapshot) is None:
            original = self._original(record)
            self.rds.create_snapshot(
                original.identifier,
                step.snapshot,
                {"sccos-backup:kind": "safety", "sccos-backup:created-by": "sccos-backup"},
            )
        self.rds.wait_snapshot(step.snapshot, **self._wait(self.timeouts.snapshot))

    def _apply(self, record: RunRecord, plan: RestorePlan, target: str) -> None:
        apply_spec(
            self.engine,
            self.rds,
            plan.stack,
            plan.spec_for(target),
            original_resource_id=record.original.resource_id,
            on_output=self.callbacks.on_output,
            notify=self.callbacks.notify,
        )
        self._record_restored(record, plan.stack)

    def _rename_original(self, step: RenameOriginal, record: RunRecord, plan: RestorePlan) -> None:
        db = step.from_
        aside = step.to
        original = self._original(record)
        if original.identifier == db:
            refuse_drift(plan, original)
            if self.rds.find_instance(aside) is not None:
                raise errors.IdentifierTaken(
                    f"cannot rename '{db}' to '{aside}': that name is in use; nothing was renamed"
                )
            self.rds.rename_instance(db, aside)
        self.rds.wait_absent(
            db, resource_id=original.resource_id, **self._wait(self.timeouts.rename)
        )
        self.rds.wait_instance(aside, **self._wait(self.timeouts.rename))

    def _verify(self, record: RunRecord, plan: RestorePlan, identifier: str) -> None:
        spec = plan.spec_for(identifier)
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
        changes = self.engine.preview_changes(plan.stack, spec, self.callbacks.on_output)
        if changes:
            raise errors.VerificationFailed(
                f"a second preview of stack '{plan.stack}' still shows {changes} change(s); "
                "inspect it with `pulumi preview --diff` or roll back"
            )
