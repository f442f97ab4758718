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


class BuildFollowing(JenkinsSession):
    """Start a build, follow its queue item to the build, stream its console."""

    def start_build(self, name: str) -> int:
        """Trigger a build; return its queue item number."""
        with self._call(f"starting a build of job '{name}'", missing=self._job_missing(name)):
            return self._client.build_job(name)

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
            with self._call(f"following queue item {queue_id} of job '{name}'", missing=expired):
                item = dict(self._client.get_queue_item(queue_id))
            if item.get("cancelled"):
                raise errors.JenkinsQueueError(
                    f"queue item {queue_id} of job '{name}' on {self.server} was cancelled "
                    "before a build started; run again when Jenkins accepts builds"
                )
            if str(item.get("_class", "")).endswith("LeftItem") and not _executable(item):
                raise errors.JenkinsQueueError(
                    f"queue item {queue_id} of job '{name}' on {self.server} left the queue "
                    "without a build; look at the job in Jenkins, then run again"
                )
            return item

        item = poll_until(
            observe,
            lambda item: _executable(item) is not None,
            what=f"queue item {queue_id} of job '{name}'",
            status=lambda item: (
                "build started" if _executable(item) else str(item.get("why") or "waiting")
            ),
            clock=self._clock,
            sleep=self._sleep,
            timeout=timeout,
            on_poll=on_poll,
            first_interval=self._first_poll_interval,
            hint="it stays queued in Jenkins; free an executor or raise --queue-timeout",
        )
        executable = _executable(item)
        assert executable is not None
        number = int(executable["number"])
        url = str(executable.get("url") or urljoin(self.server, f"{job_path(name)}{number}/"))
        return BuildRef(job=name, number=number, url=url)

    def _log_chunk(self, build: BuildRef, start: int) -> tuple[bytes, int, bool]:
        """One read of ``logText/progressiveText``: new bytes, next offset, more data coming."""
        import requests

        url = urljoin(
            self._client.server,
            f"{job_path(build.job)}{build.number}/logText/progressiveText?start={start}",
        )

        def gone() -> errors.JenkinsError:
            return errors.JenkinsJobMissing(
                f"build #{build.number} of job '{build.job}' disappeared from {self.server} "
                "while its console was read (deleted?)"
            )

        with self._call(
            f"reading the console of build #{build.number} of '{build.job}'", missing=gone
        ):
            # jenkins_request reuses the client's session: auth, crumb and timeout.
            response = self._client.jenkins_request(requests.Request("GET", url))
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
        start = self._clock()
        pause = intervals(self._first_poll_interval, self._max_log_poll_interval)

        def elapsed() -> float:
            return (self._clock() - start).total_seconds()

        def check_deadline() -> None:
            if elapsed() >= timeout:
                raise errors.WaitTimeout(
                    f"build #{build.number} of job '{build.job}' is still running after "
                    f"{elapsed():.0f} s; it keeps running in Jenkins ({build.url}); follow it "
                    "there or raise --build-timeout"
                )

        while True:
            data, offset, more = self._log_chunk(build, offset)
            text = decoder.decode(data, final=not more)
            if text:
                on_output(text)
                tail = (tail + text)[-_TAIL_CHARS:]
                pause = intervals(self._first_poll_interval, self._max_log_poll_interval)
            if not more:
                break
            check_deadline()
            self._sleep(min(pause(), max(0.1, timeout - elapsed())))

        info = self._build_info(build)
        while info.get("building") or info.get("result") is None:
            check_deadline()
            self._sleep(min(pause(), max(0.1, timeout - elapsed())))
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

    def _build_info(self, build: BuildRef) -> dict[str, Any]:
        def gone() -> errors.JenkinsError:
            return errors.JenkinsJobMissing(
                f"build #{build.number} of job '{build.job}' does not exist on {self.server}"
            )

        with self._call(f"reading build #{build.number} of job '{build.job}'", missing=gone):
            return dict(self._client.get_build_info(build.job, build.number))


def _executable(item: dict[str, Any]) -> dict[str, Any] | None:
    executable = item.get("executable")
    if isinstance(executable, dict) and executable.get("number") is not None:
        return executable
    return None
