"""Progress for long waits: a status line with elapsed time, or a bar where a percentage exists.

Rendering goes to stderr so that ``--json`` output on stdout stays machine-readable. When stderr
is not a terminal, one plain line is printed per change of status instead of a redrawn line.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any, TextIO

from sccos_backup.waiting import Poll


def _bar(percent: float, width: int = 24) -> str:
    filled = round(width * max(0.0, min(100.0, percent)) / 100)
    return "[" + "#" * filled + "-" * (width - filled) + f"] {percent:3.0f}%"


class StatusLine:
    """A callable for ``on_poll`` that shows what is awaited, its status and the elapsed time."""

    def __init__(self, *, enabled: bool = True) -> None:
        self.stream: TextIO = sys.stderr
        self.enabled = enabled
        self._tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self._last: str | None = None
        self._open = False

    def __call__(self, poll: Poll) -> None:
        if not self.enabled:
            return
        minutes, seconds = divmod(int(poll.elapsed), 60)
        parts = [f"{poll.what}: {poll.status}"]
        if poll.percent is not None:
            parts.append(_bar(poll.percent))
        parts.append(f"{minutes:d}:{seconds:02d} elapsed")
        text = "  ".join(parts)
        if self._tty:
            self.stream.write("\r\x1b[2K" + text)
            self._open = True
        elif text.split("  ")[0] != self._last:
            self.stream.write(text + "\n")
        self._last = text.split("  ")[0]
        self.stream.flush()

    def done(self) -> None:
        """End a redrawn line so the next output starts on a fresh one."""
        if self._open:
            self.stream.write("\n")
            self.stream.flush()
            self._open = False


def stream_for(json_output: bool) -> Any:
    return sys.stderr if json_output else sys.stdout


def progress_streams(
    json_output: bool,
) -> tuple[Callable[[str], None], Callable[[str], None], StatusLine]:
    """Step lines, engine output and a status line for waits, sharing one stream (stderr with
    ``--json``, so stdout stays machine-readable)."""
    stream = stream_for(json_output)
    status = StatusLine()

    def notify(line: str) -> None:
        status.done()
        stream.write(line + "\n")
        stream.flush()

    def on_output(text: str) -> None:
        status.done()
        stream.write(text)
        stream.flush()

    return notify, on_output, status
