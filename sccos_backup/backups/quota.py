"""Backups: the region's manual-snapshot quota as part of the hourly policy.

Manual snapshots (hourly ones included) count against one quota per region and account
(100 by default). At steady state the hourly rotation of one database holds ``keep_hours + 2``
snapshots at the moment it runs: the ``keep_hours`` kept, the one whose hour has just expired
(it was taken a few seconds after the hour started, so it is deleted one run later) and this
hour's new one, created before the expired ones are deleted. So::

    needed = (keep_hours + 2) x (databases with hourly snapshots) + (other manual snapshots)

and the policy holds only while ``needed <= quota``. :func:`project` computes this from a
:class:`Census` (what was observed in the region), purely.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sccos_backup.aws.rds import Instance, RdsAdapter, Snapshot
from sccos_backup.aws.snapshots import SnapshotQuota
from sccos_backup.backups.ownership import hourly_mark

#: Snapshots one database's hourly rotation holds beyond its retention (see the module text).
HEADROOM = 2

RAISE_HINT = (
    "raise it in Service Quotas (Amazon RDS, 'Manual DB instance snapshots', or "
    "`aws service-quotas request-service-quota-increase --service-code rds ...`), delete "
    "manual snapshots, or keep fewer hours"
)


@dataclass(frozen=True)
class Census:
    """What the quota arithmetic needs, observed once in the region."""

    instances: tuple[Instance, ...]
    #: Every manual snapshot in the region (all pages), any status.
    manual: tuple[Snapshot, ...]
    quota: SnapshotQuota
    #: The resource ids several instances report (an emulator's), with their identifiers.
    shared: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


def take_census(rds: RdsAdapter) -> Census:
    """List the region's instances and manual snapshots (paginated) and read the quota. The
    RDS adapter names the resource ids several instances report, or refuses them on AWS."""
    instances = tuple(rds.list_instances())
    shared = rds.shared_resource_ids(instances)
    return Census(
        instances=instances,
        manual=tuple(rds.list_snapshots(snapshot_type="manual")),
        quota=rds.read_snapshot_quota(),
        shared=shared,
    )


@dataclass(frozen=True)
class QuotaProjection:
    """The steady-state need of the hourly policy against the region's quota."""

    keep_hours: int
    #: Databases whose hourly series the projection counts (existing instances only).
    databases: tuple[str, ...]
    #: Manual snapshots that are not hourly ones of this tool (kept copies included).
    other_manual: int
    #: Manual snapshots in the region now (the quota's Used where it was read).
    used: int
    limit: int | None
    problem: str | None

    @property
    def per_database(self) -> int:
        return self.keep_hours + HEADROOM

    @property
    def needed(self) -> int:
        return self.per_database * len(self.databases) + self.other_manual

    @property
    def readable(self) -> bool:
        return self.limit is not None

    @property
    def fits(self) -> bool:
        return self.limit is not None and self.needed <= self.limit

    def arithmetic(self) -> str:
        """E.g. ``(60 + 2) x 2 databases + 3 other manual = 127 needed; quota 100, 64 used``."""
        limit = "unknown" if self.limit is None else str(self.limit)
        return (
            f"({self.keep_hours} + {HEADROOM}) x {len(self.databases)} database(s) with hourly "
            f"snapshots + {self.other_manual} other manual snapshot(s) = {self.needed} needed "
            f"at steady state; region quota {limit}, {self.used} used now"
        )

    def problem_line(self) -> str | None:
        """Why the policy cannot hold within the quota, or None when it fits."""
        if self.limit is None:
            return (
                f"the manual-snapshot quota cannot be read ({self.problem}); the hourly policy "
                f"needs {self.arithmetic()}; allow rds:DescribeAccountAttributes (where the "
                "endpoint lacks it, as moto_server, check passes --allow-unknown-quota)"
            )
        if self.needed > self.limit:
            return f"the hourly policy does not fit the snapshot quota: {self.arithmetic()}; " + (
                RAISE_HINT
            )
        return None

    def as_dict(self) -> dict[str, Any]:
        return {
            "keep_hours": self.keep_hours,
            "per_database": self.per_database,
            "databases": list(self.databases),
            "other_manual": self.other_manual,
            "needed": self.needed,
            "used": self.used,
            "limit": self.limit,
            "fits": self.fits,
            "problem": self.problem,
        }


def project(census: Census, keep_hours: int, also: Iterable[str] = ()) -> QuotaProjection:
    """The quota projection (pure): ``also`` names databases counted even before their first
    hourly snapshot (the one being rotated or checked)."""
    existing = {i.identifier for i in census.instances}
    series: set[str] = set(also)
    other = 0
    for snapshot in census.manual:
        mark = hourly_mark(snapshot)
        if mark is None:
            other += 1
        elif mark.series in existing:
            series.add(mark.series)
    used = census.quota.used if census.quota.used is not None else len(census.manual)
    return QuotaProjection(
        keep_hours=keep_hours,
        databases=tuple(sorted(series)),
        other_manual=other,
        used=used,
        limit=census.quota.limit,
        problem=census.quota.problem,
    )
