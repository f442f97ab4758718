"""``sccos-backup restore``: plan, capture (and, with the driver, run) a restore."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from automation.commands.context import command_group, echo_json, handle_errors
from automation.commands.factory import factory_of, resolved_backend_url
from automation.commands.options import (
    BackendOpt,
    DbId,
    FromDatabaseOpt,
    JenkinsJobOpt,
    JsonOpt,
    LatestOpt,
    OutOpt,
    RestoreChoices,
    RunSettings,
    SnapshotOpt,
    StackOpt,
    StrategyOpt,
    ToTimeOpt,
    WorkDirOpt,
    option_groups,
)
from sccos_backup.restore.steps import DEFAULT_RESYNC_JOB
from sccos_backup.restore.strategy import Strategy

if TYPE_CHECKING:
    from pathlib import Path

    from sccos_backup.restore.plan import RestorePlan

app = command_group(
    help="Restore a database from a snapshot or a point in time, with the original's settings.",
)


@app.command("plan")
@handle_errors
@option_groups
def plan_command(
    ctx: typer.Context,
    db_id: DbId,
    *,
    choices: RestoreChoices,
    # Declared here for their place in --help; option_groups puts them in their groups too.
    jenkins_job: JenkinsJobOpt = DEFAULT_RESYNC_JOB,
    from_database: FromDatabaseOpt = None,
    out: OutOpt = None,
    json_output: JsonOpt = False,
    settings: RunSettings,
) -> None:
    """Show the restore's steps, every setting (original beside declared) and the checks
    `restore run` makes first (as `sccos-backup doctor`; exit 3 when one failed); --out saves
    a ready plan for `restore run --plan`. Changes nothing in AWS."""
    from automation.commands.doctor import build_setup, render_checks
    from automation.doctor.checks import run_checks
    from sccos_backup.restore.prepare import prepare

    request = choices.request(db_id, settings.jenkins_job)
    context = factory_of(ctx)

    lineage = context.run_finder(settings.backend_url).lineage(request.db_identifier)
    plan = prepare(context.rds(), request, context.clock(), lineage)
    setup = build_setup(context, request, settings)
    checks, _ = run_checks(setup, plan)
    if json_output:
        from sccos_backup.restore.planfile import plan_document

        echo_json({**plan_document(plan), **checks.as_dict()})
    else:
        from automation.commands.render import render_plan

        render_plan(plan)
        typer.echo("")
        render_checks(checks)
    if not checks.ready:
        from sccos_backup import errors

        unwritten = ""
        if out is not None:
            target = out.expanduser().absolute()
            unwritten = (
                f"; the plan was not written to {target} (`restore run --plan` would refuse it)"
            )
        raise errors.PreconditionFailed(
            f"not ready: {len(checks.failures)} check(s) failed: {checks.failed_text()}"
            f"{unwritten}; fix them and plan again"
        )
    if out is not None:
        written = write_plan(plan, out)
        typer.echo(
            f"wrote the plan to {written}; review it, then: sccos-backup restore run --plan "
            f"{written}",
            err=json_output,
        )


def write_plan(plan: RestorePlan, path: Path) -> Path:
    """Write the plan file whole or not at all (a draft renamed into place)."""
    import os

    from sccos_backup import errors
    from sccos_backup.restore.planfile import dumps

    target = path.expanduser().absolute()
    draft = target.with_name(f".{target.name}.draft")
    try:
        draft.write_text(dumps(plan))
        os.replace(draft, target)
    except OSError as error:
        draft.unlink(missing_ok=True)
        raise errors.InvalidInput(
            f"cannot write the plan to '{target}' ({error.strerror}); choose another --out"
        ) from None
    return target


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
    backend_url: BackendOpt = None,
    json_output: JsonOpt = False,
) -> None:
    """Write the captured settings and source to Pulumi.<stack>.yaml for pulumi preview / up,
    and print the commands a reviewer pastes: backend login, stack select, preview."""
    from sccos_backup.restore.prepare import prepare
    from sccos_backup.restore.stackfile import (
        check_project,
        stack_config,
        write_stack_file,
    )

    choices = RestoreChoices(
        snapshot=snapshot, to_time=to_time, latest=latest, strategy=strategy, stack=stack
    )
    request = choices.request(db_id)
    from automation.commands.projects import RESTORE, resolve

    work_dir = resolve(RESTORE, work_dir)
    check_project(work_dir)
    context = factory_of(ctx)
    plan = prepare(context.rds(), request, context.clock())
    target = context.aws_target()
    config = stack_config(plan.spec, target)
    path = write_stack_file(work_dir, plan.stack, config)
    commands = review_commands(resolved_backend_url(backend_url), plan.stack, work_dir)
    if json_output:
        echo_json({"stack": plan.stack, "file": str(path), "config": config, "commands": commands})
        return
    typer.echo(f"wrote {path}: restore '{plan.restore_as}' from {plan.source.describe()}")
    typer.echo(
        "review it, then paste (PULUMI_CONFIG_PASSPHRASE set as for `sccos-backup restore run`):"
    )
    for command in commands:
        typer.echo(f"  {command}")
    if plan.restore_as == request.db_identifier:
        typer.echo(
            f"note: '{request.db_identifier}' exists until it is renamed; `pulumi up` on this "
            "stack only succeeds after the rename (`sccos-backup restore run` does both)"
        )


def review_commands(backend: str, stack: str, folder: Path) -> list[str]:
    """The Pulumi CLI commands that preview a captured stack file as it was written: log in
    to the backend the restore commands use, select the stack (creating it, passphrase
    secrets, as the engine does) and preview, each with ``--cwd`` (pulumi 3's global flag)."""
    import shlex

    cwd = shlex.quote(str(folder))
    return [
        f"pulumi login {shlex.quote(backend)}",
        f"pulumi stack select --create --secrets-provider passphrase --stack {stack} --cwd {cwd}",
        f"pulumi preview --stack {stack} --cwd {cwd}",
    ]


def _register() -> None:
    from automation.commands import rehearse
    from automation.commands import restore_recover as recover
    from automation.commands import restore_run as run

    app.command("run")(run.run_command)
    app.command("resume")(run.resume_command)
    app.command("status")(recover.status_command)
    app.command("rollback")(recover.rollback_command)
    app.command("cleanup")(recover.cleanup_command)
    app.command("unlock")(recover.unlock_command)
    app.command("rehearse")(rehearse.rehearse_command)


_register()
