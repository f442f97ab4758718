"""How every AWS client is made: botocore's standard retries, explicit timeouts and a deadline
per call (:mod:`sccos_backup.aws.network`), and a DEBUG line per call (``--debug``). boto3 is
imported lazily, when a client is made."""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Mapping
from typing import Any

from sccos_backup import errors

_log = logging.getLogger("sccos_backup.aws")
#: Parameters a debug line shows: those naming what a call is about. Every other value (tags,
#: policies, passwords) stays out of the log.
_NAMING = re.compile(r"(?:Identifier|ResourceId|Arn|Name|Bucket|Key|Type)$")
_NEVER = re.compile(r"(?i)pass|secret|token")


def make_client(
    service: str,
    *,
    region: str | None,
    profile: str | None,
    endpoint_url: str | None,
    attempts: int | None = None,
) -> Any:
    """A boto3 client with standard retries (``attempts`` tries in all) and timeouts. boto3
    is imported here, lazily."""
    import boto3
    import botocore.config
    import botocore.exceptions

    from sccos_backup.aws import network

    config = botocore.config.Config(
        retries={"mode": "standard", "max_attempts": attempts or network.RETRY_ATTEMPTS},
        connect_timeout=network.CONNECT_TIMEOUT,
        read_timeout=network.READ_TIMEOUT,
        user_agent_extra="sccos-backup",
    )
    endpoint_url = network.check_endpoint_url(endpoint_url)
    try:
        session = boto3.Session(profile_name=profile, region_name=region)
        client = session.client(service, endpoint_url=endpoint_url, config=config)  # type: ignore[call-overload]
        network.install_deadline(client)
        install_call_log(client)
        return client
    except botocore.exceptions.ProfileNotFound:
        raise errors.InvalidInput(
            f"AWS profile '{profile}' is not configured; check --profile or ~/.aws/config"
        ) from None
    except botocore.exceptions.NoRegionError:
        raise errors.InvalidInput("no AWS region is set; pass --region or set AWS_REGION") from None


def install_call_log(client: Any, now: Callable[[], float] = time.monotonic) -> None:
    """Log each call of ``client`` at DEBUG level once it ends: service, operation, the
    parameters that name a resource, the HTTP status (or the failure) and how long it took,
    retries included.

    botocore 1.44 emits ``before-parameter-build`` with the caller's parameters before a call,
    ``after-call`` with the HTTP response after its last attempt, and ``after-call-error`` when
    no response came (connection refused, timed out).
    """

    def started(params: Mapping[str, Any], model: Any, context: dict[str, Any], **_: Any) -> None:
        if not _log.isEnabledFor(logging.DEBUG):
            return
        named = " ".join(
            f"{key}={value}"
            for key, value in params.items()
            if _NAMING.search(key) and not _NEVER.search(key) and isinstance(value, str | int)
        )
        call = f"{model.service_model.service_name} {model.name}"
        context["sccos_debug"] = (f"{call} {named}".rstrip(), now())

    def answered(http_response: Any, context: dict[str, Any], **_: Any) -> None:
        if "sccos_debug" in context:
            call, start = context["sccos_debug"]
            _log.debug("%s: %s in %.3f s", call, http_response.status_code, now() - start)

    def failed(exception: BaseException, context: dict[str, Any], **_: Any) -> None:
        if "sccos_debug" in context:
            call, start = context["sccos_debug"]
            failure = type(exception).__name__
            _log.debug("%s: no answer (%s) after %.3f s", call, failure, now() - start)

    client.meta.events.register("before-parameter-build", started)
    client.meta.events.register("after-call", answered)
    client.meta.events.register("after-call-error", failed)
