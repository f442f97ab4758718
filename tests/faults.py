"""Inject AWS faults at the HTTP boundary: throttling and 5xx responses, per operation.

A ``before-send`` handler on a boto3 client answers chosen attempts itself, so botocore's own
retry logic (standard mode) sees exactly what AWS would send. botocore's backoff sleeps are
recorded instead of slept (``record_backoff``).

botocore 1.44 calls every ``before-send`` handler, uses the first answer and sends the request
only when none answered (``endpoint._do_get_response``), so the handler runs first and an
injected fault never reaches moto, over HTTP or in process (tests/support/in_process_aws.py).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from botocore.awsrequest import AWSResponse

_XML = (
    "<ErrorResponse><Error><Type>{kind}</Type><Code>{code}</Code><Message>{message}</Message>"
    "</Error><RequestId>fault</RequestId></ErrorResponse>"
)
KINDS = {
    # kind: (HTTP status, error code, message)
    "throttling": (400, "Throttling", "Rate exceeded"),
    "unavailable": (503, "ServiceUnavailable", "Service unavailable"),
    "internal": (500, "InternalFailure", "Internal failure"),
}


class _Raw:
    def __init__(self, body: bytes) -> None:
        self.body = body

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self.body


@dataclass
class Fault:
    operation: str
    kind: str
    #: The first call (1-based, counting attempts) of the operation that fails.
    first: int = 1
    #: How many attempts fail from there; None: every one (a permanent failure).
    count: int | None = 2


@dataclass
class Faults:
    faults: list[Fault] = field(default_factory=list)
    attempts: Counter[str] = field(default_factory=Counter)
    injected: Counter[str] = field(default_factory=Counter)

    def attach(self, client: Any) -> Any:
        client.meta.events.register_first("before-send", self._before_send)
        return client

    def _before_send(self, request: Any, event_name: str, **_: Any) -> AWSResponse | None:
        service, operation = event_name.split(".")[1:3]
        self.attempts[operation] += 1
        number = self.attempts[operation]
        for fault in self.faults:
            if fault.operation != operation or number < fault.first:
                continue
            if fault.count is not None and number >= fault.first + fault.count:
                continue
            self.injected[operation] += 1
            status, code, message = KINDS[fault.kind]
            if service == "codepipeline":
                body = json.dumps({"__type": code, "message": message}).encode()
            else:
                kind = "Receiver" if status >= 500 else "Sender"
                body = _XML.format(kind=kind, code=code, message=message).encode()
            answer = AWSResponse(request.url, status, {}, _Raw(body))
            return answer
        return None


@pytest.fixture
def record_backoff(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """botocore's retry sleeps, recorded rather than slept."""
    import time as real_time

    import botocore.endpoint

    slept: list[float] = []

    class Time:
        def __getattr__(self, name: str) -> Any:
            return getattr(real_time, name)

        @staticmethod
        def sleep(seconds: float) -> None:
            slept.append(seconds)

    monkeypatch.setattr(botocore.endpoint, "time", Time())
    return slept
