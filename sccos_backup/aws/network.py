"""Bounded network waits for every AWS client: the endpoint URL checked before use, explicit
connect/read timeouts, botocore's standard retries, and a deadline per call.

A silent endpoint (it accepts the connection and never answers) fails after two attempts of
``READ_TIMEOUT`` (about 31 s) instead of eight attempts of botocore's default 60 s (546 s
measured): :func:`install_deadline` stops retrying transport failures once ``CALL_DEADLINE``
seconds have passed. Fast failures (throttling, 5xx answers) keep their retries.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from sccos_backup import errors

#: botocore's standard retry mode: exponential backoff with jitter on throttling and 5xx.
RETRY_ATTEMPTS = 8
CONNECT_TIMEOUT = 5.0
#: RDS and CodePipeline answer in well under a second; a page of snapshots in a few.
READ_TIMEOUT = 15.0
#: No new attempt of a call starts after this many seconds of trying.
CALL_DEADLINE = 30.0


def check_endpoint_url(url: str | None) -> str | None:
    """``url`` when it is a usable http(s) endpoint, else InvalidInput saying what to pass."""
    if url is None or url == "":
        return None
    hint = "pass it with its scheme, e.g. --endpoint-url http://127.0.0.1:5000"
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        raise errors.InvalidInput(f"endpoint URL '{url}' has no http:// or https:// scheme; {hint}")
    try:
        port = parts.port
    except ValueError:
        raise errors.InvalidInput(f"endpoint URL '{url}' has an invalid port; {hint}") from None
    if not parts.hostname or (port is not None and not 0 < port < 65536):
        raise errors.InvalidInput(f"endpoint URL '{url}' names no host; {hint}")
    if parts.username or parts.password:
        raise errors.InvalidInput(
            "the endpoint URL must not hold credentials; use AWS_PROFILE or AWS_ACCESS_KEY_ID"
        )
    return url


def install_deadline(
    client: Any, deadline: float | None = None, now: Callable[[], float] = time.monotonic
) -> None:
    """Stop retrying a call whose attempts failed in transport (no connection, no answer)
    once ``deadline`` seconds (default :data:`CALL_DEADLINE`) have passed since it started.

    ``request-created`` runs before each attempt and notes when the first began;
    ``needs-retry`` runs after a failed attempt, before botocore's backoff sleep, and re-raises
    the transport error instead of retrying. Throttling and 5xx answers keep their retries.
    """
    limit = CALL_DEADLINE if deadline is None else deadline

    def started(request: Any, **_: Any) -> None:
        context = getattr(request, "context", None)
        if isinstance(context, dict):
            context.setdefault("sccos_started", now())

    def stop_when_late(
        caught_exception: BaseException | None = None,
        request_dict: dict[str, Any] | None = None,
        **_: Any,
    ) -> None:
        import botocore.exceptions

        transport = (botocore.exceptions.ConnectionError, botocore.exceptions.HTTPClientError)
        if not isinstance(caught_exception, transport):
            return
        context = (request_dict or {}).get("context") or {}
        if now() - context.get("sccos_started", now()) >= limit:
            raise caught_exception

    client.meta.events.register("request-created", started)
    client.meta.events.register_first("needs-retry", stop_when_late)
