"""The moto server's URL answered in this process, under ``moto.mock_aws``, without HTTP.

A call through the shared moto server costs about twice the CPU of the same call under
``moto.mock_aws`` (an HTTP round trip through werkzeug's threaded server on each side). Unit-level
tests that pass the server's URL to the code under test as its endpoint run under
:func:`answered_in_process` instead: where botocore would send a request for the server's URL
over HTTP, it is turned into the AWS URL of the service it was signed for and handed to moto's
own stubber, the one ``mock_aws`` installs. Both share moto's backends (``rds_backends`` and the
like), so the fixtures that reach into them work unchanged. The real server stays for what
only it can prove: a subprocess reaching moto (the installed CLI, the Pulumi CLI, the unpacked
scheduled function), the transport itself (test_network), and one end-to-end run of each
runbook over real HTTP (marked ``aws_over_http``).

Read in botocore 1.44: ``Endpoint._do_get_response`` calls every ``before-send`` handler, uses the
first answer and calls ``Endpoint._send`` (HTTP) only when none answered. Answering in ``_send``,
not in a ``before-send`` handler of its own, keeps a test's handler that answers itself (a
refusal, an expired token, an injected fault) from having the request carried out anyway, as the
server would never have seen it. Read in moto 5.2.6: ``BotocoreStubber.__call__`` (enabled while
``mock_aws`` is active) answers a request whose URL matches a backend's URL pattern
(``https://<service>.<region>.amazonaws.com``) and returns None for any other URL. A SigV4
``Authorization`` header names region and service in its credential scope
(``Credential=<key>/<date>/<region>/<service>/aws4_request``), as botocore 1.44 signs it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from botocore.endpoint import Endpoint

_SCOPE = re.compile(r"Credential=[^/]+/[^/]+/([^/]+)/([^/]+)/aws4_request")

#: The server URL answered in process right now (None: every request goes out as sent).
_ACTIVE: dict[str, str | None] = {"url": None}


def _answer(request: Any) -> Any:
    url = _ACTIVE["url"]
    assert url is not None
    authorization = request.headers.get("Authorization", b"")
    if isinstance(authorization, bytes):
        authorization = authorization.decode()
    scope = _SCOPE.search(authorization)
    if scope is None:
        raise AssertionError(f"an unsigned request cannot be answered in process: {request.url}")
    region, service = scope.groups()
    sent_to = request.url
    request.url = f"https://{service}.{region}.amazonaws.com{sent_to[len(url) :]}"
    from moto.core.models import botocore_stubber

    try:
        response = botocore_stubber("before-send", request)
    except NotImplementedError:
        return _server_error(request.url)  # an action moto lacks, answered as the server does
    finally:
        request.url = sent_to
    if response is None:
        raise AssertionError(f"moto has no backend answering {service} ({sent_to})")
    return response


def _server_error(url: str) -> Any:
    """What the moto server sends for an action moto does not implement: werkzeug's page for an
    unhandled exception, status 500 (moto 5.2.6 ``responses.call_action`` raises
    NotImplementedError; the server's Flask app turns it into ``InternalServerError``, werkzeug
    3.1)."""
    from botocore.awsrequest import AWSResponse
    from werkzeug.exceptions import InternalServerError

    page = InternalServerError()

    class Raw:
        def stream(self, **_: Any) -> Iterator[bytes]:
            yield page.get_body().encode()

    return AWSResponse(url, page.code, dict(page.get_headers()), Raw())


def _send(endpoint: Any, request: Any) -> Any:
    url = _ACTIVE["url"]
    if url is not None and request.url.startswith(url):
        return _answer(request)
    return _SEND_OVER_HTTP(endpoint, request)


_SEND_OVER_HTTP = Endpoint._send
Endpoint._send = _send  # type: ignore[method-assign]  # sends as before unless answered_in_process


@contextmanager
def answered_in_process(url: str) -> Iterator[None]:
    """While open, requests for ``url`` are answered by moto in this process (a fresh backend,
    as after the server's reset)."""
    from moto import mock_aws

    with mock_aws():
        _ACTIVE["url"] = url
        try:
            yield
        finally:
            _ACTIVE["url"] = None
