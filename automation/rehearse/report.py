"""What a rehearsal measured: each step's duration, the downtime of each strategy and the RTO
to expect for production, computed from the runs' own step timings (the injected clock)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from automation.runbook.record import RunSummary
from sccos_backup.jsonkeys import camel_keys
from sccos_backup.restore.source import iso
from sccos_backup.restore.strategy import Strategy

SCHEMA_VERSION = 1

#: The steps during which production would not serve, per strategy, from the first one that
#: stops it (maintenance on, else the rename) to the last one before it serves the restored data
#: with caches re-synced (maintenance off, else the re-sync, else the restored one answering).
_DOWN = {
    Strategy.IN_PLACE: ("maintenance-on", "rename-original", "up", "wait", "verify"),
    Strategy.SWAP: ("maintenance-on", "rename-original", "cut-over", "verify-final"),
}
_AFTER = ("resync", "maintenance-off")
#: The other strategy's steps, each estimated by a step the rehearsed one measured.
_STAND_INS = {
    Strategy.SWAP: {"cut-over": "rename-original", "verify-final": "verify"},
    Strategy.IN_PLACE: {},
}


@dataclass(frozen=True)
class StepTiming:
    key: str
    title: str
    started: datetime
    ended: datetime

    @property
    def seconds(self) -> float:
        return (self.ended - self.started).total_seconds()

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "title": self.title,
            "started_at": iso(self.started),
            "ended_at": iso(self.ended),
            "seconds": round(self.seconds, 1),
        }


def _seconds(summary: RunSummary) -> dict[str, float]:
    return {s.key: s.seconds for s in summary.steps if s.status == "done"}


def downtime(summary: RunSummary, strategy: Strategy) -> float:
    """Seconds production is down in ``strategy``, from a run's step durations (the steps
    another strategy has and this run lacks are estimated from the ones it measured)."""
    measured = _seconds(summary)
    keys = (*_DOWN[strategy], *_AFTER)
    borrowed = _STAND_INS[strategy]
    return sum(measured.get(key, measured.get(borrowed.get(key, ""), 0.0)) for key in keys)


def run_seconds(summary: RunSummary) -> float:
    return sum(_seconds(summary).values())


@dataclass(frozen=True)
class RehearsalReport:
    database: str
    rehearsal_id: str
    strategy: Strategy
    stand_in: str
    source: dict[str, Any]
    steps: tuple[StepTiming, ...]
    runs: tuple[RunSummary, ...]
    rollback: tuple[str, ...]
    removed: tuple[str, ...]
    cost: dict[str, Any]
    notes: tuple[str, ...] = ()

    def figures(self) -> dict[str, Any]:
        """The downtime per strategy (keyed by strategy), the RTO and the total time."""
        rehearsed = [downtime(run, self.strategy) for run in self.runs]
        other = next(s for s in Strategy if s is not self.strategy)
        rto = max(run_seconds(run) for run in self.runs)
        return {
            "downtime_seconds": {
                str(self.strategy): {"measured": rehearsed, "expected": max(rehearsed)},
                str(other): {
                    "estimated": max(downtime(run, other) for run in self.runs),
                    "how": f"from the step durations of the {self.strategy} runs",
                },
            },
            "rto_seconds": rto,
            "rto_how": "the longest of the rehearsal's restore runs, from its first change to "
            "re-sync done: a restore of production from a snapshot of the same size, class and "
            "storage takes as long; add the time to decide, plan and confirm. A point-in-time "
            "restore also replays transaction logs and can take longer",
            "total_seconds": (self.steps[-1].ended - self.steps[0].started).total_seconds(),
        }

    def as_dict(self) -> dict[str, Any]:
        """The report's fields (snake_case); :meth:`to_text` stores them with camelCase keys.
        ``cost`` holds the figures under the names the drill report stores them by."""
        return {
            "schema_version": SCHEMA_VERSION,
            "database": self.database,
            "rehearsal": self.rehearsal_id,
            "strategy": str(self.strategy),
            "stand_in": self.stand_in,
            "source": dict(self.source),
            "figures": self.figures(),
            "steps": [s.as_dict() for s in self.steps],
            "runs": [run.as_dict() for run in self.runs],
            "rollback": list(self.rollback),
            "removed": list(self.removed),
            "cost": dict(self.cost),
            "notes": list(self.notes),
        }

    def to_text(self) -> str:
        return json.dumps(camel_keys(self.as_dict()), indent=2, sort_keys=True) + "\n"


def report_name(db_identifier: str, rehearsal_id: str) -> str:
    return f"{db_identifier}-rehearsal-{rehearsal_id}.json"
