"""Backups: the seed's backup policy, evaluated (pure) and checked against RDS."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sccos_backup import errors, identifiers
from sccos_backup.aws.rds import Instance, RdsAdapter, Snapshot
from sccos_backup.backups.listing import observe_snapshots
from sccos_backup.backups.naming import (
    DEFAULT_MAX_PITR_LAG,
    MIN_RETENTION_DAYS,
    Kind,
    age_text,
    iso,
    kind_of,
    newest_first,
    utc,
)
from sccos_backup.defaults import DEFAULT_MAX_HOURLY_AGE


@dataclass(frozen=True)
class PolicyCheck:
    """One point of the backup policy and whether it is met."""

    name: str
    ok: bool
    detail: str


@dataclass(frozen=True)
class PolicyReport:
    instance: str
    now: datetime
    checks: tuple[PolicyCheck, ...]

    @property
    def met(self) -> bool:
        return all(c.ok for c in self.checks)

    @property
    def problems(self) -> tuple[str, ...]:
        return tuple(c.detail for c in self.checks if not c.ok)

    def raise_if_unmet(self) -> None:
        if not self.met:
            raise errors.PolicyUnmet(
                f"backup policy of '{self.instance}' is not met: " + "; ".join(self.problems),
                self.problems,
            )

    def as_dict(self) -> dict[str, Any]:
        return {
            "instance": self.instance,
            "now": iso(self.now),
            "met": self.met,
            "checks": [{"name": c.name, "ok": c.ok, "detail": c.detail} for c in self.checks],
        }


def evaluate_policy(
    now: datetime,
    instance: Instance,
    snapshots: Sequence[Snapshot],
    *,
    min_retention_days: int = MIN_RETENTION_DAYS,
    max_pitr_lag: timedelta = DEFAULT_MAX_PITR_LAG,
    max_hourly_age: timedelta = DEFAULT_MAX_HOURLY_AGE,
) -> PolicyReport:
    """The seed's backup policy (pure): daily automated backups kept at least 5 days, so
    point-in-time recovery is on and current, and an hourly snapshot younger than
    ``max_hourly_age``."""
    now = utc(now)
    name = instance.identifier
    retention = instance.backup_retention_period
    checks: list[PolicyCheck] = []
    if retention <= 0:
        detail = (
            f"automated backups of '{name}' are off (retention 0 days); set "
            f"BackupRetentionPeriod to at least {min_retention_days}"
        )
    elif retention < min_retention_days:
        detail = (
            f"automated backups of '{name}' are kept {retention} day(s); the policy needs at "
            f"least {min_retention_days}"
        )
    else:
        detail = f"automated backups kept {retention} days (policy: at least {min_retention_days})"
    checks.append(PolicyCheck("retention", retention >= min_retention_days, detail))

    latest = instance.latest_restorable_time
    if retention <= 0 or latest is None:
        checks.append(PolicyCheck("pitr", False, f"point-in-time recovery of '{name}' is off"))
    elif now - latest > max_pitr_lag:
        checks.append(
            PolicyCheck(
                "pitr",
                False,
                f"point-in-time recovery of '{name}' lags: latest restorable time "
                f"{latest:%Y-%m-%d %H:%M} UTC is {age_text(now, latest)} old "
                f"(limit {age_text(now, now - max_pitr_lag)})",
            )
        )
    else:
        checks.append(
            PolicyCheck(
                "pitr",
                True,
                f"point-in-time recovery up to {latest:%Y-%m-%d %H:%M} UTC "
                f"({age_text(now, latest)} ago)",
            )
        )

    hourly = [
        s
        for s in snapshots
        if kind_of(s) is Kind.HOURLY
        and s.available
        and s.created is not None
        and s.resource_id == instance.resource_id
    ]
    limit = age_text(now, now - max_hourly_age)
    if not hourly:
        checks.append(
            PolicyCheck(
                "hourly",
                False,
                f"no hourly snapshot of '{name}' exists; run `sccos-backup snapshot rotate "
                f"{name}` every hour (cron or a Jenkins timer)",
            )
        )
    else:
        newest = newest_first(hourly)[0]
        assert newest.created is not None
        age = now - newest.created
        if age > max_hourly_age:
            checks.append(
                PolicyCheck(
                    "hourly",
                    False,
                    f"the newest hourly snapshot of '{name}' ({newest.identifier}) is "
                    f"{age_text(now, newest.created)} old (limit {limit}); is the hourly rotation "
                    "running?",
                )
            )
        else:
            checks.append(
                PolicyCheck(
                    "hourly",
                    True,
                    f"newest hourly snapshot {newest.identifier} is "
                    f"{age_text(now, newest.created)} old (limit {limit})",
                )
            )
    return PolicyReport(instance=name, now=now, checks=tuple(checks))


def check_policy(
    rds: RdsAdapter,
    db_id: str,
    *,
    max_hourly_age: timedelta = DEFAULT_MAX_HOURLY_AGE,
    now: datetime | None = None,
) -> PolicyReport:
    """Observe ``db_id`` and its snapshots, then :func:`evaluate_policy`."""
    if max_hourly_age <= timedelta(0):
        raise errors.InvalidInput("--max-hourly-age must be at least 1 minute")
    instance = rds.describe_instance(identifiers.instance_identifier(db_id))
    snapshots = observe_snapshots(rds, instance.identifier, instance.resource_id)
    return evaluate_policy(now or rds.clock(), instance, snapshots, max_hourly_age=max_hourly_age)
