"""Locks as objects in the S3 bucket of a Pulumi ``s3://`` state backend.

The exclusive create is a conditional ``PutObject`` with ``If-None-Match: *`` (S3 supports it
since August 2024): S3 answers ``412 PreconditionFailed`` when the key exists and
``409 ConditionalRequestConflict`` when another conditional write to the key is in flight; both
mean somebody else got there first. S3-compatible stores that ignore the header give no
exclusion; the run tags on the original remain as the second guard.

moto (5.2, checked in ``moto/s3/responses.py::put_object``) enforces ``If-None-Match: *``, but
checks and writes in two steps without a lock, so two requests arriving in the same instant may
both succeed on moto where S3 lets exactly one through; the tests that race two runs also race
them on a local folder, whose ``O_EXCL`` create is atomic.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlparse

from sccos_backup import errors
from sccos_backup.aws.clients import make_client
from sccos_backup.aws.translate import translate_aws

_LOST_RACE = {"PreconditionFailed", "ConditionalRequestConflict"}


def _translate(what: str) -> Any:
    def specific(code: str, message: str) -> errors.SccosBackupError | None:
        if code in {"NoSuchBucket"}:
            return errors.NotFound(f"{what}: the state bucket does not exist; check the backend")
        return None

    return translate_aws(
        what,
        service="S3",
        specific=specific,
        denied="the IAM identity needs s3:GetObject, s3:PutObject and s3:DeleteObject on the "
        "state bucket",
    )


def parse_s3_url(url: str) -> tuple[str, str, dict[str, str]]:
    """Bucket, key prefix and the query options (region, endpoint, profile) of ``s3://...``."""
    parsed = urlparse(url)
    if parsed.scheme != "s3" or not parsed.netloc:
        raise errors.InvalidInput(f"'{url}' is not an s3://bucket[/prefix] backend URL")
    options = {key: values[-1] for key, values in parse_qs(parsed.query).items() if values}
    return parsed.netloc, parsed.path.strip("/"), options


class S3LockStore:
    """:class:`sccos_backup.restore.lock.LockStore` on an S3 bucket (``If-None-Match: *``)."""

    def __init__(self, client: Any, bucket: str, prefix: str) -> None:
        self._client = client
        self._bucket = bucket
        self._prefix = prefix
        self.location = f"s3://{bucket}/{prefix}".rstrip("/")

    def _key(self, key: str) -> str:
        return f"{self._prefix}/{key}" if self._prefix else key

    def create(self, key: str, body: bytes) -> bool:
        import botocore.exceptions

        with _translate(f"creating the lock {self.location}/{key}"):
            try:
                self._client.put_object(
                    Bucket=self._bucket,
                    Key=self._key(key),
                    Body=body,
                    IfNoneMatch="*",
                    ContentType="application/json",
                )
            except botocore.exceptions.ClientError as error:
                code = str(error.response.get("Error", {}).get("Code", ""))
                if code in _LOST_RACE:
                    return False
                raise
        return True

    def read(self, key: str) -> bytes | None:
        import botocore.exceptions

        with _translate(f"reading the lock {self.location}/{key}"):
            try:
                found = self._client.get_object(Bucket=self._bucket, Key=self._key(key))
            except botocore.exceptions.ClientError as error:
                code = str(error.response.get("Error", {}).get("Code", ""))
                if code in {"NoSuchKey", "404"}:
                    return None
                raise
            body: bytes = found["Body"].read()
            return body

    def delete(self, key: str) -> None:
        with _translate(f"removing the lock {self.location}/{key}"):
            self._client.delete_object(Bucket=self._bucket, Key=self._key(key))


def make_s3_lock_store(
    url: str, *, region: str | None, profile: str | None, endpoint_url: str | None
) -> S3LockStore:
    """The lock store of an ``s3://`` backend; the URL's own region/endpoint/profile win."""
    bucket, prefix, options = parse_s3_url(url)
    endpoint = options.get("endpoint")
    if endpoint and "://" not in endpoint:  # Pulumi (gocloud.dev) takes host:port
        secure = options.get("disableSSL", "false").lower() != "true"
        endpoint = ("https://" if secure else "http://") + endpoint
    client = make_client(
        "s3",
        region=options.get("region") or region,
        profile=options.get("profile") or profile,
        endpoint_url=endpoint or endpoint_url,
    )
    return S3LockStore(client, bucket, prefix)
