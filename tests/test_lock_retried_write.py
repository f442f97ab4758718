"""A lock write that botocore retried: the first attempt was carried out, its answer lost.

botocore 1.44 (``retries/standard.py``, ``retryhandler.py``) retries a PutObject whose answer was
a 5xx, a throttle or a transport failure (read timeout, reset connection), up to
``AWS_MAX_ATTEMPTS`` attempts in all. S3 may have stored the object by then; the retried
conditional write (``If-None-Match: *``) is then refused with 412 PreconditionFailed against
the lock this very command wrote.
"""

from __future__ import annotations

from typing import Any

import boto3
import pytest

from sccos_backup import errors
from sccos_backup.aws.s3 import S3Store
from sccos_backup.restore.lock import DatabaseLock, lock_store_for
from tests.conftest import REGION, FakeClock

pytestmark = pytest.mark.aws_in_process


def _store(moto: str) -> S3Store:
    s3 = boto3.client("s3", region_name=REGION, endpoint_url=moto)
    s3.create_bucket(Bucket="state", CreateBucketConfiguration={"LocationConstraint": REGION})
    store = lock_store_for(
        "s3://state/team?region=eu-central-1", region=None, profile=None, endpoint_url=moto
    )
    assert isinstance(store, S3Store)
    return store


def _answer_lost_once(store: S3Store) -> list[int]:
    """Make botocore retry the first PutObject although S3 carried it out, as it does when
    that attempt's answer was lost. Returns the attempts seen."""
    seen: list[int] = []

    def retry_first(attempts: int, **_: Any) -> float | None:
        seen.append(attempts)
        return 0.0 if attempts == 1 else None

    store._client.meta.events.register_first("needs-retry.s3.PutObject", retry_first)
    return seen


def test_a_lock_whose_first_write_landed_before_the_retry_is_this_commands_own(
    moto: str,
) -> None:
    store = _store(moto)
    seen = _answer_lost_once(store)
    lock = DatabaseLock(store, backend="s3://state/team", clock=FakeClock(), holder="me@here pid 1")
    mine = lock.acquire("shop", "scope", "restore run", "run-1")
    assert seen[:2] == [1, 2], "botocore retried the write"
    held = lock.holder("shop", "scope")
    assert held is not None and held.token == mine.token
    lock.release("shop", "scope", mine)
    assert lock.holder("shop", "scope") is None, "released, not left behind"


def test_another_commands_lock_is_still_refused(moto: str) -> None:
    store = _store(moto)
    other = DatabaseLock(
        store, backend="s3://state/team", clock=FakeClock(), holder="you@there pid 2"
    )
    other.acquire("shop", "scope", "restore run", "run-1")
    lock = DatabaseLock(store, backend="s3://state/team", clock=FakeClock(), holder="me@here pid 1")
    with pytest.raises(errors.RunInProgress, match="you@there"):
        lock.acquire("shop", "scope", "restore rollback", "run-1")
