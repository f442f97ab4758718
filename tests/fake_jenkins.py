"""A fake Jenkins HTTP server (standard library only) for driving the real python-jenkins client.

Modelled on Jenkins core 2.4xx (weekly line, jenkinsci/jenkins ``master``) as read in its sources:

* ``hudson/security/csrf/CrumbFilter.java``: POSTs need a valid crumb (header ``Jenkins-Crumb``)
  unless a ``CrumbExclusion`` takes them; otherwise ``sendError(403, "No valid crumb was included
  in the request")``. GETs are never checked.
* ``jenkins/security/ApiCrumbExclusion.java`` (JENKINS-22474, since 2.96): a request whose Basic
  auth carried an API token is exempt from the crumb. Only password logins need it.
* ``hudson/security/csrf/DefaultCrumbIssuer.java``: the crumb hashes the user name, the client IP
  and, since 2.176.2 (SECURITY-626, unless ``EXCLUDE_SESSION_ID``), the HTTP session id; so a
  password login must send back the session cookie it got with the crumb.
* ``hudson/security/AccessDeniedException3.java`` ``reportAsHeaders``: a permission refusal is a
  403 HTML page with ``X-You-Are-Authenticated-As``, ``X-You-Are-In-Group-Disabled``,
  ``X-Required-Permission`` and ``X-Permission-Implied-By`` headers. Every Jenkins HTML page has
  the crumb in its ``<head>`` (``data-crumb-header`` / ``data-crumb-value``), 403 pages too.
* ``jenkins/model/ParameterizedJobMixIn.java``: ``/build`` answers 201 with ``Location:
  .../queue/item/N/``; a disabled job gives 409 ("is not buildable"); a parameterized job needs a
  form there (here 400 "Nothing is submitted", as python-jenkins documents) and is built with
  ``/buildWithParameters`` (defaults apply); ``buildWithParameters`` on a job without parameters
  fails ("This build is not parameterized!", 500). ``Queue.schedule2`` returns the item already
  queued for the same job instead of queueing a second one.
* ``hudson/model/Queue.java``: ``WaitingItem`` (quiet period), ``BlockedItem`` (the previous
  build is still running), ``BuildableItem`` (waiting for an executor), then ``LeftItem`` whose
  ``executable`` is still null for a moment after it left the queue, before the executor has
  created the build; ``cancelled: true`` when it was cancelled. ``doCancelItem`` (POST
  ``/queue/cancelItem?id=N``) answers 204, or 404 "Provided id (N) not found".
* ``hudson/model/AbstractBuild.java`` / ``Executor.doStop``: POST ``/job/x/N/stop`` aborts the
  build (result ABORTED) and redirects to the previous page.
* ``hudson/console/AnnotatedLargeText``: ``logText/progressiveText?start=N`` with ``X-Text-Size``
  and ``X-More-Data: true`` while the build runs.
* Job configurations are written by XStream as XML 1.1 (``<?xml version='1.1'``), in which
  ``&#27;`` and other control character references are legal (not in XML 1.0).

Also modelled: a context path (Jenkins served under ``/jenkins/``), a redirect of every request
to another base URL (a proxy moving http to https), transient 502s from a proxy, and builds that
never end until stopped.

It listens on 127.0.0.1 on a free port, serves in a daemon thread, and stops itself after
``lifetime`` seconds if a test forgets to. Progress is driven by requests, not by wall time, so
tests are deterministic. Every request is recorded in :attr:`FakeJenkins.requests`.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import ssl
import threading
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from tests.secret_guard import register_secret

CRUMB_SALT = "fake-salt-0123456789abcdef"
FOLDER_CLASS = "com.cloudbees.hudson.plugins.folder.Folder"
SESSION_COOKIE = "JSESSIONID.fake1234"
_CHAR_REF = re.compile(rb"&#(?:x([0-9a-fA-F]+)|([0-9]+));")
_PERMISSION_IMPLIED_BY = {
    "hudson.model.Item.Read": ["hudson.model.Hudson.Administer"],
    "hudson.model.Item.Create": ["hudson.model.Hudson.Administer"],
    "hudson.model.Item.Configure": ["hudson.model.Hudson.Administer"],
    "hudson.model.Item.Build": ["hudson.model.Hudson.Administer"],
    "hudson.model.Item.Cancel": ["hudson.model.Hudson.Administer"],
}


@dataclass
class BuildPlan:
    """How the next triggered build behaves."""

    result: str = "SUCCESS"
    chunks: Sequence[str | bytes] = (
        "Started by user jenkins-admin\n",
        "+ vendor/bin/console sync:data\n",
        "Store: DE | Resource: url\nFinished: {result}\n",
    )
    queue_waits: int = 0
    queue_outcome: str = "start"  # "start", "cancel" or "expire"
    #: Polls answered with a quiet-period WaitingItem before the item is buildable.
    quiet_polls: int = 0
    #: Polls answered with a LeftItem whose executable is still null (the start race).
    left_without_executable: int = 0
    never_ends: bool = False
    duration_ms: int = 42_000


@dataclass
class FakeBuild:
    job: str
    number: int
    plan: BuildPlan
    revealed: int = 0
    stopped: bool = False
    queue_id: int = 0

    @property
    def chunks(self) -> list[bytes]:
        out = []
        for chunk in self.plan.chunks:
            data = chunk.encode() if isinstance(chunk, str) else chunk
            out.append(data.replace(b"{result}", self.plan.result.encode()))
        return out

    @property
    def building(self) -> bool:
        if self.stopped:
            return False
        return self.plan.never_ends or self.revealed < len(self.chunks)

    @property
    def result(self) -> str | None:
        if self.stopped:
            return "ABORTED"
        return None if self.building else self.plan.result

    @property
    def log(self) -> bytes:
        text = b"".join(self.chunks[: self.revealed])
        if self.stopped:
            text += b"Aborted by jenkins-admin\nFinished: ABORTED\n"
        return text


@dataclass
class QueueItem:
    id: int
    job: str
    plan: BuildPlan
    polls: int = 0
    build: FakeBuild | None = None
    cancelled: bool = False


@dataclass(frozen=True)
class Recorded:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes


@dataclass
class FakeJenkins:
    """The fake server's state; use as a context manager (``with FakeJenkins() as fake``)."""

    user: str = "jenkins-admin"
    token: str = "tok-SECRET-5f1e2d3c"
    #: The user's password: a password login needs crumb and session cookie for POSTs.
    password: str = "pw-SECRET-9a8b7c"
    csrf: bool = True
    refuse_crumb: bool = False
    lifetime: float = 30.0
    #: Jenkins served under a context path, e.g. "/jenkins" (empty: at the root).
    context_path: str = ""
    #: When set, every request is answered 301 to this base URL plus the request path.
    redirect_to: str | None = None
    #: Permission ids the user lacks (403 with permission headers), e.g. Item.Create.
    forbid: set[str] = field(default_factory=set)
    #: Path fragment -> number of 502 answers still to give to GETs of matching paths.
    flaky: dict[str, int] = field(default_factory=dict)
    folders: set[str] = field(default_factory=set)
    jobs: dict[str, str] = field(default_factory=dict)
    builds: dict[str, list[FakeBuild]] = field(default_factory=dict)
    queue: dict[int, QueueItem] = field(default_factory=dict)
    plans: list[BuildPlan] = field(default_factory=list)
    requests: list[Recorded] = field(default_factory=list)
    lock: threading.RLock = field(default_factory=threading.RLock)
    sessions: set[str] = field(default_factory=set)
    #: Serve HTTPS with this server-side context (a private CA's certificate).
    tls: ssl.SSLContext | None = None
    _server: ThreadingHTTPServer | None = None
    _thread: threading.Thread | None = None
    _timer: threading.Timer | None = None
    _next_queue_id: int = 100

    def __post_init__(self) -> None:
        register_secret(self.token)
        register_secret(self.password)

    # -------------------------------------------------------------- lifecycle

    def start(self) -> FakeJenkins:
        server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        server.daemon_threads = True
        server.fake = self  # type: ignore[attr-defined]
        if self.tls is not None:
            server.socket = self.tls.wrap_socket(server.socket, server_side=True)
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self._thread.start()
        self._timer = threading.Timer(self.lifetime, self.stop)
        self._timer.daemon = True
        self._timer.start()
        return self

    def stop(self) -> None:
        server, self._server = self._server, None
        if self._timer is not None:
            self._timer.cancel()
        if server is not None:
            server.shutdown()
            server.server_close()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=2)

    def __enter__(self) -> FakeJenkins:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def root(self) -> str:
        """The server's address without the context path."""
        assert self._server is not None, "start the fake first"
        host, port = self._server.server_address[:2]
        scheme = "https" if self.tls is not None else "http"
        return f"{scheme}://{host}:{port}/"

    @property
    def url(self) -> str:
        """The Jenkins URL to configure (with the context path)."""
        path = self.context_path.strip("/")
        return self.root + (path + "/" if path else "")

    # -------------------------------------------------------------- arranging

    def add_folder(self, path: str) -> None:
        self.folders.add(path)

    def add_job(self, name: str, config_xml: str) -> None:
        self.jobs[name] = config_xml

    def plan(self, plan: BuildPlan) -> BuildPlan:
        """Queue ``plan`` for the next triggered build."""
        self.plans.append(plan)
        return plan

    def crumb_for(self, user: str, session: str) -> str:
        return hashlib.sha256(f"{user};127.0.0.1;{session}{CRUMB_SALT}".encode()).hexdigest()

    # -------------------------------------------------------------- inspecting

    def calls(self, method: str | None = None, contains: str = "") -> list[Recorded]:
        with self.lock:
            return [
                r
                for r in self.requests
                if (method is None or r.method == method) and contains in r.path
            ]

    def build(self, job: str, number: int = 1) -> FakeBuild:
        return self.builds[job][number - 1]

    def running(self, job: str) -> list[FakeBuild]:
        with self.lock:
            return [b for b in self.builds.get(job, []) if b.building]


def parse_config(body: bytes) -> ET.Element:
    """Parse a job configuration the way XStream would accept it (XML 1.1 char refs allowed)."""

    def neutral(match: re.Match[bytes]) -> bytes:
        value = int(match.group(1), 16) if match.group(1) else int(match.group(2))
        return b"?" if 0 < value < 32 else match.group(0)

    return ET.fromstring(_CHAR_REF.sub(neutral, body))


class _Handler(BaseHTTPRequestHandler):
    server_version = "FakeJenkins/1.0"
    protocol_version = "HTTP/1.0"
    timeout = 5

    @property
    def fake(self) -> FakeJenkins:
        return self.server.fake  # type: ignore[attr-defined,no-any-return]

    def log_message(self, format: str, *args: Any) -> None:  # silence
        pass

    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")

    # -------------------------------------------------------------- plumbing

    def _send(
        self,
        status: int,
        body: bytes | str | dict[str, Any] = b"",
        *,
        content_type: str = "text/plain;charset=UTF-8",
        headers: dict[str, str] | list[tuple[str, str]] | None = None,
    ) -> None:
        if isinstance(body, dict):
            body = json.dumps(body)
            content_type = "application/json;charset=utf-8"
        data = body.encode() if isinstance(body, str) else body
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("X-Jenkins", "2.462.3")
        items = headers.items() if isinstance(headers, dict) else (headers or [])
        for key, value in items:
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(data)

    def _page(self, title: str, text: str) -> str:
        """A Jenkins HTML page: its head carries the crumb attributes, like every real page."""
        return (
            "<!DOCTYPE html><html><head resURL='/static/abc' data-rooturl='' "
            "data-crumb-header='Jenkins-Crumb' data-crumb-value='0f1e2d3c4b5a'>"
            f"<title>{title} [Jenkins]</title></head><body><h1>{title}</h1><p>{text}</p>"
            "</body></html>"
        )

    def _credentials(self) -> str | None:
        """'token' or 'password' for a valid Basic header, else None."""
        header = self.headers.get("Authorization", "")
        for kind, secret in (("token", self.fake.token), ("password", self.fake.password)):
            expected = base64.b64encode(f"{self.fake.user}:{secret}".encode()).decode()
            if header == f"Basic {expected}":
                return kind
        return None

    def _session(self) -> str | None:
        for part in self.headers.get("Cookie", "").split(";"):
            name, _, value = part.strip().partition("=")
            if name == SESSION_COOKIE and value in self.fake.sessions:
                return value
        return None

    def _forbidden(self, permission: str) -> None:
        headers = [
            ("X-You-Are-Authenticated-As", self.fake.user),
            (
                "X-You-Are-In-Group-Disabled",
                "JENKINS-39402: use -Dhudson.security.AccessDeniedException2."
                "REPORT_GROUP_HEADERS=true or use /whoAmI to diagnose",
            ),
            ("X-Required-Permission", permission),
        ]
        headers += [("X-Permission-Implied-By", p) for p in _PERMISSION_IMPLIED_BY[permission]]
        text = f"{self.fake.user} is missing the {permission.rsplit('.', 2)[-2]} permission"
        self._send(
            403,
            self._page("Access Denied", text),
            content_type="text/html;charset=utf-8",
            headers=headers,
        )

    def _handle(self, method: str) -> None:
        fake = self.fake
        parts = urlsplit(self.path)
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        with fake.lock:
            fake.requests.append(
                Recorded(method, parts.path, query, dict(self.headers.items()), body)
            )
            if fake.redirect_to is not None:
                target = fake.redirect_to.rstrip("/") + self.path
                self._send(301, headers={"Location": target})
                return
            context = "/" + fake.context_path.strip("/") if fake.context_path.strip("/") else ""
            if context and not (parts.path + "/").startswith(context + "/"):
                self._send(404, "Not Found")  # Jetty: nothing outside the context path
                return
            path = parts.path[len(context) :] or "/"
            if method == "GET":
                for fragment, count in fake.flaky.items():
                    if count > 0 and fragment in path:
                        fake.flaky[fragment] = count - 1
                        self._send(502, "<html><body>502 Bad Gateway</body></html>")
                        return
            credentials = self._credentials()
            if credentials is None:
                self._send(
                    401,
                    f"Invalid password/token for user: {fake.user}",
                    headers={"WWW-Authenticate": 'Basic realm="Jenkins"'},
                )
                return
            if path == "/crumbIssuer/api/json":
                self._issue_crumb()
                return
            if method == "POST" and fake.csrf and credentials == "password":
                session = self._session()
                crumb = self.headers.get("Jenkins-Crumb")
                valid = session is not None and crumb == fake.crumb_for(fake.user, session)
                if fake.refuse_crumb or not valid:
                    self._send(
                        403,
                        "<html><head><title>Error 403 No valid crumb was included in the "
                        "request</title></head><body><h2>HTTP ERROR 403 No valid crumb was "
                        "included in the request</h2></body></html>",
                        content_type="text/html;charset=iso-8859-1",
                    )
                    return
            self._route(method, path, query, body)

    def _issue_crumb(self) -> None:
        fake = self.fake
        if not fake.csrf:
            self._send(404, "Not Found")
            return
        session = self._session()
        headers = {}
        if session is None:
            session = uuid.uuid4().hex
            fake.sessions.add(session)
            headers["Set-Cookie"] = f"{SESSION_COOKIE}={session}; Path=/; HttpOnly"
        self._send(
            200,
            {
                "_class": "hudson.security.csrf.DefaultCrumbIssuer",
                "crumb": fake.crumb_for(fake.user, session),
                "crumbRequestField": "Jenkins-Crumb",
            },
            headers=headers,
        )

    def _route(self, method: str, path: str, query: dict[str, str], body: bytes) -> None:
        fake = self.fake
        segments = [unquote(s) for s in path.strip("/").split("/") if s]
        if segments in ([], ["api", "json"]):
            self._send(200, {"_class": "hudson.model.Hudson", "url": fake.url, "jobs": []})
            return
        if segments[:2] == ["queue", "item"] and len(segments) >= 3:
            self._queue_item(int(segments[2]))
            return
        if segments == ["queue", "cancelItem"]:
            self._cancel_item(method, int(query.get("id", "0")))
            return
        names: list[str] = []
        while len(segments) >= 2 and segments[0] == "job":
            names.append(segments[1])
            segments = segments[2:]
        name = "/".join(names)
        rest = segments
        if rest == ["createItem"] and method == "POST":
            if "hudson.model.Item.Create" in fake.forbid:
                self._forbidden("hudson.model.Item.Create")
                return
            self._create_item(name, query.get("name", ""), body)
            return
        if name in fake.folders and rest == ["api", "json"]:
            self._send(200, {"_class": FOLDER_CLASS, "name": names[-1], "fullName": name})
            return
        if name not in fake.jobs:
            self._send(404, "Not Found")
            return
        if rest == ["api", "json"]:
            self._job_json(name, names[-1])
            return
        if rest == ["config.xml"]:
            self._config(method, name, body)
            return
        if rest in (["build"], ["buildWithParameters"]) and method == "POST":
            self._trigger(name, rest[0])
            return
        if rest and rest[0].isdigit():
            self._build(method, name, int(rest[0]), rest[1:], query)
            return
        self._send(404, "Not Found")

    def _job_json(self, name: str, short: str) -> None:
        fake = self.fake
        builds = list(reversed(fake.builds.get(name, [])))  # newest first, like Jenkins
        queued = [i for i in fake.queue.values() if i.job == name and _is_queued(i)]
        config = parse_config(fake.jobs[name].encode())
        self._send(
            200,
            {
                "_class": "hudson.model.FreeStyleProject",
                "name": short,
                "fullName": name,
                "url": f"{fake.url}{_job_path(name)}",
                "buildable": (config.findtext("disabled") or "false") != "true",
                "inQueue": bool(queued),
                "queueItem": {"id": queued[0].id, "why": "Waiting"} if queued else None,
                "nextBuildNumber": len(builds) + 1,
                "builds": [
                    {
                        "number": b.number,
                        "building": b.building,
                        "url": f"{fake.url}{_job_path(name)}{b.number}/",
                    }
                    for b in builds
                ],
            },
        )

    def _config(self, method: str, name: str, body: bytes) -> None:
        fake = self.fake
        if method == "GET":
            self._send(200, fake.jobs[name], content_type="application/xml")
            return
        if "hudson.model.Item.Configure" in fake.forbid:
            self._forbidden("hudson.model.Item.Configure")
            return
        try:
            parse_config(body)
        except ET.ParseError as error:
            self._send(500, f"Failed to parse config.xml: {error}")
            return
        fake.jobs[name] = body.decode()
        self._send(200)

    def _trigger(self, name: str, how: str) -> None:
        fake = self.fake
        if "hudson.model.Item.Build" in fake.forbid:
            self._forbidden("hudson.model.Item.Build")
            return
        config = parse_config(fake.jobs[name].encode())
        if (config.findtext("disabled") or "false").strip() == "true":
            self._send(409, self._page("Error", f"{name} is not buildable"))
            return
        parameterized = config.find("properties/hudson.model.ParametersDefinitionProperty")
        if how == "build" and parameterized is not None:
            self._send(400, self._page("Error", "Nothing is submitted"))
            return
        if how == "buildWithParameters" and parameterized is None:
            self._send(500, self._page("Oops!", "This build is not parameterized!"))
            return
        for item in fake.queue.values():
            if item.job == name and _is_queued(item):  # Queue.schedule2: the existing item
                self._send(201, headers={"Location": f"{fake.url}queue/item/{item.id}/"})
                return
        fake._next_queue_id += 1
        plan = fake.plans.pop(0) if fake.plans else BuildPlan()
        item = QueueItem(fake._next_queue_id, name, plan)
        fake.queue[item.id] = item
        self._send(201, headers={"Location": f"{fake.url}queue/item/{item.id}/"})

    def _create_item(self, folder: str, short_name: str, body: bytes) -> None:
        fake = self.fake
        if folder and folder not in fake.folders:
            self._send(404, "Not Found")
            return
        full = f"{folder}/{short_name}" if folder else short_name
        if full in fake.jobs or full in fake.folders:
            self._send(400, f"A job already exists with the name '{short_name}'")
            return
        try:
            parse_config(body)
        except ET.ParseError as error:
            self._send(500, f"Failed to parse config.xml: {error}")
            return
        fake.jobs[full] = body.decode()
        self._send(200)

    def _cancel_item(self, method: str, number: int) -> None:
        fake = self.fake
        if method != "POST":
            self._send(405, "Method Not Allowed")
            return
        item = fake.queue.get(number)
        if item is None or not _is_queued(item):
            self._send(404, f"Provided id ({number}) not found")
            return
        if "hudson.model.Item.Cancel" in fake.forbid:
            self._send(422, f"Item for id ({number}) is not cancellable")
            return
        item.cancelled = True
        self._send(204)

    def _queue_item(self, number: int) -> None:
        fake = self.fake
        item = fake.queue.get(number)
        if item is None:
            self._send(404, "Not Found")
            return
        item.polls += 1
        base = {"id": item.id, "task": {"name": item.job.rsplit("/", 1)[-1]}}
        if item.cancelled:
            self._send(200, {**base, **_left(cancelled=True)})
            return
        plan = item.plan
        running = [b for b in fake.running(item.job) if b is not item.build]
        if item.build is None and item.polls <= plan.quiet_polls:
            self._send(
                200,
                {
                    **base,
                    "_class": "hudson.model.Queue$WaitingItem",
                    "blocked": False,
                    "buildable": False,
                    "why": "In the quiet period. Expires in 4.9 sec",
                },
            )
            return
        if item.build is None and running:
            item.polls -= 1  # a blocked item does not move on
            self._send(
                200,
                {
                    **base,
                    "_class": "hudson.model.Queue$BlockedItem",
                    "blocked": True,
                    "buildable": False,
                    "why": f"Build #{running[0].number} is already in progress",
                },
            )
            return
        waits = plan.quiet_polls + plan.queue_waits
        if item.build is None and item.polls <= waits:
            self._send(
                200,
                {
                    **base,
                    "_class": "hudson.model.Queue$BuildableItem",
                    "blocked": False,
                    "buildable": True,
                    "stuck": False,
                    "why": "Waiting for next available executor",
                },
            )
            return
        if plan.queue_outcome == "expire":
            del fake.queue[number]
            self._send(404, "Not Found")
            return
        if plan.queue_outcome == "cancel":
            item.cancelled = True
            self._send(200, {**base, **_left(cancelled=True)})
            return
        if item.build is None:
            builds = fake.builds.setdefault(item.job, [])
            item.build = FakeBuild(item.job, len(builds) + 1, plan, queue_id=item.id)
            builds.append(item.build)
        if item.polls <= waits + plan.left_without_executable:
            self._send(200, {**base, **_left(cancelled=False)})  # the start race
            return
        executable = {
            "_class": "hudson.model.FreeStyleBuild",
            "number": item.build.number,
            "url": f"{fake.url}{_job_path(item.job)}{item.build.number}/",
        }
        self._send(200, {**base, **_left(cancelled=False), "executable": executable})

    def _build(
        self, method: str, job: str, number: int, rest: list[str], query: dict[str, str]
    ) -> None:
        fake = self.fake
        builds = fake.builds.get(job, [])
        if not 1 <= number <= len(builds):
            self._send(404, "Not Found")
            return
        build = builds[number - 1]
        url = f"{fake.url}{_job_path(job)}{number}/"
        if rest == [] and method == "GET":
            self._send(200, self._page(f"{job} #{number}", "build"), content_type="text/html")
            return
        if rest == ["stop"] and method == "POST":
            if "hudson.model.Item.Cancel" in fake.forbid:
                self._forbidden("hudson.model.Item.Cancel")
                return
            if build.building:
                build.stopped = True
            self._send(302, headers={"Location": url})  # forwardToPreviousPage
            return
        if rest == ["api", "json"]:
            self._send(
                200,
                {
                    "_class": "hudson.model.FreeStyleBuild",
                    "number": number,
                    "building": build.building,
                    "result": build.result,
                    "duration": 0 if build.building else build.plan.duration_ms,
                    "url": url,
                },
            )
            return
        if rest == ["consoleText"]:
            self._send(200, build.log)
            return
        if rest == ["logText", "progressiveText"]:
            if build.revealed < len(build.chunks):
                build.revealed += 1
            log = build.log
            start = int(query.get("start", "0"))
            headers = {"X-Text-Size": str(len(log))}
            if build.building:
                headers["X-More-Data"] = "true"
            self._send(200, log[start:], headers=headers)
            return
        self._send(404, "Not Found")


def _is_queued(item: QueueItem) -> bool:
    return item.build is None and not item.cancelled


def _left(*, cancelled: bool) -> dict[str, Any]:
    return {
        "_class": "hudson.model.Queue$LeftItem",
        "blocked": False,
        "buildable": False,
        "cancelled": cancelled,
        "executable": None,
        "why": None,
    }


def _job_path(name: str) -> str:
    return "".join(f"job/{segment}/" for segment in name.split("/"))


class FakeTime:
    """An injected clock and sleep: sleeping only moves the clock."""

    def __init__(self) -> None:
        self.now = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
        self.slept: list[float] = []

    def clock(self) -> datetime:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += timedelta(seconds=seconds)
