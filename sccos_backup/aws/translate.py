"""Translating botocore's exceptions into :mod:`sccos_backup.errors`, for every AWS adapter,
and reading the values of a describe response (times in UTC, tag lists)."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from sccos_backup import errors

_NOT_FOUND = {
    "DBInstanceNotFound",
    "DBInstanceNotFoundFault",
    "DBSnapshotNotFound",
    "DBSnapshotNotFoundFault",
    "DBParameterGroupNotFound",
    "DBInstanceAutomatedBackupNotFound",
}
_TAKEN = {
    "DBInstanceAlreadyExists",
    "DBInstanceAlreadyExistsFault",
    "DBSnapshotAlreadyExists",
    "DBSnapshotAlreadyExistsFault",
}
_STATE = {
    "InvalidDBInstanceState",
    "InvalidDBInstanceStateFault",
    "InvalidDBSnapshotState",
    "InvalidDBSnapshotStateFault",
}
_QUOTA = {
    "SnapshotQuotaExceeded",
    "SnapshotQuotaExceededFault",
    "InstanceQuotaExceeded",
    "StorageQuotaExceeded",
}
_CREDENTIALS = {
    "InvalidClientTokenId",
    "UnrecognizedClientException",
    "ExpiredToken",
    "ExpiredTokenException",
    "SignatureDoesNotMatch",
    "AuthFailure",
    "InvalidSignatureException",
    "RequestExpired",
}
_DENIED = {"AccessDenied", "AccessDeniedException", "UnauthorizedOperation"}


#: Maps an AWS error code and message to a project error, or None for the generic handling.
Specific = Callable[[str, str], "errors.SccosBackupError | None"]


@contextlib.contextmanager
def translate_aws(what: str, *, service: str, specific: Specific, denied: str) -> Iterator[None]:
    """Turn botocore exceptions raised while doing ``what`` into the project's errors.

    ``specific`` handles the service's own error codes; credentials, permissions, transport
    and unreadable responses are handled here the same way for every service.
    """
    import botocore.exceptions
    import botocore.parsers

    try:
        yield
    except botocore.exceptions.ClientError as error:
        code = str(error.response.get("Error", {}).get("Code", ""))
        message = str(error.response.get("Error", {}).get("Message", "")).rstrip(".")
        mapped = specific(code, message)
        if mapped is not None:
            raise mapped from None
        if code in _CREDENTIALS:
            raise errors.AwsError(
                f"{what}: AWS refused the credentials ({code}); refresh them or check --profile"
            ) from None
        if code in _DENIED:
            raise errors.AwsError(f"{what}: access denied ({code}); {denied}") from None
        raise errors.AwsError(f"{what}: {code}: {message}") from None
    except botocore.exceptions.NoCredentialsError:
        # A missing setting, like a missing region: about no database, and exit 2 alike.
        raise errors.InvalidInput(
            "no AWS credentials found; set AWS_PROFILE (or pass --profile) or AWS_ACCESS_KEY_ID"
        ) from None
    except botocore.exceptions.NoRegionError:
        raise errors.InvalidInput("no AWS region is set; pass --region or set AWS_REGION") from None
    except (
        botocore.exceptions.EndpointConnectionError,
        botocore.exceptions.ConnectTimeoutError,
        botocore.exceptions.ReadTimeoutError,
    ) as error:
        endpoint = str(error.kwargs.get("endpoint_url") or "").split("?", 1)[0]
        if isinstance(error, botocore.exceptions.ReadTimeoutError):
            why = "it accepted the connection but did not answer"
        elif isinstance(error, botocore.exceptions.ConnectTimeoutError):
            why = "the connection timed out"
        else:
            why = "the connection failed"
        raise errors.AwsError(
            f"{what}: cannot reach the {service} endpoint {endpoint} ({why}); "
            "check --endpoint-url, --region and the network"
        ) from None
    except botocore.parsers.ResponseParserError:
        raise errors.AwsError(
            f"{what}: the {service} endpoint sent an unreadable response; retry later"
        ) from None
    except botocore.exceptions.BotoCoreError as error:
        raise errors.AwsError(f"{what}: {type(error).__name__}: {error}") from None


def translate(what: str) -> contextlib.AbstractContextManager[None]:
    """:func:`translate_aws` for RDS calls."""

    def specific(code: str, message: str) -> errors.SccosBackupError | None:
        if code in _NOT_FOUND:
            return errors.NotFound(f"{what}: {message}")
        if code in _TAKEN:
            return errors.IdentifierTaken(f"{what}: {message}; choose another name")
        if code in _STATE:
            return errors.NotAvailable(f"{what}: {message}; wait until it is available")
        if code in _QUOTA:
            return errors.PreconditionFailed(f"{what}: {message}; free some quota first")
        return None

    return translate_aws(
        what, service="RDS", specific=specific, denied="the IAM identity lacks an RDS permission"
    )


def utc(value: Any) -> datetime | None:
    if not isinstance(value, datetime):
        return None
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def tags(raw: Sequence[Mapping[str, str]] | None) -> tuple[tuple[str, str], ...]:
    return tuple((str(t["Key"]), str(t.get("Value", ""))) for t in raw or ())


class Described:
    """What RDS reports alike of an instance and of a snapshot: a status and tags."""

    status: str
    tags: tuple[tuple[str, str], ...]

    @property
    def available(self) -> bool:
        return self.status == "available"

    def tag(self, key: str) -> str | None:
        return dict(self.tags).get(key)
