"""The fake Jenkins' HTTP plumbing (auth, CSRF crumb and session, 403 pages) and its queue and
build endpoints. Routing of job URLs is in :class:`tests.fake_jenkins.JenkinsHandler`."""

from __future__ import annotations

import base64
import json
import uuid
from http.server import BaseHTTPRequestHandler
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

from tests.fake_jenkins_state import (
    PERMISSION_IMPLIED_BY,
    SESSION_COOKIE,
    FakeBuild,
    Recorded,
    is_queued,
    job_path,
    left_item,
)

if TYPE_CHECKING:
    from tests.fake_jenkins import FakeJenkins


class HandlerBase(BaseHTTPRequestHandler):
    """Plumbing: answers, auth, crumb and session, permission pages."""

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
        headers += [("X-Permission-Implied-By", p) for p in PERMISSION_IMPLIED_BY[permission]]
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
        raise NotImplementedError


class QueueAndBuilds(HandlerBase):
    """``queue/item/N``, ``queue/cancelItem`` and ``job/x/N/...`` (stop, api, console)."""

    def _cancel_item(self, method: str, number: int) -> None:
        fake = self.fake
        if method != "POST":
            self._send(405, "Method Not Allowed")
            return
        item = fake.queue.get(number)
        if item is None or not is_queued(item):
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
            self._send(200, {**base, **left_item(cancelled=True)})
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
            self._send(200, {**base, **left_item(cancelled=True)})
            return
        if item.build is None:
            builds = fake.builds.setdefault(item.job, [])
            item.build = FakeBuild(item.job, len(builds) + 1, plan, queue_id=item.id)
            builds.append(item.build)
        if item.polls <= waits + plan.left_without_executable:
            self._send(200, {**base, **left_item(cancelled=False)})  # the start race
            return
        executable = {
            "_class": "hudson.model.FreeStyleBuild",
            "number": item.build.number,
            "url": f"{fake.url}{job_path(item.job)}{item.build.number}/",
        }
        self._send(200, {**base, **left_item(cancelled=False), "executable": executable})

    def _build(
        self, method: str, job: str, number: int, rest: list[str], query: dict[str, str]
    ) -> None:
        fake = self.fake
        builds = fake.builds.get(job, [])
        if not 1 <= number <= len(builds):
            self._send(404, "Not Found")
            return
        build = builds[number - 1]
        url = f"{fake.url}{job_path(job)}{number}/"
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
