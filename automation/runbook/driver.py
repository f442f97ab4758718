"""Starting or continuing a restore run, as ``restore run`` and ``restore resume`` do.

The command parses its options and builds what the driver asks for (:class:`RunSetup`); the
driver decides: it continues the open run (never starts a second one), reports every problem
found before the first change at once, re-checks a continued run before it changes anything,
and ends a failure past the rename with one line naming both ways on.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Protocol, TypeVar

from automation.runbook.finder import RunFinder
from automation.runbook.record import RunRecord, RunSummary
from automation.runbook.runbook import Runbook
from automation.runbook.status import ways_on
from sccos_backup import errors
from sccos_backup.restore.plan import RestorePlan, RestoreRequest
from sccos_backup.restore.prepare import prepare, recheck
from sccos_backup.restore.steps import Resync

T = TypeVar("T")
#: The runbook's re-sync step: runs (or follows) the sync:data job, streaming its console.
ResyncStep = Callable[[Callable[[str], None]], object]


class RunSetup(Protocol):
    """What the driver asks of the command: each may refuse with a configuration problem."""

    #: The re-sync job the command was given, and whether it was given explicitly (a resumed
    #: run otherwise keeps the job its plan named).
    job: str
    job_chosen: bool

    def resync(self, job: str, *, attach: bool) -> ResyncStep:
        """The re-sync step for ``job``, its settings checked now; with ``attach`` a build of
        the job already running is followed, not started again."""

    def runbook(self, resync: ResyncStep | None) -> Runbook:
        """The runbook with its engine, lock and callbacks."""

    def check_ready(self, plan: RestorePlan, *, job: str, active_run: str | None) -> None:
        """The doctor's checks of ``plan``; refuses (before any change) when one fails."""

    def approve(self, plan: RestorePlan) -> None:
        """Show the plan and ask for the go-ahead; refuses when it is declined."""


class Problems:
    """Every problem found before the first change, reported at once (the first decides the
    exit code): a typo in a snapshot name is not hidden behind a missing Jenkins setting."""

    def __init__(self) -> None:
        self.found: list[errors.SccosBackupError] = []

    def collect(self, check: Callable[[], T]) -> T | None:
        try:
            return check()
        except errors.SccosBackupError as error:
            self.found.append(error)
            return None

    def raise_all(self) -> None:
        if len(self.found) == 1:
            raise self.found[0]
        if self.found:
            text = "; ".join(f"({n}) {e}" for n, e in enumerate(self.found, 1))
            combined = type(self.found[0])(
                f"{len(self.found)} problems, nothing was changed: {text}"
            )
            combined.details = tuple(line for e in self.found for line in e.details)
            raise combined


def run_or_resume(
    finder: RunFinder,
    request: RestoreRequest,
    setup: RunSetup,
    *,
    saved: RestorePlan | None = None,
) -> RunSummary:
    """``restore run``: start the run ``request`` (or the ``saved`` plan) asks for, or continue
    the open run of the database when it is the same one."""
    db = request.db_identifier
    active = finder.active_run(db)
    problems = Problems()
    plan = None
    if active is None:  # the AWS preconditions first, then the configuration: all reported
        plan = problems.collect(lambda: _plan(finder, request, saved))
    step = problems.collect(
        lambda: (
            setup.resync(request.resync_job, attach=active is not None) if request.resync else None
        )
    )
    runbook = problems.collect(lambda: setup.runbook(step))
    problems.raise_all()
    assert runbook is not None
    if active is not None:
        _refuse_another(active, request, saved)
        runbook.callbacks.notify(f"continuing restore run {active.run_id} (step {active.step})")
        return _resume(
            runbook,
            setup,
            db,
            job=request.resync_job,
            resync=request.resync,
            maintenance_env=request.maintenance_env,
        )
    assert plan is not None
    setup.check_ready(plan, job=request.resync_job, active_run=None)
    runbook.check_can_start(plan)
    setup.approve(plan)
    with ways_on_after_failure(runbook, db):
        return runbook.start(plan)


def resume(
    finder: RunFinder,
    db: str,
    setup: RunSetup,
    *,
    resync: bool | None = None,
    maintenance_env: str | None = None,
) -> RunSummary:
    """``restore resume``: continue the open run of ``db`` with the plan it recorded and the
    re-sync job it named (unless the command names another)."""
    if finder.active_run(db) is None:  # before any setting is asked for
        raise errors.NotFound(
            f"no run to resume: no restore run of '{db}' is in progress; start one with "
            "`sccos-backup restore run`"
        )
    wanted = resync is not False
    runbook = setup.runbook(setup.resync(setup.job, attach=True) if wanted else None)
    record = runbook.active_run(db)
    job = setup.job
    if record is not None and record.plan is not None and not setup.job_chosen:
        job = record.plan.request.resync_job  # the job the approved plan named
    if wanted and job != setup.job:
        runbook.resync = setup.resync(job, attach=True)
    return _resume(runbook, setup, db, job=job, resync=resync, maintenance_env=maintenance_env)


def _resume(
    runbook: Runbook,
    setup: RunSetup,
    db: str,
    *,
    job: str,
    resync: bool | None,
    maintenance_env: str | None,
) -> RunSummary:
    """Check the open run again for what may have changed since it stopped, then continue it."""
    record = runbook.active_run(db)
    plan = continued_plan(record, resync, maintenance_env) if record is not None else None
    if record is not None and plan is not None:  # else the runbook refuses, naming why
        setup.check_ready(plan, job=job, active_run=record.run_id)
    with ways_on_after_failure(runbook, db):
        return runbook.resume(db, resync=resync, maintenance_env=maintenance_env)


def continued_plan(
    record: RunRecord, resync: bool | None, maintenance_env: str | None
) -> RestorePlan | None:
    """The recorded plan as resume carries it on: ``resync`` and ``maintenance_env`` applied,
    a re-sync already done left out; None when no plan is recorded."""
    plan = record.approved
    if plan is None:
        return None
    wanted = plan.request.resync if resync is None else resync
    return plan.with_options(
        resync=wanted and not record.completed(Resync.key),
        maintenance_env=plan.request.maintenance_env or maintenance_env,
    )


def _plan(finder: RunFinder, request: RestoreRequest, saved: RestorePlan | None) -> RestorePlan:
    """The plan of a new run: ``saved`` checked again, or one made now."""
    rds = finder.context.rds
    lineage = finder.lineage(request.db_identifier)
    if saved is not None:
        recheck(rds, saved, lineage)
        return saved
    return prepare(rds, request, finder.context.clock(), lineage)


def _refuse_another(active: RunRecord, request: RestoreRequest, saved: RestorePlan | None) -> None:
    """Refuse to continue an open run that is not the one asked for."""
    same = (
        active.run_id == saved.names.run_id
        if saved is not None
        else (active.request.choice, active.request.strategy) == (request.choice, request.strategy)
    )
    if not same:
        raise errors.RunInProgress(
            f"restore run {active.run_id} of '{request.db_identifier}' from another "
            f"{'plan' if saved is not None else 'source or strategy'} is in progress; "
            "continue it with `restore resume` or undo it with `restore rollback`"
        )


@contextmanager
def ways_on_after_failure(runbook: Runbook, db: str) -> Iterator[None]:
    """A failure (or Ctrl-C) past the rename ends with one line saying that DB_ID is down since
    when and naming both ways on (resume, rollback)."""
    try:
        yield
    except (errors.SccosBackupError, KeyboardInterrupt) as error:
        try:
            record = runbook.active_run(db)
        except errors.SccosBackupError:
            record = None
        line = ways_on(record, runbook.clock()) if record is not None else None
        if line is None:
            raise
        if isinstance(error, KeyboardInterrupt):
            raise errors.Interrupted(f"interrupted; {line}") from None
        error.args = (f"{error}; {line}",)
        error.details = ()  # the one line names the failure and the ways on
        raise
