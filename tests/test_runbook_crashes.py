"""The runbook against what Pulumi and pulumi-aws really do: kills in the middle of ``pulumi up``,
creates slower than the provider's timeout, IAM roles across a swap cut-over; and the crash
matrix page (docs/restore-crash-matrix.md), generated from the same lists these tests run."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from sccos_backup import errors
from sccos_backup.restore.lock import lock_scope
from sccos_backup.restore.plan import Strategy
from sccos_backup.restore.source import SourceChoice
from tests.conftest import FakeClock
from tests.inprocess_engine import Killed
from tests.originals import S3_ROLE
from tests.support.world import (
    MATRIX,
    World,
    assert_restored,
    instances,
)

pytestmark = pytest.mark.aws_in_process

ROOT = Path(__file__).resolve().parent.parent
PAGE = ROOT / "docs" / "restore-crash-matrix.md"
SNAPSHOT = SourceChoice(snapshot="shop-nightly")
SOURCES = {"snapshot": SNAPSHOT, "point in time": SourceChoice(latest=True)}

#: Interruptions inside a ``pulumi up`` (name, the step it hits, the engine's kill point or
#: fault, what the stack holds afterwards).
MID_UP = [
    ("create timed out", "up", "timeout", "held"),
    ("follow-up modify failed", "up", "modify", "held"),
    ("graceful cancel (Ctrl-C, SIGTERM) during the create wait", "up", "cancel-wait", "held"),
    ("SIGKILL during the create wait", "up", "create-call", "pending"),
    ("SIGKILL after the rename call (rename in flight)", "cut-over", "rename-call", "held"),
]
MID_UP_CASES = [
    (strategy, source, name, step, kill)
    for name, step, kill, _ in MID_UP
    for strategy in Strategy
    for source in SOURCES
    if step != "cut-over" or (strategy is Strategy.SWAP and source == "snapshot")
]
LEFT = {kill: left for _, _, kill, left in MID_UP}


def _ids(case: tuple[Any, ...]) -> str:
    return f"{case[0]}-{'pitr' if case[1] == 'point in time' else 'snap'}-{case[4]}"


CASES = pytest.mark.parametrize(
    ("strategy", "source", "name", "step", "kill"),
    MID_UP_CASES,
    ids=[_ids(c) for c in MID_UP_CASES],
)


@pytest.fixture
def monitored(rds: Any, original: dict[str, Any]) -> dict[str, Any]:
    """The original with enhanced monitoring, so the point-in-time path has a follow-up
    modify too (pulumi-aws sends monitoring there) and a failing one can be modelled."""
    rds.modify_db_instance(
        DBInstanceIdentifier="shop",
        MonitoringInterval=60,
        MonitoringRoleArn="arn:aws:iam::123456789012:role/rds-monitoring",
        ApplyImmediately=True,
    )
    return original


def _interrupted(
    moto: str, tmp_path: Path, strategy: Strategy, source: str, step: str, kill: str
) -> Any:
    """A run whose ``pulumi up`` was interrupted at ``kill`` during ``step``: its plan, clock
    (the next world shares it, as two processes share the real clock) and engine."""
    clock = FakeClock()
    world = World(moto, tmp_path / "state", clock)
    plan = world.plan(strategy, SOURCES[source], maintenance_env="production")
    world.runbook.check_can_start(plan)
    _interrupt(world, plan, step, kill)
    return plan, clock, world.engine


def _interrupt(world: World, plan: Any, step: str, kill: str) -> None:
    """Start ``plan`` and have ``pulumi up`` end at ``kill`` during ``step``."""
    engine = world.engine
    if kill == "timeout":
        engine.restore_seconds = 7 * 3600  # beyond the declared 6 h create timeout
        with pytest.raises(errors.EngineError, match="timeout while waiting"):
            world.runbook.start(plan)
        return
    if kill == "modify":
        engine.fail_modify = "InvalidParameterCombination"
        with pytest.raises(errors.EngineError, match="InvalidParameterCombination"):
            world.runbook.start(plan)
        return
    if kill == "cancel-wait":
        engine.kill_at = kill
        with pytest.raises(KeyboardInterrupt):
            world.runbook.start(plan)
        return
    if step == "cut-over":  # let the first up through, die in the one that renames
        real_up = engine.up

        def up(stack: str, spec: Any, on_output: Any) -> Any:
            if spec.target_identifier == "shop":
                engine.kill_at = kill
            return real_up(stack, spec, on_output)

        engine.up = up  # type: ignore[method-assign]
    else:
        engine.kill_at = kill
    with pytest.raises(Killed):
        world.runbook.start(plan)
    scope = lock_scope(plan.original_arn)
    assert world.lock.holder("shop", scope) is not None, "a killed run leaves its lock"


def _restored_ids(rds: Any, kept: dict[str, Any]) -> set[str]:
    return {
        d["DbiResourceId"]
        for d in instances(rds).values()
        if d["DbiResourceId"] != kept["DbiResourceId"]
    }


def _creates(*engines: Any) -> list[tuple[str, str]]:
    return [op for engine in engines for op in engine.operations if op[0] == "create"]


@CASES
def test_an_interrupted_up_resumes_without_creating_twice(
    moto: str,
    rds: Any,
    monitored: dict[str, Any],
    tmp_path: Path,
    strategy: Strategy,
    source: str,
    name: str,
    step: str,
    kill: str,
) -> None:
    plan, clock, first = _interrupted(moto, tmp_path, strategy, source, step, kill)
    created = _restored_ids(rds, monitored)
    assert len(created) == 1, "the interrupted up created the instance"
    assert (first.held(plan.stack).instance_id is not None) == (LEFT[kill] == "held")

    second = World(moto, tmp_path / "state", clock)
    second.runbook.resume("shop")  # no `restore unlock`: a lock this run left is taken over
    assert_restored(rds, monitored, plan)
    assert _restored_ids(rds, monitored) == created, "adopted or updated, never created twice"
    assert len(_creates(first, second.engine)) == 1
    imported = [op for op in second.engine.operations if op[0] in {"import", "import-replace"}]
    if LEFT[kill] == "pending":  # the stack does not hold it: adopted
        assert imported == [("import", plan.restore_as)]
    else:  # the stack holds it: never imported
        assert imported == []
    assert second.engine.pending(plan.stack) == []
    assert second.engine.held(plan.stack).init_errors == ()


@CASES
def test_an_interrupted_up_rolls_back(
    moto: str,
    rds: Any,
    monitored: dict[str, Any],
    tmp_path: Path,
    strategy: Strategy,
    source: str,
    name: str,
    step: str,
    kill: str,
) -> None:
    plan, clock, _ = _interrupted(moto, tmp_path, strategy, source, step, kill)

    second = World(moto, tmp_path / "state", clock)
    second.runbook.rollback("shop")
    found = instances(rds)
    assert found["shop"]["DbiResourceId"] == monitored["DbiResourceId"]
    assert [
        d["DBInstanceIdentifier"]
        for d in found.values()
        if d["DbiResourceId"] != monitored["DbiResourceId"]
    ] == [plan.names.rolled_back]
    assert second.runbook.active_run("shop") is None
    turned_on = strategy is Strategy.IN_PLACE or step == "cut-over"  # before this step
    assert second.maintenance.calls == ([("production", False)] if turned_on else [])


def test_a_restore_slower_than_the_provider_default_timeout_completes(
    moto: str,
    rds: Any,
    original: dict[str, Any],
    tmp_path: Path,
) -> None:
    """pulumi-aws waits 50 minutes by default; the declaration gives it the runbook's 6 h."""
    clock = FakeClock()
    world = World(moto, tmp_path / "state", clock)
    world.engine.restore_seconds = 3 * 3600
    world.engine.sleep = clock.sleep
    plan = world.plan(Strategy.IN_PLACE, SNAPSHOT)
    world.runbook.check_can_start(plan)
    world.runbook.start(plan)
    assert_restored(rds, original, plan)


def test_a_swap_with_an_iam_role_survives_the_cut_over(
    moto: str,
    rds: Any,
    original: dict[str, Any],
    tmp_path: Path,
) -> None:
    """The role moves with a rename and a RoleAssociation is replaced when its identifier
    changes: associated only under the final name, the cut-over never re-adds it."""
    rds.add_role_to_db_instance(
        DBInstanceIdentifier="shop", RoleArn=S3_ROLE, FeatureName="s3Import"
    )
    world = World(moto, tmp_path / "state", FakeClock())
    plan = world.plan(Strategy.SWAP, SNAPSHOT, maintenance_env="production")
    world.runbook.check_can_start(plan)
    world.runbook.start(plan)
    restored = instances(rds)["shop"]
    assert restored["DbiResourceId"] != original["DbiResourceId"]
    assert [(r["RoleArn"], r["FeatureName"]) for r in restored["AssociatedRoles"]] == [
        (S3_ROLE, "s3Import")
    ]
    assert [op for op in world.engine.operations if op[0] == "add-role"] == [
        ("add-role", f"shop,{S3_ROLE}")
    ]
    aside = instances(rds)[plan.names.aside]
    assert [r["RoleArn"] for r in aside["AssociatedRoles"]] == [S3_ROLE], "the original keeps it"


# -- the page ---------------------------------------------------------------------------------

RESUMED = "restored under `shop`; original kept as `shop-pre-restore-<run>`"
ROLLED_BACK = "original back under `shop`; a restored instance renamed `shop-rolled-back-<run>`"


HELD = "in the stack with init errors: refreshed and updated, never imported"
PENDING = "a pending create: the instance is adopted (imported), not created again"


def crash_matrix() -> str:
    """The table of docs/restore-crash-matrix.md, from the lists the tests run."""
    rows = [
        "| strategy | source | interrupted | the stack then holds | after `restore resume` "
        "| after `restore rollback` |"
    ]
    rows.append("| --- | --- | --- | --- | --- | --- |")
    for strategy, key in MATRIX:
        rows.append(
            f"| {strategy} | snapshot | after step `{key}` | - | {RESUMED} | {ROLLED_BACK} |"
        )
    for strategy, source, name, step, kill in MID_UP_CASES:
        left = PENDING if LEFT[kill] == "pending" else HELD
        if step == "cut-over":
            left = "the instance and a pending update (the rename); the refresh reads its new name"
        rows.append(
            f"| {strategy} | {source} | in step `{step}`: {name} | {left} | {RESUMED}; one "
            f"create | {ROLLED_BACK} |"
        )
    return "\n".join(rows) + "\n"


def test_the_crash_matrix_page_is_the_table_the_tests_run() -> None:
    text = PAGE.read_text(encoding="utf-8")
    start = text.index("<!-- matrix:start -->\n") + len("<!-- matrix:start -->\n")
    end = text.index("<!-- matrix:end -->")
    assert text[start:end] == crash_matrix(), (
        "regenerate the table between the markers: python -c 'import sys; from "
        "tests.test_runbook_crashes import crash_matrix; sys.stdout.write(crash_matrix())'"
    )
