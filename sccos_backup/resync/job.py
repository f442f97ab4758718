"""Re-sync Redis and Elasticsearch after a restore: the ``sync:data`` Jenkins job.

Runbook step 3 ("Re-sync data from the restored database") as code: make sure a freestyle
Jenkins job runs ``vendor/bin/console sync:data`` in one Execute-shell step, build it, follow
its queue item to the build, and stream the console until the build ends.

The script is decided here, as data, before Jenkins is touched (:func:`plan_script`):

* default: ``vendor/bin/console sync:data``; ``--command`` replaces that command verbatim;
* ``resources``: one ``sync:data <resource>`` call per resource, one per line, in the given
  order (large catalogues are synced one resource at a time; Jenkins runs the step with
  ``sh -xe``, so the first failing call fails the build);
* ``store``: ``export APPLICATION_STORE=<store>`` before the first console call;
* ``copy_script_from``: the Execute-shell steps of an existing job joined into one script,
  with its console call replaced, see :func:`merge_script`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sccos_backup.defaults import DEFAULT_BUILD_TIMEOUT, DEFAULT_JOB, DEFAULT_QUEUE_TIMEOUT
from sccos_backup.errors import InvalidInput, PreconditionFailed
from sccos_backup.jenkins.client import JenkinsAdapter, JobAction
from sccos_backup.jenkins.config import check_job_name
from sccos_backup.jenkins.jobxml import ShellJob, check_script
from sccos_backup.waiting import Poll

CONSOLE = "vendor/bin/console"
SYNC_COMMAND = f"{CONSOLE} sync:data"
#: Seconds a build may wait in the queue for an executor.
#: Seconds a build may run; sync:data on a large catalogue takes long: raise it there.
JOB_DESCRIPTION = (
    "Re-syncs Redis and Elasticsearch from the database (vendor/bin/console sync:data) after "
    "a restore. Managed by sccos-backup resync: its shell step is overwritten on each run."
)

_STORE = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
_RESOURCE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]*$")
#: The console binary, with whatever path the script gives it (./, /data/, $APP_DIR/).
_CONSOLE_BIN = re.compile(r"(?P<bin>(?:[^\s'\"`;&|()]*/)?vendor/bin/console)(?=[\s;&|'\"`)]|$)")
#: An assignment of APPLICATION_STORE, as an export, a prefix or a docker -e option.
_STORE_ASSIGNMENT = re.compile(
    r"(?<![A-Za-z0-9_])APPLICATION_STORE=(?:\"[^\"]*\"|'[^']*'|[^\s;&|'\"`)]*)"
)


@dataclass(frozen=True)
class ResyncRequest:
    """What to run. Validated on construction; nothing is contacted before that."""

    job: str = DEFAULT_JOB
    command: str | None = None
    copy_script_from: str | None = None
    store: str | None = None
    resources: tuple[str, ...] = ()
    queue_timeout: float = DEFAULT_QUEUE_TIMEOUT
    build_timeout: float = DEFAULT_BUILD_TIMEOUT

    def __post_init__(self) -> None:
        check_job_name(self.job, option="--job")
        if self.copy_script_from is not None:
            check_job_name(self.copy_script_from, option="--copy-script-from")
            if self.copy_script_from == self.job:
                raise InvalidInput(
                    f"--copy-script-from names the job itself ('{self.job}'); copy the script "
                    "of another job that runs a console command"
                )
        if self.command is not None:
            check_script(self.command, what="--command")
            if self.resources:
                raise InvalidInput(
                    "--command and --resource do not go together: --command replaces the "
                    "whole sync:data call; put the resource into the command instead"
                )
        if self.store is not None and not _STORE.match(self.store):
            raise InvalidInput(
                f"--store '{self.store}' is not a store name; use letters, digits and "
                "underscores, e.g. DE"
            )
        for resource in self.resources:
            if not _RESOURCE.match(resource):
                raise InvalidInput(
                    f"--resource '{resource}' is not a sync:data resource name, e.g. "
                    "url or product_abstract"
                )
        if len(set(self.resources)) != len(self.resources):
            raise InvalidInput("a --resource is given twice; name each resource once")
        for name, value in (
            ("--queue-timeout", self.queue_timeout),
            ("--build-timeout", self.build_timeout),
        ):
            if not value > 0:
                raise InvalidInput(f"{name} must be a positive number of seconds")


@dataclass(frozen=True)
class ResyncResult:
    """A successful re-sync."""

    job: str
    job_action: JobAction
    build_number: int
    result: str
    duration_seconds: float
    url: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "job": self.job,
            "job_action": str(self.job_action),
            "build_number": self.build_number,
            "result": self.result,
            "duration_seconds": round(self.duration_seconds, 3),
            "url": self.url,
        }


def sync_commands(request: ResyncRequest) -> tuple[str, ...]:
    """The console calls the job runs, one per line."""
    if request.command is not None:
        return (check_script(request.command, what="--command").strip("\n"),)
    if request.resources:
        return tuple(f"{SYNC_COMMAND} {resource}" for resource in request.resources)
    return (SYNC_COMMAND,)


def generated_script(request: ResyncRequest) -> str:
    """The script of a job made from scratch."""
    lines = [f"export APPLICATION_STORE={request.store}"] if request.store else []
    lines.extend(sync_commands(request))
    return "\n".join(lines) + "\n"


def _open_quote(prefix: str) -> str | None:
    """The quote character left open at the end of ``prefix`` (shell rules, roughly)."""
    quote: str | None = None
    escaped = False
    for char in prefix:
        if escaped:
            escaped = False
        elif char == "\\" and quote != "'":
            escaped = True
        elif quote is None and char in "'\"":
            quote = char
        elif char == quote:
            quote = None
    return quote


def _split_console_call(line: str) -> tuple[str, str, str, str] | None:
    """``(prefix, console binary, arguments, suffix)`` of the first console call on ``line``.

    The arguments end at the end of the line, at a shell separator (``;``, ``&``, ``|``, ``)``,
    a backtick, a `` #`` comment) outside quotes, or at the quote that encloses the call
    (``docker exec app sh -c "vendor/bin/console queue:worker:start"``).
    """
    match = _CONSOLE_BIN.search(line)
    if match is None:
        return None
    prefix = line[: match.start()]
    enclosing = _open_quote(prefix)
    i = match.end()
    quote: str | None = None
    while i < len(line):
        char = line[i]
        if quote is not None:
            if char == "\\" and quote == '"':
                i += 1
            elif char == quote:
                quote = None
        elif enclosing is not None and char == enclosing:
            break
        elif char == "\\":
            i += 1
        elif enclosing is None and char in "'\"":
            quote = char
        elif char in ";&|)`" or (char == "#" and line[i - 1].isspace()):
            break
        i += 1
    arguments = line[match.end() : i]
    kept = arguments.rstrip()
    return prefix, match.group("bin"), kept, arguments[len(kept) :] + line[i:]


def _with_binary(command: str, binary: str) -> str:
    """``command`` calling the console the way the copied script does (its path kept)."""
    if command == CONSOLE or command.startswith(CONSOLE + " "):
        return binary + command[len(CONSOLE) :]
    return command


def merge_script(copied: str, request: ResyncRequest, *, source: str) -> str:
    """Put the sync calls into the script copied from job ``source``.

    * Every line other than the console calls is kept verbatim (shebang, ``set``, ``cd``,
      exports, environment files, ``docker exec`` wrappers).
    * The first line calling ``vendor/bin/console`` is the template: it is repeated once per
      sync call with only the console call (binary and arguments) replaced; text before and
      after the call on that line stays (``APPLICATION_STORE=DE vendor/bin/console ...``,
      ``docker exec app sh -c "vendor/bin/console ..."``, ``... && echo done``). The console
      binary's path as written in the script (``./vendor/bin/console``) is kept.
    * Later lines calling the console are dropped: the job runs the sync, nothing else.
    * With ``store``, every ``APPLICATION_STORE=...`` assignment in the script gets that value;
      with none there, ``export APPLICATION_STORE=<store>`` goes right before the calls.
    """
    lines = copied.replace("\r\n", "\n").split("\n")
    out: list[str] = []
    template_at: int | None = None
    for line in lines:
        parts = _split_console_call(line)
        if parts is None:
            out.append(line)
            continue
        if template_at is not None:
            continue
        template_at = len(out)
        prefix, binary, _arguments, suffix = parts
        out.extend(
            prefix + _with_binary(command, binary) + suffix for command in sync_commands(request)
        )
    if template_at is None:
        raise PreconditionFailed(
            f"the shell script of job '{source}' (--copy-script-from) never calls "
            f"{CONSOLE}; pick a job that runs a console command, or use --command"
        )
    script = "\n".join(out)
    if request.store:
        assignment = f"APPLICATION_STORE={request.store}"
        script, count = _STORE_ASSIGNMENT.subn(assignment, script)
        if count == 0:
            out = script.split("\n")
            out.insert(template_at, f"export {assignment}")
            script = "\n".join(out)
    return script.rstrip("\n") + "\n"


def plan_script(request: ResyncRequest, copied: ShellJob | None) -> ShellJob:
    """The job's shell step (and label) for ``request``; pure."""
    if copied is None:
        return ShellJob(script=generated_script(request))
    source = request.copy_script_from or "?"
    return ShellJob(
        script=merge_script(copied.script, request, source=source),
        assigned_node=copied.assigned_node,
    )


def run_resync(
    adapter: JenkinsAdapter,
    request: ResyncRequest,
    on_output: Callable[[str], None],
    *,
    on_status: Callable[[str], None] | None = None,
    on_poll: Callable[[Poll], None] | None = None,
) -> ResyncResult:
    """Ensure the sync job, build it, stream its console to ``on_output``; return the result.

    ``on_status`` gets one short line per step (job created, build started); ``on_poll`` gets
    the queue wait's progress. Raises :class:`~sccos_backup.errors.JenkinsError` subclasses
    (``JenkinsBuildFailed`` for FAILURE, ABORTED, UNSTABLE) and ``WaitTimeout``.
    """

    def status(line: str) -> None:
        if on_status is not None:
            on_status(line)

    copied = None
    if request.copy_script_from is not None:
        copied = adapter.read_shell_job(request.copy_script_from)
    desired = plan_script(request, copied)
    action = adapter.ensure_job(request.job, desired, description=JOB_DESCRIPTION)
    status(f"job '{request.job}' on {adapter.server}: {action}")
    queue_id = adapter.start_build(request.job)
    status(f"queued as item {queue_id}")
    build = adapter.wait_for_start(
        request.job, queue_id, timeout=request.queue_timeout, on_poll=on_poll
    )
    status(f"build #{build.number} started: {build.url}")
    outcome = adapter.follow_build(build, timeout=request.build_timeout, on_output=on_output)
    return ResyncResult(
        job=request.job,
        job_action=action,
        build_number=outcome.number,
        result=outcome.result,
        duration_seconds=outcome.duration_seconds,
        url=outcome.url,
    )
