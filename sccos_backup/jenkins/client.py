"""The one adapter to Jenkins (python-jenkins). No module outside this package imports ``jenkins``.

:class:`JenkinsAdapter` holds one :class:`~sccos_backup.jenkins.session.JenkinsSession` (the
python-jenkins client, clock and sleep), returns small frozen dataclasses, and translates
python-jenkins and requests exceptions into :mod:`sccos_backup.errors`. It answers for jobs itself
and hands builds and permission probes to the parts that hold the same session:

* :mod:`~sccos_backup.jenkins.config`: URL and credential validation, job names and paths;
* :mod:`~sccos_backup.jenkins.jobxml`: job configuration XML;
* :mod:`~sccos_backup.jenkins.http_errors`: HTTP error translation;
* :mod:`~sccos_backup.jenkins.session`: the client and the error edge around each call;
* :mod:`~sccos_backup.jenkins.builds`: build and queue following;
* :mod:`~sccos_backup.jenkins.control`: starting, finding, cancelling and stopping builds;
* :mod:`~sccos_backup.jenkins.access`: who we are and what we may do;
* this module: jobs (read, create, reconcile) and :func:`make_jenkins_adapter`.

The API token lives only inside the python-jenkins client (``requests`` basic auth); it is never
part of a message, a log line or a repr.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from urllib.parse import quote

from sccos_backup import errors
from sccos_backup.jenkins.access import AccessChecks, Who
from sccos_backup.jenkins.builds import BuildFollowing, BuildOutcome, BuildRef
from sccos_backup.jenkins.config import JenkinsConfig, job_path
from sccos_backup.jenkins.control import ActiveBuild, BuildControl
from sccos_backup.jenkins.jobxml import (
    JobState,
    ShellJob,
    config_changes,
    freestyle_config,
    job_state,
    read_shell_job,
    reconciled_config,
)
from sccos_backup.jenkins.session import JenkinsSession, log_response
from sccos_backup.redaction import hide
from sccos_backup.waiting import Poll


class JobAction(StrEnum):
    """What :meth:`JenkinsAdapter.ensure_job` did."""

    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"


@dataclass(frozen=True)
class JobPlan:
    """What :meth:`JenkinsAdapter.apply_job` will do to job ``name``."""

    name: str
    action: JobAction
    #: The job's configuration in Jenkins now (None: no such job).
    existing: str | None
    #: The configuration to post (None: nothing to change).
    config: str | None
    state: JobState | None

    def changes(self) -> tuple[int, int]:
        """Lines the new configuration adds and removes (0, 0 when nothing changes)."""
        if self.existing is None or self.config is None:
            return 0, 0
        return config_changes(self.existing, self.config)


class JenkinsAdapter:
    """Typed access to one Jenkins server: jobs here, builds and permission probes by the parts
    that hold the same session."""

    def __init__(self, session: JenkinsSession) -> None:
        self._session = session
        self.server = session.server
        self._builds = BuildFollowing(session)
        self._control = BuildControl(session, self._builds)
        self._access = AccessChecks(session)

    def __repr__(self) -> str:
        return repr(self._session).replace("JenkinsSession", "JenkinsAdapter", 1)

    def check_server(self) -> None:
        self._session.check_server()

    # -- builds ----------------------------------------------------------------------------

    def start_build(self, name: str, *, parameterized: bool = False) -> int:
        return self._control.start_build(name, parameterized=parameterized)

    def active_build(self, name: str) -> ActiveBuild | None:
        return self._control.active_build(name)

    def cancel_queue_item(self, name: str, queue_id: int) -> BuildRef | None:
        return self._control.cancel_queue_item(name, queue_id)

    def stop_build(self, build: BuildRef) -> None:
        self._control.stop_build(build)

    def wait_for_start(
        self,
        name: str,
        queue_id: int,
        *,
        timeout: float,
        on_poll: Callable[[Poll], None] | None = None,
    ) -> BuildRef:
        return self._builds.wait_for_start(name, queue_id, timeout=timeout, on_poll=on_poll)

    def follow_build(
        self, build: BuildRef, *, timeout: float, on_output: Callable[[str], None]
    ) -> BuildOutcome:
        return self._builds.follow_build(build, timeout=timeout, on_output=on_output)

    def finished_result(self, build: BuildRef) -> str | None:
        return self._builds.finished_result(build)

    # -- access ----------------------------------------------------------------------------

    def whoami(self) -> Who:
        return self._access.whoami()

    def may_create_in(self, folder: str) -> str | None:
        return self._access.may_create_in(folder)

    def may_configure(self, name: str, config_xml: str) -> str | None:
        return self._access.may_configure(name, config_xml)

    def may_build(self, name: str) -> str | None:
        return self._access.may_build(name)

    # -- jobs ------------------------------------------------------------------------------

    def job_config(self, name: str) -> str | None:
        """The job's ``config.xml``, or None when there is no such job."""
        import jenkins

        def read() -> str | None:
            try:
                return self._session.client.get_job_config(name)
            except jenkins.NotFoundException:
                return None

        return self._session.read(f"reading job '{name}'", read)

    def read_shell_job(self, name: str, *, option: str = "--copy-script-from") -> ShellJob:
        """The Execute-shell steps of an existing job, joined into one script."""
        session = self._session
        with session.call(
            f"reading job '{name}'", missing=session.job_missing(name, option=option)
        ):
            config = session.client.get_job_config(name)
        shell = read_shell_job(config, what=f"reading job '{name}'")
        if not shell.script.strip():
            raise errors.PreconditionFailed(
                f"job '{name}' ({option}) on {self.server} has no Execute-shell step to copy; "
                "pick a job that runs a shell script, or use --command"
            )
        return shell

    def plan_job(
        self, name: str, desired: ShellJob, *, description: str, enable: bool = False
    ) -> JobPlan:
        """Observe the job and decide, as data, what would make it run ``desired``."""
        existing = self.job_config(name)
        if existing is None:
            config = freestyle_config(desired, description=description)
            return JobPlan(name, JobAction.CREATED, None, config, None)
        state = job_state(existing, job=name)
        updated = reconciled_config(existing, desired, job=name, enable=enable)
        action = JobAction.UNCHANGED if updated is None else JobAction.UPDATED
        return JobPlan(name, action, existing, updated, state)

    def apply_job(self, plan: JobPlan) -> None:
        """Create or reconfigure the job as planned (nothing when it is unchanged)."""
        if plan.config is None:
            return
        name = plan.name
        if plan.action is JobAction.CREATED:
            folder, _, short = name.rpartition("/")
            create = f"createItem?name={quote(short, safe='')}"
            path = (job_path(folder) if folder else "") + create
            with self._session.call(
                f"creating job '{name}'", missing=self._session.folder_missing(name)
            ):
                self._session.post_xml(path, plan.config)
            return
        with self._session.call(
            f"reconfiguring job '{name}'", missing=self._session.job_missing(name)
        ):
            self._session.post_xml(f"{job_path(name)}config.xml", plan.config)

    def delete_job(self, name: str) -> None:
        """Delete the job (``POST job/NAME/doDelete``); only a rehearsal's own job."""
        session = self._session
        with session.call(f"deleting job '{name}'", missing=session.job_missing(name)):
            session.client.delete_job(name)


def make_jenkins_adapter(
    config: JenkinsConfig,
    *,
    sleep: Callable[[float], None],
    clock: Callable[[], datetime],
) -> JenkinsAdapter:
    """Build the adapter on a python-jenkins client (imported here, lazily) with a timeout; its
    requests are logged at DEBUG level, and its token is hidden from every redacted text."""
    import jenkins

    client = jenkins.Jenkins(
        config.url, username=config.user, password=config.token, timeout=config.request_timeout
    )
    hide(config.token)
    # python-jenkins 1.8 sends every request, ours and its own, through this requests.Session.
    client._session.hooks["response"].append(log_response)  # type: ignore[attr-defined]
    session = JenkinsSession(
        client,
        user=config.user,
        sleep=sleep,
        clock=clock,
        request_timeout=config.request_timeout,
    )
    return JenkinsAdapter(session)
