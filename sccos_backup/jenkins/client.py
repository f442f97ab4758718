"""The one adapter to Jenkins (python-jenkins). No module outside this package imports ``jenkins``.

:class:`JenkinsAdapter` takes its python-jenkins client, clock and sleep as constructor
arguments, returns small frozen dataclasses, and translates python-jenkins and requests
exceptions into :mod:`sccos_backup.errors`. Its parts:

* :mod:`~sccos_backup.jenkins.config`: URL and credential validation, job names and paths;
* :mod:`~sccos_backup.jenkins.jobxml`: job configuration XML;
* :mod:`~sccos_backup.jenkins.http_errors`: HTTP error translation;
* :mod:`~sccos_backup.jenkins.session`: the client and the error edge around each call;
* :mod:`~sccos_backup.jenkins.builds`: build and queue following;
* this module: jobs (read, create, reconcile) and :func:`make_jenkins_adapter`.

The API token lives only inside the python-jenkins client (``requests`` basic auth); it is never
part of a message, a log line or a repr.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from enum import StrEnum
from urllib.parse import quote

from sccos_backup import errors
from sccos_backup.jenkins.builds import BuildFollowing
from sccos_backup.jenkins.config import JenkinsConfig, job_path
from sccos_backup.jenkins.jobxml import (
    ShellJob,
    freestyle_config,
    read_shell_job,
    reconciled_config,
)


class JobAction(StrEnum):
    """What :meth:`JenkinsAdapter.ensure_job` did."""

    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"


class JenkinsAdapter(BuildFollowing):
    """Typed access to one Jenkins server through a python-jenkins client."""

    def job_config(self, name: str) -> str | None:
        """The job's ``config.xml``, or None when there is no such job."""
        import jenkins

        with self._call(f"reading job '{name}'"):
            try:
                return self._client.get_job_config(name)
            except jenkins.NotFoundException:
                return None

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

    def ensure_job(self, name: str, desired: ShellJob, *, description: str = "") -> JobAction:
        """Create the job, reconfigure it when its managed parts differ, or leave it alone."""
        existing = self.job_config(name)
        if existing is None:
            config = freestyle_config(desired, description=description)
            folder, _, short = name.rpartition("/")
            create = f"createItem?name={quote(short, safe='')}"
            path = (job_path(folder) if folder else "") + create
            with self._call(f"creating job '{name}'", missing=self._folder_missing(name)):
                self._post_xml(path, config)
            return JobAction.CREATED
        updated = reconciled_config(existing, desired, job=name)
        if updated is None:
            return JobAction.UNCHANGED
        with self._call(f"reconfiguring job '{name}'", missing=self._job_missing(name)):
            self._post_xml(f"{job_path(name)}config.xml", updated)
        return JobAction.UPDATED


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
