"""The restore runbook: rename, ``pulumi up``, verify, re-sync; resume and roll back.

Progress is never kept in this process: it is read from what can be observed. The original
carries ``sccos-backup:run*`` tags (which run, which original name, which strategy and source,
which stack, the last completed step); the instances are told apart by their DbiResourceId;
the stack state holds the restored instance. Every step is safe to repeat, so a run that
crashed anywhere continues with ``restore resume`` (or the same ``restore run``), even on
another machine that shares the state backend. Nothing here deletes an instance except
:meth:`Runbook.cleanup` and, with an explicit flag, :meth:`Runbook.rollback` (both with a final
snapshot).
"""

from __future__ import annotations

from dataclasses import dataclass

from automation.runbook.cleanup import Cleanup, CleanupPlan
from automation.runbook.core import Callbacks, Maintenance, RunbookCore, Timeouts
from automation.runbook.execute import Execution
from automation.runbook.record import (
    DONE,
    ROLLING_BACK,
    RUN_TAGS,
    STARTED,
    TAG_DOWN,
    TAG_OPTIONS,
    TAG_ORIGINAL,
    TAG_RUN,
    TAG_SOURCE,
    TAG_STACK,
    TAG_STEP,
    TAG_STRATEGY,
    RunRecord,
    RunSummary,
    StepResult,
)
from automation.runbook.rollback import Rollback
from automation.runbook.status import NO_ENGINE, run_status
from automation.runbook.unlock import LockState, Unlock

__all__ = [
    "DONE",
    "NO_ENGINE",
    "ROLLING_BACK",
    "RUN_TAGS",
    "STARTED",
    "TAG_DOWN",
    "TAG_OPTIONS",
    "TAG_ORIGINAL",
    "TAG_RUN",
    "TAG_SOURCE",
    "TAG_STACK",
    "TAG_STEP",
    "TAG_STRATEGY",
    "Callbacks",
    "CleanupPlan",
    "LockState",
    "Maintenance",
    "RunRecord",
    "RunSummary",
    "Runbook",
    "RunbookCore",
    "StepResult",
    "Timeouts",
    "run_status",
]


@dataclass
class Runbook(Execution, Rollback, Cleanup, Unlock):
    """Executes restore plans, resumes and rolls them back (see the module docstring)."""
