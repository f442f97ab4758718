"""Waits poll politely (never more often than every 15 s, a change noticed within 30 s) and
give up after their timeout; all on an injected clock, nothing really sleeps."""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from sccos_backup.errors import WaitTimeout
from sccos_backup.waiting import MAX_INTERVAL, MIN_INTERVAL, poll_until
from tests.conftest import FakeClock

pytestmark = pytest.mark.aws_in_process


def test_polls_back_off_between_15_and_30_seconds() -> None:
    clock = FakeClock()
    start = clock()
    seen: list[float] = []

    def observe() -> float:
        elapsed = (clock() - start).total_seconds()
        seen.append(elapsed)
        return elapsed

    poll_until(
        observe,
        lambda t: t >= 1800,
        what="x",
        status=str,
        clock=clock,
        sleep=clock.sleep,
        timeout=3600,
    )
    gaps = [b - a for a, b in itertools.pairwise(seen)]
    assert min(gaps) >= MIN_INTERVAL
    assert max(gaps) <= MAX_INTERVAL
    assert seen[-1] - 1800 <= MAX_INTERVAL


def test_gives_up_after_the_timeout() -> None:
    clock = FakeClock()
    with pytest.raises(WaitTimeout, match="still 'creating' after"):
        poll_until(
            lambda: "creating",
            lambda s: False,
            what="x",
            status=str,
            clock=clock,
            sleep=clock.sleep,
            timeout=120,
        )
    assert sum(clock.slept) <= 120 + MAX_INTERVAL


def test_a_wait_after_a_wait_keeps_the_pace(moto: str, rds: Any) -> None:
    from sccos_backup.aws.rds import RdsAdapter, make_rds_client
    from tests.conftest import make_instance

    make_instance(rds)
    clock = FakeClock()
    calls: list[Any] = []
    client = make_rds_client(region="eu-central-1", profile=None, endpoint_url=moto)
    client.meta.events.register(
        "before-call.rds.DescribeDBInstances", lambda **_: calls.append(clock())
    )
    adapter = RdsAdapter(client, clock=clock, sleep=clock.sleep)
    adapter.wait_instance("shop", timeout=60)
    adapter.wait_absent("ghost", timeout=60)
    assert len(calls) == 2
    assert (calls[1] - calls[0]).total_seconds() >= MIN_INTERVAL
