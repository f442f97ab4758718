"""Deleting the parked original of a finished run: what is deleted and kept, said before it is
asked, and checked again under the database's lock after the answer."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from automation.runbook.context import RunContext
from automation.runbook.finder import RunFinder
from automation.runbook.record import DONE, ROLLING_BACK, RunRecord
from sccos_backup import errors
from sccos_backup.aws.rds import Instance
from sccos_backup.identifiers import truncate_identifier

#: How long a cleanup waits for RDS to delete the instance (its final snapshot included).
DELETE_TIMEOUT = 6 * 3600


@dataclass(frozen=True)
class CleanupPlan:
    """One cleanup as observed: the parked original and everything its deletion takes along."""

    record: RunRecord
    #: The parked original now (found by the DbiResourceId the run recorded).
    original: Instance
    final_snapshot: str

    @property
    def secret_arn(self) -> str | None:
        """The RDS-managed master password secret, which RDS deletes with the instance."""
        secret = self.original.raw.get("MasterUserSecret") or {}
        return str(secret.get("SecretArn") or "") or None

    @property
    def deleting(self) -> bool:
        """RDS is already deleting it (an earlier cleanup was interrupted after the call)."""
        return self.original.status == "deleting"

    def same_as(self, other: CleanupPlan) -> bool:
        return (
            self.record.run_id == other.record.run_id
            and self.original.resource_id == other.original.resource_id
            and self.original.identifier == other.original.identifier
            and self.secret_arn == other.secret_arn
        )

    def question(self) -> str:
        """The confirmation: every thing deleted, and what is kept."""
        original = self.original
        days = original.backup_retention_period
        secret = (
            f" and its RDS-managed master password secret {self.secret_arn}"
            if self.secret_arn
            else ""
        )
        backups = (
            f"its automated backups stay as retained backups for {days} days (point-in-time "
            "restores of the old data until then), then RDS deletes them"
            if days > 0
            else "it has no automated backups"
        )
        return (
            f"DELETE '{original.identifier}' ({original.resource_id}, the original before run "
            f"{self.record.run_id}){secret}? Kept: the final snapshot "
            f"'{self.final_snapshot}'; {backups}"
        )

    def as_dict(self) -> dict[str, Any]:
        return {"deleted": self.original.identifier, "final_snapshot": self.final_snapshot}


@dataclass
class Cleanup:
    """Deletes the renamed original after a finished run, never while another command acts."""

    context: RunContext
    finder: RunFinder

    def cleanup_target(self, db_identifier: str) -> RunRecord:
        """The finished run whose renamed original ``cleanup`` would delete."""
        return self.cleanup_plan(db_identifier).record

    def cleanup_plan(self, db_identifier: str) -> CleanupPlan:
        """What a cleanup of ``db_identifier`` would delete now; refuses while a run or a
        rollback of it is under way."""
        active = self.finder.active_run(db_identifier)
        if active is not None:
            doing = "being rolled back" if active.step == ROLLING_BACK else "in progress"
            raise errors.RunInProgress(
                f"restore run {active.run_id} of '{db_identifier}' is {doing} (step "
                f"{active.step}); nothing was deleted. Finish it first (`sccos-backup restore "
                f"status {db_identifier}`)"
            )
        for record in self.finder.runs(db_identifier):
            if record.step == DONE and record.original.identifier != db_identifier:
                original = self.finder.original(record)
                final = truncate_identifier(original.identifier, "final", 255)
                return CleanupPlan(record=record, original=original, final_snapshot=final)
        raise errors.NotFound(
            f"no finished restore of '{db_identifier}' has a renamed original to clean up"
        )

    def cleanup(self, db_identifier: str, approved: CleanupPlan) -> CleanupPlan:
        """Delete the parked original with a final snapshot (automated backups retained) and
        wait until it is gone; under the database's lock, after checking that nothing changed
        since ``approved`` was shown. Safe to repeat: an instance RDS is already deleting is
        only waited for."""
        self.context.check_backend(approved.record, "cleanup")
        arn = approved.original.arn
        with self.context.locked(db_identifier, arn, "restore cleanup", approved.record.run_id):
            now = self.cleanup_plan(db_identifier)
            if not now.same_as(approved):
                raise errors.PreconditionFailed(
                    f"what `restore cleanup {db_identifier}` would delete changed since it asked "
                    f"(now '{now.original.identifier}' of run {now.record.run_id}); nothing was "
                    "deleted. Run it again to see what it would delete now"
                )
            identifier = now.original.identifier
            if now.deleting:
                self.context.callbacks.notify(
                    f"-> '{identifier}' is already being deleted (an earlier cleanup); waiting"
                )
            else:
                self.context.callbacks.notify(
                    f"-> delete '{identifier}' (final snapshot '{now.final_snapshot}')"
                )
                self.context.delete_with_final_snapshot(identifier, now.final_snapshot)
            self.context.rds.wait_absent(identifier, **self.context.wait(DELETE_TIMEOUT))
            return now
