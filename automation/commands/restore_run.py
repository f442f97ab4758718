"""``restore run | resume | status | rollback | cleanup``: the runbook, through the engine.

Each command builds its collaborators, calls the runbook, renders. Registered on the ``restore``
group by ``automation/commands/restore.py``.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Optional

import typer

from automation.commands.context import AppContext, app_context, echo_json, handle_errors
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
from automation.commands.progress import StatusLine
from sccos_backup import errors
from sccos_backup.restore.strategy import Strategy

if TYPE_CHECKING:
    from automation.engine.base import Engine
    from automation.runbook.runbook import Runbook, RunSummary

_JENKINS = "Jenkins (re-sync step)"
_PULUMI = "Pulumi"

BackendOpt = Annotated[
    Optional[str],  # noqa: UP045 - Typer reads Optional
    typer.Option(
        "--backend-url",
        envvar="PULUMI_BACKEND_URL",
        help="Pulumi state backend, e.g. s3://bucket/prefix to share runs (default: a local "
        "folder in the user's data directory).",
        rich_help_panel=_PULUMI,
    ),
]
JenkinsUrlOpt = Annotated[
    Optional[str],  # noqa: UP045
    typer.Option(
        "--jenkins-url", envvar="JENKINS_URL", help="Jenkins URL.", rich_help_panel=_JENKINS
    ),
]
JenkinsUserOpt = Annotated[
    Optional[str],  # noqa: UP045
    typer.Option(
        "--jenkins-user", envvar="JENKINS_USER", help="Jenkins user.", rich_help_panel=_JENKINS
    ),
]
JenkinsTokenOpt = Annotated[
    Optional[str],  # noqa: UP045
    typer.Option(
        "--jenkins-token",
        envvar="JENKINS_API_TOKEN",
        show_default=False,
        help="Jenkins API token (prefer JENKINS_API_TOKEN).",
        rich_help_panel=_JENKINS,
    ),
]
JenkinsJobOpt = Annotated[
    str, typer.Option("--jenkins-job", help="The sync:data job.", rich_help_panel=_JENKINS)
]
StoreOpt = Annotated[
    Optional[str],  # noqa: UP045
    typer.Option("--store", help="APPLICATION_STORE for sync:data.", rich_help_panel=_JENKINS),
]


def data_dir() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "sccos-backup"


def _stream(json_output: bool) -> Any:
    return sys.stderr if json_output else sys.stdout


def _notice(line: str) -> None:
    sys.stderr.write(line + "\n")


def _engine(context: AppContext, work_dir: Path, backend_url: str | None) -> Engine:
    if context.engine is not None:
        return context.engine
    from automation.engine.automation_api import AutomationEngine
    from sccos_backup.restore.stackfile import AwsTarget, check_project

    check_project(work_dir)
    passphrase = os.environ.get("PULUMI_CONFIG_PASSPHRASE")
    if passphrase is None and not os.environ.get("PULUMI_CONFIG_PASSPHRASE_FILE"):
        raise errors.InvalidInput(
            "the stack's secrets need a passphrase: set PULUMI_CONFIG_PASSPHRASE (or "
            "PULUMI_CONFIG_PASSPHRASE_FILE); use the same one on every machine"
        )
    return AutomationEngine(
        work_dir=work_dir,
        backend_url=backend_url,
        passphrase=passphrase,
        aws=AwsTarget(context.region, context.profile, context.endpoint_url),
        data_dir=data_dir(),
        on_notice=_notice,
    )


def _runbook(
    context: AppContext,
    *,
    work_dir: Path,
    backend_url: str | None,
    json_output: bool,
    resync: Any = None,
) -> tuple[Runbook, StatusLine]:
    from automation.runbook.runbook import Callbacks, Runbook

    stream = _stream(json_output)
    status = StatusLine()

    def notify(line: str) -> None:
        status.done()
        stream.write(line + "\n")
        stream.flush()

    def on_output(text: str) -> None:
        status.done()
        stream.write(text)
        stream.flush()

    runbook = Runbook(
        rds=context.rds(),
        engine=_engine(context, work_dir, backend_url),
        clock=context.clock,
        maintenance=_LazyMaintenance(context),
        resync=resync,
        callbacks=Callbacks(notify=notify, on_output=on_output, on_poll=status),
    )
    return runbook, status


class _LazyMaintenance:
    """Builds the CodePipeline client only when a run really switches maintenance mode."""

    def __init__(self, context: AppContext) -> None:
        self._context = context

    def check_pipelines_exist(self, env: str) -> None:
        self._context.maintenance_adapter().check_pipelines_exist(env)

    def set_maintenance(self, env: str, on: bool, *, timeout: float, on_poll: Any = None) -> None:
        self._context.maintenance_adapter().set_maintenance(
            env, on, timeout=timeout, on_poll=on_poll
        )


def _resync_step(
    context: AppContext,
    wanted: bool,
    url: str | None,
    user: str | None,
    token: str | None,
    job: str,
    store: str | None,
) -> Any:
    """The runbook's re-sync step, or None when it is not wanted; settings checked now."""
    if not wanted:
        return None
    from automation.commands.resync import jenkins_config
    from sccos_backup.jenkins.client import make_jenkins_adapter
    from sccos_backup.resync.job import ResyncRequest, run_resync

    config = jenkins_config(url, user, token)
    request = ResyncRequest(job=job, store=store)

    def step(on_output: Any) -> object:
        adapter = make_jenkins_adapter(config, sleep=context.sleep, clock=context.clock)
        return run_resync(adapter, request, on_output)

    return step


def _can_confirm(context: AppContext, yes: bool) -> None:
    """Refuse, before anything is contacted, where no confirmation can be asked."""
    if not yes and not context.is_interactive():
        raise errors.InvalidInput(
            "this command changes production databases and needs a confirmation: run it in a "
            "terminal, or pass --yes"
        )


def _confirm(context: AppContext, yes: bool, question: str) -> None:
    _can_confirm(context, yes)
    if not yes and not typer.confirm(question, default=False, err=True):
        raise errors.Aborted("nothing was changed")


def _show_summary(summary: RunSummary, status: StatusLine, json_output: bool) -> None:
    from automation.commands.render import render_summary

    status.done()
    if json_output:
        echo_json(summary.to_json())
    else:
        render_summary(summary)


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
    work_dir: WorkDirOpt = Path(),
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
    _can_confirm(context, yes)
    resync = _resync_step(
        context, request.resync, jenkins_url, jenkins_user, jenkins_token, jenkins_job, store
    )
    runbook, status = _runbook(
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
        _stream(json_output).write(f"continuing restore run {active.run_id} (step {active.step})\n")
        summary = runbook.resume(request.db_identifier)
    else:
        plan = prepare(context.rds(), request, context.clock())
        runbook.check_can_start(plan)
        if not json_output:
            render_plan(plan)
        _confirm(context, yes, f"Restore '{request.db_identifier}' now?")
        summary = runbook.start(plan)
    _show_summary(summary, status, json_output)


@handle_errors
def resume_command(
    ctx: typer.Context,
    db_id: DbId,
    json_output: JsonOpt = False,
    backend_url: BackendOpt = None,
    work_dir: WorkDirOpt = Path(),
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
    resync = _resync_step(
        context, not no_resync, jenkins_url, jenkins_user, jenkins_token, jenkins_job, store
    )
    runbook, status = _runbook(
        context, work_dir=work_dir, backend_url=backend_url, json_output=json_output, resync=resync
    )
    summary = runbook.resume(db)
    _show_summary(summary, status, json_output)


@handle_errors
def status_command(
    ctx: typer.Context,
    db_id: DbId,
    json_output: JsonOpt = False,
) -> None:
    """Show the latest restore run of a database: its steps and where it stands."""
    from automation.commands.render import render_status
    from automation.runbook.runbook import run_status
    from sccos_backup.identifiers import instance_identifier

    context = app_context(ctx)
    report = run_status(context.rds(), instance_identifier(db_id))
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
            "--delete-restored", help="Also delete the restored instance (with a final snapshot)."
        ),
    ] = False,
    yes: YesOpt = False,
    json_output: JsonOpt = False,
    backend_url: BackendOpt = None,
    work_dir: WorkDirOpt = Path(),
) -> None:
    """Put the original back under its name; rename the restored instance aside."""
    from sccos_backup.identifiers import instance_identifier

    db = instance_identifier(db_id)
    context = app_context(ctx)
    _can_confirm(context, yes)
    runbook, status = _runbook(
        context, work_dir=work_dir, backend_url=backend_url, json_output=json_output
    )
    runs = runbook.runs(db)
    if not runs:
        raise errors.NotFound(f"no restore run of '{db}' is recorded; nothing to roll back")
    extra = " and DELETE the restored instance (final snapshot)" if delete_restored else ""
    _confirm(
        context, yes, f"Roll back run {runs[0].run_id}: '{db}' becomes the original again{extra}?"
    )
    done = runbook.rollback(db, delete_restored=delete_restored)
    status.done()
    if json_output:
        echo_json({"database": db, "run": runs[0].run_id, "done": done})
    else:
        for line in done:
            typer.echo(line)


@handle_errors
def cleanup_command(
    ctx: typer.Context,
    db_id: DbId,
    yes: YesOpt = False,
    json_output: JsonOpt = False,
) -> None:
    """Delete the renamed original of a finished restore (final snapshot, backups kept)."""
    from automation.runbook.runbook import NO_ENGINE, Runbook
    from sccos_backup.identifiers import instance_identifier

    db = instance_identifier(db_id)
    context = app_context(ctx)
    _can_confirm(context, yes)
    runbook = Runbook(rds=context.rds(), engine=NO_ENGINE, clock=context.clock)
    record = runbook.cleanup_target(db)
    _confirm(
        context,
        yes,
        f"DELETE '{record.original.identifier}' (the original before run {record.run_id})? "
        "A final snapshot is taken and its automated backups are kept",
    )
    final = runbook.cleanup(record)
    if json_output:
        echo_json({"deleted": record.original.identifier, "finalSnapshot": final})
    else:
        typer.echo(
            f"deleting '{record.original.identifier}'; final snapshot '{final}'; "
            "automated backups kept"
        )
