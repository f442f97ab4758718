"""A rollback's dealings with the run's own restored instance when RDS only lets it be deleted.

RDS API reference (botocore 1.44.18, ``data/rds/2014-10-31/service-2.json``, DeleteDBInstance's
``SkipFinalSnapshot``): an instance that is ``failed``, ``incompatible-restore`` or
``incompatible-network`` can only be deleted, and only without a final snapshot; a rename of it
is refused. Such an instance blocks the original's name (in place) or the temporary name (swap).
"""

from __future__ import annotations

from dataclasses import dataclass

from automation.runbook.context import RunContext
from automation.runbook.finder import RunFinder
from automation.runbook.record import DONE, RunRecord
from sccos_backup import errors
from sccos_backup.aws.instances import DELETE_ONLY_STATES
from sccos_backup.aws.rds import Instance
from sccos_backup.identifiers import truncate_identifier


def restored_names(record: RunRecord) -> tuple[str, ...]:
    """Where a run's restored instance can be: under the original's name (in place, or after a
    swap's cut-over) or under the temporary name (a swap before it)."""
    return (record.request.db_identifier, record.names.temporary)


def refuse_unless_created_by_run(
    finder: RunFinder, record: RunRecord, name: str, holder: Instance
) -> None:
    """Refuse (nothing changed) when ``holder``, found at the restored name ``name``, is not the
    run's restored instance by the DbiResourceId the run recorded (one made by hand, say): a
    rollback would rename or delete it."""
    if not finder.created_by_run(holder, record):
        raise errors.PreconditionFailed(
            f"'{name}' ({holder.resource_id}) was not created by restore run "
            f"{record.run_id} and is not its original; nothing was changed. Rename or "
            "remove it by hand, then run rollback again"
        )


@dataclass
class FailedRestores:
    """The run's own restored instances RDS only lets be deleted: found by the DbiResourceId the
    run recorded, deleted only with the operator's consent, waited for when a delete is under
    way."""

    context: RunContext
    finder: RunFinder

    def failed_restored(self, record: RunRecord) -> list[Instance]:
        """The run's own restored instances that RDS only lets be deleted (see
        :data:`DELETE_ONLY_STATES`): a rollback cannot rename them aside, only delete them,
        without a final snapshot. Known by the DbiResourceId the run recorded, never by name or
        tag; an instance in such a state that the run did not record is refused (nothing
        changed)."""
        found = []
        for name in restored_names(record):
            holder = self.context.rds.find_instance(name)
            if holder is None or holder.status not in DELETE_ONLY_STATES:
                continue
            if self.finder.is_original(holder, record):
                continue
            if not record.restored_id or holder.resource_id != record.restored_id:
                raise errors.PreconditionFailed(
                    f"'{name}' ({holder.resource_id}) is {holder.status} and was not created by "
                    f"restore run {record.run_id} as far as the run recorded (its restored "
                    f"instance: {record.restored_id or 'none recorded'}); nothing was changed. "
                    "RDS only allows deleting it: check it in the RDS console, delete it by "
                    "hand, then run rollback again"
                )
            found.append(holder)
        return found

    def consented(self, record: RunRecord, delete_failed: bool) -> list[Instance]:
        """The failed restored instances to delete, or a refusal without the consent."""
        failed = self.failed_restored(record)
        if failed and not delete_failed:
            holder = failed[0]
            raise errors.PreconditionFailed(
                f"the restored '{holder.identifier}' ({holder.resource_id}) is {holder.status}: "
                "RDS allows only deleting it, without a final snapshot; nothing was changed. "
                "Pass --delete-restored (or answer the prompt) to delete it and put the "
                "original back"
            )
        return failed

    def delete(self, record: RunRecord, holder: Instance) -> str:
        """Delete the run's own failed restored instance, without a final snapshot (RDS takes
        none in this state); turn its deletion protection off first, which RDS may refuse."""
        name = holder.identifier
        self._check_still_there(record, holder)
        self.context.callbacks.notify(
            f"-> delete the failed restored '{name}' ({holder.resource_id}, {holder.status}) "
            "without a final snapshot"
        )
        if holder.raw.get("DeletionProtection"):
            try:
                self.context.rds.modify_instance(
                    name, DeletionProtection=False, ApplyImmediately=True
                )
            except errors.NotAvailable as refused:
                parked = self.finder.original(record).identifier
                raise errors.NotAvailable(
                    f"RDS refused to turn off deletion protection of the failed '{name}' "
                    f"({holder.resource_id}, {holder.status}): {refused}. Nothing else was "
                    f"changed; the original is kept as '{parked}'. Ask AWS Support to delete "
                    f"'{name}', then run `sccos-backup restore rollback "
                    f"{record.request.db_identifier}` again"
                ) from None
        self.context.rds.delete_instance(name, final_snapshot=None)
        self.wait_deleted(holder)
        return (
            f"failed restored instance '{name}' ({holder.resource_id}, {holder.status}) deleted "
            "without a final snapshot (RDS takes none in this state)"
        )

    def _check_still_there(self, record: RunRecord, holder: Instance) -> None:
        """RDS deletes by name: refuse when the name no longer answers as the failed instance
        found before the rollback tagged the run (and, for a finished run, turned maintenance
        on), so an instance that took the name since is never deleted."""
        name = holder.identifier
        now = self.context.rds.find_instance(name)
        if (
            now is not None
            and now.resource_id == holder.resource_id
            and now.status in DELETE_ONLY_STATES
        ):
            return
        found = "gone" if now is None else f"{now.resource_id}, {now.status}"
        parked = self.finder.original(record).identifier
        raise errors.PreconditionFailed(
            f"'{name}' is no longer the failed restored instance the rollback found "
            f"({holder.resource_id}, {holder.status}): now {found}; nothing was deleted, the "
            f"original is kept as '{parked}'. Check the RDS console, then run `sccos-backup "
            f"restore rollback {record.request.db_identifier}` again"
        )

    def deleting(self, record: RunRecord) -> list[Instance]:
        """The run's own restored instances being deleted (a rollback stopped after asking
        RDS to delete one): waited for, no new consent needed."""
        found = []
        for name in restored_names(record):
            holder = self.context.rds.find_instance(name)
            if (
                holder is not None
                and holder.status == "deleting"
                and record.restored_id
                and holder.resource_id == record.restored_id
            ):
                found.append(holder)
        return found

    def wait_deleted(self, holder: Instance) -> None:
        self.context.rds.wait_absent(
            holder.identifier,
            resource_id=holder.resource_id,
            **self.context.wait(self.context.timeouts.rename),
        )


@dataclass
class RollbackPreview:
    """What a rollback will do, read before anything is asked or changed."""

    context: RunContext
    finder: RunFinder
    failed: FailedRestores

    def lines(self, record: RunRecord, *, delete_restored: bool = False) -> list[str]:
        """What a rollback of ``record`` will do, one line each, before anything is asked; the
        rollback's refusal of an instance the run did not create comes here already."""
        db = record.request.db_identifier
        names = record.names
        lines = []
        if record.step == DONE and record.request.maintenance_env:
            lines.append(f"turn maintenance mode on ({record.request.maintenance_env})")
        failed = self.failed.failed_restored(record)
        deleting = self.failed.deleting(record)
        deleted = {h.identifier for h in (*failed, *deleting)}
        for holder in deleting:
            lines.append(
                f"wait until the failed restored '{holder.identifier}' ({holder.resource_id}) "
                "is gone: it is being deleted, as an earlier rollback of this run asked"
            )
        for holder in failed:
            protection = (
                "; deletion protection is on: RDS is asked to turn it off first"
                if holder.raw.get("DeletionProtection")
                else ""
            )
            lines.append(
                f"delete the failed restored '{holder.identifier}' ({holder.resource_id}, "
                f"{holder.status}) without a final snapshot: RDS allows nothing else in this "
                f"state and takes no final snapshot of it{protection}"
            )
        for name in restored_names(record):
            found = self.context.rds.find_instance(name)
            if found is None or name in deleted or self.finder.is_original(found, record):
                continue
            refuse_unless_created_by_run(self.finder, record, name, found)  # before the question
            lines.append(f"rename the restored '{name}' to '{names.rolled_back}'")
            if delete_restored:
                final = truncate_identifier(names.rolled_back, "final", 255)
                lines.append(f"delete '{names.rolled_back}' (final snapshot '{final}')")
        original = self.finder.original(record)
        if original.identifier != db:
            lines.append(f"rename the original '{original.identifier}' back to '{db}'")
        lines.append(f"refresh stack '{record.stack}'")
        return lines
