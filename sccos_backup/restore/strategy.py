"""The two restore strategies (kept apart from the planner so the CLI can import it cheaply)."""

from __future__ import annotations

from enum import StrEnum


class Strategy(StrEnum):
    """``in-place``: the seed's order. ``swap``: restore aside, then two renames."""

    IN_PLACE = "in-place"
    SWAP = "swap"
