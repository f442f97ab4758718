"""Rolling a run back, and cleaning up after a finished one."""

from __future__ import annotations

from automation.runbook.core import RunbookCore
from automation.runbook.record import DONE, ROLLING_BACK, RUN_TAGS, TAG_STEP, RunRecord
from sccos_backup import errors
from sccos_backup.identifiers import truncate_identifier


class Rollback(RunbookCore):
    """Puts the original back; deletes a renamed original after a finished run."""

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
        self.check_backend(record, "rollback")
        with self._locked(db_identifier, record.original.arn, "restore rollback", record.run_id):
            return self._rollback(record, delete_restored=delete_restored)

    def _rollback(self, record: RunRecord, *, delete_restored: bool) -> list[str]:
        db_identifier = record.request.db_identifier
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
