"""The two restore strategies (kept apart from the planner so the CLI can import it cheaply)."""

from __future__ import annotations

from enum import StrEnum


class Strategy(StrEnum):
    """``in-place``: the order of Spryker's runbook. ``swap``: restore aside, then two renames."""

    IN_PLACE = "in-place"
    SWAP = "swap"
