"""Where a run stands, read from tags and instances only (no engine)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from automation.engine.base import Held
from automation.runbook.context import RunContext
from automation.runbook.finder import RunFinder
from automation.runbook.record import DONE, ROLLING_BACK, TAG_RUN, RunRecord
from sccos_backup import errors
from sccos_backup.aws.rds import RdsAdapter
from sccos_backup.restore.planfile import PlanStore
from sccos_backup.restore.source import iso
from sccos_backup.restore.steps import CheckPreconditions


def downtime(record: RunRecord, now: datetime) -> float | None:
    """Seconds DB_ID has been (or was) without a database, or None before the rename."""
    if record.down_since is None:
        return None
    end = record.up_since or now
    return max(0.0, (end - record.down_since).total_seconds())


def ways_on(record: RunRecord, now: datetime) -> str | None:
    """For a failure past the rename: DB_ID down since when, and both ways on; else None."""
    if record.step == DONE or record.down_since is None:
        return None
    db = record.request.db_identifier
    ways = f"`sccos-backup restore resume {db}` or `sccos-backup restore rollback {db}`"
    if record.up_since is None:
        minutes = (downtime(record, now) or 0) / 60
        return (
            f"'{db}' is DOWN since {iso(record.down_since)} ({minutes:.0f} min so far); "
            f"continue with {ways}"
        )
    return f"run {record.run_id} of '{db}' is not finished; continue with {ways}"


def current_step(record: RunRecord) -> str | None:
    """The step the run is at (the first one not recorded as done), or None when finished."""
    for step in record.steps:
        if not isinstance(step, CheckPreconditions) and not record.completed(step.key):
            return step.key
    return None


def run_status(
    rds: RdsAdapter, db_identifier: str, plans: PlanStore | None = None
) -> dict[str, Any]:
    """The latest run of ``db_identifier`` as data: its steps (those of the plan it recorded,
    read from ``plans``), where it stands, the instances."""
    finder = RunFinder(RunContext(rds=rds, engine=NO_ENGINE, clock=rds.clock, plans=plans))
    runbook_runs = finder.runs(db_identifier)
    if not runbook_runs:
        return {"database": db_identifier, "run": None}
    record = runbook_runs[0]
    names = record.names
    current = None if record.step == ROLLING_BACK else current_step(record)
    steps = []
    for step in record.steps:
        if isinstance(step, CheckPreconditions) or record.completed(step.key):
            state = "done"
        elif step.key == current:
            state = "next"
        else:
            state = "pending"
        steps.append({**step.as_dict(), "state": state})
    seen = {}
    for name in (db_identifier, names.aside, names.temporary, names.rolled_back):
        found = rds.find_instance(name)
        if found is not None:
            is_original = found.resource_id == record.original.resource_id and (
                found.tag(TAG_RUN) == record.run_id or record.step == DONE
            )
            role = "original" if is_original else "restored"
            seen[name] = {"status": found.status, "role": role, "resourceId": found.resource_id}
    now = rds.clock()
    seconds = downtime(record, now)
    return {
        "database": db_identifier,
        "run": record.run_id,
        "strategy": str(record.request.strategy),
        "source": record.source.describe(),
        "planRecorded": record.plan is not None,
        "stack": record.stack,
        "backend": record.backend,
        "step": record.step,
        "currentStep": current,
        "finished": record.step == DONE,
        "downSince": iso(record.down_since) if record.down_since else None,
        "upSince": iso(record.up_since) if record.up_since else None,
        "downtimeSeconds": None if seconds is None else round(seconds),
        "next": ways_on(record, now),
        "steps": steps,
        "instances": seen,
    }


class _StatusEngine:
    """For status and cleanup, which read tags and instances and never reach the engine: every
    call that would run Pulumi refuses."""

    def _refuse(self, *args: Any, **kwargs: Any) -> Any:  # pragma: no cover - never called
        raise errors.EngineError("this command does not use Pulumi")

    ensure_ready = up = preview_changes = changes = refresh = _refuse

    def outputs(self, stack: str) -> dict[str, Any] | None:  # pragma: no cover
        return None

    def held(self, stack: str) -> Held:  # pragma: no cover
        return Held()


NO_ENGINE = _StatusEngine()
