"""One scheduled action over every selected database: rotate or check, one summary each.

A database that fails never stops the others: its summary carries the error and the
``DatabaseFailed`` metric is 1 for it. The run is idempotent under EventBridge Scheduler's
at-least-once delivery: a second delivery within the hour finds this hour's snapshot and only
deletes what is still expired; a check only reads.

The work per database is the backups library's: :func:`prepare_rotation` /
:func:`execute_rotation` for ``rotate``, :func:`observe_snapshots` / :func:`evaluate_policy` for
``check``. The region's manual-snapshot quota is read once per run.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from sccos_backup.aws.cloudwatch import Datum
from sccos_backup.aws.rds import RdsAdapter
from sccos_backup.backups.snapshots import (
    evaluate_policy,
    execute_rotation,
    observe_snapshots,
    prepare_rotation,
)
from sccos_backup.errors import IdentifierTaken, SccosBackupError
from sccos_backup.schedule.event import Action, ScheduleEvent, Selection
from sccos_backup.schedule.metrics import MetricSet, measure

logger = logging.getLogger(__name__)


class Publisher(Protocol):
    def publish(self, data: Sequence[Datum]) -> None: ...


@dataclass(frozen=True)
class DatabaseSummary:
    """The outcome of one action on one database (also the JSON logged for it)."""

    database: str
    action: Action
    ok: bool
    detail: dict[str, Any] = field(default_factory=dict)
    error: str | None = None

    def as_dict(self, event: ScheduleEvent) -> dict[str, Any]:
        return {
            "database": self.database,
            "action": str(self.action),
            "ok": self.ok,
            "error": self.error,
            "stack": event.stack,
            "execution_id": event.execution_id,
            "attempt": event.attempt,
            **self.detail,
        }


@dataclass(frozen=True)
class RunSummary:
    event: ScheduleEvent
    now: datetime
    databases: tuple[DatabaseSummary, ...]

    @property
    def failed(self) -> tuple[str, ...]:
        return tuple(s.database for s in self.databases if not s.ok)

    def as_dict(self) -> dict[str, Any]:
        return {
            "action": str(self.event.action),
            "selection": self.event.selection.describe(),
            "now": self.now.isoformat(),
            "stack": self.event.stack,
            "execution_id": self.event.execution_id,
            "attempt": self.event.attempt,
            "selected": len(self.databases),
            "failed": list(self.failed),
            "databases": [s.as_dict(self.event) for s in self.databases],
        }


def select_databases(rds: RdsAdapter, selection: Selection) -> tuple[str, ...]:
    """The identifiers to act on: the list as given, or every instance carrying the tag."""
    if selection.tag is None:
        return selection.databases
    tag = selection.tag
    return tuple(sorted(i.identifier for i in rds.list_instances() if tag.matches(dict(i.tags))))


def _rotate(rds: RdsAdapter, name: str, event: ScheduleEvent, now: datetime) -> dict[str, Any]:
    """Plan and run one rotation. Scheduler may deliver one event twice at the same moment:
    when the other delivery created this hour's snapshot between our plan and our create,
    plan once more, which then finds the snapshot and only expires what is left."""
    plan = prepare_rotation(rds, name, keep_hours=event.keep_hours, now=now)
    try:
        return execute_rotation(rds, plan).as_dict()
    except IdentifierTaken:
        if plan.create is None:
            raise
        logger.info("%s was created meanwhile (a concurrent delivery); planning again", plan.create)
    again = prepare_rotation(rds, name, keep_hours=event.keep_hours, now=now)
    return {**execute_rotation(rds, again).as_dict(), "raced": True}


class _Checker:
    """Checks databases one by one, reading the region's quota only once."""

    def __init__(self, rds: RdsAdapter, event: ScheduleEvent, metrics: MetricSet) -> None:
        self._rds = rds
        self._event = event
        self._metrics = metrics
        self._quota: tuple[int, int] | None = None
        self._quota_read = False

    def quota(self) -> tuple[int, int] | None:
        if not self._quota_read:
            self._quota = self._rds.manual_snapshot_quota()
            self._quota_read = True
        return self._quota

    def __call__(self, name: str, now: datetime) -> dict[str, Any]:
        instance = self._rds.describe_instance(name)
        snapshots = observe_snapshots(self._rds, instance.identifier, instance.resource_id)
        report = evaluate_policy(
            now, instance, snapshots, max_hourly_age=self._event.max_hourly_age
        )
        measured = measure(
            now,
            snapshots,
            instance.resource_id,
            window_hours=self._event.keep_hours,
            quota=self.quota(),
            policy_met=report.met,
        )
        self._metrics.add_check(instance.identifier, measured)
        return {**report.as_dict(), "metrics": measured.as_dict()}


def run_event(
    event: ScheduleEvent,
    rds: RdsAdapter,
    publisher: Publisher,
    *,
    clock: Callable[[], datetime] | None = None,
) -> RunSummary:
    """Run ``event``'s action on each selected database, publish the metrics, summarise.

    Selecting the databases (listing instances for a tag) and publishing the metrics are the
    only failures that end the run; they raise, so that the function reports an error.
    """
    now = (clock or rds.clock)()
    metrics = MetricSet(event.stack, now)
    names = select_databases(rds, event.selection)
    metrics.add_selected(str(event.action), len(names))
    checker = _Checker(rds, event, metrics)
    summaries: list[DatabaseSummary] = []
    for name in names:
        try:
            if event.action is Action.ROTATE:
                detail = _rotate(rds, name, event, now)
            else:
                detail = checker(name, now)
        except SccosBackupError as error:
            summaries.append(DatabaseSummary(name, event.action, False, error=str(error)))
        except Exception as error:  # a bug for one database must not stop the others
            logger.exception("unexpected failure of %s on %s", event.action, name)
            summaries.append(
                DatabaseSummary(name, event.action, False, error=f"{type(error).__name__}: {error}")
            )
        else:
            summaries.append(DatabaseSummary(name, event.action, True, detail))
        metrics.add_outcome(str(event.action), name, failed=not summaries[-1].ok)
    publisher.publish(metrics.data)
    return RunSummary(event=event, now=now, databases=tuple(summaries))
