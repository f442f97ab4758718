"""How every AWS client is made: botocore's standard retries, explicit timeouts and a deadline
per call (:mod:`sccos_backup.aws.network`), and a DEBUG line per call (``--debug``). boto3 is
imported lazily, when a client is made."""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from sccos_backup import errors

_log = logging.getLogger("sccos_backup.aws")
#: Parameters a debug line shows: those naming what a call is about. Every other value (tags,
#: policies, passwords) stays out of the log.
_NAMING = re.compile(r"(?:Identifier|ResourceId|Arn|Name|Bucket|Key|Type)$")
_NEVER = re.compile(r"(?i)pass|secret|token")
#: botocore 1.44's retry modes (config.py ``_validate_retry_configuration``).
RETRY_MODES = ("standard", "adaptive", "legacy")


def make_session(*, region: str | None, profile: str | None) -> Any:
    """One AWS session on ``profile`` in ``region``. The clients :func:`make_client` makes from
    it share its credentials, resolved once (a ``credential_process`` runs once, a role is
    assumed once) instead of once per client."""
    import boto3

    with _setup_errors(profile):
        return boto3.Session(profile_name=profile, region_name=region)


def make_client(
    service: str,
    *,
    region: str | None,
    profile: str | None,
    endpoint_url: str | None,
    attempts: int | None = None,
    session: Any = None,
) -> Any:
    """A boto3 client with standard retries (``attempts`` tries in all) and timeouts, from
    ``session`` (made by :func:`make_session` on the same region and profile) or a session of
    its own. boto3 is imported here, lazily.

    Without ``attempts``, the operator's ``AWS_MAX_ATTEMPTS`` and ``AWS_RETRY_MODE`` (or the
    profile's ``max_attempts`` and ``retry_mode``) win over the defaults, as in the AWS CLI.
    """
    import botocore.config

    from sccos_backup.aws import network

    endpoint_url = network.check_endpoint_url(endpoint_url)
    if session is None:
        session = make_session(region=region, profile=profile)
    with _setup_errors(profile):
        config = botocore.config.Config(
            retries=_retries(session, attempts or network.RETRY_ATTEMPTS, forced=bool(attempts)),
            connect_timeout=network.CONNECT_TIMEOUT,
            read_timeout=network.READ_TIMEOUT,
            user_agent_extra="sccos-backup",
        )
        client = session.client(service, endpoint_url=endpoint_url, config=config)
    network.install_deadline(client)
    install_call_log(client)
    return client


@contextmanager
def _setup_errors(profile: str | None) -> Iterator[None]:
    """botocore's refusals of the AWS setup, as one line naming what to fix."""
    import botocore.exceptions

    try:
        yield
    except botocore.exceptions.ProfileNotFound:
        raise errors.InvalidInput(
            f"AWS profile '{profile}' is not configured; check --profile or ~/.aws/config"
        ) from None
    except botocore.exceptions.NoRegionError:
        raise errors.InvalidInput("no AWS region is set; pass --region or set AWS_REGION") from None


def _retries(session: Any, attempts: int, *, forced: bool) -> Any:
    """botocore's retry settings: ``attempts`` in all (its ``max_attempts`` would count
    retries, botocore 1.44 args.py) in standard mode, unless the operator configured their own.
    """
    # botocore's config store reads the environment and the profile, as its clients do.
    configured = session._session.get_config_variable
    try:
        operator_attempts = None if forced else configured("max_attempts")
    except ValueError:
        operator_attempts = 0
    if operator_attempts is not None and operator_attempts < 1:
        raise errors.InvalidInput(
            "AWS_MAX_ATTEMPTS (or max_attempts in the AWS profile) must be a whole number of "
            "attempts from 1, e.g. 3"
        )
    mode = configured("retry_mode") or "standard"
    if mode not in RETRY_MODES:
        raise errors.InvalidInput(
            f"AWS_RETRY_MODE (or retry_mode in the AWS profile) '{mode}' is not one of "
            f"{', '.join(RETRY_MODES)}"
        )
    return {"mode": mode, "total_max_attempts": operator_attempts or attempts}


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
