"""Rollback that cannot make things worse: renames in flight, an original that cannot take its
name back, finished runs, and a moto_server rehearsal where instances share a DbiResourceId."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from automation.runbook.record import TAG_RUN, TAG_STEP
from automation.runbook.runbook import Callbacks, Runbook
from sccos_backup import errors
from sccos_backup.aws.rds import Instance, RdsAdapter, make_rds_client
from sccos_backup.restore.plan import Strategy
from sccos_backup.restore.source import SourceChoice
from tests.conftest import ACCOUNT, REGION, FakeClock, aws_state, make_instance
from tests.support.world import Crash, World, instances

pytestmark = pytest.mark.aws_in_process


class LaggingRenames(RdsAdapter):
    """RDS as AWS behaves after ``ModifyDBInstance(NewDBInstanceIdentifier=...)``: the instance
    keeps answering to its old name, with status ``renaming``, for a while (here: ``lag``
    seconds of the injected clock), and only then to the new one. moto renames at once (AWS RDS
    user guide, "Renaming a DB instance": the rename takes effect after the status leaves
    ``renaming``; moto 5.2 ``modify_db_instance`` renames synchronously)."""

    def __init__(self, *args: Any, lag: float = 90.0, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lag = timedelta(seconds=lag)
        self.pending: dict[str, tuple[str, datetime]] = {}

    def rename_instance(self, identifier: str, new_identifier: str) -> None:
        self.pending[identifier] = (new_identifier, self.clock() + self.lag)

    def _tick(self) -> None:
        for old, (new, due) in list(self.pending.items()):
            if self.clock() >= due:
                del self.pending[old]
                super().rename_instance(old, new)

    def _shown(self, found: Instance) -> Instance:
        if found.identifier in self.pending:
            return dataclasses.replace(found, status="renaming")
        return found

    def find_instance(self, identifier: str) -> Instance | None:
        self._tick()
        found = super().find_instance(identifier)
        return None if found is None else self._shown(found)

    def describe_instance(self, identifier: str) -> Instance:
        self._tick()
        return self._shown(super().describe_instance(identifier))

    def find_instance_by_resource_id(
        self, resource_id: str, *, tagged: tuple[str, str] | None = None
    ) -> Instance | None:
        self._tick()
        found = super().find_instance_by_resource_id(resource_id, tagged=tagged)
        return None if found is None else self._shown(found)

    def list_instances(self) -> list[Instance]:
        return [self._shown(i) for i in super().list_instances()]

    def settle(self) -> None:
        self.sleep((self.lag * 2).total_seconds())
        self._tick()


def _started(world: World, strategy: Strategy, crash_at: str, **options: Any) -> Any:
    plan = world.plan(strategy, SourceChoice(snapshot="shop-nightly"), **options)
    world.runbook.check_can_start(plan)
    world.crash_at = crash_at
    with pytest.raises(Crash):
        world.runbook.start(plan)
    world.crash_at = None
    return plan


def _tags(rds: Any, name: str) -> dict[str, str]:
    found = instances(rds)[name]
    return {t["Key"]: t["Value"] for t in found["TagList"]}


def test_rollback_waits_for_a_rename_in_flight(
    moto: str, rds: Any, original: dict[str, Any], tmp_path: Path
) -> None:
    clock = FakeClock()
    world = World(moto, tmp_path / "state", clock)
    plan = _started(world, Strategy.IN_PLACE, "safety-snapshot", safety_snapshot=True)
    client = make_rds_client(region=REGION, profile=None, endpoint_url=moto)
    lagging = LaggingRenames(client, clock=clock, sleep=clock.sleep)
    lagging.rename_instance("shop", plan.names.aside)  # the crashed run's rename, still in flight
    runbook = Runbook(
        rds=lagging,
        engine=world.engine,
        clock=clock,
        maintenance=world.maintenance,
        callbacks=Callbacks(),
        first_interval=1.0,
    )
    runbook.rollback("shop")
    lagging.settle()
    found = instances(rds)
    assert "shop" in found, "a rename that lands after the rollback must not take 'shop' away"
    assert found["shop"]["DbiResourceId"] == original["DbiResourceId"]
    assert not any(k.startswith("sccos-backup:run") for k in _tags(rds, "shop"))


def test_rollback_refuses_before_any_change_when_the_original_cannot_take_its_name_back(
    moto: str, rds: Any, original: dict[str, Any], tmp_path: Path
) -> None:
    from moto.rds.models import rds_backends

    world = World(moto, tmp_path / "state", FakeClock())
    plan = _started(world, Strategy.IN_PLACE, "wait")
    rds_backends[ACCOUNT][REGION].databases[plan.names.aside].status = "storage-full"
    before = aws_state(rds)
    with pytest.raises(errors.NotAvailable, match="storage-full and cannot take 'shop' back"):
        world.runbook.rollback("shop")
    assert aws_state(rds) == before, "the restored instance still serves under 'shop'"
    assert world.maintenance.calls == []


def test_a_finished_run_is_rolled_back_only_with_force_and_maintenance_on_first(
    moto: str, rds: Any, original: dict[str, Any], tmp_path: Path
) -> None:
    world = World(moto, tmp_path / "state", FakeClock())
    plan = world.plan(
        Strategy.IN_PLACE, SourceChoice(snapshot="shop-nightly"), maintenance_env="production"
    )
    world.runbook.check_can_start(plan)
    world.runbook.start(plan)
    world.maintenance.calls.clear()
    before = aws_state(rds)
    with pytest.raises(errors.PreconditionFailed, match=r"is finished.*--force"):
        world.runbook.rollback("shop")
    assert aws_state(rds) == before and world.maintenance.calls == []
    done = world.runbook.rollback("shop", force=True)
    assert world.maintenance.calls == [("production", True), ("production", False)]
    assert any(f"stay on '{plan.names.rolled_back}'" in line for line in done), done
    assert instances(rds)["shop"]["DbiResourceId"] == original["DbiResourceId"]


def test_rollback_on_a_moto_server_never_renames_an_instance_without_the_run_tags(
    moto: str, rds: Any, original: dict[str, Any], tmp_path: Path
) -> None:
    from tests.conftest import give_resource_id

    world = World(moto, tmp_path / "state", FakeClock())
    make_instance(rds, "another-shop")
    give_resource_id("another-shop", original["DbiResourceId"])  # as moto_server does
    notes: list[str] = []
    world.runbook.callbacks = Callbacks(
        notify=notes.append, after_step=world.runbook.callbacks.after_step
    )
    plan = _started(world, Strategy.IN_PLACE, "up")
    world.runbook.rollback("shop")
    found = instances(rds)
    assert "another-shop" in found, "the unrelated instance keeps its name"
    assert TAG_RUN not in _tags(rds, "another-shop")
    assert _tags(rds, "shop").get(TAG_STEP) is None
    assert plan.names.rolled_back in found, "the restored instance was renamed aside"
    assert world.runbook.rds.emulator_identity, "told apart only behind the switch"


@pytest.mark.parametrize(
    ("crash_at", "expected"),
    [
        ("safety-snapshot", []),  # stopped before maintenance was turned on: leave it alone
        ("maintenance-on", []),  # turned on but not recorded: cannot tell, leave it and say so
        ("rename-original", [("production", False)]),  # this run turned it on: turn it off
    ],
)
def test_rollback_turns_maintenance_off_only_if_this_run_turned_it_on(
    moto: str, rds: Any, original: dict[str, Any], tmp_path: Path, crash_at: str, expected: Any
) -> None:
    """An operator may have put the shop into maintenance by hand before the run: a rollback
    of a run that never turned it on leaves it as it was."""
    world = World(moto, tmp_path / "state", FakeClock())
    _started(world, Strategy.IN_PLACE, crash_at, safety_snapshot=True, maintenance_env="production")
    world.maintenance.calls.clear()
    done = World(moto, tmp_path / "state", world.clock)
    done.maintenance = world.maintenance
    done.runbook.maintenance = world.maintenance
    lines = done.runbook.rollback("shop")
    assert world.maintenance.calls == expected
    said = [line for line in lines if "maintenance" in line]
    if crash_at == "maintenance-on":
        assert said and "Maintenance_Disable_production" in said[0], lines
    assert instances(rds)["shop"]["DbiResourceId"] == original["DbiResourceId"]
