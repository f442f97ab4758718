"""A fake IAM endpoint answering ``SimulatePrincipalPolicy`` (moto does not implement it).

Modelled on the IAM API reference (SimulatePrincipalPolicy, API version 2010-05-08, read
2026-11): a query-protocol POST with ``PolicySourceArn``, ``ActionNames.member.N`` and
``ResourceArns.member.N``; the answer lists one ``EvaluationResults`` member per action and
resource with ``EvalDecision`` ``allowed``, ``implicitDeny`` or ``explicitDeny``. A caller
without ``iam:SimulatePrincipalPolicy`` gets ``AccessDenied`` (HTTP 403). The decision comes
from the project's own evaluator over one policy document (conditions not evaluated).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs
from xml.sax.saxutils import escape

from sccos_backup.permissions.policy import allows
from tests.support.servers import serve_in_thread

NS = "https://iam.amazonaws.com/doc/2010-05-08/"


class FakeIam:
    def __init__(self, document: Mapping[str, Any], *, may_simulate: bool = True) -> None:
        self.document = document
        self.may_simulate = may_simulate
        self.asked: list[tuple[str, str, str]] = []

    def answer(self, form: Mapping[str, list[str]]) -> tuple[int, str]:
        if form.get("Action", [""])[0] != "SimulatePrincipalPolicy":
            return 400, _error("InvalidAction", "not modelled")
        principal = form["PolicySourceArn"][0]
        if not self.may_simulate:
            return 403, _error(
                "AccessDenied",
                f"User: {principal} is not authorized to perform: iam:SimulatePrincipalPolicy",
            )
        actions = _members(form, "ActionNames")
        resources = _members(form, "ResourceArns") or ["*"]
        results = []
        for action in actions:
            for resource in resources:
                self.asked.append((principal, action, resource))
                decision = "allowed" if allows(self.document, action, resource) else "implicitDeny"
                results.append(
                    "<member>"
                    f"<EvalActionName>{escape(action)}</EvalActionName>"
                    f"<EvalResourceName>{escape(resource)}</EvalResourceName>"
                    f"<EvalDecision>{decision}</EvalDecision>"
                    "<MatchedStatements/><MissingContextValues/>"
                    "</member>"
                )
        body = (
            f'<SimulatePrincipalPolicyResponse xmlns="{NS}"><SimulatePrincipalPolicyResult>'
            f"<IsTruncated>false</IsTruncated><EvaluationResults>{''.join(results)}"
            "</EvaluationResults></SimulatePrincipalPolicyResult>"
            "<ResponseMetadata><RequestId>fake</RequestId></ResponseMetadata>"
            "</SimulatePrincipalPolicyResponse>"
        )
        return 200, body


def _members(form: Mapping[str, list[str]], name: str) -> list[str]:
    keys = sorted(
        (k for k in form if k.startswith(f"{name}.member.")), key=lambda k: int(k.rsplit(".")[-1])
    )
    return [form[k][0] for k in keys]


def _error(code: str, message: str) -> str:
    return (
        f'<ErrorResponse xmlns="{NS}"><Error><Type>Sender</Type><Code>{code}</Code>'
        f"<Message>{escape(message)}</Message></Error><RequestId>fake</RequestId></ErrorResponse>"
    )


@contextmanager
def serving(fake: FakeIam) -> Iterator[str]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            form = parse_qs(self.rfile.read(length).decode())
            status, body = fake.answer(form)
            data = body.encode()
            self.send_response(status)
            self.send_header("Content-Type", "text/xml")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    serve_in_thread(server)
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
