"""A run's original and restored instance are the ones whose DbiResourceIds the run recorded,
never whatever carries the run's tags: with CopyTagsToSnapshot those tags are on every snapshot
of the original, so an instance restored by hand from one (a forensics copy) carries them too.
Such a look-alike is never renamed, deleted or cleaned up, and `rollback --delete-restored`
deletes only the instance the run created.

moto gives every instance one DbiResourceId; AWS gives each its own, a snapshot keeps its
instance's, a restore gets a new one and a rename keeps it. ``distinct_resource_ids`` makes the
moto server behave so (tests/conftest.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from automation.runbook.record import TAG_ORIGINAL_ID, TAG_RESTORED_ID, TAG_RUN
from sccos_backup import errors
from sccos_backup.restore.plan import Strategy
from sccos_backup.restore.source import SourceChoice
from tests.conftest import FakeClock, aws_state, make_instance
from tests.support.world import Crash, World, instances

pytestmark = pytest.mark.aws_in_process

SNAPSHOT = SourceChoice(snapshot="shop-nightly")


def _tags(rds: Any, name: str) -> dict[str, str]:
    return {t["Key"]: t["Value"] for t in instances(rds)[name]["TagList"]}


def _finished(world: World) -> Any:
    plan = world.plan(Strategy.IN_PLACE, SNAPSHOT)
    world.runbook.check_can_start(plan)
    world.runbook.start(plan)
    return plan


def _crashed(world: World, after: str) -> Any:
    plan = world.plan(Strategy.IN_PLACE, SNAPSHOT)
    world.runbook.check_can_start(plan)
    world.crash_at = after
    with pytest.raises(Crash):
        world.runbook.start(plan)
    world.crash_at = None
    return plan


def _forensics_copy(rds: Any, of: str, snapshot: str) -> str:
    """What an operator does by hand: snapshot an instance and restore the snapshot aside
    (without Tags, so the restore takes the snapshot's, as RDS does)."""
    if snapshot not in {
        s["DBSnapshotIdentifier"] for s in rds.describe_db_snapshots()["DBSnapshots"]
    }:
        rds.create_db_snapshot(DBInstanceIdentifier=of, DBSnapshotIdentifier=snapshot)
    rds.restore_db_instance_from_db_snapshot(
        DBInstanceIdentifier="shop-forensics", DBSnapshotIdentifier=snapshot
    )
    return "shop-forensics"


def _forget_automated_snapshots(name: str) -> None:
    """moto names an instance's automated snapshot by name and minute, and refuses a create
    whose snapshot exists (test-environment.md): drop the earlier instance's under ``name``."""
    from moto.rds.models import rds_backends

    from tests.conftest import ACCOUNT, REGION

    taken = rds_backends[ACCOUNT][REGION].database_snapshots
    for key in [k for k in taken if k.startswith(f"rds:{name}-")]:
        del taken[key]


def test_the_run_records_the_ids_of_its_original_and_restored_instance(
    distinct_resource_ids: None, moto: str, rds: Any, original: dict[str, Any], tmp_path: Path
) -> None:
    world = World(moto, tmp_path / "state", FakeClock())
    plan = _finished(world)
    tags = _tags(rds, plan.names.aside)
    assert tags[TAG_ORIGINAL_ID] == original["DbiResourceId"]
    assert tags[TAG_RESTORED_ID] == instances(rds)["shop"]["DbiResourceId"]
    assert tags[TAG_RESTORED_ID] != original["DbiResourceId"]


def test_a_copy_restored_from_the_final_snapshot_is_not_cleaned_up_or_rolled_back(
    distinct_resource_ids: None, moto: str, rds: Any, original: dict[str, Any], tmp_path: Path
) -> None:
    world = World(moto, tmp_path / "state", FakeClock())
    _finished(world)
    final = world.runbook.cleanup("shop", world.runbook.cleanup_plan("shop")).final_snapshot
    copy = _forensics_copy(rds, "unused", final)
    assert _tags(rds, copy)[TAG_RUN], "the copy carries the run's tags (CopyTagsToSnapshot)"
    before = aws_state(rds)
    with pytest.raises(errors.NotFound, match="no finished restore"):
        world.runbook.cleanup_target("shop")
    with pytest.raises(errors.NotFound, match="no restore run"):
        world.runbook.rollback("shop", force=True)
    assert world.runbook.runs("shop") == []
    assert aws_state(rds) == before


def test_a_copy_of_the_parked_original_is_never_taken_for_it(
    distinct_resource_ids: None, moto: str, rds: Any, original: dict[str, Any], tmp_path: Path
) -> None:
    world = World(moto, tmp_path / "state", FakeClock())
    plan = _finished(world)
    copy = _forensics_copy(rds, plan.names.aside, "shop-forensics-src")
    [record] = world.runbook.runs("shop")
    assert record.original.identifier == plan.names.aside
    assert world.runbook.cleanup_target("shop").original.identifier == plan.names.aside
    world.runbook.rollback("shop", force=True)
    found = instances(rds)
    assert found["shop"]["DbiResourceId"] == original["DbiResourceId"]
    assert copy in found, "the copy keeps its name"


def test_rollback_delete_restored_never_deletes_an_instance_made_by_hand(
    distinct_resource_ids: None, moto: str, rds: Any, original: dict[str, Any], tmp_path: Path
) -> None:
    world = World(moto, tmp_path / "state", FakeClock())
    _crashed(world, "rename-original")
    _forget_automated_snapshots("shop")
    by_hand = make_instance(rds, "shop")  # someone "fixed" the outage with a new instance
    before = aws_state(rds)
    with pytest.raises(errors.PreconditionFailed, match="not created by restore run") as raised:
        world.runbook.rollback("shop", delete_restored=True)
    assert by_hand["DbiResourceId"] in str(raised.value)
    assert aws_state(rds) == before


def test_rollback_refuses_an_instance_made_by_hand_before_it_asks(
    distinct_resource_ids: None, moto: str, rds: Any, original: dict[str, Any], tmp_path: Path
) -> None:
    """The question lists what the rollback will do; an instance at the restored name that the
    run did not create (by DbiResourceId) is refused before it is asked, as after it."""
    from tests.conftest import one_error_line
    from tests.support.restore_cli import Cli

    world = World(moto, tmp_path / "state", FakeClock())
    _crashed(world, "rename-original")
    _forget_automated_snapshots("shop")
    by_hand = make_instance(rds, "shop")
    before = aws_state(rds)
    cli = Cli(moto, tmp_path, None)
    backend = ("--backend-url", f"file://{tmp_path / 'state' / 'backend'}")
    for flags in ((), ("--delete-restored",)):
        result = cli("restore", "rollback", "shop", *flags, *backend, interactive=True, input="y\n")
        one_error_line(result, 3, "not created by restore run", by_hand["DbiResourceId"])
        assert "Go ahead?" not in result.output, result.output
        assert aws_state(rds) == before


def test_rollback_delete_restored_deletes_the_instance_the_run_created(
    distinct_resource_ids: None, moto: str, rds: Any, original: dict[str, Any], tmp_path: Path
) -> None:
    world = World(moto, tmp_path / "state", FakeClock())
    _crashed(world, "verify")
    restored = instances(rds)["shop"]["DbiResourceId"]
    world.runbook.rollback("shop", delete_restored=True)
    found = instances(rds)
    assert found["shop"]["DbiResourceId"] == original["DbiResourceId"]
    assert restored not in {d["DbiResourceId"] for d in found.values()}


def test_delete_restored_leaves_a_stranger_under_the_rolled_back_name(
    distinct_resource_ids: None, moto: str, rds: Any, original: dict[str, Any], tmp_path: Path
) -> None:
    world = World(moto, tmp_path / "state", FakeClock())
    plan = _crashed(world, "rename-original")
    _forget_automated_snapshots(plan.names.rolled_back)
    stranger = make_instance(rds, plan.names.rolled_back)
    world.runbook.rollback("shop", delete_restored=True)
    found = instances(rds)
    assert found["shop"]["DbiResourceId"] == original["DbiResourceId"]
    assert found[plan.names.rolled_back]["DbiResourceId"] == stranger["DbiResourceId"]
