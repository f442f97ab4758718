"""The one adapter to Amazon S3: :class:`S3Store`, the S3 kind of
:class:`sccos_backup.objects.ObjectStore` (the restore lock and recorded plans in the state
bucket, drill reports under ``--reports-url``), and :func:`open_store` for either kind.

The exclusive create is a conditional ``PutObject`` with ``If-None-Match: *`` (S3 supports it
since August 2024): S3 answers ``412 PreconditionFailed`` when the key exists and
``409 ConditionalRequestConflict`` when another conditional write to the key is in flight; both
mean somebody else got there first. S3-compatible stores that ignore the header give no
exclusion; the run tags on the original remain as the second guard.

moto (5.2, checked in ``moto/s3/responses.py::put_object``) enforces ``If-None-Match: *``, but
checks and writes in two steps without a lock, so two requests arriving in the same instant may
both succeed on moto where S3 lets exactly one through; the tests that race two runs also race
them on a local folder, whose exclusive create is atomic.

boto3 is imported lazily (in :func:`~sccos_backup.aws.clients.make_client`).
"""

from __future__ import annotations

from typing import Any

from sccos_backup import errors
from sccos_backup.aws.clients import make_client
from sccos_backup.aws.translate import translate_aws
from sccos_backup.objects import FolderStore, ObjectStore, StoreUrl

_LOST_RACE = {"PreconditionFailed", "ConditionalRequestConflict"}
_MISSING = {"NoSuchKey", "404"}


class S3Store:
    """Objects under ``s3://bucket/prefix/``; ``option`` names the URL's option in messages."""

    def __init__(self, client: Any, bucket: str, prefix: str, *, option: str) -> None:
        self._client = client
        self._bucket = bucket
        self._prefix = prefix.strip("/")
        self._option = option
        self.location = f"s3://{bucket}/{self._prefix}".rstrip("/")

    def _key(self, key: str) -> str:
        return f"{self._prefix}/{key}" if self._prefix else key

    def where(self, key: str) -> str:
        return f"s3://{self._bucket}/{self._key(key)}"

    def _translate(self, what: str) -> Any:
        def specific(code: str, message: str) -> errors.SccosBackupError | None:
            if code == "NoSuchBucket":
                return errors.NotFound(
                    f"{what}: the bucket '{self._bucket}' does not exist; check {self._option}"
                )
            return None

        return translate_aws(
            what,
            service="S3",
            specific=specific,
            denied="the IAM identity needs s3:GetObject, s3:PutObject, s3:DeleteObject and "
            f"s3:ListBucket on the bucket '{self._bucket}'",
        )

    def create(self, key: str, body: bytes) -> bool:
        import botocore.exceptions

        with self._translate(f"creating {self.where(key)}"):
            try:
                self._client.put_object(
                    Bucket=self._bucket,
                    Key=self._key(key),
                    Body=body,
                    IfNoneMatch="*",
                    ContentType="application/json",
                )
            except botocore.exceptions.ClientError as error:
                if str(error.response.get("Error", {}).get("Code", "")) in _LOST_RACE:
                    return False
                raise
        return True

    def write(self, key: str, body: bytes) -> str:
        with self._translate(f"writing {self.where(key)}"):
            self._client.put_object(
                Bucket=self._bucket, Key=self._key(key), Body=body, ContentType="application/json"
            )
        return self.where(key)

    def read(self, key: str) -> bytes | None:
        import botocore.exceptions

        with self._translate(f"reading {self.where(key)}"):
            try:
                found = self._client.get_object(Bucket=self._bucket, Key=self._key(key))
            except botocore.exceptions.ClientError as error:
                if str(error.response.get("Error", {}).get("Code", "")) in _MISSING:
                    return None
                raise
            return bytes(found["Body"].read())

    def keys(self, prefix: str) -> list[str]:
        start = self._key(prefix)
        cut = len(self._key(""))
        found: list[str] = []
        with self._translate(f"listing {self.where(prefix)}"):
            paginator = self._client.get_paginator("list_objects_v2")
            for page in paginator.paginate(Bucket=self._bucket, Prefix=start):
                found += [str(item["Key"])[cut:] for item in page.get("Contents") or ()]
        return sorted(found)

    def delete(self, key: str) -> None:
        with self._translate(f"removing {self.where(key)}"):
            self._client.delete_object(Bucket=self._bucket, Key=self._key(key))


def open_store(
    url: StoreUrl,
    *,
    option: str,
    region: str | None,
    profile: str | None,
    endpoint_url: str | None,
    narrow: bool = True,
) -> ObjectStore:
    """The store a parsed URL names; an ``s3://`` URL's own region/endpoint/profile win."""
    if url.folder is not None:
        return FolderStore(url.folder, narrow=narrow)
    endpoint = url.options.get("endpoint")
    if endpoint and "://" not in endpoint:  # Pulumi (gocloud.dev) takes host:port
        secure = url.options.get("disableSSL", "false").lower() != "true"
        endpoint = ("https://" if secure else "http://") + endpoint
    client = make_client(
        "s3",
        region=url.options.get("region") or region,
        profile=url.options.get("profile") or profile,
        endpoint_url=endpoint or endpoint_url,
    )
    return S3Store(client, url.bucket, url.prefix, option=option)
