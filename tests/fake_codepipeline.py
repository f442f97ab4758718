"""A tiny CodePipeline endpoint (standard library only) whose executions follow a script.

Why not moto alone: moto's CodePipeline marks every execution ``Succeeded`` the moment it is
started (``moto/codepipeline/models.py``: "moto doesn't actually run any actions"), so an
execution that runs for a while, fails, is stopped or superseded cannot be produced through its
API. The success and missing-pipeline cases are tested against moto; the rest against this fake.

CodePipeline speaks JSON 1.1: ``POST /`` with ``X-Amz-Target: CodePipeline_20150709.<Operation>``;
errors are HTTP 400 with ``{"__type": "<Code>", "message": ...}``. Signatures are not checked.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tests.support.servers import serve_in_thread

TARGET_PREFIX = "CodePipeline_20150709."


@dataclass
class Execution:
    pipeline: str
    statuses: list[str]
    summary: str | None
    reads: int = 0

    def read(self) -> str:
        status = self.statuses[min(self.reads, len(self.statuses) - 1)]
        self.reads += 1
        return status


@dataclass
class FakeCodePipeline:
    """Pipelines by name, each with the statuses its executions report, read after read."""

    scripts: dict[str, tuple[list[str], str | None]] = field(default_factory=dict)
    executions: dict[str, Execution] = field(default_factory=dict)
    requests: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    def add(self, name: str, *statuses: str, summary: str | None = None) -> None:
        self.scripts[name] = (list(statuses or ("InProgress", "Succeeded")), summary)

    def started(self, name: str) -> list[str]:
        return [eid for eid, e in self.executions.items() if e.pipeline == name]

    def handle(self, operation: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        self.requests.append((operation, body))
        name = str(body.get("name") or body.get("pipelineName") or "")
        if operation in {"GetPipeline", "StartPipelineExecution", "GetPipelineExecution"} and (
            name not in self.scripts
        ):
            return 400, {
                "__type": "PipelineNotFoundException",
                "message": f"Account '123456789012' does not have a pipeline with name '{name}'",
            }
        if operation == "GetPipeline":
            return 200, {"pipeline": {"name": name, "version": 1, "stages": []}}
        if operation == "StartPipelineExecution":
            statuses, summary = self.scripts[name]
            execution_id = str(uuid.uuid4())
            self.executions[execution_id] = Execution(name, statuses, summary)
            return 200, {"pipelineExecutionId": execution_id}
        if operation == "GetPipelineExecution":
            execution = self.executions.get(str(body.get("pipelineExecutionId")))
            if execution is None or execution.pipeline != name:
                return 400, {
                    "__type": "PipelineExecutionNotFoundException",
                    "message": "no such execution",
                }
            payload: dict[str, Any] = {
                "pipelineName": name,
                "pipelineVersion": 1,
                "pipelineExecutionId": body["pipelineExecutionId"],
                "status": execution.read(),
            }
            if execution.summary:
                payload["statusSummary"] = execution.summary
            return 200, {"pipelineExecution": payload}
        return 400, {"__type": "UnknownOperationException", "message": operation}


def _handler(fake: FakeCodePipeline) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            target = self.headers.get("X-Amz-Target", "")
            length = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(length) or b"{}")
            status, payload = fake.handle(target.removeprefix(TARGET_PREFIX), body)
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/x-amz-json-1.1")
            self.send_header("Content-Length", str(len(data)))
            self.send_header("x-amzn-RequestId", str(uuid.uuid4()))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


@contextmanager
def serve(fake: FakeCodePipeline) -> Iterator[str]:
    """Serve ``fake`` on 127.0.0.1 at a free port; yield its URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(fake))
    serve_in_thread(server)
    try:
        host, port = server.server_address[:2]
        yield f"http://{host!s}:{port}"
    finally:
        server.shutdown()
        server.server_close()
