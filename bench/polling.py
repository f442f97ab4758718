"""Polling: how often the waits describe an instance, and how soon they notice a change.

A stub RDS client answers ``describe_db_instances`` from a simulated clock; the real
:class:`sccos_backup.aws.rds.RdsAdapter` waits on it with the real default intervals (the runbook's
``first_interval`` of 15 s, backing off by 25 % to 30 s) and the runbook's timeouts.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import botocore.exceptions

from bench.table import Row, verdict

AREA = "Polling"
#: No more than one describe call every this many seconds (per wait).
MIN_GAP = 15.0
#: A state change is noticed within this many seconds.
MAX_NOTICE = 30.0

#: What the simulated instance reports ``t`` seconds into the scenario (None: the name is free).
Status = Callable[[float], str | None]


class SimulatedClock:
    """A clock that only moves when the injected sleep is called."""

    def __init__(self) -> None:
        self.start = self.now = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
        self.slept = 0.0

    def __call__(self) -> datetime:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept += seconds
        self.now += timedelta(seconds=seconds)

    @property
    def t(self) -> float:
        return (self.now - self.start).total_seconds()


class SimulatedRds:
    """Answers ``describe_db_instances`` from the simulated clock and records every call."""

    def __init__(self, clock: SimulatedClock, names: dict[str, Status]) -> None:
        self.clock = clock
        self.names = names
        #: (identifier, seconds since the start) of every describe call.
        self.calls: list[tuple[str, float]] = []

    def describe_db_instances(self, *, DBInstanceIdentifier: str) -> dict[str, Any]:
        t = self.clock.t
        self.calls.append((DBInstanceIdentifier, t))
        status = self.names.get(DBInstanceIdentifier, lambda _: None)(t)
        if status is None:
            raise botocore.exceptions.ClientError(
                {
                    "Error": {
                        "Code": "DBInstanceNotFound",
                        "Message": f"DBInstance {DBInstanceIdentifier} not found.",
                    }
                },
                "DescribeDBInstances",
            )
        return {
            "DBInstances": [
                {
                    "DBInstanceIdentifier": DBInstanceIdentifier,
                    "DBInstanceStatus": status,
                    "DbiResourceId": "db-BENCH" + DBInstanceIdentifier.upper(),
                }
            ]
        }


@dataclass(frozen=True)
class WaitReport:
    what: str
    calls: int
    min_gap: float | None
    noticed_after: float
    slept: float


def _report(what: str, times: list[float], change_at: float, slept: float) -> WaitReport:
    gaps = [b - a for a, b in itertools.pairwise(times)]
    noticed = next(t for t in times if t >= change_at)
    return WaitReport(what, len(times), min(gaps) if gaps else None, noticed - change_at, slept)


def restore_scenario(minutes: float = 30.0) -> WaitReport:
    """``wait_instance`` on an instance that is ``creating`` until ``minutes``, then available."""
    from automation.runbook.runbook import Timeouts
    from sccos_backup.aws.rds import RdsAdapter

    change = minutes * 60
    clock = SimulatedClock()
    stub = SimulatedRds(clock, {"shop": lambda t: "available" if t >= change else "creating"})
    adapter = RdsAdapter(stub, clock=clock, sleep=clock.sleep)  # type: ignore[arg-type]
    adapter.wait_instance("shop", timeout=Timeouts().restore)
    times = [t for _, t in stub.calls]
    return _report(f"{minutes:.0f}-min restore: wait_instance", times, change, clock.slept)


def rename_scenario(minutes: float = 10.0, old_gone: float = 60.0) -> list[WaitReport]:
    """A rename that takes ``minutes``: the old name stops answering after ``old_gone`` seconds
    (AWS drops it at once), the new one answers after ``minutes``. The runbook's order:
    ``wait_absent`` on the old name, then ``wait_instance`` on the new one."""
    from automation.runbook.runbook import Timeouts
    from sccos_backup.aws.rds import RdsAdapter

    change = minutes * 60
    old, new = "shop", "shop-pre-restore-202611251200"
    clock = SimulatedClock()
    stub = SimulatedRds(
        clock,
        {
            new: lambda t: "available" if t >= change else None,
            old: lambda t: "renaming" if t < old_gone else None,
        },
    )
    adapter = RdsAdapter(stub, clock=clock, sleep=clock.sleep)  # type: ignore[arg-type]
    timeout = Timeouts().rename
    adapter.wait_absent(old, timeout=timeout)
    slept_old = clock.slept
    adapter.wait_instance(new, timeout=timeout)
    label = f"{minutes:.0f}-min rename"
    return [
        _report(
            f"{label}: wait_absent (old name, gone after {old_gone:.0f} s)",
            [t for name, t in stub.calls if name == old],
            old_gone,
            slept_old,
        ),
        _report(
            f"{label}: wait_instance (new name)",
            [t for name, t in stub.calls if name == new],
            change,
            clock.slept - slept_old,
        ),
        _report(
            f"{label}: both waits together (any name)",
            [t for _, t in stub.calls],
            change,
            clock.slept,
        ),
    ]


def measure() -> list[Row]:
    rows: list[Row] = []
    for report in [restore_scenario(), *rename_scenario()]:
        rows.append(
            Row(
                AREA,
                f"{report.what}: describe calls (simulated {report.slept:.0f} s of sleep)",
                str(report.calls),
            )
        )
        if report.min_gap is None:
            gap, ok = "- (one call)", True
        else:
            gap, ok = f"{report.min_gap:.2f} s", report.min_gap >= MIN_GAP
        rows.append(
            Row(
                AREA,
                f"{report.what}: smallest gap between calls",
                gap,
                f">= {MIN_GAP:.0f} s",
                verdict(ok),
            )
        )
        rows.append(
            Row(
                AREA,
                f"{report.what}: change noticed after",
                f"{report.noticed_after:.2f} s",
                f"<= {MAX_NOTICE:.0f} s",
                verdict(report.noticed_after <= MAX_NOTICE),
            )
        )
    return rows
