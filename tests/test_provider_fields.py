"""The fields the test engine's provider sends, as terraform-provider-aws sends them.

Each difference listed in ``tests/rds_provider.py`` (the release it was read from is named
there) has a test: the restore calls carry ``dedicated_log_volume`` and
``engine_lifecycle_support``; ``backup_target`` forces a replacement and ``identifier_prefix``
does not; the snapshot path's follow-up modify carries the Performance Insights key and
retention only with Performance Insights enabled, and a backup retention of 0; role
associations wait for ``ACTIVE`` (10 minutes) and can be left partly created; the default create
timeout is 50 minutes.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest

from sccos_backup import errors
from sccos_backup.restore.plan import Strategy
from sccos_backup.restore.source import SourceChoice
from tests import rds_provider
from tests.conftest import FakeClock, make_instance
from tests.inprocess_engine import InProcessEngine
from tests.originals import S3_ROLE
from tests.support.engine_specs import LATEST, OUT, SNAPSHOT, STACK, aside, spec_for

pytestmark = pytest.mark.aws_in_process


@pytest.fixture
def shop(rds: Any) -> dict[str, Any]:
    created = make_instance(rds)
    rds.create_db_snapshot(DBInstanceIdentifier="shop", DBSnapshotIdentifier="shop-nightly")
    return created


def _with(spec: Any, **settings: Any) -> Any:
    return dataclasses.replace(spec, settings=dataclasses.replace(spec.settings, **settings))


def _sent(engine: InProcessEngine, operation: str) -> list[dict[str, Any]]:
    return [params for op, params in engine.calls if op == operation]


@pytest.mark.parametrize("choice", [SNAPSHOT, LATEST], ids=["snapshot", "pitr"])
def test_both_restore_calls_carry_dedicated_log_volume_and_engine_lifecycle_support(
    moto: str, rds: Any, shop: Any, tmp_path: Path, choice: SourceChoice
) -> None:
    spec = _with(
        spec_for(moto, choice, "shop-copy", Strategy.SWAP),
        dedicated_log_volume=True,
        engine_lifecycle_support="open-source-rds-extended-support-disabled",
    )
    engine = InProcessEngine(moto, tmp_path)
    engine.up(STACK, spec, OUT)
    snapshot = choice is SNAPSHOT
    operation = f"RestoreDBInstance{'FromDBSnapshot' if snapshot else 'ToPointInTime'}"
    [call] = _sent(engine, operation)
    assert call["DedicatedLogVolume"] is True
    assert call["EngineLifecycleSupport"] == "open-source-rds-extended-support-disabled"


def test_backup_target_forces_a_replacement_and_identifier_prefix_does_not() -> None:
    assert "backupTarget" in rds_provider.FORCE_NEW
    assert "identifierPrefix" not in rds_provider.FORCE_NEW


def test_a_changed_backup_target_is_a_replacement_the_protect_option_refuses(
    moto: str, rds: Any, shop: Any, tmp_path: Path
) -> None:
    spec = spec_for(moto, SNAPSHOT, "shop-copy", Strategy.SWAP)
    engine = InProcessEngine(moto, tmp_path)
    engine.up(STACK, spec, OUT)
    with pytest.raises(errors.EngineError, match=r"replace.*backupTarget.*protected"):
        engine.changes(STACK, _with(spec, backup_target="outposts"), OUT)


def test_the_snapshot_modify_sends_insights_key_and_retention_only_with_insights_on(
    moto: str, rds: Any, shop: Any, tmp_path: Path
) -> None:
    spec = _with(
        spec_for(moto, SNAPSHOT, "shop-copy", Strategy.SWAP),
        enable_performance_insights=False,
        performance_insights_retention_period=7,
        performance_insights_kms_key_id="arn:aws:kms:eu-central-1:123456789012:key/pi",
    )
    engine = InProcessEngine(moto, tmp_path)
    engine.up(STACK, spec, OUT)
    [modify] = _sent(engine, "ModifyDBInstance")[:1]
    assert "PerformanceInsightsRetentionPeriod" not in modify
    assert "PerformanceInsightsKMSKeyId" not in modify


def test_the_snapshot_modify_sends_a_backup_retention_of_zero(
    moto: str, rds: Any, shop: Any, tmp_path: Path
) -> None:
    spec = _with(spec_for(moto, SNAPSHOT, "shop-copy", Strategy.SWAP), backup_retention_period=0)
    engine = InProcessEngine(moto, tmp_path)
    engine.up(STACK, spec, OUT)
    [modify] = _sent(engine, "ModifyDBInstance")[:1]
    assert modify["BackupRetentionPeriod"] == 0


def test_a_role_association_waits_for_active_and_is_held_when_the_wait_times_out(
    moto: str, rds: Any, shop: Any, tmp_path: Path
) -> None:
    """``waitDBInstanceRoleAssociationCreated``: 10 minutes for ``ACTIVE``; the id is set
    before the wait, so a timeout leaves the association in the stack with init errors."""
    rds.add_role_to_db_instance(
        DBInstanceIdentifier="shop", RoleArn=S3_ROLE, FeatureName="s3Import"
    )
    spec = spec_for(moto, SNAPSHOT, "shop", Strategy.IN_PLACE)
    aside(rds)
    clock = FakeClock()
    engine = InProcessEngine(moto, tmp_path, sleep=clock.sleep)
    engine.role_seconds = 11 * 60
    with pytest.raises(errors.EngineError, match=r"IAM Role.*timeout.*10m0s"):
        engine.up(STACK, spec, OUT)
    assert clock.slept[-1] == 10 * 60
    roles = engine.role_entries(STACK)
    assert [r["initErrors"] != [] for r in roles] == [True]


def test_the_default_create_timeout_is_50_minutes(tmp_path: Path) -> None:
    assert rds_provider.DEFAULT_TIMEOUTS["create"] == 50 * 60
    assert InProcessEngine("http://unused", tmp_path)._timeout("none", "create") == 50 * 60


@pytest.mark.parametrize("choice", [SNAPSHOT, LATEST], ids=["snapshot", "pitr"])
def test_a_performance_and_database_insights_original_restores_and_converges(
    moto: str, rds: Any, tmp_path: Path, choice: SourceChoice
) -> None:
    """moto 5.2 copies the source's Performance Insights retention into a restored instance
    without enabling it and then refuses its own restore; RDS restores with Performance
    Insights off. The engine's moto wrapper restores as RDS does, so the settings the provider
    sends later (the snapshot modify) or only a second ``up`` applies (point in time) are
    exercised."""
    from sccos_backup.restore.verify import spec_differences

    original = make_instance(
        rds, EnablePerformanceInsights=True, PerformanceInsightsRetentionPeriod=7
    )
    rds.modify_db_instance(
        DBInstanceIdentifier="shop", DatabaseInsightsMode="advanced", ApplyImmediately=True
    )
    rds.create_db_snapshot(DBInstanceIdentifier="shop", DBSnapshotIdentifier="shop-nightly")
    spec = spec_for(moto, choice, "shop-copy", Strategy.SWAP)
    assert spec.settings.enable_performance_insights
    assert spec.settings.database_insights_mode == "advanced"
    engine = InProcessEngine(moto, tmp_path)
    engine.up(STACK, spec, OUT)
    assert engine.changes(STACK, spec, OUT) == {"update": 1}, "Database Insights is never sent"
    engine.up(STACK, spec, OUT)
    assert engine.changes(STACK, spec, OUT) == {}
    [copy] = [
        d
        for d in rds.describe_db_instances()["DBInstances"]
        if d["DbiResourceId"] != original["DbiResourceId"]
    ]
    assert spec_differences(spec, copy) == []
