"""Backups: the gaps of an hourly series, every hour of the retention without a snapshot."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sccos_backup.aws.rds import Snapshot
from sccos_backup.backups.naming import utc
from sccos_backup.backups.ownership import Owner, hourly_mark

#: Statuses in which an hourly snapshot stands for its hour (a failed one does not).
COUNTED = frozenset({"available", "creating", "backing-up"})


def hourly_gaps(
    now: datetime,
    owner: Owner,
    snapshots: Sequence[Snapshot],
    keep_hours: int,
    since: datetime | None = None,
) -> tuple[datetime, ...]:
    """Every completed hour (UTC, oldest first) of the last ``keep_hours`` that has no hourly
    snapshot of ``owner`` (pure). The current hour is not counted (the ``hourly`` check
    covers it), nor hours before ``since`` (when the database or its series began)."""
    now = utc(now)
    this_hour = now.replace(minute=0, second=0, microsecond=0)
    start = this_hour - timedelta(hours=keep_hours - 1)
    if since is not None:
        first = utc(since).replace(minute=0, second=0, microsecond=0)
        if utc(since) > first:
            first += timedelta(hours=1)  # a database born at 10:20 has no 10:00 snapshot
        start = max(start, first)
    covered = set()
    for snapshot in snapshots:
        mark = hourly_mark(snapshot)
        if mark is not None and snapshot.status in COUNTED and owner.owns_hourly(snapshot):
            covered.add(mark.hour)
    gaps = []
    hour = start
    while hour < this_hour:
        if hour not in covered:
            gaps.append(hour)
        hour += timedelta(hours=1)
    return tuple(gaps)


def series_start(owner: Owner, snapshots: Sequence[Snapshot]) -> datetime | None:
    """The first hour the hourly schedule of ``owner`` ran: its oldest hourly snapshot (a
    restored instance inherits the original's series), or None when it has none. Hours
    before it are no gaps: a database older than its schedule was not expected to have them."""
    hours = [m.hour for s in snapshots if owner.owns_hourly(s) and (m := hourly_mark(s))]
    return utc(min(hours)) if hours else None


def gaps_none_text(now: datetime, since: datetime, keep_hours: int) -> str:
    """What "no gaps" covers: the whole retention, or the hours since the series began."""
    window_start = utc(now).replace(minute=0, second=0, microsecond=0) - timedelta(
        hours=keep_hours - 1
    )
    if utc(since) <= window_start:
        return f"an hourly snapshot for every hour of the last {keep_hours}"
    return f"an hourly snapshot for every hour since {utc(since):%Y-%m-%d %H:00} (the first)"


def describe_gaps(gaps: Sequence[datetime], limit: int = 6) -> str:
    """``2026-11-25 13:00, 14:00 ... (+3 more)`` for a message."""
    shown = ", ".join(f"{g:%Y-%m-%d %H:00}" for g in gaps[:limit])
    more = f" (+{len(gaps) - limit} more)" if len(gaps) > limit else ""
    return shown + more
