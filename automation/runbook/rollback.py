"""Rolling a run back, and cleaning up after a finished one."""

from __future__ import annotations

from dataclasses import dataclass, field

from automation.runbook.context import RunContext
from automation.runbook.failed import (
    FailedRestores,
    RollbackPreview,
    refuse_unless_created_by_run,
    restored_names,
)
from automation.runbook.finder import RunFinder
from automation.runbook.record import (
    DONE,
    ROLLING_BACK,
    RUN_TAGS,
    STARTED,
    TAG_MAINTENANCE,
    TAG_STEP,
    RunRecord,
)
from sccos_backup import errors
from sccos_backup.aws.rds import Instance, rename_known
from sccos_backup.identifiers import truncate_identifier
from sccos_backup.restore.source import iso
from sccos_backup.waiting import poll_until


@dataclass
class Rollback:
    """Puts the original back under its name; renames the restored instance aside."""

    context: RunContext
    finder: RunFinder
    failed: FailedRestores = field(init=False)
    preview: RollbackPreview = field(init=False)

    def __post_init__(self) -> None:
        self.failed = FailedRestores(self.context, self.finder)
        self.preview = RollbackPreview(self.context, self.finder, self.failed)

    def rollback_target(self, db_identifier: str, *, force: bool = False) -> RunRecord:
        """The run a rollback of ``db_identifier`` undoes (its newest), or a refusal before
        anything is asked or changed: no run recorded, a run recorded with another backend, or
        a finished run without ``force`` (writes made since the cut-over would stay on the
        restored instance)."""
        runs = self.finder.runs(db_identifier)
        if not runs:
            raise errors.NotFound(
                f"no restore run of '{db_identifier}' is recorded; nothing to roll back"
            )
        record = runs[0]
        self.context.check_backend(record, "rollback")
        if record.step == DONE and not force:
            raise errors.PreconditionFailed(
                f"restore run {record.run_id} of '{db_identifier}' is finished: "
                f"'{db_identifier}' has served the restored data{self._since(record)}; a rollback "
                f"leaves every write made since then on the restored instance (renamed to "
                f"'{record.names.rolled_back}'). Nothing was changed; pass --force to roll "
                "back anyway"
            )
        return record

    def rollback(
        self,
        db_identifier: str,
        *,
        delete_restored: bool = False,
        delete_failed: bool = False,
        force: bool = False,
        refresh_skipped: str | None = None,
    ) -> list[str]:
        """Put the original back under its name; rename the restored instance aside.

        Works at any point of a run and is safe to repeat. It first waits for any rename in
        flight and checks that the original can take its name back, before it touches the
        restored instance. A restored instance of the run in a state RDS only allows deleting
        (:meth:`failed_restored`) is deleted without a final snapshot, and only with
        ``delete_failed`` (the operator's consent). A finished run needs ``force`` (see
        :meth:`rollback_target`); maintenance mode is then turned on first. With
        ``refresh_skipped`` (why the engine cannot run) the stack refresh is skipped with that
        instruction. Returns what was done, one line each.
        """
        record = self.rollback_target(db_identifier, force=force)
        self.failed.consented(record, delete_failed)  # before the lock and any wait
        arn = record.original.arn
        with self.context.locked(db_identifier, arn, "restore rollback", record.run_id):
            return self._rollback(record, delete_restored, delete_failed, refresh_skipped)

    @staticmethod
    def _since(record: RunRecord) -> str:
        return f" since {iso(record.up_since)}" if record.up_since else ""

    def _rollback(
        self,
        record: RunRecord,
        delete_restored: bool,
        delete_failed: bool,
        refresh_skipped: str | None,
    ) -> list[str]:
        db = record.request.db_identifier
        names = record.names
        done: list[str] = []
        self._settle(record)
        failed = self.failed.consented(record, delete_failed)
        restored = self._check_can_roll_back(record, failed)
        env = record.request.maintenance_env
        ours = self._maintenance_ours(record)
        if record.step == DONE:
            if env:
                self.context.callbacks.notify(f"-> maintenance mode on ({env}) before the rollback")
                self.context.set_maintenance(env, on=True)
                done.append("maintenance mode on")
            done.append(
                f"writes made to '{db}'{self._since(record)} stay on '{names.rolled_back}' "
                "(the restored instance); copy what is needed from there"
            )
        marks = {TAG_STEP: ROLLING_BACK}
        if env and ours is not False:
            marks[TAG_MAINTENANCE] = "on" if ours else "maybe"
        self.finder.tag(record, marks)
        for holder in failed:
            done.append(self.failed.delete(record, holder))
        for holder in self.failed.deleting(record):
            self.failed.wait_deleted(holder)
        for holder in restored:
            self.context.callbacks.notify(
                f"-> rename the restored '{holder.identifier}' to '{names.rolled_back}'"
            )
            rename_known(self.context.rds, holder, names.rolled_back)
            self.context.rds.wait_absent(
                holder.identifier, **self.context.wait(self.context.timeouts.rename)
            )
            self.context.rds.wait_instance(
                names.rolled_back, **self.context.wait(self.context.timeouts.rename)
            )
            done.append(f"restored instance renamed to '{names.rolled_back}'")
        original = self.finder.original(record)
        if original.identifier != db:
            self.context.callbacks.notify(f"-> rename '{original.identifier}' back to '{db}'")
            rename_known(self.context.rds, original, db)
            self.context.rds.wait_absent(
                original.identifier, **self.context.wait(self.context.timeouts.rename)
            )
            self.context.rds.wait_instance(db, **self.context.wait(self.context.timeouts.rename))
            done.append(f"original '{original.identifier}' renamed back to '{db}'")
        back = self.context.rds.describe_instance(db)
        if not self.finder.is_original(
            back, record
        ):  # pragma: no cover - guarded by the checks above
            raise errors.NotAvailable(
                f"'{db}' does not answer as the original after the rollback; run "
                f"`sccos-backup restore status {db}` and roll back again"
            )
        aside = self.context.rds.find_instance(names.rolled_back) if delete_restored else None
        if aside is not None and not self.finder.created_by_run(aside, record):
            done.append(
                f"'{names.rolled_back}' ({aside.resource_id}) was not created by this run: "
                "not deleted"
            )
        elif aside is not None:
            final = truncate_identifier(names.rolled_back, "final", 255)
            self.context.callbacks.notify(
                f"-> delete '{names.rolled_back}' (final snapshot '{final}')"
            )
            self.context.delete_with_final_snapshot(names.rolled_back, final)
            done.append(f"restored instance deleted; final snapshot '{final}'")
        done.extend(self._refresh_after_rollback(record, refresh_skipped))
        if env and ours:
            self.context.set_maintenance(env, on=False)
            done.append("maintenance mode off")
        elif env and ours is None:
            done.append(
                f"maintenance mode left as it is: run {record.run_id} stopped while turning it "
                f"on, so it may be on; if it is, turn it off with the CodePipeline "
                f"Maintenance_Disable_{env}"
            )
        self.context.rds.remove_tags(self.finder.original(record).arn, RUN_TAGS)
        done.append(f"'{db}' is the original again")
        return done

    def _maintenance_ours(self, record: RunRecord) -> bool | None:
        """Whether the run turned maintenance mode on (a rollback then turns it off again);
        None when it cannot be told: the run stopped after starting the pipeline and before
        recording that. Maintenance an operator turned on by hand is left as it was."""
        if not record.request.maintenance_env:
            return False
        if record.step == DONE or record.completed("maintenance-on"):
            return True  # a finished run's rollback turns it on itself
        if record.step == ROLLING_BACK:
            return {"on": True, "maybe": None}.get(
                self.finder.original(record).tag(TAG_MAINTENANCE) or "", False
            )
        keys = [s.key for s in record.steps]
        before = keys[keys.index("maintenance-on") - 1]
        if record.step == before or (record.step == STARTED and before == keys[0]):
            return None
        return False

    def _refresh_after_rollback(self, record: RunRecord, skipped: str | None) -> list[str]:
        hint = f"run `{self.context.pulumi_hint('refresh', record.stack)}` before using it again"
        if skipped is not None:
            return [f"stack '{record.stack}' not refreshed ({skipped}); {hint}"]
        try:
            if self.context.engine.outputs(record.stack) is None:
                return []
            self.context.engine.ensure_ready()
            self.context.engine.refresh(record.stack, self.context.callbacks.on_output)
        except errors.EngineError as error:  # the databases are back; the state can follow later
            return [f"stack '{record.stack}' not refreshed ({error}); {hint}"]
        return [f"stack '{record.stack}' refreshed"]

    def _involved(self, record: RunRecord) -> list[Instance]:
        names = record.names
        found = [self.finder.original(record)]
        for name in (record.request.db_identifier, names.temporary, names.rolled_back):
            holder = self.context.rds.find_instance(name)
            if holder is not None and holder.identifier not in {i.identifier for i in found}:
                found.append(holder)
        return found

    def _settle(self, record: RunRecord) -> None:
        """Wait until no instance of the run is being renamed (AWS answers to the old name
        for a while after a rename, with status ``renaming``)."""

        def renaming(instances: list[Instance]) -> list[str]:
            return [i.identifier for i in instances if i.status == "renaming"]

        poll_until(
            lambda: self._involved(record),
            lambda instances: not renaming(instances),
            what=f"renames in flight of run {record.run_id}",
            status=lambda instances: ", ".join(renaming(instances)) or "none",
            clock=self.context.clock,
            sleep=self.context.rds.sleep,
            timeout=self.context.timeouts.rename,
            on_poll=self.context.callbacks.on_poll,
            first_interval=self.context.first_interval,
            hint="run `restore rollback` again once the RDS console shows the rename done",
        )

    def _check_can_roll_back(self, record: RunRecord, failed: list[Instance]) -> list[Instance]:
        """The restored instances to rename aside, once it is sure the original can take its
        name back; refuses (nothing changed) when it cannot. ``failed`` ones are deleted
        instead, and the run's own instance being deleted is waited for."""
        db = record.request.db_identifier
        names = record.names
        original = self.finder.original(record)
        skipped = {h.identifier for h in (*failed, *self.failed.deleting(record))}
        if original.identifier != db and not original.available:
            raise errors.NotAvailable(
                f"the original '{original.identifier}' is {original.status} and cannot take "
                f"'{db}' back now; nothing was changed. Wait until it is available and run "
                "rollback again"
            )
        restored = []
        for name in restored_names(record):
            holder = self.context.rds.find_instance(name)
            if holder is None or name in skipped or self.finder.is_original(holder, record):
                continue
            refuse_unless_created_by_run(self.finder, record, name, holder)
            if holder.status not in {"available", "storage-optimization"}:
                raise errors.NotAvailable(
                    f"the restored '{name}' is {holder.status} and cannot be renamed aside now; "
                    "nothing was changed. Wait until it is available and run rollback again"
                )
            restored.append(holder)
        if restored and self.context.rds.find_instance(names.rolled_back) is not None:
            raise errors.IdentifierTaken(
                f"cannot rename the restored instance to '{names.rolled_back}': that name is in "
                "use; nothing was changed. Rename or remove it and run rollback again"
            )
        return restored
