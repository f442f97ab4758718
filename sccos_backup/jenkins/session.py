"""The Jenkins session every part of the adapter holds: the python-jenkins client, clock,
sleep, and the error edge around each request.

python-jenkins (and with it requests) is imported lazily, in the methods that need it, so that
CLI start-up stays fast.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urljoin, urlsplit, urlunsplit

from sccos_backup import errors
from sccos_backup.jenkins.config import DEFAULT_REQUEST_TIMEOUT, display_url
from sccos_backup.jenkins.http_errors import redirected, translated

if TYPE_CHECKING:
    import jenkins
    import requests

T = TypeVar("T")

_log = logging.getLogger("sccos_backup.jenkins")

#: First pause between two polls of a queue item or of the console log, in seconds.
FIRST_POLL_INTERVAL = 1.0
#: Longest pause between two reads of the console log while nothing new arrives.
MAX_LOG_POLL_INTERVAL = 5.0
#: Pauses before the retries of a read (GET) that failed with a 5xx or a connection error.
RETRY_DELAYS = (1.0, 2.0, 4.0, 8.0)


class JenkinsSession:
    """One python-jenkins client with our error translation around every call.

    The adapter's parts (:mod:`~sccos_backup.jenkins.builds`, :mod:`~sccos_backup.jenkins.control`,
    :mod:`~sccos_backup.jenkins.access`, :mod:`~sccos_backup.jenkins.client`) each hold one and
    send their requests through :meth:`call`, :meth:`read` and :meth:`request`.
    """

    def __init__(
        self,
        client: jenkins.Jenkins,
        *,
        user: str,
        sleep: Callable[[float], None],
        clock: Callable[[], datetime],
        request_timeout: int = DEFAULT_REQUEST_TIMEOUT,
    ) -> None:
        self.client = client
        self._user = user
        self.sleep = sleep
        self.clock = clock
        self._request_timeout = request_timeout
        self.first_poll_interval = FIRST_POLL_INTERVAL
        self.max_log_poll_interval = MAX_LOG_POLL_INTERVAL
        self._retry_delays = RETRY_DELAYS
        #: True once the server has answered: from then on, failed reads are retried.
        self._answered = False
        self.server = display_url(client.server)

    def __repr__(self) -> str:
        return f"JenkinsSession(server={self.server!r}, user={self._user!r})"

    @contextlib.contextmanager
    def call(
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
        self._answered = True

    def read(
        self,
        what: str,
        call: Callable[[], T],
        *,
        missing: Callable[[], errors.JenkinsError] | None = None,
    ) -> T:
        """Run an idempotent GET; retry it with backoff on a 5xx or a connection failure.

        Only once the server has answered at all: a wrong URL fails at once, while a proxy's
        502 or a dropped connection during an hours-long follow does not end the command.
        """
        for attempt in range(len(self._retry_delays) + 1):
            try:
                with self.call(what, missing=missing):
                    return call()
            except errors.JenkinsError as error:
                last = attempt == len(self._retry_delays)
                if last or not self._answered or not _transient(error):
                    raise
            self.sleep(self._retry_delays[attempt])
        raise AssertionError("unreachable")  # pragma: no cover

    def request(self, method: str, path: str, **kwargs: object) -> requests.Response:
        """One request of ours on the client's session (auth, crumb, timeout, cookies).

        A redirect away from the configured server is refused: requests turns a redirected
        POST into a GET, and the address to configure is the one redirected to.
        """
        import requests

        url = urljoin(self.client.server, path)
        response = self.client.jenkins_request(requests.Request(method, url, **kwargs))  # type: ignore[arg-type]
        self._check_redirect(response, path)
        return response

    def _check_redirect(self, response: requests.Response, path: str) -> None:
        error = redirected(response, self.server)
        if error is not None:
            raise error

    def check_server(self) -> None:
        """Read the server's root API once: a redirect or a non-Jenkins answer stops us here."""
        what = "checking the server"
        response = self.read(what, lambda: self.request("GET", "api/json?tree=url"))
        if not response.headers.get("X-Jenkins"):
            raise errors.JenkinsError(
                f"{self.server} answered without the X-Jenkins header while {what}: it is not "
                "Jenkins (or a proxy hides it); check --jenkins-url"
            )

    def job_missing(self, name: str, *, option: str = "--job") -> Callable[[], errors.JenkinsError]:
        def make() -> errors.JenkinsError:
            return errors.JenkinsJobMissing(
                f"job '{name}' ({option}) does not exist on {self.server}; check the name "
                "and its folders"
            )

        return make

    def folder_missing(self, name: str) -> Callable[[], errors.JenkinsError]:
        folder = name.rsplit("/", 1)[0]

        def make() -> errors.JenkinsError:
            return errors.JenkinsJobMissing(
                f"folder '{folder}' of job '{name}' does not exist on {self.server}; create "
                "the folder in Jenkins or pick another --job"
            )

        return make

    def post_xml(self, path: str, config_xml: str) -> None:
        """POST a job configuration.

        Not python-jenkins' ``create_job`` / ``reconfig_job``: those hand the module-level
        ``DEFAULT_HEADERS`` dict to ``requests.Request``, and the crumb is then written into
        that shared dict, so one server's crumb would travel with later requests to any server.
        """
        self.request(
            "POST",
            path,
            data=config_xml.encode("utf-8"),
            headers={"Content-Type": "text/xml; charset=utf-8"},
        )


def _transient(error: errors.JenkinsError) -> bool:
    """A failure worth retrying: 5xx, connection refused or reset, a timeout."""
    import jenkins
    import requests

    from sccos_backup.jenkins.http_errors import http_response

    cause = error.__cause__
    if isinstance(cause, requests.ConnectionError | requests.Timeout | jenkins.TimeoutException):
        return True
    response = http_response(cause) if cause is not None else None
    return response is not None and response.status_code >= 500


def log_response(response: requests.Response, *_: Any, **__: Any) -> None:
    """A requests response hook: one DEBUG line per answer (``--debug``), with the method,
    the URL without any userinfo, the status and how long the answer took."""
    if not _log.isEnabledFor(logging.DEBUG):
        return
    request = response.request
    parts = urlsplit(str(request.url))
    host = parts.hostname or ""
    netloc = f"{host}:{parts.port}" if parts.port else host
    url = urlunsplit(parts._replace(netloc=netloc))
    took = response.elapsed.total_seconds()
    _log.debug("%s %s: %s in %.3f s", request.method, url, response.status_code, took)
