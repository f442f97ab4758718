"""What every part of the runbook shares: collaborators, callbacks, timeouts, finding runs."""

from __future__ import annotations

import dataclasses
import shlex
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from automation.engine.base import Engine
from automation.runbook.record import DONE, TAG_RESTORED_ID, TAG_RUN, RunRecord
from sccos_backup import errors
from sccos_backup.aws.rds import Instance, RdsAdapter
from sccos_backup.defaults import DEFAULT_RESTORE_TIMEOUT
from sccos_backup.restore.fields import RESTORED_BY_TAG
from sccos_backup.restore.lock import DatabaseLock, lock_scope, same_backend, whoami
from sccos_backup.restore.plan import RestorePlan
from sccos_backup.restore.planfile import PlanStore
from sccos_backup.restore.spec import OUTPUT_RESOURCE_ID
from sccos_backup.waiting import Poll

#: The commands that continue or finish a run, and so may take over the lock it left (a
#: cleanup killed while RDS deleted is run again).
CONTINUE_A_RUN = frozenset({"restore resume", "restore rollback", "restore cleanup"})


@dataclass
class Callbacks:
    """How the runbook reports; the CLI renders, tests record."""

    notify: Callable[[str], None] = lambda line: None
    on_output: Callable[[str], None] = lambda text: None
    on_poll: Callable[[Poll], None] | None = None
    #: Called after each step's action and before it is recorded (tests inject crashes here).
    after_step: Callable[[str], None] = lambda key: None


@dataclass(frozen=True)
class Timeouts:
    rename: float = 30 * 60
    restore: float = DEFAULT_RESTORE_TIMEOUT  # the declaration's create timeout too
    snapshot: float = 6 * 3600
    maintenance: float = 30 * 60


class Maintenance(Protocol):
    """What the runbook needs of the maintenance-mode adapter."""

    def check_pipelines_exist(self, env: str) -> None: ...  # pragma: no cover - protocol

    def set_maintenance(
        self, env: str, on: bool, *, timeout: float, on_poll: Callable[[Poll], None] | None = None
    ) -> None: ...  # pragma: no cover - protocol


@dataclass
class RunbookCore:
    """The collaborators; every change goes through ``rds``, ``engine``, ``maintenance`` or
    ``resync``."""

    rds: RdsAdapter
    engine: Engine
    clock: Callable[[], datetime]
    maintenance: Maintenance | None = None
    resync: Callable[[Callable[[str], None]], object] | None = None
    callbacks: Callbacks = field(default_factory=Callbacks)
    timeouts: Timeouts = field(default_factory=Timeouts)
    first_interval: float = 15.0
    #: The state backend this command uses (``backend_identity``); recorded with a new run.
    backend: str | None = None
    #: The per-database lock in that backend; None only where no backend is used (status).
    lock: DatabaseLock | None = None
    #: For pasteable hints: the full backend URL and the project folder.
    backend_url: str | None = None
    work_dir: Path | None = None
    #: Where runs record their plans; by default next to the lock, in the state backend.
    plans: PlanStore | None = None
    _shared_ids_noted: set[str] = field(default_factory=set, repr=False)

    # -- the lock and the backend -------------------------------------------------------------

    @contextmanager
    def _locked(
        self, db_identifier: str, arn: str, command: str, run: str | None
    ) -> Iterator[None]:
        """Hold the database's lock for a block (a no-op without a lock). A command continuing
        ``run`` (resume, rollback) takes over the lock that run left if its holder is gone."""
        if self.lock is None:
            yield
            return
        scope = lock_scope(arn)
        take_over = command in CONTINUE_A_RUN
        with self.lock.held(db_identifier, scope, command, run, take_over=take_over):
            left = self.lock.taken_over
            if left is not None:
                self.callbacks.notify(
                    f"note: took over the lock of '{db_identifier}' that run {run} left "
                    f"({left.describe()}; that process is gone)"
                )
            yield

    def pulumi_hint(self, operation: str, stack: str) -> str:
        """A Pulumi command that works pasted into a shell: backend and folder included."""
        parts = []
        if self.backend_url:
            parts.append(f"PULUMI_BACKEND_URL={shlex.quote(self.backend_url)}")
        parts.append(f"pulumi {operation} --stack {shlex.quote(stack)}")
        if self.work_dir is not None:
            parts.append(f"--cwd {shlex.quote(str(self.work_dir.expanduser().absolute()))}")
        return " ".join(parts)

    def _holder_name(self) -> str:
        return self.lock.holder_name if self.lock is not None else whoami()

    def check_backend(self, record: RunRecord, command: str) -> None:
        """Refuse a run recorded with another backend than this command's."""
        if record.backend is None or self.backend is None:
            return
        if not same_backend(record.backend, self.backend):
            raise errors.PreconditionFailed(
                f"restore run {record.run_id} of '{record.request.db_identifier}' keeps its "
                f"stack and lock in {record.backend}, but this {command} uses {self.backend}; "
                f"nothing was changed. Run it again with --backend-url {record.backend}"
            )

    # -- finding runs ------------------------------------------------------------------------

    @property
    def plan_store(self) -> PlanStore | None:
        if self.plans is not None:
            return self.plans
        return PlanStore(self.lock.store) if self.lock is not None else None

    def runs(self, db_identifier: str) -> list[RunRecord]:
        """Every run of ``db_identifier`` recorded on an instance, newest first, each with the
        plan it recorded (where this command reaches the backend)."""
        found = [
            record
            for instance in self.rds.list_instances()
            if (record := RunRecord.from_instance(instance)) is not None
            and record.request.db_identifier == db_identifier
        ]
        store = self.plan_store
        if store is not None:
            found = [
                dataclasses.replace(r, plan=store.load(db_identifier, r.original.arn, r.run_id))
                for r in found
            ]
        return sorted(found, key=lambda r: r.run_id, reverse=True)

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
        current = self.rds.find_instance(db_identifier)
        run = current.tag(RESTORED_BY_TAG) if current is not None else None
        store = self.plan_store
        if current is not None and run and store is not None:
            plan = store.load(db_identifier, current.arn, run)
            if plan is not None:
                add((*plan.lineage, plan.original_resource_id))
        return tuple(i for i in found if current is None or i != current.resource_id)

    def approved_plan(self, record: RunRecord) -> RestorePlan:
        """The plan the run recorded, or a refusal saying where it was looked for."""
        approved = record.approved
        if approved is None:
            where = self.plan_store.location if self.plan_store is not None else "no backend"
            raise errors.PreconditionFailed(
                f"restore run {record.run_id} of '{record.request.db_identifier}' has no "
                f"recorded plan in {where}; nothing was changed. Use the backend the run "
                f"started with (--backend-url {record.backend or 'URL'}), or undo the run "
                "with `sccos-backup restore rollback`"
            )
        return approved

    def active_run(self, db_identifier: str) -> RunRecord | None:
        active = [r for r in self.runs(db_identifier) if r.step != DONE]
        if len(active) > 1:
            ids = ", ".join(r.run_id for r in active)
            raise errors.RunInProgress(
                f"several restore runs of '{db_identifier}' are open ({ids}); roll back all "
                "but one with `restore rollback`"
            )
        return active[0] if active else None

    # -- helpers ------------------------------------------------------------------------------

    def _maintenance(self) -> Maintenance:
        if self.maintenance is None:  # pragma: no cover - the CLI always provides one
            raise errors.InvalidInput("maintenance mode was requested but is not configured")
        return self.maintenance

    def _original(self, record: RunRecord) -> Instance:
        """The run's original now: its DbiResourceId and, where several instances share that id
        (``moto_server`` gives every instance the same one), the one carrying the run's tags."""
        resource_id = record.original.resource_id
        found = self.rds.find_instances_by_resource_id(resource_id)
        if len(found) > 1:
            tagged = [i for i in found if i.tag(TAG_RUN) == record.run_id]
            names = ", ".join(sorted(i.identifier for i in found))
            if len(tagged) != 1:
                raise errors.NotFound(
                    f"{len(found)} instances share DbiResourceId {resource_id} ({names}; a "
                    f"moto_server rehearsal?) and {len(tagged)} carry the tags of run "
                    f"{record.run_id}; nothing was changed. Tell them apart by hand first"
                )
            if resource_id not in self._shared_ids_noted:
                self._shared_ids_noted.add(resource_id)
                self.callbacks.notify(
                    f"note: {len(found)} instances share DbiResourceId {resource_id} ({names}; "
                    f"moto_server does this); the original is told apart by run {record.run_id}'s "
                    "tags and the others by name"
                )
            return tagged[0]
        if not found:
            raise errors.NotFound(
                f"the original instance ({resource_id}) no longer exists; "
                "check the RDS console before doing anything else"
            )
        return found[0]

    def _is_original(self, instance: Instance, record: RunRecord) -> bool:
        """Whether ``instance`` (found by name) is the run's original, also where ids are shared."""
        if instance.resource_id != record.original.resource_id:
            return False
        return instance.identifier == self._original(record).identifier

    def _created_by_run(self, instance: Instance, record: RunRecord) -> bool:
        """Whether ``instance`` is the one the run created: the DbiResourceId recorded after
        its ``up``; before that (an ``up`` interrupted mid-create), the run's tag on an
        instance that is not the original."""
        if record.restored_id:
            return instance.resource_id == record.restored_id
        return instance.tag(RESTORED_BY_TAG) == record.run_id and not self._is_original(
            instance, record
        )

    def _record_restored(self, record: RunRecord, stack: str) -> RunRecord:
        """Record the DbiResourceId of the instance the run's stack holds (once its ``up``
        finished), so rollback and cleanup know it by identity, not by a copyable tag."""
        resource_id = str((self.engine.outputs(stack) or {}).get(OUTPUT_RESOURCE_ID) or "")
        if not resource_id or resource_id == record.restored_id:
            return record
        self._tag(record, {TAG_RESTORED_ID: resource_id})
        return dataclasses.replace(record, restored_id=resource_id)

    def _delete_with_final_snapshot(self, identifier: str, final_snapshot: str) -> None:
        instance = self.rds.describe_instance(identifier)
        if instance.raw.get("DeletionProtection"):
            self.rds.modify_instance(identifier, DeletionProtection=False, ApplyImmediately=True)
        self.rds.delete_instance(identifier, final_snapshot=final_snapshot)

    def _tag(self, record: RunRecord, tags: dict[str, str]) -> None:
        self.rds.add_tags(self._original(record).arn, tags)

    def _wait_restored(self, identifier: str, db_identifier: str, timeout: float) -> None:
        """Wait for the restored instance; a state it never leaves says the way on."""
        self.rds.wait_instance(
            identifier,
            failed_hint="the original is kept: fix the cause the event names and run "
            f"`sccos-backup restore resume {db_identifier}`, or roll back with "
            f"`sccos-backup restore rollback {db_identifier}`",
            **self._wait(timeout),
        )

    def _wait(self, timeout: float) -> dict[str, Any]:
        return {
            "timeout": timeout,
            "on_poll": self.callbacks.on_poll,
            "first_interval": self.first_interval,
        }
