"""`restore plan` says whether `restore run` could start: its exit code is doctor's when a check
failed, it writes no plan file that `run` would refuse, and the plan's first step says what was
checked and that `run` checks again."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.fake_jenkins import FakeJenkins
from tests.support.restore_cli import Cli, shop_with_pipelines

pytestmark = pytest.mark.aws_in_process


@pytest.fixture
def shop(rds: Any, moto: str) -> dict[str, Any]:
    return shop_with_pipelines(rds, moto)


def test_plan_exits_not_ready_when_a_check_failed_and_writes_no_plan(
    moto: str, rds: Any, shop: Any, tmp_path: Path
) -> None:
    cli = Cli(moto, tmp_path, None)  # no Jenkins settings: its check fails
    out = tmp_path / "plan.json"
    result = cli("restore", "plan", "shop", "--snapshot", "shop-nightly", "--out", str(out))
    assert result.exit_code == 3, result.output
    assert "Restore plan for shop" in result.stdout, "the plan is still shown"
    assert "Result: NOT READY (1 failed)" in result.stdout
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("error: not ready:"), line
    assert "Jenkins reachable and authenticated" in line
    assert f"not written to {out}" in line
    assert not out.exists(), "a plan that `restore run --plan` would refuse was written"
    as_json = cli("restore", "plan", "shop", "--snapshot", "shop-nightly", "--json")
    assert as_json.exit_code == 3
    document = json.loads(as_json.stdout)
    assert document["ready"] is False and "error" not in document


def test_plan_exits_0_and_writes_the_plan_when_ready(
    moto: str, rds: Any, shop: Any, tmp_path: Path, jenkins: FakeJenkins
) -> None:
    cli = Cli(moto, tmp_path, jenkins)
    out = tmp_path / "plan.json"
    result = cli("restore", "plan", "shop", "--snapshot", "shop-nightly", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert "Result: ready" in result.stdout
    assert out.exists()


def test_the_first_step_says_what_was_checked_and_that_run_checks_again(
    moto: str, rds: Any, shop: Any, tmp_path: Path, jenkins: FakeJenkins
) -> None:
    cli = Cli(moto, tmp_path, jenkins)
    result = cli("restore", "plan", "shop", "--snapshot", "shop-nightly", "--no-resync")
    steps = result.stdout.split("Steps:")[1].split("Settings")[0]
    first = " ".join(steps.split("2.")[0].split())
    assert "done for this plan" not in first, first
    assert "the checks below" in first and "`restore run` makes them again" in first, first
