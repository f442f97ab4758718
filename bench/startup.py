"""CLI start-up: whole processes of ``sccos-backup`` beside the AWS CLI's ``aws --version``."""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

from bench.table import FAIL, SKIP, Row, seconds, verdict

#: A start-up of at most this many seconds...
TARGET_SECONDS = 0.25
#: ...and at most this fraction of the AWS CLI's ``aws --version``.
TARGET_RATIO = 0.3
AREA = "Start-up"


def find_script(name: str) -> str | None:
    """The console script next to ``sys.executable`` (the venv's bin), else on PATH."""
    beside = Path(sys.executable).parent / name
    if beside.is_file() and os.access(beside, os.X_OK):
        return str(beside)
    return shutil.which(name)


def time_process(argv: list[str], *, runs: int, warmups: int) -> float:
    """Median wall time of ``argv`` as a whole process, in seconds (output discarded)."""
    samples = []
    for i in range(warmups + runs):
        start = time.perf_counter()
        done = subprocess.run(
            argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False, timeout=120
        )
        elapsed = time.perf_counter() - start
        if done.returncode != 0:
            raise RuntimeError(
                f"`{' '.join(argv)}` exited {done.returncode}: {done.stderr.decode()[-500:]}"
            )
        if i >= warmups:
            samples.append(elapsed)
    return statistics.median(samples)


def measure(*, runs: int = 15, warmups: int = 2) -> tuple[list[Row], bool]:
    """The start-up rows, and whether every start-up target passed."""
    rows: list[Row] = []
    all_passed = True
    label = f"median of {runs} after {warmups} warm-ups"
    aws = find_script("aws")
    aws_time: float | None = None
    if aws is None:
        rows.append(Row(AREA, "`aws --version` (AWS CLI)", "not installed: pip install awscli"))
    else:
        aws_time = time_process([aws, "--version"], runs=runs, warmups=warmups)
        rows.append(Row(AREA, f"`aws --version` (AWS CLI, {label}) [{aws}]", seconds(aws_time)))

    script = find_script("sccos-backup")
    for args in (["--help"], ["snapshot", "list", "--help"]):
        what = "`sccos-backup " + " ".join(args) + "`"
        if script is None:
            rows.append(Row(AREA, what, "not installed: pip install -e .", result=FAIL))
            all_passed = False
            continue
        measured = time_process([script, *args], runs=runs, warmups=warmups)
        ok = measured <= TARGET_SECONDS
        all_passed &= ok
        rows.append(
            Row(AREA, f"{what} ({label})", seconds(measured), f"<= {TARGET_SECONDS} s", verdict(ok))
        )
        if aws_time is None:
            rows.append(Row(AREA, f"{what} / `aws --version`", "-", f"<= {TARGET_RATIO}x", SKIP))
            continue
        ratio = measured / aws_time
        ok = ratio <= TARGET_RATIO
        all_passed &= ok
        rows.append(
            Row(
                AREA,
                f"{what} / `aws --version`",
                f"{ratio:.2f}x",
                f"<= {TARGET_RATIO}x",
                verdict(ok),
            )
        )
    return rows, all_passed


#: What ``-X importtime`` is run on: the import the brief names, and a whole help process.
IMPORT_PROBES = (
    ("import automation.cli", "import automation.cli"),
    (
        "`sccos-backup snapshot list --help` (whole process)",
        "import sys; sys.argv = ['sccos-backup', 'snapshot', 'list', '--help']; "
        "from automation.cli import main; main()",
    ),
)


def import_costs(code: str, top: int = 12) -> list[tuple[int, int, int, str]]:
    """The biggest imports while running ``code``: (cumulative us, self us, depth, module)."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", code],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    entries: list[tuple[int, int, int, str]] = []
    for line in done.stderr.splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        own, cumulative, name = line.removeprefix("import time:").split("|", 2)
        name = name[1:].rstrip()
        depth = (len(name) - len(name.lstrip())) // 2
        entries.append((int(cumulative), int(own), depth, name.strip()))
    entries.sort(reverse=True)
    return entries[:top]


def render_import_costs() -> str:
    """Markdown tables of the biggest imports, for when a start-up target fails."""
    blocks = []
    for title, code in IMPORT_PROBES:
        lines = [
            f'Biggest imports of {title} (`python -X importtime -c "{code}"`, one run; '
            "level = nesting depth, 0 = imported at top level):",
            "",
            "| cumulative | self | level | module |",
            "|-----------:|-----:|------:|--------|",
        ]
        for cumulative, own, depth, module in import_costs(code):
            lines.append(
                f"| {cumulative / 1000:.0f} ms | {own / 1000:.1f} ms | {depth} | {module} |"
            )
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)
