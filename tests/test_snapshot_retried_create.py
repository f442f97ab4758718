"""A CreateDBSnapshot that botocore retried after the first attempt's answer was lost.

botocore 1.44 retries a call whose answer was a 5xx, a throttle or a transport failure (read
timeout, reset connection), up to ``AWS_MAX_ATTEMPTS`` attempts in all; RDS may have started the
snapshot by then, and the retry is refused with DBSnapshotAlreadyExists (RDS API reference,
CreateDBSnapshot) although this very call made it.
"""

from __future__ import annotations

from typing import Any

import pytest

from sccos_backup import errors
from sccos_backup.aws.rds import RdsAdapter, make_rds_client
from tests.conftest import REGION, FakeClock, make_instance

pytestmark = pytest.mark.aws_in_process

TAGS = {"sccos-backup:kind": "safety", "sccos-backup:created-by": "sccos-backup"}


def _adapter(moto: str, *, lose_first_answer: bool) -> RdsAdapter:
    client = make_rds_client(region=REGION, profile=None, endpoint_url=moto)
    if lose_first_answer:

        def retry_first(attempts: int, **_: Any) -> float | None:
            return 0.0 if attempts == 1 else None

        client.meta.events.register_first("needs-retry.rds.CreateDBSnapshot", retry_first)
    clock = FakeClock()
    return RdsAdapter(client, clock=clock, sleep=clock.sleep)


def test_a_snapshot_the_lost_first_attempt_made_is_this_calls_own(moto: str, rds: Any) -> None:
    make_instance(rds)
    adapter = _adapter(moto, lose_first_answer=True)
    made = adapter.create_snapshot("shop", "shop-safety", TAGS)
    assert made.identifier == "shop-safety"
    assert made.instance_identifier == "shop"


def test_a_snapshot_of_that_name_made_otherwise_is_still_refused(moto: str, rds: Any) -> None:
    make_instance(rds)
    make_instance(rds, "other")
    rds.create_db_snapshot(DBInstanceIdentifier="other", DBSnapshotIdentifier="shop-safety")
    for lost in (False, True):
        with pytest.raises(errors.IdentifierTaken):
            _adapter(moto, lose_first_answer=lost).create_snapshot("shop", "shop-safety", TAGS)


def test_an_untagged_snapshot_of_the_same_instance_is_still_refused(moto: str, rds: Any) -> None:
    make_instance(rds)
    rds.create_db_snapshot(DBInstanceIdentifier="shop", DBSnapshotIdentifier="shop-safety")
    with pytest.raises(errors.IdentifierTaken):
        _adapter(moto, lose_first_answer=True).create_snapshot("shop", "shop-safety", TAGS)
