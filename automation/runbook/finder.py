"""Finding runs and their instances: read from tags, recorded plans and DbiResourceIds only."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass

from automation.engine.runs import recorded, the_open_one
from automation.runbook.context import RunContext
from automation.runbook.record import DONE, TAG_RUN, RunRecord
from sccos_backup import errors
from sccos_backup.aws.rds import Instance
from sccos_backup.restore.fields import RESTORED_BY_TAG
from sccos_backup.restore.plan import RestorePlan


@dataclass
class RunFinder:
    """The runs of a database, the open one, the plan it recorded, and its instances now."""

    context: RunContext

    # -- runs ---------------------------------------------------------------------------------

    def runs(self, db_identifier: str) -> list[RunRecord]:
        """Every run of ``db_identifier`` recorded on an instance, newest first, each with the
        plan it recorded (where this command reaches the backend)."""
        found = recorded(self.context.rds, RunRecord.from_instance, db_identifier)
        store = self.context.plan_store
        if store is None:
            return found
        return [
            dataclasses.replace(r, plan=store.load(db_identifier, r.original.arn, r.run_id))
            for r in found
        ]

    def lineage(self, db_identifier: str) -> tuple[str, ...]:
        """DbiResourceIds of earlier incarnations of ``db_identifier``: the originals that
        finished restores of it replaced (on their run tags and in the plans the runs recorded),
        and the earlier incarnations those plans knew."""
        found: list[str] = []

        def add(ids: tuple[str, ...]) -> None:
            found.extend(i for i in ids if i and i not in found)

        for record in self.runs(db_identifier):
            if record.step == DONE:
                add(record.plan.lineage if record.plan is not None else ())
                add((record.original.resource_id,))
        current = self.context.rds.find_instance(db_identifier)
        run = current.tag(RESTORED_BY_TAG) if current is not None else None
        store = self.context.plan_store
        if current is not None and run and store is not None:
            plan = store.load(db_identifier, current.arn, run)
            if plan is not None:
                add((*plan.lineage, plan.original_resource_id))
        return tuple(i for i in found if current is None or i != current.resource_id)

    def approved_plan(self, record: RunRecord) -> RestorePlan:
        """The plan the run recorded, or a refusal saying where it was looked for."""
        approved = record.approved
        if approved is None:
            store = self.context.plan_store
            where = store.location if store is not None else "no backend"
            raise errors.PreconditionFailed(
                f"restore run {record.run_id} of '{record.request.db_identifier}' has no "
                f"recorded plan in {where}; nothing was changed. Use the backend the run "
                f"started with (--backend-url {record.backend or 'URL'}), or undo the run "
                "with `sccos-backup restore rollback`"
            )
        return approved

    def active_run(self, db_identifier: str) -> RunRecord | None:
        def several(active: Sequence[RunRecord]) -> errors.SccosBackupError:
            ids = ", ".join(r.run_id for r in active)
            return errors.RunInProgress(
                f"several restore runs of '{db_identifier}' are open ({ids}); roll back all "
                "but one with `restore rollback`"
            )

        return the_open_one([r for r in self.runs(db_identifier) if r.step != DONE], several)

    # -- a run's instances ----------------------------------------------------------------------

    def original(self, record: RunRecord) -> Instance:
        """The run's original now, by its DbiResourceId (and the run's tag where an emulator
        gives several instances that id)."""
        resource_id = record.original.resource_id
        found = self.context.rds.find_instance_by_resource_id(
            resource_id, tagged=(TAG_RUN, record.run_id)
        )
        if found is None:
            raise errors.NotFound(
                f"the original instance ({resource_id}) no longer exists; "
                "check the RDS console before doing anything else"
            )
        return found

    def is_original(self, instance: Instance, record: RunRecord) -> bool:
        """Whether ``instance`` (found by name) is the run's original."""
        if instance.resource_id != record.original.resource_id:
            return False
        return instance.identifier == self.original(record).identifier

    def created_by_run(self, instance: Instance, record: RunRecord) -> bool:
        """Whether ``instance`` is the one the run created: the DbiResourceId recorded after
        its ``up``; before that (an ``up`` interrupted mid-create), the run's tag on an
        instance that is not the original."""
        if record.restored_id:
            return instance.resource_id == record.restored_id
        return instance.tag(RESTORED_BY_TAG) == record.run_id and not self.is_original(
            instance, record
        )

    def tag(self, record: RunRecord, tags: dict[str, str]) -> None:
        """Record on the run's original (where its progress is kept)."""
        self.context.rds.add_tags(self.original(record).arn, tags)
