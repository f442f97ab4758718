"""A fake Jenkins HTTP server (standard library only) for driving the real python-jenkins client.

Modelled on Jenkins core (jenkinsci/jenkins, the 2.4xx line; the javax- and jakarta-servlet
versions of these files agree on what is modelled) as read in its sources, through the search
tool's code index (CrumbFilter.java at 00c7c07, DefaultCrumbIssuer.java at 07412a9,
ApiCrumbExclusion.java, AccessDeniedException3.java, ParameterizedJobMixIn.java, Queue.java's
``doCancelItem``), and on python-jenkins 1.8's requests (see test-environment.md):

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

Known differences (kinder than Jenkins): the 400 for ``/build`` on a parameterized job is
python-jenkins' description, not read in the source (Jenkins answers from
``ParametersDefinitionProperty._doBuild``); queue items expire only when a plan says so (Jenkins
drops a left item about five minutes after it left); a proxy's 301 and 502 carry the
``X-Jenkins`` header like every answer here; there are no agents, executors or plugins.

It listens on 127.0.0.1 on a free port, serves in a daemon thread, and stops itself after
``lifetime`` seconds if a test forgets to. Progress is driven by requests, not by wall time, so
tests are deterministic. Every request is recorded in :attr:`FakeJenkins.requests`.
"""

from __future__ import annotations

import hashlib
import ssl
import threading
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from http.server import ThreadingHTTPServer
from urllib.parse import unquote

from tests.fake_jenkins_http import QueueAndBuilds
from tests.fake_jenkins_state import (
    CRUMB_SALT,
    FOLDER_CLASS,
    BuildPlan,
    FakeBuild,
    FakeTime,
    QueueItem,
    Recorded,
    is_queued,
    job_path,
    parse_config,
)
from tests.secret_guard import register_secret
from tests.support.servers import serve_in_thread

__all__ = ["BuildPlan", "FakeBuild", "FakeJenkins", "FakeTime", "Recorded", "parse_config"]


@dataclass
class FakeJenkins:
    """The fake server's state; use as a context manager (``with FakeJenkins() as fake``)."""

    user: str = "jenkins-admin"
    token: str = "tok-SECRET-5f1e2d3c"
    #: The user's password: a password login needs crumb and session cookie for POSTs.
    password: str = "pw-SECRET-9a8b7c"
    csrf: bool = True
    refuse_crumb: bool = False
    #: A safety net for a test that forgets to stop the server, not a timeout: long enough that
    #: a long test on a loaded 2-core CI machine (test_permissions' setup takes minutes there)
    #: never meets it; at 30 s its Jenkins went away mid-test and resync exited 5.
    lifetime: float = 900.0
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
        server = ThreadingHTTPServer(("127.0.0.1", 0), JenkinsHandler)
        server.daemon_threads = True
        server.fake = self  # type: ignore[attr-defined]
        if self.tls is not None:
            server.socket = self.tls.wrap_socket(server.socket, server_side=True)
        self._server = server
        self._thread = serve_in_thread(server)
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


class JenkinsHandler(QueueAndBuilds):
    """Job URLs: folders, ``createItem``, ``config.xml``, ``api/json``, ``build``."""

    def _route(self, method: str, path: str, query: dict[str, str], body: bytes) -> None:
        fake = self.fake
        segments = [unquote(s) for s in path.strip("/").split("/") if s]
        if segments in ([], ["api", "json"]):
            self._send(200, {"_class": "hudson.model.Hudson", "url": fake.url, "jobs": []})
            return
        if segments == ["whoAmI", "api", "json"]:  # jenkins.security.WhoAmI
            self._send(
                200,
                {
                    "_class": "jenkins.security.WhoAmI",
                    "anonymous": False,
                    "authenticated": True,
                    "authorities": ["authenticated"],
                    "name": fake.user,
                },
            )
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
            # ItemGroupMixIn.createTopLevelItem: the permission first, then the request.
            if not self.headers.get("Content-Type") and query.get("mode") != "copy":
                self._send(400, self._page("Error", "No Content-Type header set"))
                return
            if "name" not in query:
                self._send(400, self._page("Error", "Query parameter 'name' is required"))
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
        if rest == []:
            self._send(200, self._page(names[-1], ""), content_type="text/html;charset=utf-8")
            return
        if rest == ["polling"]:
            self._polling(method, name)
            return
        if rest in (["build"], ["buildWithParameters"]) and method == "POST":
            self._trigger(name, rest[0])
            return
        if rest == ["doDelete"] and method == "POST":
            # AbstractItem.doDoDelete: @RequirePOST, Item.DELETE, then a redirect to the parent.
            if "hudson.model.Item.Delete" in fake.forbid:
                self._forbidden("hudson.model.Item.Delete")
                return
            del fake.jobs[name]
            fake.builds.pop(name, None)
            self._send(302, headers={"Location": fake.url})
            return
        if rest and rest[0].isdigit():
            self._build(method, name, int(rest[0]), rest[1:], query)
            return
        self._send(404, "Not Found")

    def _job_json(self, name: str, short: str) -> None:
        fake = self.fake
        builds = list(reversed(fake.builds.get(name, [])))  # newest first, like Jenkins
        queued = [i for i in fake.queue.values() if i.job == name and is_queued(i)]
        config = parse_config(fake.jobs[name].encode())
        self._send(
            200,
            {
                "_class": "hudson.model.FreeStyleProject",
                "name": short,
                "fullName": name,
                "url": f"{fake.url}{job_path(name)}",
                "buildable": (config.findtext("disabled") or "false") != "true",
                "inQueue": bool(queued),
                "queueItem": {"id": queued[0].id, "why": "Waiting"} if queued else None,
                "nextBuildNumber": len(builds) + 1,
                "builds": [
                    {
                        "number": b.number,
                        "building": b.building,
                        "url": f"{fake.url}{job_path(name)}{b.number}/",
                    }
                    for b in builds
                ],
            },
        )

    def _polling(self, method: str, name: str) -> None:
        """AbstractProject.doPolling: BuildAuthorizationToken.checkPermission (Item.BUILD, then
        POST or an API token), schedulePolling (nothing without an SCM trigger), redirect."""
        if "hudson.model.Item.Build" in self.fake.forbid:
            self._forbidden("hudson.model.Item.Build")
            return
        if method != "POST" and self._credentials() == "password":
            self._send(
                405, self._page("Error", "This URL requires POST"), headers={"Allow": "POST"}
            )
            return
        self._send(302, headers={"Location": f"{self.fake.url}{job_path(name)}"})

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
            if item.job == name and is_queued(item):  # Queue.schedule2: the existing item
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
