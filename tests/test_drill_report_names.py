"""Two drills of one database started in the same minute keep both reports."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

from tests.test_drill_cli import PASSING, Cli, shop

__all__ = ["shop"]


def test_two_drills_in_the_same_minute_keep_both_reports(
    moto: str, rds: Any, shop: Any, tmp_path: Path
) -> None:
    cli = Cli(moto, tmp_path)
    start = cli.clock.now.replace(second=0)
    drills = []
    for offset in (0, 30):
        cli.clock.now = start + timedelta(seconds=offset)  # both start within one minute
        result = cli(
            "drill", "run", "shop", "--hourly", "--check-command", PASSING, "--yes", "--json"
        )
        assert result.exit_code == 0, result.output
        drills.append(json.loads(result.stdout)["drill"])
    assert drills[0] == drills[1], "both drills carry the same minute's id"
    stored = sorted((tmp_path / "reports").glob("shop-drill-*.json"))
    assert len(stored) == 2, f"one report overwrote the other: {stored}"
    history = cli("drill", "history", "shop", "--json")
    assert len(json.loads(history.stdout)["drills"]) == 2
