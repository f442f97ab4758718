"""The base of the Jenkins adapter: the python-jenkins client, clock, sleep, and error edge.

python-jenkins (and with it requests) is imported lazily, in the methods that need it, so that
CLI start-up stays fast.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import TYPE_CHECKING
from urllib.parse import urljoin

from sccos_backup import errors
from sccos_backup.jenkins.config import DEFAULT_REQUEST_TIMEOUT, display_url
from sccos_backup.jenkins.http_errors import translated

if TYPE_CHECKING:
    import jenkins

#: First pause between two polls of a queue item or of the console log, in seconds.
FIRST_POLL_INTERVAL = 1.0
#: Longest pause between two reads of the console log while nothing new arrives.
MAX_LOG_POLL_INTERVAL = 5.0


class JenkinsSession:
    """One python-jenkins client with our error translation around every call."""

    def __init__(
        self,
        client: jenkins.Jenkins,
        *,
        user: str,
        sleep: Callable[[float], None],
        clock: Callable[[], datetime],
        request_timeout: int = DEFAULT_REQUEST_TIMEOUT,
        first_poll_interval: float = FIRST_POLL_INTERVAL,
        max_log_poll_interval: float = MAX_LOG_POLL_INTERVAL,
    ) -> None:
        self._client = client
        self._user = user
        self._sleep = sleep
        self._clock = clock
        self._request_timeout = request_timeout
        self._first_poll_interval = first_poll_interval
        self._max_log_poll_interval = max_log_poll_interval
        self.server = display_url(client.server)

    def __repr__(self) -> str:
        return f"JenkinsAdapter(server={self.server!r}, user={self._user!r})"

    @contextlib.contextmanager
    def _call(
        self, what: str, *, missing: Callable[[], errors.JenkinsError] | None = None
    ) -> Iterator[None]:
        """Turn python-jenkins / requests exceptions raised while doing ``what`` into ours."""
        with translated(
            what,
            server=self.server,
            user=self._user,
            request_timeout=self._request_timeout,
            missing=missing,
        ):
            yield

    def _job_missing(
        self, name: str, *, option: str = "--job"
    ) -> Callable[[], errors.JenkinsError]:
        def make() -> errors.JenkinsError:
            return errors.JenkinsJobMissing(
                f"job '{name}' ({option}) does not exist on {self.server}; check the name "
                "and its folders"
            )

        return make

    def _folder_missing(self, name: str) -> Callable[[], errors.JenkinsError]:
        folder = name.rsplit("/", 1)[0]

        def make() -> errors.JenkinsError:
            return errors.JenkinsJobMissing(
                f"folder '{folder}' of job '{name}' does not exist on {self.server}; create "
                "the folder in Jenkins or pick another --job"
            )

        return make

    def _post_xml(self, path: str, config_xml: str) -> None:
        """POST a job configuration.

        Not python-jenkins' ``create_job`` / ``reconfig_job``: those hand the module-level
        ``DEFAULT_HEADERS`` dict to ``requests.Request``, and the crumb is then written into
        that shared dict, so one server's crumb would travel with later requests to any server.
        """
        import requests

        self._client.jenkins_request(
            requests.Request(
                "POST",
                urljoin(self._client.server, path),
                data=config_xml.encode("utf-8"),
                headers={"Content-Type": "text/xml; charset=utf-8"},
            )
        )
