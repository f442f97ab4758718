"""A fake Jenkins HTTP server (standard library only) for driving the real python-jenkins client.

It listens on 127.0.0.1 on a free port, serves in a daemon thread, and stops itself after
``lifetime`` seconds if a test forgets to. It enforces Basic auth (user + API token) and the CSRF
crumb (``/crumbIssuer/api/json``, header ``Jenkins-Crumb``; POSTs without it get 403), and can
refuse every crumb. It serves, for jobs in folders too (``/job/a/job/b/job/x/``):

* ``createItem``, ``config.xml`` (GET, POST), ``api/json`` of jobs and folders, ``build``;
* queue items that wait (``why``) for ``queue_waits`` polls, then start a build, or are
  cancelled, or disappear (404, expired);
* builds whose console grows by one chunk per ``logText/progressiveText`` read (with
  ``X-Text-Size`` and, while building, ``X-More-Data: true``) and that end with the planned
  result once the last chunk is out; ``consoleText`` and build ``api/json``.

Progress is driven by requests, not by wall time, so tests are deterministic and fast. Every
request is recorded in :attr:`FakeJenkins.requests`.
"""

from __future__ import annotations

import base64
import json
import threading
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

CRUMB = "fake-crumb-0123456789abcdef"
FOLDER_CLASS = "com.cloudbees.hudson.plugins.folder.Folder"


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
    never_ends: bool = False
    duration_ms: int = 42_000


@dataclass
class FakeBuild:
    job: str
    number: int
    plan: BuildPlan
    revealed: int = 0

    @property
    def chunks(self) -> list[bytes]:
        out = []
        for chunk in self.plan.chunks:
            data = chunk.encode() if isinstance(chunk, str) else chunk
            out.append(data.replace(b"{result}", self.plan.result.encode()))
        return out

    @property
    def building(self) -> bool:
        return self.plan.never_ends or self.revealed < len(self.chunks)

    @property
    def log(self) -> bytes:
        return b"".join(self.chunks[: self.revealed])


@dataclass
class QueueItem:
    id: int
    job: str
    plan: BuildPlan
    polls: int = 0
    build: FakeBuild | None = None


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
    csrf: bool = True
    refuse_crumb: bool = False
    lifetime: float = 30.0
    folders: set[str] = field(default_factory=set)
    jobs: dict[str, str] = field(default_factory=dict)
    builds: dict[str, list[FakeBuild]] = field(default_factory=dict)
    queue: dict[int, QueueItem] = field(default_factory=dict)
    plans: list[BuildPlan] = field(default_factory=list)
    requests: list[Recorded] = field(default_factory=list)
    lock: threading.RLock = field(default_factory=threading.RLock)
    _server: ThreadingHTTPServer | None = None
    _thread: threading.Thread | None = None
    _timer: threading.Timer | None = None
    _next_queue_id: int = 100

    # -------------------------------------------------------------- lifecycle

    def start(self) -> FakeJenkins:
        server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        server.daemon_threads = True
        server.fake = self  # type: ignore[attr-defined]
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
    def url(self) -> str:
        assert self._server is not None, "start the fake first"
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/"

    # -------------------------------------------------------------- arranging

    def add_folder(self, path: str) -> None:
        self.folders.add(path)

    def add_job(self, name: str, config_xml: str) -> None:
        self.jobs[name] = config_xml

    def plan(self, plan: BuildPlan) -> BuildPlan:
        """Queue ``plan`` for the next triggered build."""
        self.plans.append(plan)
        return plan

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
        headers: dict[str, str] | None = None,
    ) -> None:
        if isinstance(body, dict):
            body = json.dumps(body)
            content_type = "application/json;charset=utf-8"
        data = body.encode() if isinstance(body, str) else body
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("X-Jenkins", "2.462.3")
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(data)

    def _authorised(self) -> bool:
        header = self.headers.get("Authorization", "")
        expected = base64.b64encode(f"{self.fake.user}:{self.fake.token}".encode()).decode()
        return header == f"Basic {expected}"

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
            if not self._authorised():
                self._send(
                    401,
                    f"Invalid password/token for user: {fake.user}",
                    headers={"WWW-Authenticate": 'Basic realm="Jenkins"'},
                )
                return
            if parts.path == "/crumbIssuer/api/json":
                if not fake.csrf:
                    self._send(404, "Not Found")
                    return
                self._send(
                    200,
                    {
                        "_class": "hudson.security.csrf.DefaultCrumbIssuer",
                        "crumb": CRUMB,
                        "crumbRequestField": "Jenkins-Crumb",
                    },
                )
                return
            if (
                method == "POST"
                and fake.csrf
                and (fake.refuse_crumb or self.headers.get("Jenkins-Crumb") != CRUMB)
            ):
                self._send(403, "No valid crumb was included in the request")
                return
            self._route(method, parts.path, query, body)

    def _route(self, method: str, path: str, query: dict[str, str], body: bytes) -> None:
        fake = self.fake
        segments = [unquote(s) for s in path.strip("/").split("/") if s]
        if segments == []:
            self._send(200, "<html>Dashboard</html>", content_type="text/html")
            return
        if segments[:2] == ["queue", "item"] and len(segments) >= 3:
            self._queue_item(int(segments[2]))
            return
        names: list[str] = []
        while len(segments) >= 2 and segments[0] == "job":
            names.append(segments[1])
            segments = segments[2:]
        name = "/".join(names)
        rest = segments
        if rest == ["createItem"] and method == "POST":
            self._create_item(name, query.get("name", ""), body)
            return
        if name in fake.folders and rest == ["api", "json"]:
            self._send(200, {"_class": FOLDER_CLASS, "name": names[-1], "fullName": name})
            return
        if name not in fake.jobs:
            self._send(404, "Not Found")
            return
        if rest == ["api", "json"]:
            self._send(
                200,
                {
                    "_class": "hudson.model.FreeStyleProject",
                    "name": names[-1],
                    "fullName": name,
                    "url": f"{fake.url}{_job_path(name)}",
                    "nextBuildNumber": len(fake.builds.get(name, [])) + 1,
                },
            )
            return
        if rest == ["config.xml"]:
            if method == "GET":
                self._send(200, fake.jobs[name], content_type="application/xml")
            else:
                try:
                    ET.fromstring(body)
                except ET.ParseError as error:
                    self._send(500, f"Failed to parse config.xml: {error}")
                    return
                fake.jobs[name] = body.decode()
                self._send(200)
            return
        if rest == ["build"] and method == "POST":
            fake._next_queue_id += 1
            item = QueueItem(
                fake._next_queue_id, name, fake.plans.pop(0) if fake.plans else BuildPlan()
            )
            fake.queue[item.id] = item
            self._send(201, headers={"Location": f"{fake.url}queue/item/{item.id}/"})
            return
        if rest and rest[0].isdigit():
            self._build(name, int(rest[0]), rest[1:], query)
            return
        self._send(404, "Not Found")

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
            ET.fromstring(body)
        except ET.ParseError as error:
            self._send(500, f"Failed to parse config.xml: {error}")
            return
        fake.jobs[full] = body.decode()
        self._send(200)

    def _queue_item(self, number: int) -> None:
        fake = self.fake
        item = fake.queue.get(number)
        if item is None:
            self._send(404, "Not Found")
            return
        item.polls += 1
        base = {"id": item.id, "task": {"name": item.job.rsplit("/", 1)[-1]}}
        if item.polls <= item.plan.queue_waits:
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
        outcome = item.plan.queue_outcome
        if outcome == "expire":
            del fake.queue[number]
            self._send(404, "Not Found")
            return
        if outcome == "cancel":
            self._send(
                200,
                {
                    **base,
                    "_class": "hudson.model.Queue$LeftItem",
                    "cancelled": True,
                    "executable": None,
                    "why": None,
                },
            )
            return
        if item.build is None:
            builds = fake.builds.setdefault(item.job, [])
            item.build = FakeBuild(item.job, len(builds) + 1, item.plan)
            builds.append(item.build)
        self._send(
            200,
            {
                **base,
                "_class": "hudson.model.Queue$LeftItem",
                "cancelled": False,
                "why": None,
                "executable": {
                    "_class": "hudson.model.FreeStyleBuild",
                    "number": item.build.number,
                    "url": f"{fake.url}{_job_path(item.job)}{item.build.number}/",
                },
            },
        )

    def _build(self, job: str, number: int, rest: list[str], query: dict[str, str]) -> None:
        fake = self.fake
        builds = fake.builds.get(job, [])
        if not 1 <= number <= len(builds):
            self._send(404, "Not Found")
            return
        build = builds[number - 1]
        if rest == ["api", "json"]:
            self._send(
                200,
                {
                    "_class": "hudson.model.FreeStyleBuild",
                    "number": number,
                    "building": build.building,
                    "result": None if build.building else build.plan.result,
                    "duration": 0 if build.building else build.plan.duration_ms,
                    "url": f"{fake.url}{_job_path(job)}{number}/",
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
