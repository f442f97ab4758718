"""One results table: rows of (area, measurement, value, target, result), printed as markdown."""

from __future__ import annotations

from dataclasses import dataclass

PASS = "PASS"
FAIL = "FAIL"
INFO = "info"
SKIP = "skipped"
ERROR = "ERROR"

HEADER = ("Area", "Measurement", "Value", "Target", "Result")


@dataclass(frozen=True)
class Row:
    area: str
    measurement: str
    value: str
    target: str = "-"
    result: str = INFO

    def cells(self) -> tuple[str, str, str, str, str]:
        return (self.area, self.measurement, self.value, self.target, self.result)


def verdict(ok: bool) -> str:
    return PASS if ok else FAIL


def seconds(value: float) -> str:
    return f"{value:.3f} s"


def render(rows: list[Row]) -> str:
    """A markdown table whose columns are padded, so it reads as plain text too."""
    lines = [HEADER, *(row.cells() for row in rows)]
    widths = [max(len(line[i].replace("|", "\\|")) for line in lines) for i in range(5)]

    def fmt(cells: tuple[str, ...]) -> str:
        padded = (c.replace("|", "\\|").ljust(w) for c, w in zip(cells, widths, strict=True))
        return "| " + " | ".join(padded) + " |"

    rule = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    return "\n".join([fmt(HEADER), rule, *(fmt(row.cells()) for row in rows)])
