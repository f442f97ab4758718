"""What every part of the runbook shares: collaborators, callbacks, timeouts, the lock."""

from __future__ import annotations

import shlex
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from automation.engine.base import Engine
from automation.runbook.record import RunRecord
from sccos_backup import errors
from sccos_backup.aws.rds import RdsAdapter
from sccos_backup.defaults import DEFAULT_RESTORE_TIMEOUT
from sccos_backup.restore.lock import DatabaseLock, lock_scope, same_backend, whoami
from sccos_backup.restore.planfile import PlanStore
from sccos_backup.waiting import Callbacks, Poll

#: The commands that continue or finish a run, and so may take over the lock it left (a
#: cleanup killed while RDS deleted is run again).
CONTINUE_A_RUN = frozenset({"restore resume", "restore rollback", "restore cleanup"})


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
class RunContext:
    """The collaborators every part of the runbook holds (one object, so that replacing one,
    as a test does, reaches them all); every change goes through ``rds``, ``engine``,
    ``maintenance`` or ``resync``."""

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

    # -- the lock and the backend -------------------------------------------------------------

    @contextmanager
    def locked(self, db_identifier: str, arn: str, command: str, run: str | None) -> Iterator[None]:
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

    def holder_name(self) -> str:
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

    @property
    def plan_store(self) -> PlanStore | None:
        if self.plans is not None:
            return self.plans
        return PlanStore(self.lock.store) if self.lock is not None else None

    # -- maintenance mode and waiting ---------------------------------------------------------

    def require_maintenance(self) -> Maintenance:
        if self.maintenance is None:  # pragma: no cover - the CLI always provides one
            raise errors.InvalidInput("maintenance mode was requested but is not configured")
        return self.maintenance

    def set_maintenance(self, env: str, *, on: bool) -> None:
        self.require_maintenance().set_maintenance(
            env, on, timeout=self.timeouts.maintenance, on_poll=self.callbacks.on_poll
        )

    def wait(self, timeout: float) -> dict[str, Any]:
        """The keyword arguments of an RDS wait: its timeout, progress and first pause."""
        return {
            "timeout": timeout,
            "on_poll": self.callbacks.on_poll,
            "first_interval": self.first_interval,
        }

    def delete_with_final_snapshot(self, identifier: str, final_snapshot: str) -> None:
        instance = self.rds.describe_instance(identifier)
        if instance.raw.get("DeletionProtection"):
            self.rds.modify_instance(identifier, DeletionProtection=False, ApplyImmediately=True)
        self.rds.delete_instance(identifier, final_snapshot=final_snapshot)
