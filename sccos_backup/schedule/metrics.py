"""The CloudWatch metrics the scheduled function publishes, and how they are computed (pure).

Every value is published twice: per database (dimensions ``Stack`` and ``DBInstanceIdentifier``)
for dashboards, and per stack (``Stack`` only) for the alarms, which therefore hold for a fleet
chosen by tag, whose members are not known when the stack is declared. The names and the
namespace are shared with the alarms in :mod:`sccos_backup.schedule.alarms`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sccos_backup.aws.cloudwatch import Datum
from sccos_backup.aws.rds import Snapshot
from sccos_backup.backups.ownership import Owner
from sccos_backup.backups.policy import PolicyReport

NAMESPACE = "SCCOS/Backups"
DIM_STACK = "Stack"
DIM_DATABASE = "DBInstanceIdentifier"
DIM_ACTION = "Action"
#: Seconds since the newest available hourly snapshot was created.
HOURLY_AGE = "HourlySnapshotAge"
#: Manual snapshots the region's quota leaves at the policy's steady state (limit - needed).
QUOTA_HEADROOM = "SnapshotQuotaHeadroom"
#: Completed hours of the retention without an hourly snapshot (the library's gaps).
HOURLY_GAPS = "HourlySnapshotGaps"
#: 1 when the backup policy is not met, else 0.
POLICY_UNMET = "PolicyUnmet"
#: 1 when the action failed for a database (it did not run to the end), else 0.
FAILED = "DatabaseFailed"
#: How many databases the selection found (per stack and action): 0 means a wrong tag or list.
SELECTED = "DatabasesSelected"
#: Stack dimension value when the event names no stack.
DEFAULT_STACK = "default"


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
    now: datetime, report: PolicyReport, snapshots: Sequence[Snapshot], owner: Owner
) -> DatabaseMetrics:
    """The metrics of one checked database, from the library's report: the gaps it found,
    the quota's headroom at steady state (limit - needed, negative when the policy does not
    fit; None where the quota cannot be read), and the age of the newest hourly snapshot."""
    created = [s.created for s in snapshots if owner.owns_hourly(s) and s.available and s.created]
    quota = report.quota
    headroom = None
    if quota is not None and quota.limit is not None:
        headroom = quota.limit - quota.needed
    return DatabaseMetrics(
        hourly_age_seconds=max(0.0, (now - max(created)).total_seconds()) if created else None,
        gaps=len(report.gaps),
        quota_headroom=headroom,
        policy_met=report.met,
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
