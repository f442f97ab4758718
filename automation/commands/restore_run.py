"""``restore run | resume``: the runbook, through the engine.

Each command builds its collaborators (:mod:`automation.commands.runbook_wiring`), calls the
runbook, renders. Registered on the ``restore`` group by ``automation/commands/restore.py``;
``status``, ``rollback`` and ``cleanup`` are in :mod:`automation.commands.restore_recover`.
"""

from __future__ import annotations

import typer

from automation.commands.context import app_context, handle_errors
from automation.commands.options import (
    DbId,
    JsonOpt,
    LatestOpt,
    MaintenanceOpt,
    NoResyncOpt,
    SafetyOpt,
    SnapshotOpt,
    StackOpt,
    StrategyOpt,
    ToTimeOpt,
    WorkDirOpt,
    YesOpt,
)
from automation.commands.runbook_wiring import (
    BackendOpt,
    JenkinsJobOpt,
    JenkinsTokenOpt,
    JenkinsUrlOpt,
    JenkinsUserOpt,
    StoreOpt,
    can_confirm,
    confirm,
    make_runbook,
    resync_step,
    show_summary,
    stream_for,
)
from sccos_backup import errors
from sccos_backup.restore.strategy import Strategy


@handle_errors
def run_command(
    ctx: typer.Context,
    db_id: DbId,
    snapshot: SnapshotOpt = None,
    to_time: ToTimeOpt = None,
    latest: LatestOpt = False,
    strategy: StrategyOpt = Strategy.IN_PLACE,
    stack: StackOpt = None,
    maintenance: MaintenanceOpt = None,
    safety_snapshot: SafetyOpt = False,
    no_resync: NoResyncOpt = False,
    yes: YesOpt = False,
    json_output: JsonOpt = False,
    backend_url: BackendOpt = None,
    work_dir: WorkDirOpt = None,
    jenkins_url: JenkinsUrlOpt = None,
    jenkins_user: JenkinsUserOpt = None,
    jenkins_token: JenkinsTokenOpt = None,
    jenkins_job: JenkinsJobOpt = "sccos-backup-sync-data",
    store: StoreOpt = None,
) -> None:
    """Run the whole restore: rename, pulumi up, verify, re-sync. Re-run it to continue."""
    from automation.commands.options import build_request
    from automation.commands.render import render_plan
    from sccos_backup.restore.prepare import prepare

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
    )
    context = app_context(ctx)
    can_confirm(context, yes)
    resync = resync_step(
        context, request.resync, jenkins_url, jenkins_user, jenkins_token, jenkins_job, store
    )
    runbook, status, _ = make_runbook(
        context, work_dir=work_dir, backend_url=backend_url, json_output=json_output, resync=resync
    )
    active = runbook.active_run(request.db_identifier)
    if active is not None:
        same = (active.request.choice, active.request.strategy) == (
            request.choice,
            request.strategy,
        )
        if not same:
            raise errors.RunInProgress(
                f"restore run {active.run_id} of '{request.db_identifier}' from another source "
                "or strategy is in progress; continue it with `restore resume` or undo it "
                "with `restore rollback`"
            )
        stream_for(json_output).write(
            f"continuing restore run {active.run_id} (step {active.step})\n"
        )
        summary = runbook.resume(request.db_identifier)
    else:
        plan = prepare(context.rds(), request, context.clock())
        runbook.check_can_start(plan)
        if not json_output:
            render_plan(plan)
        confirm(context, yes, f"Restore '{request.db_identifier}' now?")
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
    jenkins_url: JenkinsUrlOpt = None,
    jenkins_user: JenkinsUserOpt = None,
    jenkins_token: JenkinsTokenOpt = None,
    jenkins_job: JenkinsJobOpt = "sccos-backup-sync-data",
    store: StoreOpt = None,
) -> None:
    """Continue an interrupted restore run where it stopped (also from another machine)."""
    from sccos_backup.identifiers import instance_identifier

    db = instance_identifier(db_id)
    context = app_context(ctx)
    resync = resync_step(
        context, not no_resync, jenkins_url, jenkins_user, jenkins_token, jenkins_job, store
    )
    runbook, status, _ = make_runbook(
        context, work_dir=work_dir, backend_url=backend_url, json_output=json_output, resync=resync
    )
    summary = runbook.resume(db)
    show_summary(summary, status, json_output)
