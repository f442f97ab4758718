"""A wait for an instance ends at once when the instance reaches a state it never leaves by
itself, with the status, RDS's latest event for it and the way on; it does not poll for hours.

The states: botocore 1.44's ``DBInstanceAvailable`` waiter fails on ``deleted``, ``deleting``,
``failed``, ``incompatible-restore`` and ``incompatible-parameters`` (data/rds/2014-10-31/
waiters-2.json); the RDS user guide ("Viewing Amazon RDS DB instance status") adds
``incompatible-network``, ``storage-full`` and ``inaccessible-encryption-credentials`` as states
that need action."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from automation.runbook.runbook import Callbacks
from sccos_backup import errors
from sccos_backup.aws.rds import RdsAdapter, make_rds_client
from sccos_backup.restore.plan import Strategy
from sccos_backup.restore.source import SourceChoice
from tests.conftest import ACCOUNT, REGION, FakeClock, make_instance
from tests.support.failures import fail_instance
from tests.support.world import World

pytestmark = pytest.mark.aws_in_process

FAILED = [
    "failed",
    "incompatible-restore",
    "incompatible-parameters",
    "incompatible-network",
    "storage-full",
    "inaccessible-encryption-credentials",
    "deleting",
]


@pytest.mark.parametrize("status", FAILED)
def test_a_failed_state_ends_the_wait_at_once(moto: str, rds: Any, status: str) -> None:
    make_instance(rds)
    fail_instance("shop", status, "Database instance is in a state that cannot be restored")
    clock = FakeClock()
    client = make_rds_client(region=REGION, profile=None, endpoint_url=moto)
    adapter = RdsAdapter(client, clock=clock, sleep=clock.sleep)
    with pytest.raises(errors.AwsError) as raised:
        adapter.wait_instance("shop", timeout=6 * 3600, failed_hint="roll back with X")
    text = str(raised.value)
    assert "'shop'" in text and f"'{status}'" in text, text
    assert "Database instance is in a state that cannot be restored" in text, text
    assert "roll back with X" in text, text
    assert sum(clock.slept) == 0, "no poll after the first"


def test_a_failed_state_without_events_still_says_what_to_do(moto: str, rds: Any) -> None:
    from moto.rds.models import rds_backends

    make_instance(rds)
    rds_backends[ACCOUNT][REGION].databases["shop"].status = "incompatible-restore"
    rds_backends[ACCOUNT][REGION].events.clear()
    clock = FakeClock()
    client = make_rds_client(region=REGION, profile=None, endpoint_url=moto)
    adapter = RdsAdapter(client, clock=clock, sleep=clock.sleep)
    with pytest.raises(errors.AwsError, match=r"'incompatible-restore'.*no RDS event"):
        adapter.wait_instance("shop", timeout=6 * 3600)
    assert sum(clock.slept) == 0


def test_a_restore_that_fails_stops_the_run_with_the_way_back(
    moto: str, rds: Any, original: dict[str, Any], tmp_path: Path
) -> None:
    clock = FakeClock()
    world = World(moto, tmp_path / "state", clock)
    plan = world.plan(Strategy.IN_PLACE, SourceChoice(snapshot="shop-nightly"))
    world.runbook.check_can_start(plan)

    def after_step(key: str) -> None:
        if key == "up":
            fail_instance("shop", "incompatible-parameters", "the parameter group is invalid")

    world.runbook.callbacks = Callbacks(after_step=after_step)
    started = clock()
    with pytest.raises(errors.AwsError) as raised:
        world.runbook.start(plan)
    text = str(raised.value)
    assert "'incompatible-parameters'" in text and "the parameter group is invalid" in text
    assert "sccos-backup restore rollback shop" in text, text
    assert (clock() - started).total_seconds() < 600, "not polled until the 6 h timeout"
