"""``restore status | rollback | cleanup``: where a run stands, and undoing or finishing it."""

from __future__ import annotations

from typing import Annotated

import typer

from automation.commands.context import echo_done, echo_json, handle_errors
from automation.commands.factory import factory_of
from automation.commands.options import BackendOpt, DbId, JsonOpt, WorkDirOpt, YesOpt
from automation.commands.runbook_wiring import can_confirm, confirm


@handle_errors
def status_command(
    ctx: typer.Context,
    db_id: DbId,
    json_output: JsonOpt = False,
    backend_url: BackendOpt = None,
) -> None:
    """Show the latest restore run of a database: its steps and where it stands."""
    from automation.commands.render import render_status
    from automation.runbook.runbook import run_status
    from sccos_backup.identifiers import instance_identifier

    context = factory_of(ctx)
    plans = context.plan_store(backend_url)
    report = run_status(context.rds(), instance_identifier(db_id), plans)
    if json_output:
        echo_json(report)
    else:
        render_status(report)


@handle_errors
def rollback_command(
    ctx: typer.Context,
    db_id: DbId,
    delete_restored: Annotated[
        bool,
        typer.Option(
            "--delete-restored",
            help="Also delete the restored instance (with a final snapshot); one in a state "
            "RDS only allows deleting (failed, incompatible-restore, incompatible-network) is "
            "deleted without one.",
        ),
    ] = False,
    force: Annotated[
        bool,
        typer.Option(
            "--force",
            help="Roll back a finished run (writes made since the cut-over stay on the "
            "restored instance).",
        ),
    ] = False,
    yes: YesOpt = False,
    json_output: JsonOpt = False,
    backend_url: BackendOpt = None,
    work_dir: WorkDirOpt = None,
) -> None:
    """Put the original back under its name; rename the restored instance aside."""
    from sccos_backup.identifiers import instance_identifier

    db = instance_identifier(db_id)
    context = factory_of(ctx)
    can_confirm(context, yes)
    from automation.runbook.record import DONE

    runbook, status, skipped = context.runbook(
        work_dir=work_dir,
        backend_url=backend_url,
        json_output=json_output,
        engine_optional=True,
    )
    record = runbook.rollback_target(db, force=force)  # refusals come before the question
    failed = runbook.failed_restored(record)
    steps = runbook.rollback_preview(db, force=force, delete_restored=delete_restored)
    finished = " (finished)" if record.step == DONE else ""
    confirm(
        context,
        yes,
        f"Roll back run {record.run_id}{finished} of '{db}':\n"
        + "".join(f"  - {line}\n" for line in steps)
        + "Go ahead?",
    )
    # Deleting a failed restored instance needs consent: the flag, or a yes to the question
    # that listed the deletion.
    delete_failed = delete_restored or (bool(failed) and not yes)
    try:
        done = runbook.rollback(
            db,
            delete_restored=delete_restored,
            delete_failed=delete_failed,
            force=force,
            refresh_skipped=skipped,
        )
    except KeyboardInterrupt:
        from automation.commands.context import fail
        from automation.commands.exit_codes import ExitStatus

        raise fail(
            f"interrupted during the rollback of '{db}'; run `sccos-backup restore rollback {db}` "
            f"again to finish it (`sccos-backup restore status {db}` shows where it stands)",
            ExitStatus.INTERRUPTED,
        ) from None
    status.done()
    echo_done({"database": db, "run": record.run_id}, done, json_output)


@handle_errors
def cleanup_command(
    ctx: typer.Context,
    db_id: DbId,
    yes: YesOpt = False,
    json_output: JsonOpt = False,
    backend_url: BackendOpt = None,
) -> None:
    """Delete the renamed original of a finished restore (final snapshot, backups kept)."""
    from automation.commands.progress import progress_streams
    from automation.runbook.runbook import Callbacks
    from sccos_backup.identifiers import instance_identifier

    db = instance_identifier(db_id)
    context = factory_of(ctx)
    can_confirm(context, yes)
    notify, _, status = progress_streams(json_output)
    runbook = context.lock_runbook(backend_url, Callbacks(notify=notify, on_poll=status))
    approved = runbook.cleanup_plan(db)
    confirm(context, yes, approved.question())
    done = runbook.cleanup(db, approved)
    status.done()
    if json_output:
        echo_json(done.as_dict())
    else:
        typer.echo(
            f"deleted '{done.original.identifier}'; final snapshot '{done.final_snapshot}' "
            "kept; automated backups retained"
        )


@handle_errors
def unlock_command(
    ctx: typer.Context,
    db_id: DbId,
    yes: YesOpt = False,
    json_output: JsonOpt = False,
    backend_url: BackendOpt = None,
) -> None:
    """Break the lock a crashed restore command left on a database (shows who held it)."""
    from sccos_backup.identifiers import instance_identifier

    db = instance_identifier(db_id)
    context = factory_of(ctx)
    can_confirm(context, yes, "breaks the restore lock of a database")
    runbook = context.lock_runbook(backend_url)
    state = runbook.lock_state(db)
    if not state.locked:
        if json_output:
            echo_json({"database": db, "locked": False, "done": []})
        else:
            typer.echo(f"{state.describe()} (backend {runbook.context.backend}); nothing to do")
        return
    typer.echo(state.describe(), err=True)
    confirm(
        context,
        yes,
        "Break it? Only if that command is no longer running (a running one would continue "
        "unguarded)",
        "breaks the restore lock of a database",
    )
    done = runbook.unlock(state)
    echo_done({"database": db, "locked": False}, done, json_output)
