"""docs/drills.md cannot go stale: its Markdown report is what the code renders from its JSON
report, that JSON has the shape a drill writes today, and every `drill run` option is explained."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from automation.cli import app
from sccos_backup.drill.report import CheckResult, DrillReport, render_markdown
from sccos_backup.jsonkeys import camel_keys
from sccos_backup.restore.verify import SettingCheck

PAGE = (Path(__file__).resolve().parent.parent / "docs" / "drills.md").read_text(encoding="utf-8")


def _block(marker: str, fence: str, language: str) -> str:
    match = re.search(rf"<!-- {marker} -->\s*{fence}{language}\n(.+?)\n{fence}\n", PAGE, re.S)
    assert match, f"docs/drills.md has no {language} block after <!-- {marker} -->"
    return match.group(1)


def _keys(value: Any, path: str = "") -> set[str]:
    if not isinstance(value, dict):
        return set()
    found = set()
    for key, inner in value.items():
        found.add(f"{path}{key}")
        if key not in {"cost", "source"}:  # open-ended by source kind and engine
            found |= _keys(inner, f"{path}{key}.")
    return found


def test_the_markdown_report_is_rendered_from_the_json_report() -> None:
    stored = json.loads(_block("drill-report-json", "```", "json"))
    assert render_markdown(stored) == _block("drill-report-markdown", "````", "markdown") + "\n"


def test_the_json_report_has_todays_shape() -> None:
    stored = json.loads(_block("drill-report-json", "```", "json"))
    now = datetime(2026, 11, 25, 12, tzinfo=UTC)
    fresh = camel_keys(
        DrillReport(
            database="shop",
            run_id="1",
            target="shop-drill-1",
            stack="drill-shop-1",
            source={},
            data_time=now,
            started_at=now,
            available_at=now + timedelta(minutes=20),
            finished_at=now + timedelta(minutes=30),
            destroyed_at=now + timedelta(minutes=29),
            kept=False,
            verification=(SettingCheck("MultiAZ", True, True),),
            check=CheckResult("true", 0, 1.0, ""),
            cost={},
        ).as_dict()
    )
    fresh["verification"]["settings"] = stored["verification"]["settings"][:1]
    assert _keys(stored) == _keys(fresh)
    assert stored["result"] == "passed" and stored["figures"]["rtoSeconds"] is not None


def test_every_drill_run_option_is_explained() -> None:
    result = CliRunner().invoke(app, ["drill", "run", "--help"])
    options = set(re.findall(r"(--[a-z][a-z-]+)", result.output)) - {"--help"}
    assert options, result.output
    missing = sorted(o for o in options if f"`{o}" not in PAGE)
    assert not missing, f"docs/drills.md does not explain {missing}"
