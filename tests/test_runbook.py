"""The runbook end to end against moto with the in-process engine; crash, resume, rollback."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from sccos_backup import errors
from sccos_backup.restore.plan import Strategy
from sccos_backup.restore.source import SourceChoice
from tests.conftest import FakeClock
from tests.support.world import MATRIX, Crash, World, assert_restored, instances, step_keys

pytestmark = pytest.mark.aws_in_process


@pytest.mark.parametrize("strategy", list(Strategy))
@pytest.mark.parametrize(
    "choice",
    [SourceChoice(snapshot="shop-nightly"), SourceChoice(latest=True)],
    ids=["snap", "pitr"],
)
def test_runbook_end_to_end(
    moto: str,
    rds: Any,
    original: dict[str, Any],
    tmp_path: Path,
    strategy: Strategy,
    choice: SourceChoice,
) -> None:
    world = World(moto, tmp_path / "state", FakeClock())
    plan = world.plan(strategy, choice, maintenance_env="production")
    world.runbook.check_can_start(plan)
    summary = world.runbook.start(plan)
    assert_restored(rds, original, plan)
    assert world.resyncs == ["sync:data"]
    assert world.maintenance.calls == [
        ("check production", True),
        ("production", True),
        ("production", False),
    ]
    assert [s.status for s in summary.steps] == ["done"] * len(summary.steps)
    assert summary.downtime_seconds is not None and summary.downtime_seconds >= 0
    keys = [s.key for s in summary.steps]
    if strategy is Strategy.SWAP:
        assert keys.index("up") < keys.index("maintenance-on") < keys.index("rename-original")
        assert ("rename", f"{plan.names.temporary}->shop") in world.engine.operations
    else:
        assert keys.index("maintenance-on") < keys.index("rename-original") < keys.index("up")


def test_a_second_run_is_refused_while_one_is_in_progress(
    moto: str, rds: Any, original: dict[str, Any], tmp_path: Path
) -> None:
    world = World(moto, tmp_path / "state", FakeClock())
    plan = world.plan(Strategy.SWAP, SourceChoice(snapshot="shop-nightly"))
    world.crash_at = "up"
    with pytest.raises(Crash):
        world.runbook.start(plan)
    with pytest.raises(errors.RunInProgress, match="resume"):
        world.runbook.check_can_start(plan)


def test_engine_missing_is_refused_before_any_change(
    moto: str, rds: Any, original: dict[str, Any], tmp_path: Path
) -> None:
    from tests.conftest import aws_state

    world = World(moto, tmp_path / "state", FakeClock())
    world.engine.available = False
    plan = world.plan(Strategy.IN_PLACE, SourceChoice(snapshot="shop-nightly"))
    before = aws_state(rds)
    with pytest.raises(errors.PulumiUnavailable, match="install it"):
        world.runbook.check_can_start(plan)
    assert aws_state(rds) == before


@pytest.mark.parametrize(("strategy", "crash_at"), MATRIX, ids=[f"{s}-{k}" for s, k in MATRIX])
def test_crash_after_each_step_then_resume_reaches_the_same_end(
    moto: str,
    rds: Any,
    original: dict[str, Any],
    tmp_path: Path,
    strategy: Strategy,
    crash_at: str,
) -> None:
    clock = FakeClock()
    first = World(moto, tmp_path / "state", clock)
    plan = first.plan(
        strategy,
        SourceChoice(snapshot="shop-nightly"),
        maintenance_env="production",
        safety_snapshot=True,
    )
    first.runbook.check_can_start(plan)
    first.crash_at = crash_at
    with pytest.raises(Crash):
        first.runbook.start(plan)
    assert original["DbiResourceId"] in {d["DbiResourceId"] for d in instances(rds).values()}

    second = World(moto, tmp_path / "state", clock)  # another process, same state backend
    summary = second.runbook.resume("shop")
    assert_restored(rds, original, plan)
    statuses = {s.key: s.status for s in summary.steps}
    assert statuses[crash_at] == "done", "the interrupted step is repeated, not skipped"
    assert len(first.resyncs) + len(second.resyncs) >= 1


@pytest.mark.parametrize(("strategy", "crash_at"), MATRIX, ids=[f"{s}-{k}" for s, k in MATRIX])
def test_crash_after_each_step_then_rollback_brings_the_original_back(
    moto: str,
    rds: Any,
    original: dict[str, Any],
    tmp_path: Path,
    strategy: Strategy,
    crash_at: str,
) -> None:
    clock = FakeClock()
    first = World(moto, tmp_path / "state", clock)
    plan = first.plan(
        strategy, SourceChoice(latest=True), maintenance_env="production", safety_snapshot=True
    )
    first.runbook.check_can_start(plan)
    first.crash_at = crash_at
    with pytest.raises(Crash):
        first.runbook.start(plan)
    ids_before = {d["DbiResourceId"] for d in instances(rds).values()}

    second = World(moto, tmp_path / "state", clock)
    second.runbook.rollback("shop")
    found = instances(rds)
    assert found["shop"]["DbiResourceId"] == original["DbiResourceId"]
    assert {d["DbiResourceId"] for d in found.values()} == ids_before, "no instance was lost"
    tags = {t["Key"] for t in found["shop"]["TagList"]}
    assert not any(k.startswith("sccos-backup:run") for k in tags)
    restored = [d for d in found.values() if d["DbiResourceId"] != original["DbiResourceId"]]
    assert [d["DBInstanceIdentifier"] for d in restored] in ([], [plan.names.rolled_back])
    keys = step_keys(strategy)  # maintenance off only where this run had turned it on
    turned_on = keys.index(crash_at) > keys.index("maintenance-on")
    assert (("production", False) in second.maintenance.calls) == turned_on
    assert second.runbook.active_run("shop") is None


def test_rollback_works_without_a_pulumi_cli(
    moto: str, rds: Any, original: dict[str, Any], tmp_path: Path
) -> None:
    world = World(moto, tmp_path / "state", FakeClock())
    plan = world.plan(Strategy.IN_PLACE, SourceChoice(snapshot="shop-nightly"))
    world.runbook.check_can_start(plan)
    world.runbook.start(plan)
    world.engine.available = False
    done = world.runbook.rollback("shop", force=True)
    assert instances(rds)["shop"]["DbiResourceId"] == original["DbiResourceId"]
    assert any("not refreshed" in line and "pulumi refresh" in line for line in done), done
