"""The runbook end to end against moto with the in-process engine; crash, resume, rollback."""

from __future__ import annotations

import functools
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from automation.runbook.runbook import DONE, TAG_STEP, Callbacks, Runbook
from sccos_backup import errors
from sccos_backup.aws.rds import RdsAdapter, make_rds_client
from sccos_backup.restore.fields import RESTORED_BY_TAG
from sccos_backup.restore.lock import DatabaseLock, FileLockStore, backend_identity
from sccos_backup.restore.plan import RestoreRequest, Strategy
from sccos_backup.restore.prepare import prepare
from sccos_backup.restore.source import SourceChoice
from sccos_backup.restore.verify import differences
from tests.conftest import FakeClock, make_instance
from tests.inprocess_engine import InProcessEngine, Killed

pytestmark = pytest.mark.aws_in_process


class Crash(BaseException):
    """A simulated crash: not an Exception, so nothing on the way catches it."""


class DyingLockStore(FileLockStore):
    """The backend's lock folder as a dying process leaves it: a kill or crash runs no
    ``finally``, so the lock it held stays behind (``restore resume`` must take it over)."""

    def delete(self, key: str) -> None:
        if isinstance(sys.exc_info()[1], Crash | Killed):
            return
        super().delete(key)


@functools.cache
def gone_holder() -> str:
    """A lock holder on this host whose process has ended, as a killed run leaves it."""
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return f"tester@{socket.gethostname()} pid {process.pid}"


class RecordingMaintenance:
    def __init__(self) -> None:
        self.calls: list[tuple[str, bool]] = []

    def check_pipelines_exist(self, env: str) -> None:
        self.calls.append((f"check {env}", True))

    def set_maintenance(self, env: str, on: bool, *, timeout: float, on_poll: Any = None) -> None:
        self.calls.append((env, on))


@pytest.fixture
def original(rds: Any) -> dict[str, Any]:
    rds.create_db_parameter_group(
        DBParameterGroupName="shop-pg13", DBParameterGroupFamily="postgres13", Description="db"
    )
    created = make_instance(
        rds,
        MultiAZ=True,
        DBParameterGroupName="shop-pg13",
        DeletionProtection=True,
        CopyTagsToSnapshot=True,
        PreferredBackupWindow="01:30-02:00",
        PreferredMaintenanceWindow="tue:03:00-tue:03:30",
        EnableCloudwatchLogsExports=["postgresql"],
        Tags=[{"Key": "Environment", "Value": "production"}, {"Key": "team", "Value": "a&b"}],
    )
    rds.create_db_snapshot(DBInstanceIdentifier="shop", DBSnapshotIdentifier="shop-nightly")
    return created


class World:
    """Everything one run needs, built afresh as a new process (or machine) would."""

    def __init__(self, moto: str, state: Path, clock: FakeClock) -> None:
        self.clock = clock
        client = make_rds_client(region="eu-central-1", profile=None, endpoint_url=moto)
        self.rds = RdsAdapter(client, clock=clock, sleep=clock.sleep)
        self.engine = InProcessEngine(moto, state)
        self.maintenance = RecordingMaintenance()
        self.resyncs: list[str] = []
        self.crash_at: str | None = None

        def after_step(key: str) -> None:
            if key == self.crash_at:
                raise Crash(key)

        backend = state / "backend"
        self.lock = DatabaseLock(
            DyingLockStore(backend),
            backend=backend_identity(f"file://{backend}"),
            clock=clock,
            holder=gone_holder(),
        )
        self.runbook = Runbook(
            rds=self.rds,
            engine=self.engine,
            clock=clock,
            maintenance=self.maintenance,
            resync=lambda out: self.resyncs.append("sync:data"),
            callbacks=Callbacks(after_step=after_step),
            first_interval=1.0,
            backend=self.lock.backend,
            lock=self.lock,
        )

    def plan(self, strategy: Strategy, choice: SourceChoice, **options: Any) -> Any:
        request = RestoreRequest("shop", choice, strategy=strategy, **options)
        return prepare(self.rds, request, self.clock())


def instances(rds: Any) -> dict[str, dict[str, Any]]:
    return {d["DBInstanceIdentifier"]: d for d in rds.describe_db_instances()["DBInstances"]}


def assert_restored(rds: Any, original: dict[str, Any], plan: Any) -> None:
    found = instances(rds)
    restored = found["shop"]
    assert restored["DbiResourceId"] != original["DbiResourceId"], "'shop' must be the restored one"
    aside = found[plan.names.aside]
    assert aside["DbiResourceId"] == original["DbiResourceId"], "the original is kept, renamed"
    assert differences(plan.spec.settings, restored) == []
    tags = {t["Key"]: t["Value"] for t in restored["TagList"]}
    assert tags == {
        "Environment": "production",
        "team": "a&b",
        RESTORED_BY_TAG: plan.names.run_id,
    }
    assert {t["Key"]: t["Value"] for t in aside["TagList"]}[TAG_STEP] == DONE
    assert plan.names.temporary not in found


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


def _steps(strategy: Strategy) -> list[str]:
    from sccos_backup.restore.plan import Names, build_steps
    from sccos_backup.restore.source import SnapshotSource

    request = RestoreRequest(
        "shop",
        SourceChoice(snapshot="x"),
        strategy=strategy,
        maintenance_env="production",
        safety_snapshot=True,
    )
    names = Names.from_run_id("shop", "1")
    return [s.key for s in build_steps(request, names, SnapshotSource("x"))][1:]


MATRIX = [(strategy, key) for strategy in Strategy for key in _steps(strategy)]


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
    keys = _steps(strategy)  # maintenance off only where this run had turned it on
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
