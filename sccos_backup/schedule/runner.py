"""One scheduled action over every selected database: rotate or check, one summary each.

A database that fails never stops the others: its summary carries the error and the
``DatabaseFailed`` metric is 1 for it. The run is idempotent under EventBridge Scheduler's
at-least-once delivery: a second delivery within the hour finds this hour's snapshot and only
deletes what is still expired; a check only reads.

The work per database is the backups library's: :class:`~sccos_backup.backups.fleet.FleetRotation`
for ``rotate``, :func:`~sccos_backup.backups.policy.evaluate_policy` for ``check``, each on one
census of the region per run (instances, manual snapshots, quota), with the library's ownership,
gaps and quota projection: a run lists the region once, not once per database.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from sccos_backup.aws.cloudwatch import Datum
from sccos_backup.aws.rds import Instance, RdsAdapter
from sccos_backup.backups.fleet import FleetRotation
from sccos_backup.backups.ownership import Owner
from sccos_backup.backups.policy import evaluate_policy
from sccos_backup.backups.quota import Census, project, take_census
from sccos_backup.errors import SccosBackupError
from sccos_backup.restore.fields import RUN_TAG_PREFIX
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
            "shard": str(self.event.shard) if self.event.shard else None,
            "now": self.now.isoformat(),
            "stack": self.event.stack,
            "execution_id": self.event.execution_id,
            "attempt": self.event.attempt,
            "selected": len(self.databases),
            "failed": list(self.failed),
            "databases": [s.as_dict(self.event) for s in self.databases],
        }


#: The names a restore or a drill gives the instances it parks or creates
#: (:class:`sccos_backup.restore.plan.Names`, ``sccos_backup.drill.plan``): ``DB-SUFFIX-RUNID``.
_GENERATED = re.compile(r"-(?:pre-restore|restored|rolled-back|drill)-\d{12}$")


def made_by_this_tool(instance: Instance) -> str | None:
    """Why ``instance`` is one this tool created or parked (a drill's copy, a rehearsal's
    instance, a restore's renamed original or temporary instance), or None. They carry the
    database's own tags (a restore copies them), but they are not the database: an hourly
    series of their own would hold 62 snapshots of quota each and outlive them."""
    tags = dict(instance.tags)
    if any(k.startswith(("sccos-backup:drill", "sccos-backup:rehears")) for k in tags):
        return "a drill's or rehearsal's instance"
    original = tags.get(f"{RUN_TAG_PREFIX}-original")
    if original is not None and original != instance.identifier:
        return f"parked by a restore of '{original}'"
    if _GENERATED.search(instance.identifier):
        return "named by a restore or drill"
    return None


def select_databases(
    rds: RdsAdapter,
    selection: Selection,
    listed: Callable[[], Sequence[Instance]] | None = None,
) -> tuple[str, ...]:
    """The identifiers to act on: the list as given, or every instance carrying the tag
    (from ``listed``, the run's listing of the region, where it has one) except those this
    tool created or parked (:func:`made_by_this_tool`)."""
    if selection.tag is None:
        return selection.databases
    tag = selection.tag
    instances = listed() if listed is not None else rds.list_instances()
    return tuple(
        sorted(
            i.identifier
            for i in instances
            if tag.matches(dict(i.tags)) and made_by_this_tool(i) is None
        )
    )


def _rotate(fleet: FleetRotation, name: str, event: ScheduleEvent) -> DatabaseSummary:
    """One rotation (another delivery running at the same time is no failure). An hour whose
    snapshot could not be taken (``plan.blocked``) is a failure of this database, reported with
    the library's reason; the expired snapshots are still gone."""
    result = fleet.rotate(name)
    detail = result.as_dict()
    if not result.complete:
        return DatabaseSummary(name, event.action, False, detail, error=result.plan.blocked)
    return DatabaseSummary(name, event.action, True, detail)


class _Checker:
    """Checks databases one by one on one census of the region (instances, manual snapshots,
    quota), taken at the first check: a fleet's check lists the region once, not per database."""

    def __init__(self, rds: RdsAdapter, event: ScheduleEvent, metrics: MetricSet) -> None:
        self._rds = rds
        self._event = event
        self._metrics = metrics
        self._census: Census | None = None

    def census(self) -> Census:
        if self._census is None:
            self._census = take_census(self._rds)
        return self._census

    def __call__(self, name: str, now: datetime) -> DatabaseSummary:
        instance = self._rds.describe_instance(name)
        census = self.census()
        owner = Owner.of(instance, census.shared)
        report = evaluate_policy(
            now,
            instance,
            census.manual,
            max_hourly_age=self._event.max_hourly_age,
            keep_hours=self._event.keep_hours,
            owner=owner,
            quota=project(census, self._event.keep_hours, also=[instance.identifier]),
        )
        measured = measure(now, report, census.manual, owner)
        self._metrics.add_check(instance.identifier, measured)
        detail = {**report.as_dict(), "metrics": measured.as_dict()}
        return DatabaseSummary(name, self._event.action, True, detail)


def run_event(
    event: ScheduleEvent,
    rds: RdsAdapter,
    publisher: Publisher,
    *,
    clock: Callable[[], datetime] | None = None,
) -> RunSummary:
    """Run ``event``'s action on each selected database, publish the metrics, summarise.

    Selecting the databases (listing instances for a tag; for a rotation, listing the region)
    and publishing the metrics are the only failures that end the run; they raise, so that the
    function reports an error.
    """
    now = (clock or rds.clock)()
    metrics = MetricSet(event.stack, now)
    fleet = FleetRotation(rds, keep_hours=event.keep_hours, now=now)
    rotating = event.action is Action.ROTATE
    names = select_databases(rds, event.selection, fleet.instances if rotating else None)
    if event.shard is not None:
        names = tuple(n for n in names if event.shard.holds(n))
    fleet.select(names)
    metrics.add_selected(str(event.action), len(names))
    checker = _Checker(rds, event, metrics)
    summaries: list[DatabaseSummary] = []
    for name in names:
        try:
            if event.action is Action.ROTATE:
                summaries.append(_rotate(fleet, name, event))
            else:
                summaries.append(checker(name, now))
        except SccosBackupError as error:
            summaries.append(DatabaseSummary(name, event.action, False, error=str(error)))
        except Exception as error:  # a bug for one database must not stop the others
            logger.exception("unexpected failure of %s on %s", event.action, name)
            summaries.append(
                DatabaseSummary(name, event.action, False, error=f"{type(error).__name__}: {error}")
            )
        metrics.add_outcome(str(event.action), name, failed=not summaries[-1].ok)
    publisher.publish(metrics.data)
    return RunSummary(event=event, now=now, databases=tuple(summaries))
