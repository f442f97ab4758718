"""The in-process engine behaves like Pulumi and pulumi-aws where a restore depends on it.

Each test names the real behaviour it pins (see the docstrings of ``tests/inprocess_engine.py``
and ``tests/rds_provider.py`` for the versions read). These are the stand-in's own tests; the
runbook's tests then run against it.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest

from sccos_backup import errors
from sccos_backup.restore.fields import RESTORED_BY_TAG
from sccos_backup.restore.plan import Strategy
from sccos_backup.restore.source import SourceChoice
from sccos_backup.restore.spec import RestoreSpec
from tests import rds_provider
from tests.conftest import FakeClock, make_instance
from tests.inprocess_engine import InProcessEngine, Killed
from tests.originals import S3_ROLE
from tests.support.engine_specs import LATEST, OUT, SNAPSHOT, STACK, aside, spec_for

pytestmark = pytest.mark.aws_in_process


@pytest.fixture
def shop(rds: Any) -> dict[str, Any]:
    created = make_instance(
        rds,
        PreferredBackupWindow="01:30-02:00",
        PreferredMaintenanceWindow="tue:03:00-tue:03:30",
        CACertificateIdentifier="rds-ca-rsa4096-g1",
    )
    rds.add_role_to_db_instance(
        DBInstanceIdentifier="shop", RoleArn=S3_ROLE, FeatureName="s3Import"
    )
    rds.create_db_snapshot(DBInstanceIdentifier="shop", DBSnapshotIdentifier="shop-nightly")
    return created


def restored(rds: Any, original: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        d
        for d in rds.describe_db_instances()["DBInstances"]
        if d["DbiResourceId"] != original["DbiResourceId"]
    ]


@pytest.mark.parametrize(
    ("choice", "unsent"),
    [
        (SNAPSHOT, {"CACertificateIdentifier"}),
        (
            LATEST,
            {
                "CACertificateIdentifier",
                "PreferredBackupWindow",
                "PreferredMaintenanceWindow",
                "BackupRetentionPeriod",
            },
        ),
    ],
    ids=["snapshot", "pitr"],
)
def test_one_up_does_not_converge_a_second_one_does(
    moto: str, rds: Any, shop: Any, tmp_path: Path, choice: SourceChoice, unsent: set[str]
) -> None:
    """resourceInstanceCreate sends a subset per path; the rest needs a second apply."""
    from sccos_backup.restore.verify import spec_differences

    spec = spec_for(moto, choice, "shop-copy", Strategy.SWAP)
    engine = InProcessEngine(moto, tmp_path)
    engine.up(STACK, spec, OUT)
    [copy] = restored(rds, shop)
    assert {line.split(":")[0] for line in spec_differences(spec, copy)} == unsent
    assert engine.changes(STACK, spec, OUT) == {"update": 1}

    engine.up(STACK, spec, OUT)
    [copy] = restored(rds, shop)
    assert spec_differences(spec, copy) == []
    assert engine.changes(STACK, spec, OUT) == {}


def test_a_killed_up_leaves_a_pending_create_and_the_next_up_collides(
    moto: str, rds: Any, shop: Any, tmp_path: Path
) -> None:
    """The provider sets the id after its wait; Pulumi keeps a pending create and creates again."""
    spec = spec_for(moto, SNAPSHOT, "shop", Strategy.IN_PLACE)
    aside(rds)
    engine = InProcessEngine(moto, tmp_path)
    engine.kill_at = "create-call"
    with pytest.raises(Killed):
        engine.up(STACK, spec, OUT)
    assert [p["op"] for p in engine.pending(STACK)] == ["creating"]
    assert engine.outputs(STACK) is None
    [copy] = restored(rds, shop)
    assert {t["Key"]: t["Value"] for t in copy["TagList"]}[RESTORED_BY_TAG] == spec.run_id

    lines: list[str] = []
    with pytest.raises(errors.EngineError, match="DBInstanceAlreadyExists"):
        engine.up(STACK, spec, lines.append)
    assert any("1 pending operations" in line for line in lines)
    engine.refresh(STACK, OUT)
    assert engine.pending(STACK), "a non-interactive refresh keeps pending creates"
    engine.refresh(STACK, OUT, clear_pending_creates=True)
    assert engine.pending(STACK) == []


def _killed_create(moto: str, rds: Any, tmp_path: Path, choice: SourceChoice) -> Any:
    """An in-place restore whose `up` was killed after the restore call, pending create
    cleared: what the runbook sees before it adopts."""
    spec = spec_for(moto, choice, "shop", Strategy.IN_PLACE)
    aside(rds)
    engine = InProcessEngine(moto, tmp_path)
    engine.kill_at = "create-call"
    with pytest.raises(Killed):
        engine.up(STACK, spec, OUT)
    engine.refresh(STACK, OUT, clear_pending_creates=True)
    return spec, engine


def test_an_adopted_instance_is_imported_then_converges(
    moto: str, rds: Any, shop: Any, tmp_path: Path
) -> None:
    """``import_`` with every declared input ignored; the next up updates in place."""
    spec, engine = _killed_create(moto, rds, tmp_path, LATEST)
    engine.up(STACK, dataclasses.replace(spec, adopt="shop"), OUT)
    assert ("import", "shop") in engine.operations
    assert engine.changes(STACK, spec, OUT) == {"update": 1}
    engine.up(STACK, spec, OUT)
    assert engine.changes(STACK, spec, OUT) == {}
    assert len(restored(rds, shop)) == 1, "never created twice"


def test_an_import_of_a_missing_instance_is_refused(
    moto: str, rds: Any, shop: Any, tmp_path: Path
) -> None:
    spec, _ = _killed_create(moto, rds, tmp_path, SNAPSHOT)
    other = InProcessEngine(moto, tmp_path / "other")
    with pytest.raises(errors.EngineError, match="does not exist"):
        other.up("x", dataclasses.replace(spec, adopt="nope", target_identifier="nope"), OUT)


def test_a_restore_slower_than_the_default_create_timeout_succeeds(
    moto: str, rds: Any, shop: Any, tmp_path: Path
) -> None:
    """Default create timeout 50 min; the declaration gives the runbook's restore timeout."""
    clock = FakeClock()
    spec = spec_for(moto, SNAPSHOT, "shop-copy", Strategy.SWAP)
    engine = InProcessEngine(moto, tmp_path, sleep=clock.sleep, restore_seconds=2 * 3600)
    engine.up(STACK, spec, OUT)
    assert engine.outputs(STACK) is not None
    assert clock.slept == [2 * 3600]


def test_a_restore_slower_than_the_declared_timeout_fails_like_the_provider(
    moto: str, rds: Any, shop: Any, tmp_path: Path
) -> None:
    clock = FakeClock()
    spec = spec_for(moto, SNAPSHOT, "shop-copy", Strategy.SWAP)
    engine = InProcessEngine(moto, tmp_path, sleep=clock.sleep, restore_seconds=7 * 3600)
    with pytest.raises(errors.EngineError, match=r"timeout while waiting.*timeout: 6h0m0s"):
        engine.up(STACK, spec, OUT)
    assert engine.outputs(STACK) is None
    [copy] = restored(rds, shop)
    assert engine.held(STACK).instance_id == copy["DbiResourceId"], "held, with init errors"


def _held_after(
    moto: str, rds: Any, tmp_path: Path, choice: SourceChoice, how: str
) -> tuple[RestoreSpec, InProcessEngine]:
    """An in-place restore whose `up` ended during the provider's wait for `available`:
    the create timed out, the follow-up modify failed, or the CLI was cancelled gracefully."""
    clock = FakeClock()
    spec = spec_for(moto, choice, "shop", Strategy.IN_PLACE)
    aside(rds)
    engine = InProcessEngine(moto, tmp_path, sleep=clock.sleep)
    if how == "timeout":
        engine.restore_seconds = 7 * 3600
        with pytest.raises(errors.EngineError, match="timeout while waiting"):
            engine.up(STACK, spec, OUT)
    elif how == "modify":
        engine.fail_modify = "InvalidParameterCombination"
        with pytest.raises(errors.EngineError, match="InvalidParameterCombination"):
            engine.up(STACK, spec, OUT)
    else:
        engine.kill_at = "cancel-wait"
        with pytest.raises(KeyboardInterrupt):
            engine.up(STACK, spec, OUT)
    return spec, engine


@pytest.mark.parametrize("how", ["timeout", "modify", "cancel"])
def test_a_create_that_fails_after_the_restore_call_is_held_with_init_errors(
    moto: str, rds: Any, shop: Any, tmp_path: Path, how: str
) -> None:
    """The provider sets the id right after the restore call (terraform-provider-aws PR 38252):
    a timeout, a failed follow-up modify or a graceful cancel leaves the instance in the stack
    with init errors, no pending create; the next up updates it, never creates or imports."""
    choice = LATEST if how == "timeout" else SNAPSHOT
    spec, engine = _held_after(moto, rds, tmp_path, choice, how)
    [copy] = restored(rds, shop)
    held = engine.held(STACK)
    assert held.instance_id == copy["DbiResourceId"]
    assert held.init_errors and held.pending_creates == 0
    assert engine.outputs(STACK) is None, "a failed up writes no outputs"

    engine.up(STACK, spec, OUT)
    assert engine.changes(STACK, spec, OUT) in ({}, {"update": 1})
    assert not [op for op in engine.operations if op[0] in {"create", "import"}][1:]
    assert [op[0] for op in engine.operations if op[0] in {"create", "import"}] == ["create"]
    assert engine.held(STACK).init_errors == ()


def test_a_killed_create_is_not_held(moto: str, rds: Any, shop: Any, tmp_path: Path) -> None:
    """Only a SIGKILL during the wait (Create never returns) leaves a pending create."""
    _, engine = _killed_create(moto, rds, tmp_path, SNAPSHOT)
    assert engine.held(STACK).instance_id is None


def test_an_import_of_an_instance_the_stack_holds_is_an_import_replacement(
    moto: str, rds: Any, shop: Any, tmp_path: Path
) -> None:
    """Pulumi compares the import id with the stored id (the DbiResourceId), not with the
    identifier (pulumi/pulumi step_generator.go): they differ, so the import replaces the held
    entry, whose delete the protect option refuses."""
    spec, engine = _held_after(moto, rds, tmp_path, SNAPSHOT, "timeout")
    with pytest.raises(errors.EngineError, match="import-replacement"):
        engine.up(STACK, dataclasses.replace(spec, adopt="shop"), OUT)


def test_a_setting_aws_reports_absent_is_a_difference(moto: str, rds: Any, tmp_path: Path) -> None:
    """The provider reads an absent MaxAllocatedStorage as 0: after a create whose follow-up
    modify never ran, refresh and preview show the update that brings it in line."""
    original = make_instance(rds, MaxAllocatedStorage=1000)
    rds.create_db_snapshot(DBInstanceIdentifier="shop", DBSnapshotIdentifier="shop-nightly")
    spec, engine = _held_after(moto, rds, tmp_path, SNAPSHOT, "timeout")
    assert spec.settings.max_allocated_storage == 1000
    [copy] = restored(rds, original)
    assert copy.get("MaxAllocatedStorage") is None
    assert engine.changes(STACK, spec, OUT) == {"update": 1}
    engine.up(STACK, spec, OUT)
    [copy] = restored(rds, original)
    assert copy["MaxAllocatedStorage"] == 1000


def test_a_force_new_change_of_a_protected_instance_is_refused(
    moto: str, rds: Any, shop: Any, tmp_path: Path
) -> None:
    spec = spec_for(moto, SNAPSHOT, "shop-copy", Strategy.SWAP)
    engine = InProcessEngine(moto, tmp_path)
    engine.up(STACK, spec, OUT)
    moved = dataclasses.replace(
        spec, settings=dataclasses.replace(spec.settings, availability_zone="eu-central-1c")
    )
    with pytest.raises(errors.EngineError, match=r"replace.*availabilityZone.*protected"):
        engine.changes(STACK, moved, OUT)
    with pytest.raises(errors.EngineError, match="protected"):
        engine.up(STACK, moved, OUT)
    assert len(restored(rds, shop)) == 1


def test_a_changed_restore_source_is_ignored_not_a_replacement(
    moto: str, rds: Any, shop: Any, tmp_path: Path
) -> None:
    spec = spec_for(moto, SNAPSHOT, "shop-copy", Strategy.SWAP)
    engine = InProcessEngine(moto, tmp_path)
    engine.up(STACK, spec, OUT)
    engine.up(STACK, spec, OUT)
    rds.create_db_snapshot(DBInstanceIdentifier="shop", DBSnapshotIdentifier="shop-later")
    later = dataclasses.replace(
        spec, source=dataclasses.replace(spec.source, snapshot_identifier="shop-later")
    )  # type: ignore[type-var]
    assert engine.changes(STACK, later, OUT) == {}


def test_roles_survive_a_swap_cut_over(moto: str, rds: Any, shop: Any, tmp_path: Path) -> None:
    """Role associations are keyed ``identifier,roleArn`` and replaced on any change, and
    AddRoleToDBInstance fails when the role is attached: declared only under the final name,
    a rename never replaces them."""
    temporary = spec_for(moto, SNAPSHOT, "shop-copy", Strategy.SWAP)
    engine = InProcessEngine(moto, tmp_path)
    engine.up(STACK, temporary, OUT)
    engine.up(STACK, temporary, OUT)
    assert not [op for op in engine.operations if op[0] == "add-role"]
    aside(rds)
    final = dataclasses.replace(temporary, target_identifier="shop")
    engine.up(STACK, final, OUT)
    assert ("add-role", f"shop,{S3_ROLE}") in engine.operations
    assert engine.changes(STACK, final, OUT) == {}
    [copy] = restored(rds, shop)
    assert [r["RoleArn"] for r in copy["AssociatedRoles"]] == [S3_ROLE]


def test_an_association_to_a_role_already_attached_fails_like_the_provider(
    moto: str, rds: Any, shop: Any, tmp_path: Path
) -> None:
    spec = spec_for(moto, SNAPSHOT, "shop", Strategy.IN_PLACE)
    aside(rds)
    engine = InProcessEngine(moto, tmp_path)
    engine.up(
        STACK,
        dataclasses.replace(spec, settings=dataclasses.replace(spec.settings, associated_roles=())),
        OUT,
    )
    rds.add_role_to_db_instance(
        DBInstanceIdentifier="shop", RoleArn=S3_ROLE, FeatureName="s3Import"
    )
    with pytest.raises(errors.EngineError, match="DBInstanceRoleAlreadyExists"):
        engine.up(STACK, spec, OUT)


def test_durations_are_read_like_pulumi_custom_timeouts() -> None:
    assert rds_provider.seconds("360m") == 6 * 3600
    assert rds_provider.seconds("1h30m") == 5400
    assert rds_provider.go_duration(2400) == "40m0s"
    with pytest.raises(ValueError, match="duration"):
        rds_provider.seconds("6 hours")
