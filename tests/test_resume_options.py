"""`restore resume` follows the options it is given, and records them on the run."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from automation.runbook.record import TAG_OPTIONS
from sccos_backup import errors
from tests.conftest import FakeClock
from tests.support.world import World, crashed, instances

pytestmark = pytest.mark.aws_in_process


def _options(rds: Any, plan: Any) -> str:
    aside = instances(rds)[plan.names.aside]
    return {t["Key"]: t["Value"] for t in aside["TagList"]}[TAG_OPTIONS]


def test_no_resync_on_resume_skips_the_resync_step_and_is_recorded(
    moto: str, rds: Any, original: dict[str, Any], tmp_path: Path
) -> None:
    clock = FakeClock()
    plan = crashed(World(moto, tmp_path / "state", clock), "verify")
    second = World(moto, tmp_path / "state", clock)
    summary = second.runbook.resume("shop", resync=False)
    assert second.resyncs == [], "--no-resync on resume must not run sync:data"
    assert "resync" not in [s.key for s in summary.steps]
    assert "resync=no" in _options(rds, plan)


def test_maintenance_given_on_resume_is_turned_on_now_and_off_at_the_end(
    moto: str, rds: Any, original: dict[str, Any], tmp_path: Path
) -> None:
    clock = FakeClock()
    plan = crashed(World(moto, tmp_path / "state", clock), "up")
    second = World(moto, tmp_path / "state", clock)
    second.runbook.resume("shop", maintenance_env="production")
    calls = [c for c in second.maintenance.calls if not c[0].startswith("check")]
    assert calls == [("production", True), ("production", False)]
    assert "maintenance=production" in _options(rds, plan)


def test_another_maintenance_environment_on_resume_is_refused(
    moto: str, rds: Any, original: dict[str, Any], tmp_path: Path
) -> None:
    clock = FakeClock()
    crashed(World(moto, tmp_path / "state", clock), "up", maintenance_env="production")
    second = World(moto, tmp_path / "state", clock)
    with pytest.raises(errors.InvalidInput, match="uses maintenance environment 'production'"):
        second.runbook.resume("shop", maintenance_env="staging")
    assert second.maintenance.calls == []


def test_a_bad_maintenance_environment_on_resume_is_refused_before_anything_is_recorded(
    moto: str, rds: Any, original: dict[str, Any], tmp_path: Path
) -> None:
    """Checked as `restore run` checks --maintenance, before the open run is touched: not
    recorded on it, no pipeline started, nothing renamed."""
    from tests.conftest import aws_state, one_error_line
    from tests.support.restore_cli import Cli

    crashed(World(moto, tmp_path / "state", FakeClock()), "up")
    before = aws_state(rds)
    cli = Cli(moto, tmp_path, None)
    backend = f"file://{tmp_path / 'state' / 'backend'}"
    args = ("--no-resync", "--maintenance", "bad env!", "--backend-url", backend)
    refused = cli("restore", "resume", "shop", *args)
    one_error_line(refused, 2, "maintenance environment 'bad env!'")
    assert aws_state(rds) == before
