"""A rename (ModifyDBInstance with NewDBInstanceIdentifier) that botocore retried after the first
attempt's answer was lost.

botocore 1.44 retries a call whose answer was a 5xx, a throttle or a transport failure, up to
``AWS_MAX_ATTEMPTS`` attempts in all. RDS may have begun the rename by then: the retry is refused
(the old name is renaming or gone), although this very call renamed the original.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from sccos_backup.restore.plan import Strategy
from sccos_backup.restore.source import SourceChoice
from tests.conftest import FakeClock
from tests.support.world import World, instances

pytestmark = pytest.mark.aws_in_process


def _lose_the_first_rename_answer(client: Any) -> list[int]:
    lost: list[int] = []

    def retry_first(attempts: int, request_dict: Any = None, **_: Any) -> float | None:
        if "NewDBInstanceIdentifier" in str((request_dict or {}).get("body")) and not lost:
            lost.append(attempts)
            return 0.0
        return None

    client.meta.events.register_first("needs-retry.rds.ModifyDBInstance", retry_first)
    return lost


def test_a_run_whose_rename_answer_was_lost_goes_on_with_the_renamed_original(
    moto: str, rds: Any, original: dict[str, Any], tmp_path: Path
) -> None:
    world = World(moto, tmp_path / "state", FakeClock())
    lost = _lose_the_first_rename_answer(world.rds._client)
    plan = world.plan(Strategy.IN_PLACE, SourceChoice(snapshot="shop-nightly"))
    world.runbook.check_can_start(plan)
    world.runbook.start(plan)
    assert lost == [1], "the rename's first answer was lost and botocore retried it"
    found = instances(rds)
    assert set(found) == {"shop", plan.names.aside}, found
    assert found[plan.names.aside]["DbiResourceId"] == original["DbiResourceId"]


def test_a_rollback_whose_renames_lost_their_answers_puts_the_original_back(
    moto: str, rds: Any, original: dict[str, Any], tmp_path: Path
) -> None:
    world = World(moto, tmp_path / "state", FakeClock())
    plan = world.plan(Strategy.IN_PLACE, SourceChoice(snapshot="shop-nightly"))
    world.runbook.check_can_start(plan)
    world.runbook.start(plan)
    lost: list[str] = []

    def retry_each_first(attempts: int, request_dict: Any = None, **_: Any) -> float | None:
        body = str((request_dict or {}).get("body"))
        if "NewDBInstanceIdentifier" in body and attempts == 1:
            lost.append(body)
            return 0.0
        return None

    world.rds._client.meta.events.register_first(
        "needs-retry.rds.ModifyDBInstance", retry_each_first
    )
    world.runbook.rollback("shop", force=True)
    assert len(lost) == 2, "both renames were retried after a lost answer"
    found = instances(rds)
    assert set(found) == {"shop", plan.names.rolled_back}, found
    assert found["shop"]["DbiResourceId"] == original["DbiResourceId"]
