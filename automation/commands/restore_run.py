"""``restore run | resume``: the runbook, through the engine.

Each command builds its collaborators (:mod:`automation.commands.runbook_wiring`), calls the
runbook, renders. Registered on the ``restore`` group by ``automation/commands/restore.py``;
``status``, ``rollback`` and ``cleanup`` are in :mod:`automation.commands.restore_recover`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer

from automation.commands.context import handle_errors
from automation.commands.doctor import refuse_to_continue_unless_ready, refuse_unless_ready
from automation.commands.factory import factory_of
from automation.commands.options import (
    DbId,
    FromDatabaseOpt,
    JsonOpt,
    LatestOpt,
    MaintenanceOpt,
    NoResyncOpt,
    PlanFileOpt,
    SafetyOpt,
    SnapshotOpt,
    StackOpt,
    StrategyOpt,
    ToTimeOpt,
    WorkDirOpt,
    YesOpt,
)
from automation.commands.progress import stream_for
from automation.commands.runbook_wiring import (
    BackendOpt,
    JenkinsJobOpt,
    JenkinsTokenOpt,
    JenkinsUrlOpt,
    JenkinsUserOpt,
    StoreOpt,
    can_confirm,
    confirm,
    resync_step,
    show_summary,
)
from sccos_backup import errors
from sccos_backup.restore.steps import DEFAULT_RESYNC_JOB
from sccos_backup.restore.strategy import Strategy

if TYPE_CHECKING:
    from automation.runbook.runbook import Runbook
    from sccos_backup.restore.plan import RestorePlan

T = TypeVar("T")


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


@contextmanager
def ways_on_after_failure(
    runbook: Runbook, db: str, clock: Callable[[], datetime]
) -> Iterator[None]:
    """A failure (or Ctrl-C) past the rename ends with one line saying that DB_ID is down since
    when and naming both ways on (resume, rollback)."""
    try:
        yield
    except (errors.SccosBackupError, KeyboardInterrupt) as error:
        from automation.commands.context import fail
        from automation.commands.exit_codes import ExitStatus, exit_status_for
        from automation.runbook.status import ways_on

        try:
            record = runbook.active_run(db)
        except errors.SccosBackupError:
            record = None
        line = ways_on(record, clock()) if record is not None else None
        if line is None:
            raise
        if isinstance(error, KeyboardInterrupt):
            raise fail(f"interrupted; {line}", ExitStatus.INTERRUPTED) from None
        raise fail(f"{error}; {line}", exit_status_for(error)) from None


OptionalDbId = Annotated[
    str | None,
    typer.Argument(
        metavar="[DB_ID]",
        help="Identifier of the original DB instance (with --plan: the plan's, may be left out).",
        show_default=False,
    ),
]
#: Options a saved plan decides; given with --plan they are refused.
_PLANNED = (
    "snapshot",
    "to_time",
    "latest",
    "strategy",
    "stack",
    "maintenance",
    "safety_snapshot",
    "no_resync",
    "jenkins_job",
    "from_database",
)


_DEFAULTS = ("DEFAULT", "DEFAULT_MAP")


def _checked(rds: Any, plan: RestorePlan, lineage: tuple[str, ...]) -> RestorePlan:
    from sccos_backup.restore.prepare import recheck

    recheck(rds, plan, lineage)
    return plan


def _saved_plan(ctx: typer.Context, db_id: str | None, path: Path) -> RestorePlan:
    """The plan a file holds, for DB_ID if given; options the plan decides are refused."""
    from sccos_backup.identifiers import instance_identifier
    from sccos_backup.restore.planfile import loads

    given = [
        "--" + name.replace("_", "-")
        for name in _PLANNED
        if getattr(ctx.get_parameter_source(name), "name", "DEFAULT") not in _DEFAULTS
    ]
    if given:
        raise errors.InvalidInput(
            f"{', '.join(given)} cannot be combined with --plan: the saved plan decides them; "
            "make a new plan with `sccos-backup restore plan ... --out PLAN.json`"
        )
    try:
        text = path.expanduser().read_text()
    except OSError as error:
        raise errors.InvalidInput(
            f"cannot read the plan '{path}' ({error.strerror}); write one with "
            "`sccos-backup restore plan DB_ID ... --out PLAN.json`"
        ) from None
    plan = loads(text, f"plan '{path}'")
    if db_id is not None and instance_identifier(db_id) != plan.request.db_identifier:
        raise errors.InvalidInput(
            f"plan '{path}' restores '{plan.request.db_identifier}', not '{db_id}'; nothing was "
            "changed"
        )
    return plan


@handle_errors
def run_command(
    ctx: typer.Context,
    db_id: OptionalDbId = None,
    snapshot: SnapshotOpt = None,
    to_time: ToTimeOpt = None,
    latest: LatestOpt = False,
    strategy: StrategyOpt = Strategy.IN_PLACE,
    stack: StackOpt = None,
    maintenance: MaintenanceOpt = None,
    safety_snapshot: SafetyOpt = False,
    no_resync: NoResyncOpt = False,
    from_database: FromDatabaseOpt = None,
    plan_file: PlanFileOpt = None,
    yes: YesOpt = False,
    json_output: JsonOpt = False,
    backend_url: BackendOpt = None,
    work_dir: WorkDirOpt = None,
    jenkins_url: JenkinsUrlOpt = None,
    jenkins_user: JenkinsUserOpt = None,
    jenkins_token: JenkinsTokenOpt = None,
    jenkins_job: JenkinsJobOpt = DEFAULT_RESYNC_JOB,
    store: StoreOpt = None,
) -> None:
    """Run the whole restore: rename, pulumi up, verify, re-sync; or carry out a saved plan
    (--plan). Re-run it to continue."""
    from automation.commands.options import build_request
    from automation.commands.render import render_plan
    from sccos_backup.restore.prepare import prepare

    saved = None
    if plan_file is not None:
        saved = _saved_plan(ctx, db_id, plan_file)
        request = saved.request
    else:
        if db_id is None:
            raise errors.InvalidInput(
                "name the database (DB_ID) and a source, or a saved plan with --plan PLAN.json"
            )
        request = build_request(
            db_id,
            snapshot=snapshot,
            to_time=to_time,
            latest=latest,
            strategy=strategy,
            stack=stack,
            maintenance=maintenance,
            safety_snapshot=safety_snapshot,
            no_resync=no_resync,
            resync_job=jenkins_job,
            from_database=from_database,
        )
    context = factory_of(ctx)
    can_confirm(context, yes)
    finder = context.run_finder(backend_url)
    active = finder.active_run(request.db_identifier)
    problems = Problems()
    plan = None

    def lineage() -> tuple[str, ...]:
        return finder.lineage(request.db_identifier)

    if active is None:  # the AWS preconditions first, then the configuration: all reported
        if saved is not None:
            plan = problems.collect(lambda: _checked(context.rds(), saved, lineage()))
        else:
            plan = problems.collect(
                lambda: prepare(context.rds(), request, context.clock(), lineage())
            )
    resync = problems.collect(
        lambda: resync_step(
            context,
            request.resync,
            jenkins_url,
            jenkins_user,
            jenkins_token,
            request.resync_job,
            store,
            attach=active is not None,
        )
    )
    built = problems.collect(
        lambda: context.runbook(
            work_dir=work_dir,
            backend_url=backend_url,
            json_output=json_output,
            resync=resync,
        )
    )
    problems.raise_all()
    assert built is not None
    runbook, status, _ = built
    checked: dict[str, Any] = {
        "json_output": json_output,
        "backend_url": backend_url,
        "work_dir": work_dir,
        "jenkins_url": jenkins_url,
        "jenkins_user": jenkins_user,
        "jenkins_token": jenkins_token,
        "jenkins_job": request.resync_job,
        "store": store,
    }
    if active is not None:
        same = (
            active.run_id == saved.names.run_id
            if saved is not None
            else (active.request.choice, active.request.strategy)
            == (request.choice, request.strategy)
        )
        if not same:
            raise errors.RunInProgress(
                f"restore run {active.run_id} of '{request.db_identifier}' from another "
                f"{'plan' if saved is not None else 'source or strategy'} is in progress; "
                "continue it with `restore resume` or undo it with `restore rollback`"
            )
        stream_for(json_output).write(
            f"continuing restore run {active.run_id} (step {active.step})\n"
        )
        refuse_to_continue_unless_ready(
            context,
            runbook,
            request.db_identifier,
            resync=request.resync,
            maintenance=request.maintenance_env,
            **checked,
        )
        with ways_on_after_failure(runbook, request.db_identifier, context.clock):
            summary = runbook.resume(
                request.db_identifier,
                resync=request.resync,
                maintenance_env=request.maintenance_env,
            )
    else:
        assert plan is not None
        refuse_unless_ready(context, plan, **checked)
        runbook.check_can_start(plan)
        if not json_output:
            render_plan(plan)
        confirm(context, yes, f"Restore '{request.db_identifier}' now?")
        with ways_on_after_failure(runbook, request.db_identifier, context.clock):
            summary = runbook.start(plan)
    show_summary(summary, status, json_output)


@handle_errors
def resume_command(
    ctx: typer.Context,
    db_id: DbId,
    json_output: JsonOpt = False,
    backend_url: BackendOpt = None,
    work_dir: WorkDirOpt = None,
    no_resync: NoResyncOpt = False,
    maintenance: MaintenanceOpt = None,
    jenkins_url: JenkinsUrlOpt = None,
    jenkins_user: JenkinsUserOpt = None,
    jenkins_token: JenkinsTokenOpt = None,
    jenkins_job: JenkinsJobOpt = DEFAULT_RESYNC_JOB,
    store: StoreOpt = None,
) -> None:
    """Continue an interrupted restore run where it stopped (also from another machine), with
    the plan it recorded; --no-resync and --maintenance given here are recorded on the run."""
    from sccos_backup.identifiers import instance_identifier

    db = instance_identifier(db_id)
    context = factory_of(ctx)
    from automation.runbook.runbook import NO_ENGINE, RunContext, RunFinder

    finder = RunFinder(RunContext(rds=context.rds(), engine=NO_ENGINE, clock=context.clock))
    if finder.active_run(db) is None:  # before any setting is asked for
        raise errors.NotFound(
            f"no run to resume: no restore run of '{db}' is in progress; start one with "
            "`sccos-backup restore run`"
        )
    resync = resync_step(
        context,
        not no_resync,
        jenkins_url,
        jenkins_user,
        jenkins_token,
        jenkins_job,
        store,
        attach=True,
    )
    runbook, status, _ = context.runbook(
        work_dir=work_dir, backend_url=backend_url, json_output=json_output, resync=resync
    )
    record = runbook.active_run(db)
    chosen = getattr(ctx.get_parameter_source("jenkins_job"), "name", "DEFAULT") not in _DEFAULTS
    job = jenkins_job
    if record is not None and record.plan is not None and not chosen:
        job = record.plan.request.resync_job  # the job the approved plan named
    if resync is not None and job != jenkins_job:
        runbook.resync = resync_step(
            context, True, jenkins_url, jenkins_user, jenkins_token, job, store, attach=True
        )
    refuse_to_continue_unless_ready(
        context,
        runbook,
        db,
        resync=False if no_resync else None,
        maintenance=maintenance,
        json_output=json_output,
        backend_url=backend_url,
        work_dir=work_dir,
        jenkins_url=jenkins_url,
        jenkins_user=jenkins_user,
        jenkins_token=jenkins_token,
        jenkins_job=job,
        store=store,
    )
    with ways_on_after_failure(runbook, db, context.clock):
        summary = runbook.resume(
            db, resync=False if no_resync else None, maintenance_env=maintenance
        )
    show_summary(summary, status, json_output)
