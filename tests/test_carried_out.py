"""What a run carries out, pinned at the engine and at the AWS call: the approved point in time
and every captured setting, also after a crash and a resume (not only what the plan says)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from sccos_backup.restore.plan import Strategy
from sccos_backup.restore.source import PointInTimeSource, SourceChoice, iso
from sccos_backup.restore.verify import differences
from tests.conftest import FakeClock, make_instance
from tests.support.restore_window import restorable_second
from tests.support.world import Crash, World, instances

pytestmark = pytest.mark.aws_in_process


class Recorder:
    """Every declaration a run hands the engine, and every restore call the engine makes."""

    def __init__(self, world: World, monkeypatch: pytest.MonkeyPatch) -> None:
        self.declared: list[Any] = []
        self.calls: list[tuple[str, dict[str, Any]]] = []
        up = world.engine.up

        def recording_up(stack: str, spec: Any, on_output: Any) -> Any:
            self.declared.append(spec)
            return up(stack, spec, on_output)

        monkeypatch.setattr(world.engine, "up", recording_up)
        client = world.engine.client
        for name in (
            "restore_db_instance_to_point_in_time",
            "restore_db_instance_from_db_snapshot",
        ):
            monkeypatch.setattr(client, name, self._wrap(name, getattr(client, name)))

    def _wrap(self, name: str, real: Any) -> Any:
        def call(**kwargs: Any) -> Any:
            self.calls.append((name, kwargs))
            return real(**kwargs)

        return call


@pytest.mark.parametrize("crash_at", [None, "rename-original", "up"])
def test_a_to_time_run_declares_exactly_that_time_and_the_captured_settings(
    moto: str,
    rds: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    crash_at: str | None,
) -> None:
    make_instance(rds, MultiAZ=True, DeletionProtection=True, BackupRetentionPeriod=7)
    when = restorable_second("shop")
    clock = FakeClock()
    first = World(moto, tmp_path / "state", clock)
    plan = first.plan(Strategy.IN_PLACE, SourceChoice(to_time=when))
    first.runbook.check_can_start(plan)
    world = first
    if crash_at is not None:
        first.crash_at = crash_at
        with pytest.raises(Crash):
            first.runbook.start(plan)
        world = World(moto, tmp_path / "state", clock)  # another process resumes
    recorder = Recorder(world, monkeypatch)
    if crash_at is None:
        world.runbook.start(plan)
    else:
        world.runbook.resume("shop")
    assert recorder.declared, "the run declared nothing"
    for spec in recorder.declared:
        assert spec.source == PointInTimeSource(plan.original_resource_id, when)
        assert spec.settings == plan.spec.settings
    if crash_at != "up":  # an up interrupted after the create call adopts, and calls no restore
        [(name, kwargs)] = recorder.calls
        assert name == "restore_db_instance_to_point_in_time"
        assert kwargs["RestoreTime"] == iso(when)
        assert "UseLatestRestorableTime" not in kwargs
    assert differences(plan.spec.settings, instances(rds)["shop"]) == []


STORAGE = {
    "io1": {"StorageType": "io1", "AllocatedStorage": 100, "Iops": 3000},
    "io2": {"StorageType": "io2", "AllocatedStorage": 100, "Iops": 4000},
    "gp3-400": {
        "StorageType": "gp3",
        "AllocatedStorage": 400,
        "Iops": 12000,
        "StorageThroughput": 500,
    },
    "gp3-399": {"StorageType": "gp3", "AllocatedStorage": 399},
}


@pytest.mark.parametrize("storage", list(STORAGE))
def test_storage_and_iops_are_carried_out(
    moto: str, rds: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, storage: str
) -> None:
    wanted = STORAGE[storage]
    make_instance(rds, **wanted)
    rds.create_db_snapshot(DBInstanceIdentifier="shop", DBSnapshotIdentifier="shop-nightly")
    world = World(moto, tmp_path / "state", FakeClock())
    plan = world.plan(Strategy.SWAP, SourceChoice(snapshot="shop-nightly"))
    world.runbook.check_can_start(plan)
    recorder = Recorder(world, monkeypatch)
    world.runbook.start(plan)
    settings = plan.spec.settings
    assert settings.storage_type == wanted["StorageType"]
    assert settings.allocated_storage == wanted["AllocatedStorage"]
    if storage == "gp3-399":  # below 400 GiB gp3 runs at its baseline: nothing to declare
        assert (settings.iops, settings.storage_throughput) == (None, None)
    else:
        assert settings.iops == wanted["Iops"]
        assert settings.storage_throughput == wanted.get("StorageThroughput")
    for spec in recorder.declared:
        assert spec.settings == settings
    assert [name for name, _ in recorder.calls] == ["restore_db_instance_from_db_snapshot"]
    restored = instances(rds)["shop"]
    assert restored["StorageType"] == wanted["StorageType"]
    assert restored["AllocatedStorage"] == wanted["AllocatedStorage"]
    if settings.iops is not None:
        assert restored["Iops"] == wanted["Iops"]
    assert differences(settings, restored) == []
