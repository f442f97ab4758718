"""Re-sync Redis and Elasticsearch after a restore: the ``sync:data`` Jenkins job.

Runbook step 3 ("Re-sync data from the restored database") as code: make sure a freestyle
Jenkins job runs ``vendor/bin/console sync:data`` in one Execute-shell step (the script is
planned in :mod:`sccos_backup.resync.script`), build it, follow its queue item to the build,
and stream the console until the build ends.

One entry point, :func:`run_resync`: ensure the job, start one build and follow it. It refuses
when a build of the job is already running or queued (it would only queue behind it); with
``attach=True`` it follows that build instead and starts one only when there is none. For
resuming after a crash or an interrupted follow: it never starts a second ``sync:data``.

Interrupts (``KeyboardInterrupt``, which the CLI also raises for SIGTERM) behave like
``jenkins-cli build -s``: a queued item is cancelled, a running build is stopped (once; a
finished one never), and :class:`~sccos_backup.errors.Interrupted` says which, with the
build's URL. With
``request.detach`` the build is left running and the message says how to follow it.

Ownership: a job this tool creates carries :data:`MARKER` in its description. An existing job
without it is changed only with ``request.adopt``: its previous ``config.xml`` is saved to
``request.save_dir`` (0600) and a summary of the change (lines added and removed, never the
configuration itself, which may hold credentials) reported through ``on_status`` first. A
disabled job is refused unchanged unless ``request.enable``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sccos_backup import errors
from sccos_backup.defaults import follow_command
from sccos_backup.files import private_folder, write_private
from sccos_backup.jenkins.builds import BuildOutcome, BuildRef
from sccos_backup.jenkins.client import JenkinsAdapter, JobAction, JobPlan
from sccos_backup.jenkins.control import ActiveBuild
from sccos_backup.jenkins.jobxml import OWNERSHIP_MARKER
from sccos_backup.resync.request import ResyncRequest, ResyncResult
from sccos_backup.resync.script import plan_script
from sccos_backup.waiting import Poll

__all__ = [
    "JOB_DESCRIPTION",
    "MARKER",
    "ResyncRequest",
    "ResyncResult",
    "preview_job",
    "run_resync",
]

#: In the description of every job this tool manages (see :mod:`sccos_backup.jenkins.jobxml`).
MARKER = OWNERSHIP_MARKER
JOB_DESCRIPTION = (
    "Re-syncs Redis and Elasticsearch from the database (vendor/bin/console sync:data) after "
    "a restore. Its build steps are managed by sccos-backup resync and replaced on each run.\n"
    f"\n{MARKER}"
)


@dataclass(frozen=True)
class _Callbacks:
    on_output: Callable[[str], None]
    on_status: Callable[[str], None] | None
    on_poll: Callable[[Poll], None] | None

    def status(self, line: str) -> None:
        if self.on_status is not None:
            self.on_status(line)


def run_resync(
    adapter: JenkinsAdapter,
    request: ResyncRequest,
    on_output: Callable[[str], None],
    *,
    attach: bool = False,
    on_status: Callable[[str], None] | None = None,
    on_poll: Callable[[Poll], None] | None = None,
) -> ResyncResult:
    """Ensure the sync job, build it, stream its console to ``on_output``; return the result.

    With ``attach`` (``resync --follow``, a resumed restore) a build of the job already running
    or queued is followed instead, and one is started only when there is none: a re-sync
    already running in Jenkins is never started again, and the job is not touched while
    attaching. Without it, a running or queued build is refused.

    ``on_status`` gets one short line per step (job created, build started, an adoption's
    change summary); ``on_poll`` gets the queue wait's progress. Raises
    :class:`~sccos_backup.errors.JenkinsError` subclasses (``JenkinsBuildFailed`` for FAILURE,
    ABORTED, UNSTABLE), ``PreconditionFailed`` (job not ours, disabled, already running),
    ``WaitTimeout`` and ``Interrupted``.
    """
    calls = _Callbacks(on_output, on_status, on_poll)
    adapter.check_server()
    if attach:
        try:
            active = adapter.active_build(request.job)
        except errors.JenkinsJobMissing:
            active = None
        if active is not None:
            calls.status(f"attaching to {_describe(request.job, active)}")
            outcome = _follow(adapter, request, active, calls)
            return _result(request, JobAction.UNCHANGED, outcome, attached=True)
    return _run(adapter, request, calls)


def _run(adapter: JenkinsAdapter, request: ResyncRequest, calls: _Callbacks) -> ResyncResult:
    plan = _plan(adapter, request)
    if plan.state is not None:
        active = adapter.active_build(request.job)
        if active is not None:
            raise errors.PreconditionFailed(
                f"{_describe(request.job, active)} on {adapter.server}; follow it with "
                f"`{follow_command(request.job)}` (no second build is started), or stop it in "
                "Jenkins first"
            )
    _apply(adapter, request, plan, calls)
    parameterized = plan.state is not None and plan.state.parameterized
    try:
        queue_id = adapter.start_build(request.job, parameterized=parameterized)
    except KeyboardInterrupt:
        # The POST may have queued a build before the interrupt: find it and undo it.
        active = adapter.active_build(request.job)
        if active is None:
            raise errors.Interrupted("interrupted before a build was queued; nothing ran") from None
        raise _interrupted(adapter, request, active.queue_id, active.build) from None
    calls.status(f"queued as item {queue_id}")
    outcome = _follow(adapter, request, ActiveBuild(queue_id=queue_id), calls)
    return _result(request, plan.action, outcome, attached=False)


def _describe(job: str, active: ActiveBuild) -> str:
    if active.build is not None:
        return (
            f"build #{active.build.number} of job '{job}' is already running ({active.build.url})"
        )
    return f"queue item {active.queue_id} of job '{job}' is already waiting to start"


def preview_job(adapter: JenkinsAdapter, request: ResyncRequest) -> JobPlan:
    """What a re-sync would do to its job, and whether it may; changes nothing."""
    return _plan(adapter, request)


def _plan(adapter: JenkinsAdapter, request: ResyncRequest) -> JobPlan:
    """Observe the job and check that we may change and build it; change nothing."""
    copied = None
    if request.copy_script_from is not None:
        copied = adapter.read_shell_job(request.copy_script_from)
    desired = plan_script(request, copied)
    plan = adapter.plan_job(
        request.job, desired, description=JOB_DESCRIPTION, enable=request.enable
    )
    state = plan.state
    if state is not None and not state.marked and not request.adopt:
        raise errors.PreconditionFailed(
            f"job '{request.job}' on {adapter.server} was not created by sccos-backup (its "
            f"description lacks '{MARKER}'); pass --adopt to let sccos-backup manage its build "
            "steps (its config.xml is saved first), or pick another --job"
        )
    if state is not None and state.disabled and not request.enable:
        raise errors.PreconditionFailed(
            f"job '{request.job}' on {adapter.server} is disabled; enable it in Jenkins, or "
            "pass --enable to let sccos-backup enable it"
        )
    return plan


def _apply(
    adapter: JenkinsAdapter, request: ResyncRequest, plan: JobPlan, calls: _Callbacks
) -> None:
    if plan.state is not None and not plan.state.marked and plan.existing is not None:
        saved = _save_previous(request.save_dir, request.job, plan.existing)
        added, removed = plan.changes()
        calls.status(
            f"adopting job '{request.job}': its previous config.xml is saved in {saved} (only "
            f"you may read it); the managed configuration has {added} line(s) added and "
            f"{removed} removed (compare the two in Jenkins' job history or with that file)"
        )
    adapter.apply_job(plan)
    calls.status(f"job '{request.job}' on {adapter.server}: {plan.action}")


def _save_previous(directory: Path, job: str, config_xml: str) -> Path:
    """Write ``config_xml`` to a new file in ``directory``; never overwrite an earlier one."""
    stem = "jenkins-" + re.sub(r"[^A-Za-z0-9_.-]+", "_", job) + ".previous-config"
    try:
        private_folder(directory, narrow=False)
        path = directory / f"{stem}.xml"
        number = 1
        while path.exists():
            number += 1
            path = directory / f"{stem}.{number}.xml"
        write_private(path, config_xml, narrow=False)
    except OSError as error:
        raise errors.InvalidInput(
            f"cannot save the previous config.xml of job '{job}' in '{directory}' "
            f"({error.strerror}); pass another --save-dir; the job was not changed"
        ) from None
    return path


def _follow(
    adapter: JenkinsAdapter, request: ResyncRequest, active: ActiveBuild, calls: _Callbacks
) -> BuildOutcome:
    """Wait for the queue item's build (if not started yet), then stream it to its end."""
    build = active.build
    try:
        if build is None:
            assert active.queue_id is not None
            build = _wait_for_start(adapter, request, active.queue_id, calls)
            calls.status(f"build #{build.number} started: {build.url}")
        return adapter.follow_build(build, timeout=request.build_timeout, on_output=calls.on_output)
    except KeyboardInterrupt:
        raise _interrupted(adapter, request, active.queue_id, build) from None


def _wait_for_start(
    adapter: JenkinsAdapter, request: ResyncRequest, queue_id: int, calls: _Callbacks
) -> BuildRef:
    try:
        return adapter.wait_for_start(
            request.job, queue_id, timeout=request.queue_timeout, on_poll=calls.on_poll
        )
    except errors.WaitTimeout as timeout:
        if request.detach:
            raise
        started = adapter.cancel_queue_item(request.job, queue_id)
        if started is None:
            raise errors.WaitTimeout(
                f"{timeout}; the queue item was cancelled, nothing ran"
            ) from None
        return started  # it started while we cancelled: follow it


def _interrupted(
    adapter: JenkinsAdapter, request: ResyncRequest, queue_id: int | None, build: BuildRef | None
) -> errors.Interrupted:
    """Cancel or stop what was started (unless detaching); say what happened."""
    job = request.job
    if request.detach:
        what = (
            f"build #{build.number} of job '{job}' is still running ({build.url})"
            if build is not None
            else f"queue item {queue_id} of job '{job}' is still queued"
        )
        return errors.Interrupted(
            f"interrupted; {what}; follow it with `{follow_command(job)}`, or stop it in Jenkins"
        )
    try:
        if build is None and queue_id is not None:
            build = adapter.cancel_queue_item(job, queue_id)
            if build is None:
                return errors.Interrupted(
                    f"interrupted; cancelled queue item {queue_id} of job '{job}' before its "
                    "build started; nothing ran"
                )
        if build is None:  # pragma: no cover - a follow always has one or the other
            return errors.Interrupted("interrupted")
        result = adapter.finished_result(build)
        if result is not None:
            return errors.Interrupted(
                f"interrupted; build #{build.number} of job '{job}' had already finished "
                f"({result}); nothing was stopped: {build.url}"
            )
        adapter.stop_build(build)
    except errors.JenkinsError as error:
        where = build.url if build is not None else f"queue item {queue_id}"
        return errors.Interrupted(
            f"interrupted, but could not stop the re-sync ({error}); stop it in Jenkins: {where}"
        )
    return errors.Interrupted(
        f"interrupted; stopped build #{build.number} of job '{job}': {build.url}"
    )


def _result(
    request: ResyncRequest, action: JobAction, outcome: BuildOutcome, *, attached: bool
) -> ResyncResult:
    return ResyncResult(
        job=request.job,
        job_action=action,
        build_number=outcome.number,
        result=outcome.result,
        duration_seconds=outcome.duration_seconds,
        url=outcome.url,
        attached=attached,
    )
