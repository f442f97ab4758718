"""What the ``restore run | resume | status | rollback | cleanup`` commands share: the Pulumi and
Jenkins options, building the engine and the runbook, confirmations, the summary."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from automation.commands.context import AppContext, echo_json
from automation.commands.progress import StatusLine
from automation.commands.projects import data_dir
from sccos_backup import errors

if TYPE_CHECKING:
    from automation.engine.base import Engine
    from automation.runbook.runbook import Runbook, RunFinder, RunSummary
    from sccos_backup.restore.lock import DatabaseLock


BackendOpt = Annotated[
    str | None,
    typer.Option(
        "--backend-url",
        envvar="PULUMI_BACKEND_URL",
        help="Pulumi state backend, e.g. s3://bucket/prefix to share runs (default: a local "
        "folder in the user's data directory).",
    ),
]
JenkinsUrlOpt = Annotated[
    str | None,
    typer.Option("--jenkins-url", envvar="JENKINS_URL", help="Jenkins URL."),
]
JenkinsUserOpt = Annotated[
    str | None,
    typer.Option("--jenkins-user", envvar="JENKINS_USER", help="Jenkins user."),
]
JenkinsTokenOpt = Annotated[
    Path | None,
    typer.Option(
        "--jenkins-token-file",
        metavar="FILE",
        show_default=False,
        help="Read the Jenkins API token from FILE (default: JENKINS_API_TOKEN; never on the "
        "command line, where `ps` shows it).",
    ),
]
JenkinsJobOpt = Annotated[
    str,
    typer.Option(
        "--job",
        "--jenkins-job",
        metavar="NAME",
        help="The sync:data Jenkins job (as `resync --job`).",
    ),
]
StoreOpt = Annotated[
    str | None,
    typer.Option("--store", help="APPLICATION_STORE for sync:data."),
]


def resolved_backend_url(backend_url: str | None) -> str:
    """The backend this command uses: --backend-url / PULUMI_BACKEND_URL, else the per-user
    folder the engine defaults to."""
    if backend_url:
        return backend_url
    from automation.engine.automation_api import STATE_FOLDER, file_backend_url

    return file_backend_url((data_dir() / STATE_FOLDER).expanduser().absolute())


def make_lock(context: AppContext, backend_url: str | None) -> DatabaseLock:
    """The per-database lock in the state backend (a bucket object or a file in the folder)."""
    from sccos_backup.restore.lock import DatabaseLock, backend_identity, lock_store_for

    url = resolved_backend_url(backend_url)
    store = lock_store_for(
        url, region=context.region, profile=context.profile, endpoint_url=context.endpoint_url
    )
    return DatabaseLock(store, backend=backend_identity(url), clock=context.clock)


def run_finder(context: AppContext, backend_url: str | None) -> RunFinder:
    """Reads runs and their recorded plans (no engine): for plans, lineage and status."""
    from automation.runbook.runbook import NO_ENGINE, RunContext, RunFinder
    from sccos_backup.restore.planfile import PlanStore

    plans = PlanStore(make_lock(context, backend_url).store)
    return RunFinder(
        RunContext(rds=context.rds(), engine=NO_ENGINE, clock=context.clock, plans=plans)
    )


def stream_for(json_output: bool) -> Any:
    return sys.stderr if json_output else sys.stdout


def notice(line: str) -> None:
    sys.stderr.write(line + "\n")


def passphrase() -> str | None:
    """The stack passphrase from the environment; refused when neither variable is set."""
    value = os.environ.get("PULUMI_CONFIG_PASSPHRASE")
    file = os.environ.get("PULUMI_CONFIG_PASSPHRASE_FILE")
    if value is None and not file:
        raise errors.InvalidInput(
            "the stack's secrets need a passphrase: set PULUMI_CONFIG_PASSPHRASE (or "
            "PULUMI_CONFIG_PASSPHRASE_FILE); use the same one on every machine"
        )
    empty = value == "" if value is not None else _empty_file(str(file))
    if empty:
        where = "PULUMI_CONFIG_PASSPHRASE" if value is not None else f"the file {file}"
        raise errors.InvalidInput(
            f"the stack passphrase in {where} is empty: it would encrypt the stack's secrets "
            "with nothing; set a real one (the same on every machine)"
        )
    return value


def _empty_file(path: str) -> bool:
    """True when the passphrase file exists and holds only whitespace (an unreadable one is
    Pulumi's to report)."""
    try:
        with open(path, encoding="utf-8") as handle:
            return not handle.read().strip()
    except (OSError, UnicodeDecodeError):
        return False


def make_engine(context: AppContext, work_dir: Path | None, backend_url: str | None) -> Engine:
    if context.engine is not None:
        return context.engine
    from automation.commands.projects import RESTORE, resolve
    from automation.engine.automation_api import AutomationEngine
    from sccos_backup.restore.stackfile import AwsTarget, check_project

    work_dir = resolve(RESTORE, work_dir)
    check_project(work_dir)
    return AutomationEngine(
        work_dir=work_dir,
        backend_url=backend_url,
        passphrase=passphrase(),
        aws=AwsTarget(context.region, context.profile, context.endpoint_url),
        data_dir=data_dir(),
        on_notice=notice,
    )


def progress_streams(
    json_output: bool,
) -> tuple[Callable[[str], None], Callable[[str], None], StatusLine]:
    """Step lines, engine output and a status line for waits, sharing one stream (stderr with
    ``--json``, so stdout stays machine-readable)."""
    stream = stream_for(json_output)
    status = StatusLine()

    def notify(line: str) -> None:
        status.done()
        stream.write(line + "\n")
        stream.flush()

    def on_output(text: str) -> None:
        status.done()
        stream.write(text)
        stream.flush()

    return notify, on_output, status


def make_runbook(
    context: AppContext,
    *,
    work_dir: Path | None,
    backend_url: str | None,
    json_output: bool,
    resync: Any = None,
    engine_optional: bool = False,
) -> tuple[Runbook, StatusLine, str | None]:
    """The runbook with its engine and lock; with ``engine_optional`` (rollback, whose renames
    need no Pulumi) a missing project folder or passphrase gives a runbook without an engine and
    the reason, instead of an error."""
    from automation.runbook.runbook import NO_ENGINE, Callbacks, Runbook

    notify, on_output, status = progress_streams(json_output)
    lock = make_lock(context, backend_url)
    engine: Engine = NO_ENGINE
    skipped = None
    try:
        engine = make_engine(context, work_dir, backend_url)
    except errors.InvalidInput as error:
        if not engine_optional:
            raise
        skipped = str(error)
    settings = getattr(engine, "settings", None)  # the Automation API engine's project folder
    project = work_dir.resolve() if work_dir else getattr(settings, "work_dir", None)
    runbook = Runbook(
        rds=context.rds(),
        engine=engine,
        backend=lock.backend,
        lock=lock,
        backend_url=resolved_backend_url(backend_url),
        work_dir=project,
        clock=context.clock,
        maintenance=LazyMaintenance(context),
        resync=resync,
        callbacks=Callbacks(notify=notify, on_output=on_output, on_poll=status),
    )
    return runbook, status, skipped


class LazyMaintenance:
    """Builds the CodePipeline client only when a run really switches maintenance mode."""

    def __init__(self, context: AppContext) -> None:
        self._context = context

    def check_pipelines_exist(self, env: str) -> None:
        self._context.maintenance_adapter().check_pipelines_exist(env)

    def set_maintenance(self, env: str, on: bool, *, timeout: float, on_poll: Any = None) -> None:
        self._context.maintenance_adapter().set_maintenance(
            env, on, timeout=timeout, on_poll=on_poll
        )


def resync_step(
    context: AppContext,
    wanted: bool,
    url: str | None,
    user: str | None,
    token: Path | None,
    job: str,
    store: str | None,
    *,
    attach: bool = False,
) -> Any:
    """The runbook's re-sync step, or None when it is not wanted; settings checked now. With
    ``attach`` (a resumed run) a build of the job already running is followed, not started
    again."""
    if not wanted:
        return None
    from automation.commands.resync import jenkins_config
    from sccos_backup.jenkins.client import make_jenkins_adapter
    from sccos_backup.resync.job import ResyncRequest, attach_or_run_resync, run_resync

    config = jenkins_config(url, user, token)
    request = ResyncRequest(job=job, store=store)
    runner = attach_or_run_resync if attach else run_resync

    def step(on_output: Any) -> object:
        adapter = make_jenkins_adapter(config, sleep=context.sleep, clock=context.clock)
        return runner(adapter, request, on_output)

    return step


#: What a refused confirmation says by default: the restore commands' change.
CHANGES_DATABASES = "changes production databases"


def can_confirm(context: AppContext, yes: bool, changes: str = CHANGES_DATABASES) -> None:
    """Refuse, before anything is contacted, where no confirmation can be asked; ``changes``
    says truly what the command changes."""
    if not yes and not context.is_interactive():
        raise errors.InvalidInput(
            f"this command {changes} and needs a confirmation: run it in a terminal, or pass --yes"
        )


def confirm(
    context: AppContext, yes: bool, question: str, changes: str = CHANGES_DATABASES
) -> None:
    can_confirm(context, yes, changes)
    if not yes and not typer.confirm(question, default=False, err=True):
        raise errors.Aborted("nothing was changed")


def show_summary(summary: RunSummary, status: StatusLine, json_output: bool) -> None:
    from automation.commands.render import render_summary

    status.done()
    if json_output:
        echo_json(summary.to_json())
    else:
        render_summary(summary)
