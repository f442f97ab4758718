"""The moto server's URL answered in this process, under ``moto.mock_aws``, without HTTP.

A call through the shared moto server costs about twice the CPU of the same call under
``moto.mock_aws`` (an HTTP round trip through werkzeug's threaded server on each side). Unit-level
tests that pass the server's URL to the code under test as its endpoint run under
:func:`answered_in_process` instead: a ``before-send`` hook turns a request for the server's URL
into the AWS URL of the service it was signed for and hands it to moto's own stubber, the one
``mock_aws`` installs. Both share moto's backends (``rds_backends`` and the like), so the
fixtures that reach into them work unchanged. The ``--endpoint-url`` and end-to-end tests keep
the real server.

Read in moto 5.2.6: ``moto/core/models.py`` appends ``botocore_stubber`` to botocore's
``BUILTIN_HANDLERS`` for ``before-send`` and enables it while ``mock_aws`` is active;
``BotocoreStubber.__call__`` answers a request whose URL matches a backend's URL pattern
(``https://<service>.<region>.amazonaws.com``) and returns None for any other URL, which then
goes out over HTTP. A SigV4 ``Authorization`` header names region and service in its credential
scope (``Credential=<key>/<date>/<region>/<service>/aws4_request``), as botocore 1.44 signs it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from botocore.handlers import BUILTIN_HANDLERS

_SCOPE = re.compile(r"Credential=[^/]+/[^/]+/([^/]+)/([^/]+)/aws4_request")

#: The server URL answered in process right now (None: every request goes out as sent).
_ACTIVE: dict[str, str | None] = {"url": None}


def _answer(request: Any, **kwargs: Any) -> Any:
    url = _ACTIVE["url"]
    if url is None or not request.url.startswith(url):
        return None
    authorization = request.headers.get("Authorization", b"")
    if isinstance(authorization, bytes):
        authorization = authorization.decode()
    scope = _SCOPE.search(authorization)
    if scope is None:
        raise AssertionError(f"an unsigned request cannot be answered in process: {request.url}")
    region, service = scope.groups()
    request.url = f"https://{service}.{region}.amazonaws.com{request.url[len(url) :]}"
    from moto.core.models import botocore_stubber

    try:
        response = botocore_stubber(kwargs.get("event_name", "before-send"), request)
    except NotImplementedError:
        return _server_error(request.url)  # an action moto lacks, answered as the server does
    if response is None:
        raise AssertionError(f"moto has no backend answering {service} ({request.url})")
    return response


def _server_error(url: str) -> Any:
    """What the moto server sends for an action moto does not implement: werkzeug's HTML page
    for an unhandled exception, status 500 (moto 5.2.6 ``responses.call_action`` raises
    NotImplementedError; the server's Flask app turns it into this page)."""
    from botocore.awsrequest import AWSResponse

    class Raw:
        def stream(self, **_: Any) -> Iterator[bytes]:
            yield b"<!doctype html>\n<html lang=en>\n<title>500 Internal Server Error</title>\n"

    return AWSResponse(url, 500, {"Content-Type": "text/html; charset=utf-8"}, Raw())


# Every botocore session created from now on calls the hook (clients of earlier sessions do not:
# the test suite creates its clients inside the tests).
BUILTIN_HANDLERS.append(("before-send", _answer))


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
