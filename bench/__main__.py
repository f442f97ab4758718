"""`python -m bench`: run every benchmark and print one table (`--write`: also results.md).

The benchmarks report; they never fail: the exit status is 0 whatever the results.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import traceback
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from bench.table import ERROR, FAIL, Row, render

RESULTS = Path(__file__).resolve().parent / "results.md"
SECTIONS = ("startup", "orchestration", "polling", "rotation")


def _guarded(area: str, measure: Callable[[], list[Row]]) -> list[Row]:
    """The section's rows, or one ERROR row if it broke (the table is printed regardless)."""
    print(f"running {area} ...", file=sys.stderr, flush=True)
    try:
        return measure()
    except Exception as error:
        traceback.print_exc(file=sys.stderr)
        return [
            Row(area, "benchmark could not run", f"{type(error).__name__}: {error}", "-", ERROR)
        ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help=f"also write the table to {RESULTS}")
    parser.add_argument("--runs", type=int, default=15, help="start-up runs per command (15)")
    parser.add_argument("--warmups", type=int, default=2, help="start-up warm-up runs (2)")
    parser.add_argument("--repeat", type=int, default=3, help="restore runs per strategy (3)")
    parser.add_argument(
        "--only", choices=SECTIONS, action="append", help="run only this section (repeatable)"
    )
    args = parser.parse_args(argv)
    sections = args.only or list(SECTIONS)

    rows: list[Row] = []
    extra: list[str] = []
    if "startup" in sections:
        from bench import startup

        def run_startup() -> list[Row]:
            found, passed = startup.measure(runs=args.runs, warmups=args.warmups)
            if not passed:
                extra.append(startup.render_import_costs())
            return found

        rows += _guarded(startup.AREA, run_startup)
    if "orchestration" in sections:
        from bench import orchestration

        rows += _guarded(orchestration.AREA, lambda: orchestration.measure(repeat=args.repeat))
    if "polling" in sections:
        from bench import polling

        rows += _guarded(polling.AREA, polling.measure)
    if "rotation" in sections:
        from bench import rotation

        rows += _guarded(rotation.AREA, rotation.measure)

    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    machine = (
        f"{when}; Python {platform.python_version()} on {platform.system()} "
        f"{platform.machine()}, {os.cpu_count()} CPUs, load average "
        f"{os.getloadavg()[0]:.2f} at the end"
    )
    failed = sum(row.result in (FAIL, ERROR) for row in rows)
    parts = [
        "# sccos-backup benchmarks",
        "",
        f"`python -m bench` — {machine}.",
        "",
        render(rows),
        "",
        f"{failed} row(s) FAIL or ERROR." if failed else "Every target met.",
    ]
    for block in extra:
        parts += ["", block]
    text = "\n".join(parts) + "\n"
    print()
    print(text, end="")
    if args.write:
        RESULTS.write_text(text)
        print(f"\nwritten to {RESULTS}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
