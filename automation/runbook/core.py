"""What every part of the runbook shares: collaborators, callbacks, timeouts, finding runs."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from automation.engine.base import Engine
from automation.runbook.record import DONE, RunRecord
from sccos_backup import errors
from sccos_backup.aws.rds import Instance, RdsAdapter
from sccos_backup.restore.lock import DatabaseLock, lock_scope, same_backend, whoami
from sccos_backup.waiting import Poll


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
    restore: float = 6 * 3600
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

    # -- the lock and the backend -------------------------------------------------------------

    @contextmanager
    def _locked(
        self, db_identifier: str, arn: str, command: str, run: str | None
    ) -> Iterator[None]:
        """Hold the database's lock for a block (a no-op without a lock)."""
        if self.lock is None:
            yield
            return
        with self.lock.held(db_identifier, lock_scope(arn), command, run):
            yield

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

    def runs(self, db_identifier: str) -> list[RunRecord]:
        """Every run of ``db_identifier`` recorded on an instance, newest first."""
        found = [
            record
            for instance in self.rds.list_instances()
            if (record := RunRecord.from_instance(instance)) is not None
            and record.request.db_identifier == db_identifier
        ]
        return sorted(found, key=lambda r: r.run_id, reverse=True)

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

    def _original(self, resource_id: str) -> Instance:
        found = self.rds.find_instance_by_resource_id(resource_id)
        if found is None:
            raise errors.NotFound(
                f"the original instance ({resource_id}) no longer exists; "
                "check the RDS console before doing anything else"
            )
        return found

    def _tag(self, resource_id: str, tags: dict[str, str]) -> None:
        self.rds.add_tags(self._original(resource_id).arn, tags)

    def _wait(self, timeout: float) -> dict[str, Any]:
        return {
            "timeout": timeout,
            "on_poll": self.callbacks.on_poll,
            "first_interval": self.first_interval,
        }
