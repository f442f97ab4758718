"""The CloudWatch metrics the scheduled function publishes, and how they are computed (pure).

Every value is published twice: per database (dimensions ``Stack`` and ``DBInstanceIdentifier``)
for dashboards, and per stack (``Stack`` only) for the alarms, which therefore hold for a fleet
chosen by tag, whose members are not known when the stack is declared. The names and the
namespace are shared with the alarms in :mod:`sccos_backup.schedule.alarms`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sccos_backup.aws.cloudwatch import Datum
from sccos_backup.aws.rds import Snapshot
from sccos_backup.backups.snapshots import Kind, kind_of

NAMESPACE = "SCCOS/Backups"
DIM_STACK = "Stack"
DIM_DATABASE = "DBInstanceIdentifier"
DIM_ACTION = "Action"
#: Seconds since the newest available hourly snapshot was created.
HOURLY_AGE = "HourlySnapshotAge"
#: Manual snapshots left in the region's quota (max - used).
QUOTA_HEADROOM = "SnapshotQuotaHeadroom"
#: Whole hours without an hourly snapshot, from the oldest one kept up to the last full hour.
HOURLY_GAPS = "HourlySnapshotGaps"
#: 1 when the backup policy is not met, else 0.
POLICY_UNMET = "PolicyUnmet"
#: 1 when the action failed for a database (it did not run to the end), else 0.
FAILED = "DatabaseFailed"
#: How many databases the selection found (per stack and action): 0 means a wrong tag or list.
SELECTED = "DatabasesSelected"
#: Stack dimension value when the event names no stack.
DEFAULT_STACK = "default"


def _floor_hour(value: datetime) -> datetime:
    return value.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


def hourly_series(snapshots: Iterable[Snapshot], resource_id: str) -> list[Snapshot]:
    """This database's available hourly snapshots, oldest first."""
    found = [
        s
        for s in snapshots
        if kind_of(s) is Kind.HOURLY
        and s.available
        and s.created is not None
        and s.resource_id == resource_id
    ]
    return sorted(found, key=lambda s: (s.created, s.identifier))


def hourly_gaps(now: datetime, series: Sequence[Snapshot], window_hours: int) -> int:
    """Full hours without a snapshot in ``series``, from the oldest within the last
    ``window_hours`` hours up to the last full hour before ``now`` (the current hour is not
    counted: its rotation may still be running)."""
    current = _floor_hour(now)
    start = current - timedelta(hours=window_hours)
    hours = {_floor_hour(s.created) for s in series if s.created is not None}
    kept = sorted(h for h in hours if h >= start)
    if not kept:
        return 0
    gaps = 0
    hour = kept[0]
    while hour < current:
        if hour not in hours:
            gaps += 1
        hour += timedelta(hours=1)
    return gaps


@dataclass(frozen=True)
class DatabaseMetrics:
    """What one database's check measured; None where it could not be measured."""

    hourly_age_seconds: float | None
    gaps: int
    quota_headroom: int | None
    policy_met: bool

    def as_dict(self) -> dict[str, Any]:
        return {
            "hourly_age_seconds": self.hourly_age_seconds,
            "gaps": self.gaps,
            "quota_headroom": self.quota_headroom,
            "policy_met": self.policy_met,
        }


def measure(
    now: datetime,
    snapshots: Sequence[Snapshot],
    resource_id: str,
    *,
    window_hours: int,
    quota: tuple[int, int] | None,
    policy_met: bool,
) -> DatabaseMetrics:
    series = hourly_series(snapshots, resource_id)
    age = None
    if series and series[-1].created is not None:
        age = max(0.0, (now - series[-1].created).total_seconds())
    return DatabaseMetrics(
        hourly_age_seconds=age,
        gaps=hourly_gaps(now, series, window_hours),
        quota_headroom=None if quota is None else quota[1] - quota[0],
        policy_met=policy_met,
    )


class MetricSet:
    """Collects the data of one run; each value goes out per database and per stack."""

    def __init__(self, stack: str | None, now: datetime) -> None:
        self.stack = stack or DEFAULT_STACK
        self.now = now
        self.data: list[Datum] = []

    def add(self, name: str, value: float, unit: str, database: str | None = None) -> None:
        dimension_sets: list[tuple[tuple[str, str], ...]] = [((DIM_STACK, self.stack),)]
        if database is not None:
            dimension_sets.insert(0, ((DIM_STACK, self.stack), (DIM_DATABASE, database)))
        for dimensions in dimension_sets:
            self.data.append(Datum(name, float(value), unit, dimensions, self.now))

    def add_check(self, database: str, measured: DatabaseMetrics) -> None:
        if measured.hourly_age_seconds is not None:
            self.add(HOURLY_AGE, measured.hourly_age_seconds, "Seconds", database)
        if measured.quota_headroom is not None:
            self.add(QUOTA_HEADROOM, measured.quota_headroom, "Count", database)
        self.add(HOURLY_GAPS, measured.gaps, "Count", database)
        self.add(POLICY_UNMET, 0 if measured.policy_met else 1, "Count", database)

    def add_outcome(self, action: str, database: str, failed: bool) -> None:
        """Failures are published per action too, so that the alarm names which one failed."""
        for dims in (
            ((DIM_STACK, self.stack), (DIM_ACTION, action), (DIM_DATABASE, database)),
            ((DIM_STACK, self.stack), (DIM_ACTION, action)),
        ):
            self.data.append(Datum(FAILED, 1.0 if failed else 0.0, "Count", dims, self.now))

    def add_selected(self, action: str, count: int) -> None:
        dims = ((DIM_STACK, self.stack), (DIM_ACTION, action))
        self.data.append(Datum(SELECTED, float(count), "Count", dims, self.now))
