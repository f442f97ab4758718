"""The one adapter to Amazon S3, for drill reports kept under an S3 prefix (``--reports-url``).

It takes its client as a constructor argument and translates botocore's exceptions into
:mod:`sccos_backup.errors` (through the shared :func:`~sccos_backup.aws.rds.translate_aws`).
boto3 is imported lazily, in :func:`make_s3_client` only.
"""

from __future__ import annotations

from typing import Any

from sccos_backup import errors
from sccos_backup.aws.clients import make_client
from sccos_backup.aws.rds import translate_aws

_MISSING = {"NoSuchBucket", "NoSuchKey", "404"}


def make_s3_client(*, region: str | None, profile: str | None, endpoint_url: str | None) -> Any:
    return make_client("s3", region=region, profile=profile, endpoint_url=endpoint_url)


def _translate(what: str) -> Any:
    def specific(code: str, message: str) -> errors.SccosBackupError | None:
        if code in _MISSING:
            return errors.NotFound(f"{what}: {code}; check --reports-url")
        return None

    return translate_aws(
        what, service="S3", specific=specific, denied="the IAM identity lacks an S3 permission"
    )


class S3Adapter:
    """Put, list and get small text objects under one bucket."""

    def __init__(self, client: Any) -> None:
        self._client = client

    def put_text(self, bucket: str, key: str, text: str, content_type: str) -> None:
        with _translate(f"writing s3://{bucket}/{key}"):
            self._client.put_object(
                Bucket=bucket, Key=key, Body=text.encode("utf-8"), ContentType=content_type
            )

    def list_keys(self, bucket: str, prefix: str) -> list[str]:
        keys: list[str] = []
        with _translate(f"listing s3://{bucket}/{prefix}"):
            paginator = self._client.get_paginator("list_objects_v2")
            for page in paginator.paginate(Bucket=bucket, Prefix=prefix):
                keys += [str(item["Key"]) for item in page.get("Contents") or ()]
        return keys

    def get_text(self, bucket: str, key: str) -> str:
        with _translate(f"reading s3://{bucket}/{key}"):
            body = self._client.get_object(Bucket=bucket, Key=key)["Body"].read()
        return bytes(body).decode("utf-8")
