"""Backups: the backup policy of Spryker's runbook, evaluated (pure) and checked against RDS.

A report ends in one verdict in the monitoring-plugin convention (Nagios, Icinga, Datadog's
``check_`` integrations read it): OK, WARNING, CRITICAL or UNKNOWN, with exit codes 0 to 3.
A point that means no restore is possible to where the policy promises (retention, PITR, a
current hourly snapshot) is CRITICAL; a past hole in the hourly series or a quota the policy
will outgrow is a WARNING; a point that could not be measured (the quota unread) is UNKNOWN.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sccos_backup import errors, identifiers
from sccos_backup.aws.rds import Instance, RdsAdapter, Snapshot
from sccos_backup.backups.gaps import describe_gaps, gaps_none_text, hourly_gaps, series_start
from sccos_backup.backups.naming import (
    DEFAULT_MAX_PITR_LAG,
    MIN_RETENTION_DAYS,
    age_text,
    iso,
    newest_first,
    utc,
)
from sccos_backup.backups.ownership import Owner
from sccos_backup.backups.quota import QuotaProjection, project, take_census
from sccos_backup.defaults import DEFAULT_KEEP_HOURS, DEFAULT_MAX_HOURLY_AGE


class Verdict(StrEnum):
    """A monitoring plugin's states, worst last; ``exit_code`` is the plugin's exit status."""

    OK = "OK"
    UNKNOWN = "UNKNOWN"
    WARNING = "WARNING"
    CRITICAL = "CRITICAL"

    @property
    def exit_code(self) -> int:
        return {"OK": 0, "WARNING": 1, "CRITICAL": 2, "UNKNOWN": 3}[self.value]

    @property
    def rank(self) -> int:
        return list(Verdict).index(self)


@dataclass(frozen=True)
class PolicyCheck:
    """One point of the backup policy, whether it is met, and how bad it is when it is not."""

    name: str
    ok: bool
    detail: str
    unmet: Verdict = Verdict.CRITICAL

    @property
    def state(self) -> Verdict:
        return Verdict.OK if self.ok else self.unmet


@dataclass(frozen=True)
class PolicyReport:
    instance: str
    now: datetime
    checks: tuple[PolicyCheck, ...]
    #: Every completed hour of the retention without an hourly snapshot, oldest first.
    gaps: tuple[datetime, ...] = ()
    quota: QuotaProjection | None = None
    #: Lines to say beside the checks (a DbiResourceId shared with other instances).
    notes: tuple[str, ...] = ()
    #: The first hour gaps are counted from (the hourly series' first snapshot), or None when
    #: there is no hourly snapshot yet and no gap is claimed either way.
    gaps_since: datetime | None = None

    @property
    def met(self) -> bool:
        return all(c.ok for c in self.checks)

    @property
    def verdict(self) -> Verdict:
        return max((c.state for c in self.checks), key=lambda v: v.rank, default=Verdict.OK)

    @property
    def exit_code(self) -> int:
        return self.verdict.exit_code

    def verdict_line(self) -> str:
        """The plugin's first line: ``CRITICAL: backup policy of shop is not met: a; b``. No
        ``|`` (it would start performance data)."""
        verdict = self.verdict
        if verdict is Verdict.OK:
            return f"OK: backup policy of {self.instance} is met ({len(self.checks)} points)"
        problems = "; ".join(self.problems).replace("|", "/")
        if verdict is Verdict.UNKNOWN:
            return f"UNKNOWN: backup policy of {self.instance}: {problems}"
        return f"{verdict}: backup policy of {self.instance} is not met: {problems}"

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
            "verdict": str(self.verdict),
            "exit_code": self.exit_code,
            "met": self.met,
            "checks": [
                {"name": c.name, "ok": c.ok, "state": str(c.state), "detail": c.detail}
                for c in self.checks
            ],
            "gaps_counted_from": iso(self.gaps_since) if self.gaps_since else None,
            "gaps": [iso(g) for g in self.gaps],
            "quota": self.quota.as_dict() if self.quota else None,
            "notes": list(self.notes),
        }


def evaluate_policy(
    now: datetime,
    instance: Instance,
    snapshots: Sequence[Snapshot],
    *,
    min_retention_days: int = MIN_RETENTION_DAYS,
    max_pitr_lag: timedelta = DEFAULT_MAX_PITR_LAG,
    max_hourly_age: timedelta = DEFAULT_MAX_HOURLY_AGE,
    keep_hours: int = DEFAULT_KEEP_HOURS,
    owner: Owner | None = None,
    quota: QuotaProjection | None = None,
    allow_unknown_quota: bool = False,
) -> PolicyReport:
    """The backup policy of Spryker's runbook (pure): daily automated backups kept at least 5
    days, so point-in-time recovery is on and current, an hourly snapshot younger than
    ``max_hourly_age``, one for every hour of the last ``keep_hours`` (``gaps``), and, given a
    ``quota`` projection, room for all of it in the region's manual-snapshot quota (``quota``;
    a quota that cannot be read fails unless ``allow_unknown_quota``)."""
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

    owner = owner or Owner.of(instance)
    hourly = [s for s in snapshots if owner.owns_hourly(s) and s.available and s.created]
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
    # Gaps count from the first hour the schedule ran: before it, and on a database without
    # any hourly snapshot, the `hourly` point already says what is missing.
    since = series_start(owner, snapshots)
    gaps: tuple[datetime, ...] = ()
    if since is not None:
        gaps = hourly_gaps(now, owner, snapshots, keep_hours, since)
        if gaps:
            detail = (
                f"{len(gaps)} hour(s) of the last {keep_hours} have no hourly snapshot of "
                f"'{name}': {describe_gaps(gaps)}"
            )
        else:
            detail = gaps_none_text(now, since, keep_hours)
        checks.append(PolicyCheck("gaps", not gaps, detail, unmet=Verdict.WARNING))
    if quota is not None:
        checks.append(_quota_check(quota, allow_unknown_quota))
    notes = tuple(n for n in (owner.sharing_note(),) if n)
    return PolicyReport(
        name, now, tuple(checks), gaps=gaps, quota=quota, notes=notes, gaps_since=since
    )


def _quota_check(quota: QuotaProjection, allow_unknown: bool) -> PolicyCheck:
    problem = quota.problem_line()
    if problem is None:
        return PolicyCheck("quota", True, f"snapshot quota fits: {quota.arithmetic()}")
    if not quota.readable and allow_unknown:
        return PolicyCheck("quota", True, f"not checked (--allow-unknown-quota): {problem}")
    return PolicyCheck(
        "quota", False, problem, unmet=Verdict.WARNING if quota.readable else Verdict.UNKNOWN
    )


def check_policy(
    rds: RdsAdapter,
    db_id: str,
    *,
    max_hourly_age: timedelta = DEFAULT_MAX_HOURLY_AGE,
    now: datetime | None = None,
    keep_hours: int = DEFAULT_KEEP_HOURS,
    allow_unknown_quota: bool = False,
) -> PolicyReport:
    """Observe ``db_id``, the region's instances, manual snapshots and quota, then
    :func:`evaluate_policy` (the schedule's Lambda handler calls this). Changes nothing."""
    if max_hourly_age <= timedelta(0):
        raise errors.InvalidInput("--max-hourly-age must be at least 1 minute")
    if keep_hours < 1:
        raise errors.InvalidInput(f"--keep-hours must be at least 1, not {keep_hours}")
    instance = rds.describe_instance(identifiers.instance_identifier(db_id))
    census = take_census(rds)
    owner = Owner.of(instance, census.shared)
    quota = project(census, keep_hours, also=[instance.identifier])
    return evaluate_policy(
        now or rds.clock(),
        instance,
        census.manual,
        max_hourly_age=max_hourly_age,
        keep_hours=keep_hours,
        owner=owner,
        quota=quota,
        allow_unknown_quota=allow_unknown_quota,
    )
