"""What a restore run and a drill share: each is recorded in tags on an instance, at most one of
a database is open at a time, and a new one needs a ready engine and a stack that holds nothing.

The runbook and the drill do not import each other; both keep their own records and messages
and find, count and check them here.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol, TypeVar

from automation.engine.base import Engine
from sccos_backup import errors
from sccos_backup.aws.rds import Instance, RdsAdapter


class Recorded(Protocol):
    """A run as its instance's tags record it."""

    @property
    def run_id(self) -> str: ...  # pragma: no cover - protocol

    @property
    def db_identifier(self) -> str: ...  # pragma: no cover - protocol


R = TypeVar("R", bound=Recorded)


def recorded(rds: RdsAdapter, read: Callable[[Instance], R | None], db_identifier: str) -> list[R]:
    """Every record ``read`` finds on an instance for ``db_identifier``, newest first (a run id
    begins with the time the run started)."""
    found = [
        record
        for instance in rds.list_instances()
        if (record := read(instance)) is not None and record.db_identifier == db_identifier
    ]
    return sorted(found, key=lambda r: r.run_id, reverse=True)


def the_open_one(
    open_: Sequence[R], several: Callable[[Sequence[R]], errors.SccosBackupError]
) -> R | None:
    """The one open run, or None; ``several``'s refusal when more than one is open."""
    if len(open_) > 1:
        raise several(open_)
    return open_[0] if open_ else None


def check_fresh_start(
    engine: Engine,
    stack: str,
    open_run: R | None,
    *,
    busy: Callable[[R], errors.SccosBackupError],
    taken: str,
) -> None:
    """Refuse while ``open_run`` is open (``busy`` says how to go on); then a ready engine and
    a stack that records nothing yet (``taken`` says what to do if it does). Changes nothing."""
    if open_run is not None:
        raise busy(open_run)
    engine.ensure_ready()
    if engine.outputs(stack):
        raise errors.IdentifierTaken(taken)
