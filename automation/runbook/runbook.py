"""The restore runbook: rename, ``pulumi up``, verify, re-sync; resume and roll back.

Progress is never kept in this process: it is read from what can be observed. The original
carries ``sccos-backup:run*`` tags (which run, which original name, which strategy and source,
which stack, the last completed step); the instances are told apart by their DbiResourceId;
the stack state holds the restored instance. Every step is safe to repeat, so a run that
crashed anywhere continues with ``restore resume`` (or the same ``restore run``), even on
another machine that shares the state backend. Nothing here deletes an instance except
the runbook's ``cleanup`` and, with an explicit flag, its ``rollback`` (both with a final
snapshot).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Generic, TypeVar, overload

from automation.engine.base import Engine
from automation.runbook.actions import StepActions
from automation.runbook.cleanup import Cleanup, CleanupPlan
from automation.runbook.context import Maintenance, RunContext, Timeouts
from automation.runbook.execute import Executor, Resumer, Starter
from automation.runbook.finder import RunFinder
from automation.runbook.record import (
    DONE,
    ROLLING_BACK,
    RUN_TAGS,
    STARTED,
    TAG_DOWN,
    TAG_OPTIONS,
    TAG_ORIGINAL,
    TAG_RUN,
    TAG_SOURCE,
    TAG_STACK,
    TAG_STEP,
    TAG_STRATEGY,
    RunRecord,
    RunSummary,
    StepResult,
)
from automation.runbook.rollback import Rollback
from automation.runbook.status import NO_ENGINE, run_status
from automation.runbook.unlock import LockState, Unlock
from sccos_backup.aws.rds import RdsAdapter
from sccos_backup.restore.lock import DatabaseLock
from sccos_backup.restore.planfile import PlanStore
from sccos_backup.waiting import Callbacks

__all__ = [
    "DONE",
    "NO_ENGINE",
    "ROLLING_BACK",
    "RUN_TAGS",
    "STARTED",
    "TAG_DOWN",
    "TAG_OPTIONS",
    "TAG_ORIGINAL",
    "TAG_RUN",
    "TAG_SOURCE",
    "TAG_STACK",
    "TAG_STEP",
    "TAG_STRATEGY",
    "Callbacks",
    "CleanupPlan",
    "LockState",
    "Maintenance",
    "RunContext",
    "RunFinder",
    "RunRecord",
    "RunSummary",
    "Runbook",
    "StepResult",
    "Timeouts",
    "run_status",
]


T = TypeVar("T")


class _OnContext(Generic[T]):
    """A runbook attribute kept on its :class:`RunContext`: replacing it (as a test replaces the
    RDS adapter) reaches every collaborator."""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    @overload
    def __get__(self, runbook: None, owner: type) -> _OnContext[T]: ...

    @overload
    def __get__(self, runbook: Runbook, owner: type) -> T: ...

    def __get__(self, runbook: Runbook | None, owner: type) -> T | _OnContext[T]:
        if runbook is None:
            return self
        value: T = getattr(runbook.context, self.name)
        return value

    def __set__(self, runbook: Runbook, value: T) -> None:
        setattr(runbook.context, self.name, value)


class Runbook:
    """Executes restore plans, resumes and rolls them back (see the module docstring): one
    entry point over small collaborators that share one :class:`RunContext`."""

    rds = _OnContext[RdsAdapter]()
    engine = _OnContext[Engine]()
    clock = _OnContext[Callable[[], datetime]]()
    maintenance = _OnContext[Maintenance | None]()
    resync = _OnContext[Callable[[Callable[[str], None]], object] | None]()
    callbacks = _OnContext[Callbacks]()
    timeouts = _OnContext[Timeouts]()
    backend = _OnContext[str | None]()
    lock = _OnContext[DatabaseLock | None]()

    def __init__(
        self,
        rds: RdsAdapter,
        engine: Engine,
        clock: Callable[[], datetime],
        maintenance: Maintenance | None = None,
        resync: Callable[[Callable[[str], None]], object] | None = None,
        callbacks: Callbacks | None = None,
        timeouts: Timeouts | None = None,
        first_interval: float = 15.0,
        backend: str | None = None,
        lock: DatabaseLock | None = None,
        backend_url: str | None = None,
        work_dir: Path | None = None,
        plans: PlanStore | None = None,
    ) -> None:
        self.context = RunContext(
            rds=rds,
            engine=engine,
            clock=clock,
            maintenance=maintenance,
            resync=resync,
            callbacks=callbacks or Callbacks(),
            timeouts=timeouts or Timeouts(),
            first_interval=first_interval,
            backend=backend,
            lock=lock,
            backend_url=backend_url,
            work_dir=work_dir,
            plans=plans,
        )
        context = self.context
        self.finder = RunFinder(context)
        executor = Executor(context, self.finder, StepActions(context, self.finder))
        self.starter = Starter(context, self.finder, executor)
        self.resumer = Resumer(context, self.finder, executor)
        self.rollbacks = Rollback(context, self.finder)
        self.cleanups = Cleanup(context, self.finder)
        self.unlocks = Unlock(context, self.finder)
        # What it does is its collaborators' own methods, handed out as they are.
        self.runs = self.finder.runs
        self.active_run = self.finder.active_run
        self.lineage = self.finder.lineage
        self.approved_plan = self.finder.approved_plan
        self.check_can_start = self.starter.check_can_start
        self.start = self.starter.start
        self.resume = self.resumer.resume
        self.rollback_target = self.rollbacks.rollback_target
        self.rollback = self.rollbacks.rollback
        self.failed_restored = self.rollbacks.failed.failed_restored
        self.cleanup_target = self.cleanups.cleanup_target
        self.cleanup_plan = self.cleanups.cleanup_plan
        self.cleanup = self.cleanups.cleanup
        self.lock_state = self.unlocks.lock_state
        self.unlock = self.unlocks.unlock

    def rollback_preview(
        self, db_identifier: str, *, force: bool = False, delete_restored: bool = False
    ) -> list[str]:
        record = self.rollbacks.rollback_target(db_identifier, force=force)
        return self.rollbacks.preview.lines(record, delete_restored=delete_restored)
