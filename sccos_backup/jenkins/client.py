"""The one adapter to Jenkins (python-jenkins). No module outside this package imports ``jenkins``.

:class:`JenkinsAdapter` takes its python-jenkins client, clock and sleep as constructor
arguments, returns small frozen dataclasses, and translates python-jenkins and requests
exceptions into :mod:`sccos_backup.errors`. Its parts:

* :mod:`~sccos_backup.jenkins.config`: URL and credential validation, job names and paths;
* :mod:`~sccos_backup.jenkins.jobxml`: job configuration XML;
* :mod:`~sccos_backup.jenkins.http_errors`: HTTP error translation;
* :mod:`~sccos_backup.jenkins.session`: the client and the error edge around each call;
* :mod:`~sccos_backup.jenkins.builds`: build and queue following;
* :mod:`~sccos_backup.jenkins.control`: starting, finding, cancelling and stopping builds;
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
from sccos_backup.jenkins.access import AccessChecks
from sccos_backup.jenkins.config import JenkinsConfig, job_path
from sccos_backup.jenkins.control import BuildControl
from sccos_backup.jenkins.jobxml import (
    JobState,
    ShellJob,
    config_diff,
    freestyle_config,
    job_state,
    read_shell_job,
    reconciled_config,
)


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

    def diff(self) -> str:
        if self.existing is None or self.config is None:
            return ""
        return config_diff(self.existing, self.config, job=self.name)


class JenkinsAdapter(BuildControl, AccessChecks):
    """Typed access to one Jenkins server through a python-jenkins client."""

    def job_config(self, name: str) -> str | None:
        """The job's ``config.xml``, or None when there is no such job."""
        import jenkins

        def read() -> str | None:
            try:
                return self._client.get_job_config(name)
            except jenkins.NotFoundException:
                return None

        return self._read(f"reading job '{name}'", read)

    def read_shell_job(self, name: str, *, option: str = "--copy-script-from") -> ShellJob:
        """The Execute-shell steps of an existing job, joined into one script."""
        with self._call(f"reading job '{name}'", missing=self._job_missing(name, option=option)):
            config = self._client.get_job_config(name)
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
            with self._call(f"creating job '{name}'", missing=self._folder_missing(name)):
                self._post_xml(path, plan.config)
            return
        with self._call(f"reconfiguring job '{name}'", missing=self._job_missing(name)):
            self._post_xml(f"{job_path(name)}config.xml", plan.config)


def make_jenkins_adapter(
    config: JenkinsConfig,
    *,
    sleep: Callable[[float], None],
    clock: Callable[[], datetime],
) -> JenkinsAdapter:
    """Build the adapter on a python-jenkins client (imported here, lazily) with a timeout."""
    import jenkins

    client = jenkins.Jenkins(
        config.url, username=config.user, password=config.token, timeout=config.request_timeout
    )
    return JenkinsAdapter(
        client,
        user=config.user,
        sleep=sleep,
        clock=clock,
        request_timeout=config.request_timeout,
    )
