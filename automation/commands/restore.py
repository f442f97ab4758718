"""``sccos-backup restore``: plan, capture (and, with the driver, run) a restore."""

from __future__ import annotations

import typer

from automation.commands.context import app_context, echo_json, handle_errors
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
    build_request,
)
from sccos_backup.restore.strategy import Strategy

app = typer.Typer(
    help="Restore a database from a snapshot or a point in time, with the original's settings.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
    rich_markup_mode=None,
)


@app.command("plan")
@handle_errors
def plan_command(
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
    json_output: JsonOpt = False,
) -> None:
    """Show the restore's steps and every setting, original beside declared. Changes nothing."""
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
    plan = prepare(context.rds(), request, context.clock())
    if json_output:
        echo_json(plan.to_json())
    else:
        from automation.commands.render import render_plan

        render_plan(plan)


@app.command("capture")
@handle_errors
def capture_command(
    ctx: typer.Context,
    db_id: DbId,
    stack: StackOpt = None,
    snapshot: SnapshotOpt = None,
    to_time: ToTimeOpt = None,
    latest: LatestOpt = False,
    strategy: StrategyOpt = Strategy.IN_PLACE,
    work_dir: WorkDirOpt = None,
    json_output: JsonOpt = False,
) -> None:
    """Write the captured settings and source to Pulumi.<stack>.yaml for pulumi preview / up."""
    from sccos_backup.restore.prepare import prepare
    from sccos_backup.restore.stackfile import (
        AwsTarget,
        check_project,
        stack_config,
        write_stack_file,
    )

    request = build_request(
        db_id, snapshot=snapshot, to_time=to_time, latest=latest, strategy=strategy, stack=stack
    )
    from automation.commands.projects import RESTORE, resolve

    work_dir = resolve(RESTORE, work_dir)
    check_project(work_dir)
    context = app_context(ctx)
    plan = prepare(context.rds(), request, context.clock())
    target = AwsTarget(context.region, context.profile, context.endpoint_url)
    config = stack_config(plan.spec, target)
    path = write_stack_file(work_dir, plan.stack, config)
    if json_output:
        echo_json({"stack": plan.stack, "file": str(path), "config": config})
        return
    typer.echo(f"wrote {path}: restore '{plan.restore_as}' from {plan.source.describe()}")
    typer.echo(f"review it, then: pulumi preview --stack {plan.stack}")
    if plan.restore_as == request.db_identifier:
        typer.echo(
            f"note: '{request.db_identifier}' exists until it is renamed; `pulumi up` on this "
            "stack only succeeds after the rename (`sccos-backup restore run` does both)"
        )


def _register() -> None:
    from automation.commands import restore_recover as recover
    from automation.commands import restore_run as run

    app.command("run")(run.run_command)
    app.command("resume")(run.resume_command)
    app.command("status")(recover.status_command)
    app.command("rollback")(recover.rollback_command)
    app.command("cleanup")(recover.cleanup_command)
    app.command("unlock")(recover.unlock_command)


_register()
