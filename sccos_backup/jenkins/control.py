"""Starting, finding, cancelling and stopping builds, the way ``jenkins-cli build -s`` does.

* :meth:`BuildControl.start_build`: ``POST job/x/build`` (or ``buildWithParameters`` for a
  parameterized job, whose defaults then apply); the queue item number from ``Location``.
* :meth:`BuildControl.active_build`: a build of the job that is running, or its queue item.
* :meth:`BuildControl.cancel_queue_item`: ``POST queue/cancelItem?id=N``; when the item has
  already become a build, that build is returned so that the caller stops it instead.
* :meth:`BuildControl.stop_build`: ``POST job/x/N/stop``, once.

POSTs are never retried: a repeated ``/build`` could queue a second ``sync:data``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sccos_backup import errors
from sccos_backup.jenkins.builds import BuildFollowing, BuildRef, build_ref, executable_of
from sccos_backup.jenkins.config import job_path
from sccos_backup.jenkins.session import JenkinsSession


@dataclass(frozen=True)
class ActiveBuild:
    """A build of the job that has not ended: running (``build``) or still queued."""

    build: BuildRef | None = None
    queue_id: int | None = None


class BuildControl:
    """Start, find, cancel and stop builds."""

    def __init__(self, session: JenkinsSession, following: BuildFollowing) -> None:
        self._session = session
        self._following = following
        self.server = session.server

    def start_build(self, name: str, *, parameterized: bool = False) -> int:
        """Trigger a build; return its queue item number."""
        trigger = "buildWithParameters" if parameterized else "build"
        with self._session.call(
            f"starting a build of job '{name}'", missing=self._session.job_missing(name)
        ):
            response = self._session.request("POST", f"{job_path(name)}{trigger}")
        location = response.headers.get("Location", "").rstrip("/")
        head, _, number = location.rpartition("/")
        if not head.endswith("/queue/item") or not number.isdigit():
            raise errors.JenkinsError(
                f"Jenkins at {self.server} accepted the build of job '{name}' but named no "
                "queue item (no Location header); look at the job in Jenkins before running "
                "again, a build may be queued"
            )
        return int(number)

    def active_build(self, name: str) -> ActiveBuild | None:
        """The newest running build of the job, else its queue item, else None."""
        tree = "inQueue,queueItem[id],builds[number,url,building]{0,10}"
        info: dict[str, Any] = self._session.read(
            f"looking for a running build of job '{name}'",
            lambda: self._session.request("GET", f"{job_path(name)}api/json?tree={tree}").json(),
            missing=self._session.job_missing(name),
        )
        for build in info.get("builds") or []:
            if isinstance(build, dict) and build.get("building"):
                return ActiveBuild(build=build_ref(name, build, self.server))
        item = info.get("queueItem")
        if isinstance(item, dict) and item.get("id") is not None:
            return ActiveBuild(queue_id=int(item["id"]))
        return None

    def cancel_queue_item(self, name: str, queue_id: int) -> BuildRef | None:
        """Cancel queue item ``queue_id``; the build it already became, if too late."""
        what = f"cancelling queue item {queue_id} of job '{name}'"
        try:
            with self._session.call(what):
                self._session.request("POST", f"queue/cancelItem?id={queue_id}")
        except (errors.JenkinsAuthError, errors.JenkinsUnreachable):
            raise
        except errors.JenkinsError:
            # 404 "not found", 500 "Could not cancel", 422: the item left the queue meanwhile
            # (or expired); what it became decides what to do.
            pass
        try:
            item = self._following.queue_item(name, queue_id)
        except errors.JenkinsJobMissing:
            return None
        executable = executable_of(item)
        return build_ref(name, executable, self.server) if executable else None

    def stop_build(self, build: BuildRef) -> None:
        """Abort ``build`` (``POST .../stop``), once; Jenkins answers with a redirect to it."""
        what = f"stopping build #{build.number} of job '{build.job}'"
        with self._session.call(what, missing=self._session.job_missing(build.job)):
            self._session.request("POST", f"{job_path(build.job)}{build.number}/stop")
