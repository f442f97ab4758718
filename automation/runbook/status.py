"""Where a run stands, read from tags and instances only (no engine)."""

from __future__ import annotations

from typing import Any

from automation.runbook.core import RunbookCore
from automation.runbook.record import DONE, ROLLING_BACK, choice_text
from sccos_backup import errors
from sccos_backup.aws.rds import RdsAdapter
from sccos_backup.restore.source import iso
from sccos_backup.restore.spec import RestoreSpec


def run_status(rds: RdsAdapter, db_identifier: str) -> dict[str, Any]:
    """The latest run of ``db_identifier`` as data: its steps, where it stands, the instances."""
    runbook_runs = RunbookCore(rds=rds, engine=NO_ENGINE, clock=rds.clock).runs(db_identifier)
    if not runbook_runs:
        return {"database": db_identifier, "run": None}
    record = runbook_runs[0]
    names = record.names
    steps = []
    current_found = False
    for step in record.steps:
        if step.key == "preconditions" or record.completed(step.key):
            state = "done"
        elif not current_found and record.step not in {ROLLING_BACK}:
            state = "next"
            current_found = True
        else:
            state = "pending"
        steps.append({"key": step.key, "title": step.title, "state": state})
    seen = {}
    for name in (db_identifier, names.aside, names.temporary, names.rolled_back):
        found = rds.find_instance(name)
        if found is not None:
            role = "original" if found.resource_id == record.original.resource_id else "restored"
            seen[name] = {"status": found.status, "role": role, "resourceId": found.resource_id}
    return {
        "database": db_identifier,
        "run": record.run_id,
        "strategy": str(record.request.strategy),
        "source": choice_text(record.request.choice),
        "stack": record.stack,
        "step": record.step,
        "finished": record.step == DONE,
        "downSince": iso(record.down_since) if record.down_since else None,
        "steps": steps,
        "instances": seen,
    }


class _StatusEngine:
    """For status and cleanup, which read tags and instances and never reach the engine."""

    def ensure_ready(self) -> None:  # pragma: no cover - never called
        raise errors.EngineError("this command does not use Pulumi")

    def up(
        self, stack: str, spec: RestoreSpec, on_output: Any
    ) -> dict[str, Any]:  # pragma: no cover
        raise errors.EngineError("this command does not use Pulumi")

    def preview_changes(
        self, stack: str, spec: RestoreSpec, on_output: Any
    ) -> int:  # pragma: no cover
        raise errors.EngineError("this command does not use Pulumi")

    def refresh(self, stack: str, on_output: Any) -> None:  # pragma: no cover
        raise errors.EngineError("this command does not use Pulumi")

    def outputs(self, stack: str) -> dict[str, Any] | None:  # pragma: no cover
        return None


NO_ENGINE = _StatusEngine()
