"""Bounded polling with an injected clock and sleep.

AWS has no waiter for several states we need (a rename, a snapshot's percent progress), so
waits poll here: politely (never more often than ``MIN_INTERVAL`` seconds), noticing a change
within ``MAX_INTERVAL`` seconds, and never longer than the caller's timeout.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from sccos_backup.errors import WaitTimeout

T = TypeVar("T")

#: The shortest pause between two describe calls of one wait, in seconds.
MIN_INTERVAL = 15.0
#: The longest pause: a state change is noticed at most this long after it happens.
MAX_INTERVAL = 30.0
BACKOFF = 1.25


@dataclass(frozen=True)
class Poll:
    """What a poll reports to a progress callback after each observation."""

    what: str
    status: str
    elapsed: float
    percent: float | None = None


@dataclass
class Callbacks:
    """How a long-running driver (a restore run, a drill) reports; the CLI renders, tests record."""

    notify: Callable[[str], None] = lambda line: None
    on_output: Callable[[str], None] = lambda text: None
    on_poll: Callable[[Poll], None] | None = None
    #: Called after each step's action and before it is recorded (tests inject crashes here).
    after_step: Callable[[str], None] = lambda key: None


def intervals(first: float = MIN_INTERVAL, cap: float = MAX_INTERVAL) -> Callable[[], float]:
    """A stateful generator of pauses: ``first``, then growing by 25 % up to ``cap``."""
    current = [first]

    def next_interval() -> float:
        value = current[0]
        current[0] = min(cap, value * BACKOFF)
        return value

    return next_interval


def poll_until(
    observe: Callable[[], T],
    done: Callable[[T], bool],
    *,
    what: str,
    status: Callable[[T], str],
    clock: Callable[[], datetime],
    sleep: Callable[[float], None],
    timeout: float,
    on_poll: Callable[[Poll], None] | None = None,
    percent: Callable[[T], float | None] | None = None,
    first_interval: float = MIN_INTERVAL,
    hint: str = "",
    first_delay: float = 0.0,
) -> T:
    """Call ``observe`` until ``done`` says yes; raise :class:`WaitTimeout` after ``timeout`` s.

    ``observe`` may raise a :class:`~sccos_backup.errors.SccosBackupError` to stop the wait.
    ``first_delay`` postpones the first observation (a wait that follows another).
    """
    start = clock()
    pause = intervals(first_interval)
    if first_delay > 0:
        sleep(first_delay)  # the previous wait has just polled: keep the pace
    while True:
        value = observe()
        elapsed = (clock() - start).total_seconds()
        if on_poll is not None:
            on_poll(
                Poll(
                    what=what,
                    status=status(value),
                    elapsed=elapsed,
                    percent=percent(value) if percent else None,
                )
            )
        if done(value):
            return value
        if elapsed >= timeout:
            raise WaitTimeout(
                f"{what} is still '{status(value)}' after {elapsed:.0f} s"
                + (f"; {hint}" if hint else "")
            )
        sleep(min(pause(), max(1.0, timeout - elapsed)))
