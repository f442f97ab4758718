"""``restore rehearse``: the whole runbook against a stand-in of production, timed, then removed.

Builds the runbook as ``restore run`` does (:mod:`automation.commands.runbook_wiring`), plans the
rehearsal, shows it, asks, runs it, writes and renders the report. ``--cleanup`` removes what an
interrupted rehearsal left. Registered on the ``restore`` group by ``restore.py``.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, cast

import typer

from automation.commands.context import echo_done, echo_json, fail, handle_errors
from automation.commands.exit_codes import ExitStatus
from automation.commands.factory import Factory, factory_of
from automation.commands.options import (
    BackendOpt,
    DbId,
    JenkinsTokenOpt,
    JenkinsUrlOpt,
    JenkinsUserOpt,
    JsonOpt,
    NoResyncOpt,
    RunSettings,
    SnapshotOpt,
    StoreOpt,
    StrategyOpt,
    WorkDirOpt,
    YesOpt,
    reports_url_option,
)
from automation.commands.progress import stream_for
from automation.commands.runbook_wiring import can_confirm, confirm
from sccos_backup import errors
from sccos_backup.restore.strategy import Strategy

if TYPE_CHECKING:
    from automation.rehearse.driver import Rehearsal
    from automation.rehearse.plan import RehearsalPlan
    from automation.rehearse.report import RehearsalReport
    from automation.runbook.runbook import Runbook

#: What a refused confirmation says a rehearsal changes (production is only described).
REHEARSE_CHANGES = "creates a stand-in database, restores it twice and deletes all of it"
CleanupOpt = Annotated[
    bool,
    typer.Option(
        "--cleanup",
        help="Remove what an interrupted rehearsal of DB_ID left (by the identities it "
        "recorded), instead of rehearsing.",
    ),
]
RehearsalJobOpt = Annotated[
    str | None,
    typer.Option(
        "--job",
        metavar="NAME",
        help="The rehearsal's own Jenkins job, created and deleted by it (default: "
        "sccos-backup-rehearsal-DB_ID-ID); never the production re-sync job.",
        show_default=False,
    ),
]
CommandOpt = Annotated[
    str | None,
    typer.Option(
        "--resync-command",
        metavar="CMD",
        help="What the rehearsal's job runs instead of sync:data (default: an echo).",
        show_default=False,
    ),
]
TestMaintenanceOpt = Annotated[
    str | None,
    typer.Option(
        "--maintenance",
        metavar="ENV",
        help="Turn maintenance mode of a TEST environment ENV on and off as a run would "
        "(never production's: the shop would go down). Default: none.",
        show_default=False,
    ),
]
ReportsUrlOpt = Annotated[str | None, reports_url_option("the JSON report is", "rehearsals/")]


def _jobs(context: Factory, url: str | None, user: str | None, token: Path | None) -> Any:
    from automation.commands.resync import jenkins_config

    return context.jenkins(jenkins_config(url, user, token))


def _resync(jobs: Any, job: str, command: str) -> Any:
    from sccos_backup.resync.job import ResyncRequest, run_resync

    request = ResyncRequest(job=job, command=command)

    def step(on_output: Any) -> object:
        return run_resync(jobs, request, on_output)

    return step


def _rehearsal(context: Factory, runbook: Runbook, jobs: Any) -> Rehearsal:
    from automation.rehearse.driver import Rehearsal, RehearsalCallbacks
    from automation.rehearse.remove import ForgettingEngine

    if not hasattr(runbook.engine, "forget"):
        raise errors.PulumiUnavailable(
            "a rehearsal needs the Pulumi engine (it removes its stacks afterwards); install "
            "it with `sccos-backup engine install`"
        )
    assert runbook.lock is not None
    callbacks = runbook.callbacks
    return Rehearsal(
        runbook=runbook,
        engine=cast(ForgettingEngine, runbook.engine),
        store=runbook.lock.store,
        clock=context.clock,
        jobs=jobs,
        callbacks=RehearsalCallbacks(
            notify=callbacks.notify, on_output=callbacks.on_output, on_poll=callbacks.on_poll
        ),
    )


def _interrupted(db: str) -> typer.Exit:
    return fail(
        f"interrupted; the rehearsal's stand-in and copies may exist: remove them with "
        f"`sccos-backup restore rehearse {db} --cleanup`",
        ExitStatus.INTERRUPTED,
    )


@handle_errors
def rehearse_command(
    ctx: typer.Context,
    db_id: DbId,
    strategy: StrategyOpt = Strategy.IN_PLACE,
    snapshot: SnapshotOpt = None,
    maintenance: TestMaintenanceOpt = None,
    no_resync: NoResyncOpt = False,
    cleanup: CleanupOpt = False,
    yes: YesOpt = False,
    json_output: JsonOpt = False,
    backend_url: BackendOpt = None,
    work_dir: WorkDirOpt = None,
    jenkins_url: JenkinsUrlOpt = None,
    jenkins_user: JenkinsUserOpt = None,
    jenkins_token: JenkinsTokenOpt = None,
    job: RehearsalJobOpt = None,
    resync_command: CommandOpt = None,
    store: StoreOpt = None,
    reports_url: ReportsUrlOpt = None,
) -> None:
    """Rehearse the whole restore runbook on a stand-in of DB_ID (restored from its newest
    snapshot) and report each step's time, the downtime and the RTO; DB_ID is only read."""
    from automation.commands.options import maintenance_env
    from automation.rehearse.plan import DEFAULT_COMMAND, RehearsalRequest, prepare_rehearsal
    from sccos_backup.identifiers import instance_identifier
    from sccos_backup.restore.steps import DEFAULT_RESYNC_JOB

    db = instance_identifier(db_id)
    if job == DEFAULT_RESYNC_JOB:
        raise errors.InvalidInput(
            f"--job '{job}' is the production re-sync job; a rehearsal creates and deletes a "
            "job of its own: leave --job out or name a new one"
        )
    request = RehearsalRequest(
        db_identifier=db,
        strategy=strategy,
        snapshot=snapshot,
        maintenance_env=maintenance_env(maintenance),
        resync=not no_resync,
        job=job,
        command=resync_command or DEFAULT_COMMAND,
        store=store,
    )
    context = factory_of(ctx)
    can_confirm(context, yes, REHEARSE_CHANGES)
    if not cleanup:
        from automation.rehearse.driver import refuse_open_run

        refuse_open_run(context.run_finder(backend_url), db)
    production = context.rds().describe_instance(db)
    wanted = request.resync or cleanup
    jobs = None
    if wanted and (jenkins_url or jenkins_user or jenkins_token or request.resync):
        try:
            jobs = _jobs(context, jenkins_url, jenkins_user, jenkins_token)
        except errors.InvalidInput:
            if not cleanup:
                raise
    if cleanup:
        runbook, status, _ = context.runbook(
            work_dir=work_dir, backend_url=backend_url, json_output=json_output
        )
        rehearsal = _rehearsal(context, runbook, jobs)
        confirm(
            context,
            yes,
            f"DELETE what the unfinished rehearsal of '{db}' created (by recorded identity)?",
            REHEARSE_CHANGES,
        )
        try:
            done = rehearsal.cleanup(db, production.arn)
        except KeyboardInterrupt:
            raise _interrupted(db) from None
        status.done()
        echo_done({"database": db}, done, json_output)
        return
    plan = prepare_rehearsal(context.rds(), request, context.clock())
    resync = _resync(jobs, plan.names.job, request.command) if request.resync else None
    runbook, status, _ = context.runbook(
        work_dir=work_dir, backend_url=backend_url, json_output=json_output, resync=resync
    )
    rehearsal = _rehearsal(context, runbook, jobs)
    settings = RunSettings(
        backend_url=backend_url,
        work_dir=work_dir,
        jenkins_url=jenkins_url,
        jenkins_user=jenkins_user,
        jenkins_token=jenkins_token,
        jenkins_job=plan.names.job,
        store=store,
    )
    _check_ready(context, plan, settings, json_output=json_output)
    rehearsal.check_can_start(plan)
    if not json_output:
        _render_plan(plan)
    confirm(
        context,
        yes,
        f"Create the stand-in '{plan.names.stand_in}' and rehearse now?",
        REHEARSE_CHANGES,
    )
    try:
        report = rehearsal.run(plan)
    except KeyboardInterrupt:
        raise _interrupted(db) from None
    status.done()
    location = _write(context, reports_url, report)
    if json_output:
        echo_json({**report.as_dict(), "report": location})
    else:
        _render_report(report, location)


def _check_ready(
    context: Factory, plan: RehearsalPlan, settings: RunSettings, *, json_output: bool
) -> None:
    """The checks `restore run` makes (as `sccos-backup doctor`), of a run of production with
    the rehearsal's snapshot, strategy, maintenance and re-sync on the rehearsal's own job: the
    same identity, rights, engine, backend and lock, KMS key, instance class, pipelines and
    Jenkins a rehearsal needs, with the passphrase of the rehearsal's ``rehearsal-DB-*``
    stacks. Refuses before anything is created, as `restore run` does."""
    from automation.commands.doctor import refuse_unless_ready
    from sccos_backup.restore.plan import RestoreRequest
    from sccos_backup.restore.prepare import prepare
    from sccos_backup.restore.source import SourceChoice

    request = plan.request
    run = RestoreRequest(
        db_identifier=request.db_identifier,
        choice=SourceChoice(snapshot=plan.snapshot.identifier),
        strategy=request.strategy,
        maintenance_env=request.maintenance_env,
        resync=request.resync,
        resync_job=plan.names.job,
        # The snapshot the rehearsal chose (production's, or one named with --snapshot) is
        # its source on purpose, as the rehearsal's own runs name it.
        from_database=plan.snapshot.resource_id or None,
    )
    checked = prepare(context.rds(), run, context.clock())
    # The passphrase must open the rehearsal's own stacks, not those of real runs.
    prefix = plan.names.stack_prefix(request.db_identifier)
    refuse_unless_ready(context, checked, settings, json_output=json_output, stack_prefix=prefix)


def _write(context: Factory, reports_url: str | None, report: RehearsalReport) -> str:
    from automation.rehearse.report import report_name

    store = context.report_store(reports_url, default="rehearsals")
    return store.write(report_name(report.database, report.rehearsal_id), report.to_text())


def _render_plan(plan: RehearsalPlan) -> None:
    data = plan.as_dict()
    cost = data["cost"]
    lines = [
        f"Rehearsal {data['rehearsal']} of {data['database']} ({data['strategy']}); "
        f"'{data['database']}' is only read",
        f"  restore point: snapshot {data['source']['snapshot_identifier']} "
        f"({data['source']['snapshot_create_time']})",
        f"  stand-in:      {data['stand_in']}  (stack {data['stand_in_stack']})",
        f"  runs:          stacks {', '.join(data['run_stacks'])}",
        f"  Jenkins job:   {data['jenkins_job'] or '- (no re-sync)'}",
        f"  maintenance:   {data['maintenance'] or '- (none)'}",
        f"  cost:          {cost['instanceClass']}, Multi-AZ {cost['multiAZ']}, "
        f"{cost['allocatedStorageGiB']} GiB {cost['storageType']}; up to "
        f"{cost['instancesAtOnce']} such instances at once until the end",
        "",
        "Steps:",
    ]
    lines += [f"  {n:>2}. {s['title']}" for n, s in enumerate(data["steps"], 1)]
    typer.echo("\n".join(lines))


def _minutes(seconds: float) -> str:
    return f"{int(seconds // 60)}:{int(seconds % 60):02d}"


def _render_report(report: RehearsalReport, location: str) -> None:
    figures = report.figures()
    out = stream_for(False)
    out.write(f"Rehearsal {report.rehearsal_id} of '{report.database}' ({report.strategy}): done\n")
    for step in report.steps:
        out.write(f"  {_minutes(step.seconds):>8}  {step.title}\n")
    for name, value in figures["downtime_seconds"].items():
        if "measured" in value:
            runs = ", ".join(_minutes(s) for s in value["measured"])
            out.write(f"downtime {name}: {_minutes(value['expected'])} (m:ss; runs: {runs})\n")
        else:
            out.write(f"downtime {name}: about {_minutes(value['estimated'])} ({value['how']})\n")
    out.write(
        f"RTO to expect for '{report.database}': {_minutes(figures['rto_seconds'])} (m:ss), "
        f"{figures['rto_how']}\n"
    )
    out.write(f"removed: {len(report.removed)} item(s); report: {location}\n")
