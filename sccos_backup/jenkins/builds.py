"""Following a build: its queue item until it starts, then its console until it ends.

Follow a build through its queue item, never by guessing the next build number.
"""

from __future__ import annotations

import codecs
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin

from sccos_backup import errors
from sccos_backup.defaults import follow_command
from sccos_backup.jenkins.config import job_path
from sccos_backup.jenkins.session import JenkinsSession
from sccos_backup.waiting import Poll, intervals, poll_until

#: Console lines kept for :class:`~sccos_backup.errors.JenkinsBuildFailed`.
TAIL_LINES = 20
_TAIL_CHARS = 64 * 1024


@dataclass(frozen=True)
class BuildRef:
    """A started build."""

    job: str
    number: int
    url: str


@dataclass(frozen=True)
class BuildOutcome:
    """A finished build."""

    job: str
    number: int
    result: str
    duration_seconds: float
    url: str


class BuildFollowing:
    """Follow a queue item to its build, stream the build's console, read its result."""

    def __init__(self, session: JenkinsSession) -> None:
        self._session = session
        self.server = session.server

    def wait_for_start(
        self,
        name: str,
        queue_id: int,
        *,
        timeout: float,
        on_poll: Callable[[Poll], None] | None = None,
    ) -> BuildRef:
        """Follow queue item ``queue_id`` until its build starts; return that build."""

        def expired() -> errors.JenkinsError:
            return errors.JenkinsQueueError(
                f"queue item {queue_id} of job '{name}' on {self.server} disappeared before a "
                "build started (expired or removed); look at the job's build history, then "
                "run again"
            )

        def observe() -> dict[str, Any]:
            item = self.queue_item(name, queue_id, missing=expired)
            if item.get("cancelled"):
                raise errors.JenkinsQueueError(
                    f"queue item {queue_id} of job '{name}' on {self.server} was cancelled "
                    "before a build started; run again when Jenkins accepts builds"
                )
            # A LeftItem without executable is not final: Jenkins shows it for a moment
            # after the item left the queue and before the executor has created the build.
            return item

        item = poll_until(
            observe,
            lambda item: executable_of(item) is not None,
            what=f"queue item {queue_id} of job '{name}'",
            status=_queue_status,
            clock=self._session.clock,
            sleep=self._session.sleep,
            timeout=timeout,
            on_poll=on_poll,
            first_interval=self._session.first_poll_interval,
            hint="it stays queued in Jenkins; free an executor or raise --queue-timeout",
        )
        executable = executable_of(item)
        assert executable is not None
        return build_ref(name, executable, self.server)

    def queue_item(
        self,
        name: str,
        queue_id: int,
        *,
        missing: Callable[[], errors.JenkinsError] | None = None,
    ) -> dict[str, Any]:
        """The queue item's API document (retried on transient failures)."""
        return dict(
            self._session.read(
                f"following queue item {queue_id} of job '{name}'",
                lambda: self._session.client.get_queue_item(queue_id),
                missing=missing,
            )
        )

    def _log_chunk(self, build: BuildRef, start: int) -> tuple[bytes, int, bool]:
        """One read of ``logText/progressiveText``: new bytes, next offset, more data coming."""
        path = f"{job_path(build.job)}{build.number}/logText/progressiveText?start={start}"

        def gone() -> errors.JenkinsError:
            return errors.JenkinsJobMissing(
                f"build #{build.number} of job '{build.job}' disappeared from {self.server} "
                "while its console was read (deleted?)"
            )

        response = self._session.read(
            f"reading the console of build #{build.number} of '{build.job}'",
            lambda: self._session.request("GET", path),
            missing=gone,
        )
        data = response.content or b""
        try:
            size = int(response.headers.get("X-Text-Size", ""))
        except ValueError:
            size = start + len(data)
        more = response.headers.get("X-More-Data", "").strip().lower() == "true"
        return data, size, more

    def follow_build(
        self,
        build: BuildRef,
        *,
        timeout: float,
        on_output: Callable[[str], None],
    ) -> BuildOutcome:
        """Stream the console of ``build`` to ``on_output`` until it ends; return the outcome.

        Raises :class:`~sccos_backup.errors.JenkinsBuildFailed` (with the last console lines)
        for any result other than SUCCESS, and :class:`~sccos_backup.errors.WaitTimeout` when
        the build is still running after ``timeout`` seconds (it keeps running in Jenkins).
        """
        decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        tail = ""
        offset = 0
        start = self._session.clock()
        pause = intervals(self._session.first_poll_interval, self._session.max_log_poll_interval)

        def elapsed() -> float:
            return (self._session.clock() - start).total_seconds()

        def check_deadline() -> None:
            if elapsed() >= timeout:
                raise errors.WaitTimeout(
                    f"build #{build.number} of job '{build.job}' is still running after "
                    f"{elapsed():.0f} s; it keeps running in Jenkins ({build.url}); follow it "
                    f"with `{follow_command(build.job)}` (it attaches, it starts no second "
                    "build) or raise --build-timeout"
                )

        while True:
            data, offset, more = self._log_chunk(build, offset)
            text = decoder.decode(data, final=not more)
            if text:
                on_output(text)
                tail = (tail + text)[-_TAIL_CHARS:]
                pause = intervals(
                    self._session.first_poll_interval, self._session.max_log_poll_interval
                )
            if not more:
                break
            check_deadline()
            self._session.sleep(min(pause(), max(0.1, timeout - elapsed())))

        info = self._build_info(build)
        while info.get("building") or info.get("result") is None:
            check_deadline()
            self._session.sleep(min(pause(), max(0.1, timeout - elapsed())))
            info = self._build_info(build)
        result = str(info["result"])
        duration_ms = info.get("duration") or 0
        duration = float(duration_ms) / 1000 if duration_ms else elapsed()
        url = str(info.get("url") or build.url)
        if result != "SUCCESS":
            lines = tail.splitlines()[-TAIL_LINES:]
            raise errors.JenkinsBuildFailed(
                f"build #{build.number} of job '{build.job}' on {self.server} ended {result} "
                f"after {duration:.0f} s; see its console at {url}console",
                result,
                "\n".join(lines),
            )
        return BuildOutcome(
            job=build.job,
            number=build.number,
            result=result,
            duration_seconds=duration,
            url=url,
        )

    def finished_result(self, build: BuildRef) -> str | None:
        """The result of ``build`` if it has finished (``SUCCESS``, ``FAILURE``, ...), else
        None: a finished build must never be stopped."""
        info = self._build_info(build)
        if info.get("building") or info.get("result") is None:
            return None
        return str(info["result"])

    def _build_info(self, build: BuildRef) -> dict[str, Any]:
        def gone() -> errors.JenkinsError:
            return errors.JenkinsJobMissing(
                f"build #{build.number} of job '{build.job}' does not exist on {self.server}"
            )

        return dict(
            self._session.read(
                f"reading build #{build.number} of job '{build.job}'",
                lambda: self._session.client.get_build_info(build.job, build.number),
                missing=gone,
            )
        )


def executable_of(item: dict[str, Any]) -> dict[str, Any] | None:
    executable = item.get("executable")
    if isinstance(executable, dict) and executable.get("number") is not None:
        return executable
    return None


def _queue_status(item: dict[str, Any]) -> str:
    if executable_of(item):
        return "build started"
    if str(item.get("_class", "")).endswith("LeftItem"):
        return "left the queue, build starting"
    return str(item.get("why") or "waiting")


def build_ref(name: str, executable: dict[str, Any], server: str) -> BuildRef:
    number = int(executable["number"])
    url = str(executable.get("url") or urljoin(server, f"{job_path(name)}{number}/"))
    return BuildRef(job=name, number=number, url=url)
