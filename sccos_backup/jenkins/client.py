"""The one adapter to Jenkins (python-jenkins). No other module imports ``jenkins``.

It takes its python-jenkins client, clock and sleep as constructor arguments, returns small
frozen dataclasses, and translates python-jenkins and requests exceptions into
:mod:`sccos_backup.errors`. python-jenkins (and with it requests) is imported lazily, in
:func:`make_jenkins_adapter` and in the functions that need it, so that CLI start-up stays fast.

Jenkins job configuration (a freestyle ``<project>`` document) is built and compared here with
:mod:`xml.etree.ElementTree`; what the shell script says is decided by
:mod:`sccos_backup.resync.job`.

The API token lives only inside the python-jenkins client (``requests`` basic auth); it is never
part of a message, a log line or a repr.
"""

from __future__ import annotations

import codecs
import contextlib
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urljoin, urlsplit

from sccos_backup import errors
from sccos_backup.waiting import Poll, intervals, poll_until

if TYPE_CHECKING:
    import jenkins
    import requests

#: Seconds each HTTP request to Jenkins may take (connect and read).
DEFAULT_REQUEST_TIMEOUT = 30
#: First pause between two polls of a queue item or of the console log, in seconds.
FIRST_POLL_INTERVAL = 1.0
#: Longest pause between two reads of the console log while nothing new arrives.
MAX_LOG_POLL_INTERVAL = 5.0
#: Console lines kept for :class:`~sccos_backup.errors.JenkinsBuildFailed`.
TAIL_LINES = 20
_TAIL_CHARS = 64 * 1024

_FORBIDDEN_IN_NAME = set("?*/\\%!@#$^&|<>[]:;\"'")
_XML_DECLARATION = "<?xml version='1.1' encoding='UTF-8'?>\n"
_SHELL = "hudson.tasks.Shell"
_BAD_XML_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


# --------------------------------------------------------------------------- configuration


@dataclass(frozen=True)
class JenkinsConfig:
    """Where Jenkins is and who we are there. ``repr`` never shows the token."""

    url: str
    user: str
    token: str = field(repr=False)
    request_timeout: int = DEFAULT_REQUEST_TIMEOUT

    def __post_init__(self) -> None:
        parts = urlsplit(self.url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise errors.InvalidInput(
                f"Jenkins URL '{display_url(self.url)}' is not an http(s) URL; "
                "pass e.g. --jenkins-url https://jenkins.example.com/"
            )
        if parts.username or parts.password:
            raise errors.InvalidInput(
                "the Jenkins URL must not contain a user or token; "
                "pass them with --jenkins-user and JENKINS_API_TOKEN"
            )
        if not self.user:
            raise errors.InvalidInput("the Jenkins user is empty; pass --jenkins-user")
        if not self.token:
            raise errors.InvalidInput("the Jenkins API token is empty; set JENKINS_API_TOKEN")
        if self.request_timeout <= 0:
            raise errors.InvalidInput("the Jenkins request timeout must be positive")


def display_url(url: str) -> str:
    """``url`` without user info, query or fragment, ending in ``/``: safe to show."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    path = parts.path if parts.path.endswith("/") else parts.path + "/"
    return f"{parts.scheme}://{host}{path}" if parts.scheme else url


def check_job_name(name: str, *, option: str = "--job") -> str:
    """Validate a job name, folders separated by ``/`` (``a/b/job``); return it unchanged."""
    segments = name.split("/")
    for segment in segments:
        if not segment or segment in (".", "..") or segment != segment.strip():
            raise errors.InvalidInput(
                f"{option} '{name}' is not a valid Jenkins job name: use names separated by "
                "single '/' for folders, e.g. ops/sync-data"
            )
        bad = sorted(set(segment) & _FORBIDDEN_IN_NAME)
        if bad or _BAD_XML_CHARS.search(segment):
            raise errors.InvalidInput(
                f"{option} '{name}' contains characters Jenkins does not allow in a job name "
                f"({' '.join(bad) or 'control characters'})"
            )
    return name


def job_path(name: str) -> str:
    """The URL path of a job relative to the server root: ``a/b`` -> ``job/a/job/b/``."""
    return "".join(f"job/{quote(segment, safe='')}/" for segment in name.split("/"))


# --------------------------------------------------------------------------- results


class JobAction(StrEnum):
    """What :meth:`JenkinsAdapter.ensure_job` did."""

    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"


@dataclass(frozen=True)
class ShellJob:
    """The parts of a freestyle job we manage: one Execute-shell script and, optionally, a label."""

    script: str
    assigned_node: str | None = None


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


# --------------------------------------------------------------------------- job XML


def _normalise_script(text: str | None) -> str:
    lines = (text or "").replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return "\n".join(line.rstrip() for line in lines).strip("\n")


def check_script(script: str, *, what: str = "the shell script") -> str:
    """Refuse scripts XML cannot carry; return the script with ``\\n`` line ends."""
    if _BAD_XML_CHARS.search(script):
        raise errors.InvalidInput(f"{what} contains control characters XML cannot carry")
    if not script.strip():
        raise errors.InvalidInput(f"{what} is empty")
    return script.replace("\r\n", "\n").replace("\r", "\n")


def _parse(config_xml: str, what: str) -> ET.Element:
    try:
        # The XML is the Jenkins server's own job configuration; expat (>= 2.4) refuses
        # entity expansion attacks and never fetches external entities.
        return ET.fromstring(config_xml)  # noqa: S314
    except ET.ParseError as error:
        raise errors.JenkinsError(
            f"{what}: Jenkins returned a configuration that is not XML ({error})"
        ) from None


def _sub(parent: ET.Element, tag: str, text: str | None = None) -> ET.Element:
    child = ET.SubElement(parent, tag)
    child.text = text
    return child


def freestyle_config(job: ShellJob, *, description: str = "") -> str:
    """A freestyle ``<project>`` with one Execute-shell step running ``job.script``."""
    script = check_script(job.script)
    root = ET.Element("project")
    _sub(root, "actions")
    _sub(root, "description", description)
    _sub(root, "keepDependencies", "false")
    _sub(root, "properties")
    ET.SubElement(root, "scm", {"class": "hudson.scm.NullSCM"})
    if job.assigned_node:
        _sub(root, "assignedNode", job.assigned_node)
    _sub(root, "canRoam", "false" if job.assigned_node else "true")
    _sub(root, "disabled", "false")
    _sub(root, "blockBuildWhenDownstreamBuilding", "false")
    _sub(root, "blockBuildWhenUpstreamBuilding", "false")
    _sub(root, "triggers")
    _sub(root, "concurrentBuild", "false")
    builders = _sub(root, "builders")
    shell = _sub(builders, _SHELL)
    _sub(shell, "command", script)
    _sub(shell, "configuredLocalRules")
    _sub(root, "publishers")
    _sub(root, "buildWrappers")
    ET.indent(root, space="  ")
    return _XML_DECLARATION + ET.tostring(root, encoding="unicode") + "\n"


def shell_steps(config_xml: str, *, what: str = "job") -> tuple[str, ...]:
    """The commands of every Execute-shell step of a job configuration, in order."""
    root = _parse(config_xml, what)
    return tuple((step.findtext("command") or "") for step in root.findall(f"./builders/{_SHELL}"))


def read_shell_job(config_xml: str, *, what: str = "job") -> ShellJob:
    """All Execute-shell steps joined into one script (``\\n`` between them), and the label."""
    root = _parse(config_xml, what)
    steps = [(step.findtext("command") or "") for step in root.findall(f"./builders/{_SHELL}")]
    script = "\n".join(_normalise_script(step) for step in steps if step.strip())
    node = (root.findtext("assignedNode") or "").strip() or None
    return ShellJob(script=script, assigned_node=node)


def _relevant(root: ET.Element, desired: ShellJob) -> tuple[object, ...]:
    builders = root.find("builders")
    steps = tuple(
        (step.tag, _normalise_script(step.findtext("command")) if step.tag == _SHELL else None)
        for step in (builders if builders is not None else [])
    )
    disabled = (root.findtext("disabled") or "false").strip() == "true"
    node: tuple[str, str] | None = None
    if desired.assigned_node:
        node = (
            (root.findtext("assignedNode") or "").strip(),
            (root.findtext("canRoam") or "").strip(),
        )
    return (root.tag, steps, disabled, node)


def reconciled_config(existing_xml: str, desired: ShellJob, *, job: str) -> str | None:
    """The configuration to post so that ``existing_xml`` runs ``desired``, or None if it does.

    Only the managed parts are compared and changed: the build steps (exactly one
    Execute-shell step with the script; line ends and trailing blanks do not count), the
    ``disabled`` flag and, when ``desired`` names one, the label. Everything else in the
    existing job (description, log rotation, publishers, wrappers) is kept.
    """
    root = _parse(existing_xml, f"reading job '{job}'")
    if root.tag != "project":
        raise errors.PreconditionFailed(
            f"job '{job}' exists but is a {root.tag}, not a freestyle project; "
            "pick another --job or delete that job in Jenkins"
        )
    want = ET.fromstring(freestyle_config(desired))  # noqa: S314 - our own document
    if _relevant(root, desired) == _relevant(want, desired):
        return None
    builders = root.find("builders")
    if builders is None:
        builders = _sub(root, "builders")
    for child in list(builders):
        builders.remove(child)
    wanted_builders = want.find("builders")
    assert wanted_builders is not None
    builders.extend(list(wanted_builders))
    disabled = root.find("disabled")
    if disabled is None:
        disabled = _sub(root, "disabled")
    disabled.text = "false"
    if desired.assigned_node:
        for tag, value in (("assignedNode", desired.assigned_node), ("canRoam", "false")):
            element = root.find(tag)
            if element is None:
                element = _sub(root, tag)
            element.text = value
    return _XML_DECLARATION + ET.tostring(root, encoding="unicode") + "\n"


# --------------------------------------------------------------------------- errors


def _http_response(error: BaseException) -> requests.Response | None:
    """The HTTP response behind a python-jenkins exception (it chains requests' HTTPError)."""
    import requests

    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, requests.HTTPError) and current.response is not None:
            return current.response
        current = current.__cause__ or current.__context__
    return None


def _first_line(text: str, limit: int = 160) -> str:
    line = next((part.strip() for part in text.splitlines() if part.strip()), "")
    return line if len(line) <= limit else line[: limit - 3] + "..."


class JenkinsAdapter:
    """Typed access to one Jenkins server through a python-jenkins client."""

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

    # ------------------------------------------------------------------ error translation

    @contextlib.contextmanager
    def _call(
        self, what: str, *, missing: Callable[[], errors.JenkinsError] | None = None
    ) -> Iterator[None]:
        """Turn python-jenkins / requests exceptions raised while doing ``what`` into ours."""
        import jenkins
        import requests

        server = self.server
        try:
            yield
        except errors.SccosBackupError:
            raise
        except (requests.Timeout, jenkins.TimeoutException) as error:
            raise errors.JenkinsUnreachable(
                f"Jenkins at {server} did not answer within {self._request_timeout} s while "
                f"{what}; check that it is up and that you are on its network (VPN), then retry"
            ) from error
        except requests.ConnectionError as error:
            text = str(error)
            reason = "connection failed"
            if "refused" in text.lower():
                reason = "connection refused"
            elif "resolve" in text or "Name or service not known" in text or "getaddrinfo" in text:
                reason = "host name not found"
            elif isinstance(error, requests.exceptions.SSLError):
                reason = "TLS handshake failed"
            raise errors.JenkinsUnreachable(
                f"cannot reach Jenkins at {server} ({reason}) while {what}; check --jenkins-url "
                "/ JENKINS_URL and that you are connected to the environment's VPN"
            ) from error
        except (jenkins.JenkinsException, requests.RequestException, ValueError) as error:
            response = _http_response(error)
            if response is None:
                if isinstance(error, ValueError | jenkins.EmptyResponseException):
                    raise errors.JenkinsError(
                        f"unexpected answer from {server} while {what}: not Jenkins JSON; "
                        "check that --jenkins-url points at Jenkins"
                    ) from error
                raise errors.JenkinsError(
                    f"Jenkins at {server} failed while {what}: {_first_line(str(error))}"
                ) from error
            status = response.status_code
            body = response.text or ""
            crumb_request = "crumbIssuer" in (response.url or "")
            if status == 401:
                raise errors.JenkinsAuthError(
                    f"Jenkins at {server} refused user '{self._user}' (HTTP 401) while {what}; "
                    "check --jenkins-user and the API token (JENKINS_API_TOKEN), or create a "
                    f"new token at {server}user/{quote(self._user, safe='')}/configure"
                ) from error
            if status == 403 and "crumb" in body.lower() and not crumb_request:
                raise errors.JenkinsCrumbError(
                    f"Jenkins at {server} refused the CSRF crumb (HTTP 403) while {what}; "
                    "make sure nothing between you and Jenkins drops headers or cookies, "
                    "use an API token rather than a password, then retry"
                ) from error
            if status == 403:
                raise errors.JenkinsAuthError(
                    f"Jenkins at {server} does not allow user '{self._user}' to do this "
                    f"(HTTP 403) while {what}; grant the user Job/Read, Configure, Create and "
                    "Build, or use another --jenkins-user"
                ) from error
            if crumb_request:
                raise errors.JenkinsCrumbError(
                    f"Jenkins at {server} could not issue a CSRF crumb (HTTP {status}) while "
                    f"{what}; check the Jenkins log, then retry"
                ) from error
            if status == 404:
                if missing is not None:
                    raise missing() from error
                raise errors.JenkinsJobMissing(
                    f"not found on {server} while {what} (HTTP 404); check the job name and "
                    "its folders"
                ) from error
            raise errors.JenkinsError(
                f"Jenkins at {server} answered HTTP {status} while {what}; check the Jenkins "
                "log and retry"
            ) from error

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

    # ------------------------------------------------------------------ jobs

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

    # ------------------------------------------------------------------ builds

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
