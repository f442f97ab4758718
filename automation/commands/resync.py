"""``sccos-backup resync``: re-sync Redis and Elasticsearch through the ``sync:data`` Jenkins job.

Registered by ``automation/cli.py`` with ``app.command("resync", help=...)(resync)``.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from automation.commands.context import echo_json, handle_errors
from automation.commands.factory import factory_of
from automation.commands.options import InsecureHttpOpt, duration_option
from automation.commands.progress import StatusLine
from automation.commands.projects import data_dir
from sccos_backup.defaults import DEFAULT_BUILD_TIMEOUT, DEFAULT_JOB, DEFAULT_QUEUE_TIMEOUT
from sccos_backup.errors import InvalidInput, JenkinsBuildFailed

if TYPE_CHECKING:
    from sccos_backup.jenkins.config import JenkinsConfig


def jenkins_token(token_file: Path | None) -> str | None:
    """The API token: from ``--jenkins-token-file``, else ``JENKINS_API_TOKEN``. Never an
    option's value: a command line shows in ``ps`` to every user of the host."""
    if token_file is None:
        return os.environ.get("JENKINS_API_TOKEN") or None
    try:
        token = token_file.expanduser().read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as error:
        reason = getattr(error, "strerror", None) or "not text"
        raise InvalidInput(
            f"cannot read --jenkins-token-file '{token_file}' ({reason}); check the path"
        ) from None
    if not token:
        raise InvalidInput(f"--jenkins-token-file '{token_file}' is empty; put the token in it")
    return token


def jenkins_config(
    url: str | None, user: str | None, token_file: Path | None, *, insecure: bool = False
) -> JenkinsConfig:
    """The Jenkins settings from options / environment, or one line naming what is missing;
    ``insecure`` (--allow-insecure-http) lets the token go to a plain http:// URL."""
    token = jenkins_token(token_file)
    missing = [
        hint
        for value, hint in (
            (url, "--jenkins-url or JENKINS_URL"),
            (user, "--jenkins-user or JENKINS_USER"),
            (token, "JENKINS_API_TOKEN or --jenkins-token-file"),
        )
        if not value
    ]
    if missing:
        raise InvalidInput("Jenkins is not configured: set " + "; set ".join(missing))
    assert url and user and token
    from sccos_backup.jenkins.config import JenkinsConfig

    return JenkinsConfig(url=url, user=user, token=token, allow_insecure_http=insecure)


@contextlib.contextmanager
def interrupts_as_keyboard_interrupt() -> Iterator[None]:
    """SIGINT and SIGTERM raise KeyboardInterrupt once; later ones are ignored.

    The library then cancels the queue item or stops the build, exactly once, without being
    interrupted itself. Outside the main thread (no signals there) this does nothing.
    """
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    fired = [False]

    def handler(signum: int, frame: Any) -> None:
        if fired[0]:
            sys.stderr.write("still cleaning up after the interrupt; please wait\n")
            return
        fired[0] = True
        raise KeyboardInterrupt

    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, old in previous.items():
            # After an interrupt the command is ending: a repeated Ctrl-C must not cut the
            # report short (or kill the process with a traceback), so keep ignoring them.
            signal.signal(sig, signal.SIG_IGN if fired[0] else old)


#: The folder of the data folder where --adopt saves previous job configurations (0700).
ADOPTED_JOBS = "adopted-jobs"


@handle_errors
def resync(
    ctx: typer.Context,
    *,
    jenkins_url: Annotated[
        str | None,
        typer.Option(
            "--jenkins-url",
            envvar="JENKINS_URL",
            help="Jenkins URL, e.g. https://jenkins.<env>/.",
        ),
    ] = None,
    jenkins_user: Annotated[
        str | None,
        typer.Option(
            "--jenkins-user",
            envvar="JENKINS_USER",
            help="Jenkins user name.",
        ),
    ] = None,
    jenkins_token: Annotated[
        Path | None,
        typer.Option(
            "--jenkins-token-file",
            metavar="FILE",
            help="Read the Jenkins API token from FILE (default: JENKINS_API_TOKEN); a token "
            "is never taken on the command line, where `ps` shows it.",
            show_default=False,
        ),
    ] = None,
    job: Annotated[
        str, typer.Option("--job", help="Job to create or reuse; folders as a/b/job.")
    ] = DEFAULT_JOB,
    command: Annotated[
        str | None,
        typer.Option("--command", help="Run this instead of `vendor/bin/console sync:data`."),
    ] = None,
    copy_script_from: Annotated[
        str | None,
        typer.Option(
            "--copy-script-from",
            metavar="JOB",
            help="Copy the shell script of this job; its console call becomes the sync call.",
        ),
    ] = None,
    store: Annotated[
        str | None,
        typer.Option("--store", help="Export APPLICATION_STORE=STORE (e.g. DE) in the script."),
    ] = None,
    resource: Annotated[
        list[str] | None,
        typer.Option(
            "--resource",
            metavar="RESOURCE",
            help="Sync only this resource (repeatable; one sync:data call each, in order).",
        ),
    ] = None,
    queue_timeout: Annotated[
        float,
        duration_option(
            "--queue-timeout", help="How long the build may wait for an executor.", default="10m"
        ),
    ] = DEFAULT_QUEUE_TIMEOUT,
    build_timeout: Annotated[
        float, duration_option("--build-timeout", help="How long the build may run.", default="1h")
    ] = DEFAULT_BUILD_TIMEOUT,
    follow: Annotated[
        bool,
        typer.Option(
            "--follow",
            help="Attach to a build of the job that is already running or queued; start one "
            "only if there is none.",
        ),
    ] = False,
    detach: Annotated[
        bool,
        typer.Option(
            "--detach",
            help="On Ctrl-C, SIGTERM or a timeout leave the build running (default: stop it).",
        ),
    ] = False,
    adopt: Annotated[
        bool,
        typer.Option(
            "--adopt",
            help="Manage an existing job sccos-backup did not create: show the diff, save its "
            "config.xml, then change it.",
        ),
    ] = False,
    enable: Annotated[
        bool, typer.Option("--enable", help="Enable the job if it is disabled in Jenkins.")
    ] = False,
    save_dir: Annotated[
        Path | None,
        typer.Option(
            "--save-dir",
            metavar="DIR",
            help="Where --adopt saves the job's previous config.xml, readable by you only "
            "(default: adopted-jobs in the data folder).",
            show_default=False,
        ),
    ] = None,
    json_output: Annotated[
        bool, typer.Option("--json", help="Print one JSON object at the end instead of the log.")
    ] = False,
    allow_insecure_http: InsecureHttpOpt = False,
) -> None:
    """Re-sync Redis and Elasticsearch from the database: run `sync:data` in Jenkins."""
    from sccos_backup.resync.job import ResyncRequest, run_resync

    config = jenkins_config(jenkins_url, jenkins_user, jenkins_token, insecure=allow_insecure_http)
    request = ResyncRequest(
        job=job,
        command=command,
        copy_script_from=copy_script_from,
        store=store,
        resources=tuple(resource or ()),
        queue_timeout=queue_timeout,
        build_timeout=build_timeout,
        adopt=adopt,
        enable=enable,
        detach=detach,
        save_dir=save_dir if save_dir is not None else data_dir() / ADOPTED_JOBS,
    )
    adapter = factory_of(ctx).jenkins(config)
    progress = StatusLine()

    def on_status(line: str) -> None:
        progress.done()
        sys.stderr.write(line + "\n")
        sys.stderr.flush()

    def on_output(text: str) -> None:
        if not json_output:
            progress.done()
            sys.stdout.write(text)
            sys.stdout.flush()

    try:
        with interrupts_as_keyboard_interrupt():
            result = run_resync(
                adapter, request, on_output, attach=follow, on_status=on_status, on_poll=progress
            )
    except JenkinsBuildFailed as failed:
        if json_output:
            echo_json({"job": job, "result": failed.result, "console_tail": failed.console_tail})
        raise
    finally:
        progress.done()  # the error line (interrupt, timeout) starts on a fresh line
    if json_output:
        echo_json(result.as_dict())
    else:
        on_status(
            f"build #{result.build_number} of '{result.job}': {result.result} "
            f"in {result.duration_seconds:.0f} s"
        )
