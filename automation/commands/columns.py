"""Plain-text tables that fit the terminal (80 columns when not a terminal): values wrap at
separators (``:`` ``/`` ``,`` ``=`` spaces), never in the middle of a word."""

from __future__ import annotations

import re
import shutil

_PIECES = re.compile(r"[^:/,= ]*[:/,= ]+|[^:/,= ]+$")


def width() -> int:
    """The terminal's width (``COLUMNS`` wins), 80 when output is not a terminal."""
    return max(60, shutil.get_terminal_size(fallback=(80, 24)).columns)


def wrap(text: str, limit: int) -> list[str]:
    """``text`` in lines of at most ``limit`` characters, broken after separators; a single
    piece longer than ``limit`` (no separator in it) is the only thing ever cut."""
    lines: list[str] = []
    for paragraph in text.split("\n") or [""]:
        line = ""
        for found in _PIECES.findall(paragraph) or [""]:
            piece = found
            if line and len(line) + len(piece.rstrip()) > limit:
                lines.append(line.rstrip())
                line = ""
            while len(piece) > limit:
                lines.append(piece[:limit])
                piece = piece[limit:]
            line += piece
        lines.append(line.rstrip())
    return lines


def two_columns(rows: list[tuple[str, str]], *, indent: int = 2, total: int | None = None) -> str:
    """``name  value`` rows; values wrap under their column, names never wrap."""
    total = total or width()
    name_width = max((len(name) for name, _ in rows), default=0)
    value_width = max(20, total - indent - name_width - 2)
    out: list[str] = []
    for name, value in rows:
        for i, part in enumerate(wrap(value, value_width)):
            label = name if i == 0 else ""
            out.append(f"{' ' * indent}{label:<{name_width}}  {part}".rstrip())
    return "\n".join(out)
