"""One restore run's world for the runbook tests: moto, the in-process engine, a lock backend and
a switch that crashes the run after a chosen step."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from automation.runbook.runbook import DONE, TAG_STEP, Callbacks, Runbook
from sccos_backup.aws.rds import RdsAdapter, make_rds_client
from sccos_backup.objects import FolderStore
from sccos_backup.restore.fields import RESTORED_BY_TAG
from sccos_backup.restore.lock import DatabaseLock, backend_identity
from sccos_backup.restore.plan import RestoreRequest, Strategy
from sccos_backup.restore.prepare import prepare
from sccos_backup.restore.source import SourceChoice
from sccos_backup.restore.verify import differences
from tests.conftest import FakeClock, make_protected_shop
from tests.inprocess_engine import InProcessEngine, Killed


class Crash(BaseException):
    """A simulated crash: not an Exception, so nothing on the way catches it."""


class DyingLockStore(FolderStore):
    """The backend's lock folder as a dying process leaves it: a kill or crash runs no
    ``finally``, so the lock it held stays behind (``restore resume`` must take it over)."""

    def delete(self, key: str) -> None:
        if isinstance(sys.exc_info()[1], Crash | Killed):
            return
        super().delete(key)


def gone_holder() -> str:
    """A lock holder on this host whose process has ended, as a killed run leaves it."""
    return f"tester@{socket.gethostname()} pid {gone_pid()}"


class RecordingMaintenance:
    def __init__(self) -> None:
        self.calls: list[tuple[str, bool]] = []

    def check_pipelines_exist(self, env: str) -> None:
        self.calls.append((f"check {env}", True))

    def set_maintenance(self, env: str, on: bool, *, timeout: float, on_poll: Any = None) -> None:
        self.calls.append((env, on))


@pytest.fixture
def original(rds: Any) -> dict[str, Any]:
    created = make_protected_shop(
        rds,
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


def step_keys(strategy: Strategy) -> list[str]:
    """The keys of a run's steps after the first, in order: the crash matrix's points."""
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


#: Every (strategy, step) a run can crash after.
MATRIX = [(strategy, key) for strategy in Strategy for key in step_keys(strategy)]


def crashed(world: World, crash_at: str, **options: Any) -> Any:
    """An in-place run from 'shop-nightly' that crashed after step ``crash_at``; its plan."""
    plan = world.plan(Strategy.IN_PLACE, SourceChoice(snapshot="shop-nightly"), **options)
    world.runbook.check_can_start(plan)
    world.crash_at = crash_at
    with pytest.raises(Crash):
        world.runbook.start(plan)
    world.crash_at = None
    return plan


def gone_pid() -> int:
    """A pid no process has, as a killed run's pid is once it is reaped.

    Linux allocates pids below ``/proc/sys/kernel/pid_max``, so that value itself is never a live
    process. The pid of a child that ended is not stable: on a busy machine the kernel gives it to
    a new process within seconds (pid_max is 32768 here), and a lock naming it then looks held.
    """
    try:
        return int(Path("/proc/sys/kernel/pid_max").read_text())
    except (OSError, ValueError):  # not Linux: a reaped child, the best there is
        process = subprocess.Popen([sys.executable, "-c", "pass"])
        process.wait()
        return process.pid
