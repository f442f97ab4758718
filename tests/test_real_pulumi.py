"""The real engine end to end: Pulumi CLI + aws plugin + AutomationEngine against moto.

Needs the Pulumi CLI on PATH and the aws resource plugin matching the installed pulumi-aws
(``pulumi plugin install resource aws v$(python -c 'import importlib.metadata as m;
print(m.version("pulumi_aws"))')``). Skipped elsewhere; run with ``pytest -m pulumi_cli``.
State goes to a temporary file backend with a test passphrase; nothing touches real AWS.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from automation.engine.automation_api import AutomationEngine
from sccos_backup.restore.settings import InstanceSettings
from sccos_backup.restore.source import SnapshotSource
from sccos_backup.restore.spec import OUTPUT_IDENTIFIER, RestoreSpec
from sccos_backup.restore.stackfile import AwsTarget
from tests.conftest import REGION, make_instance

ROOT = Path(__file__).resolve().parent.parent
TARGET = "shop-restored-it"

pytestmark = [
    pytest.mark.pulumi_cli,
    pytest.mark.skipif(
        shutil.which("pulumi") is None,
        reason="needs the Pulumi CLI on PATH and its aws plugin; install both, run -m pulumi_cli",
    ),
]


def test_up_restores_the_snapshot_into_moto_and_a_second_preview_is_clean(
    moto: str, rds: Any, tmp_path: Path
) -> None:
    make_instance(rds, MultiAZ=True, DeletionProtection=False, CopyTagsToSnapshot=True)
    rds.create_db_snapshot(DBInstanceIdentifier="shop", DBSnapshotIdentifier="shop-it-snapshot")
    described = rds.describe_db_instances(DBInstanceIdentifier="shop")["DBInstances"][0]
    spec = RestoreSpec(
        target_identifier=TARGET,
        original_identifier="shop",
        source=SnapshotSource("shop-it-snapshot"),
        settings=InstanceSettings.capture(described),
        final_snapshot_identifier=f"{TARGET}-final",
    )
    work_dir = tmp_path / "project"
    work_dir.mkdir()
    shutil.copy(ROOT / "Pulumi.yaml", work_dir / "Pulumi.yaml")
    notices: list[str] = []
    engine = AutomationEngine(
        work_dir=work_dir,
        backend_url=None,
        passphrase="integration-test-passphrase",
        aws=AwsTarget(region=REGION, endpoint_url=moto),
        data_dir=tmp_path / "data",
        on_notice=notices.append,
    )
    lines: list[str] = []

    engine.ensure_ready()
    outputs = engine.up("it", spec, lines.append)

    assert notices == []  # the CLI on PATH was used
    assert outputs[OUTPUT_IDENTIFIER] == TARGET
    [restored] = rds.describe_db_instances(DBInstanceIdentifier=TARGET)["DBInstances"]
    assert restored["DBInstanceClass"] == described["DBInstanceClass"]
    assert restored["Engine"] == "postgres"
    assert restored["AllocatedStorage"] == described["AllocatedStorage"]
    assert restored["MultiAZ"] is True
    assert restored["BackupRetentionPeriod"] == described["BackupRetentionPeriod"]
    assert {t["Key"]: t["Value"] for t in restored["TagList"]} == {
        t["Key"]: t["Value"] for t in described["TagList"]
    }
    assert engine.outputs("it") == outputs
    assert engine.outputs("never-created") is None

    assert engine.preview_changes("it", spec, lines.append) == 0


# -- the fragile paths (point in time, swap with a role, a kill during up), on the real engine ---


def _real_world(moto: str, tmp_path: Path, notices: list[str]) -> Any:
    """The runbook test world (tests/support/world.py) with the real engine in place of the
    in-process one."""
    from tests.conftest import FakeClock
    from tests.support.world import World

    work_dir = tmp_path / "project"
    work_dir.mkdir(exist_ok=True)
    shutil.copy(ROOT / "Pulumi.yaml", work_dir / "Pulumi.yaml")
    world = World(moto, tmp_path / "unused", FakeClock())
    engine = AutomationEngine(
        work_dir=work_dir,
        backend_url=f"file://{tmp_path / 'state'}",
        passphrase="integration-test-passphrase",
        aws=AwsTarget(region=REGION, endpoint_url=moto),
        data_dir=tmp_path / "data",
        on_notice=notices.append,
    )
    world.engine = engine
    world.runbook.engine = engine
    return world


def _original(rds: Any, **extra: Any) -> dict[str, Any]:
    created = make_instance(
        rds,
        MultiAZ=True,
        DeletionProtection=False,
        PreferredBackupWindow="01:30-02:00",
        PreferredMaintenanceWindow="tue:03:00-tue:03:30",
        **extra,
    )
    rds.create_db_snapshot(DBInstanceIdentifier="shop", DBSnapshotIdentifier="shop-nightly")
    return created


def test_point_in_time_restore_converges_in_place(moto: str, rds: Any, tmp_path: Path) -> None:
    from sccos_backup.restore.plan import Strategy
    from sccos_backup.restore.source import SourceChoice
    from tests.support.world import assert_restored

    original = _original(rds)
    world = _real_world(moto, tmp_path, [])
    plan = world.plan(Strategy.IN_PLACE, SourceChoice(latest=True))
    world.runbook.check_can_start(plan)
    world.runbook.start(plan)
    assert_restored(rds, original, plan)


def test_swap_with_an_iam_role_survives_the_cut_over(moto: str, rds: Any, tmp_path: Path) -> None:
    from sccos_backup.restore.plan import Strategy
    from sccos_backup.restore.source import SourceChoice
    from tests.originals import S3_ROLE

    original = _original(rds)
    rds.add_role_to_db_instance(
        DBInstanceIdentifier="shop", RoleArn=S3_ROLE, FeatureName="s3Import"
    )
    world = _real_world(moto, tmp_path, [])
    plan = world.plan(Strategy.SWAP, SourceChoice(snapshot="shop-nightly"))
    world.runbook.check_can_start(plan)
    world.runbook.start(plan)
    [restored] = rds.describe_db_instances(DBInstanceIdentifier="shop")["DBInstances"]
    assert restored["DbiResourceId"] != original["DbiResourceId"]
    assert [r["RoleArn"] for r in restored["AssociatedRoles"]] == [S3_ROLE]


def _interrupt_run_once_restored(moto: str, rds: Any, tmp_path: Path, signum: int) -> Any:
    """Start `restore run` in a child, send ``signum`` to it once the restored instance exists
    (the provider is then in its wait for `available`), wait for it; the command and env."""
    import os
    import signal
    import subprocess
    import sys
    import time

    from sccos_backup.restore.fields import RESTORED_BY_TAG

    _original(rds)
    _real_world(moto, tmp_path, [])  # the project folder
    env = {
        **os.environ,
        "PULUMI_BACKEND_URL": f"file://{tmp_path / 'state'}",
        "PULUMI_CONFIG_PASSPHRASE": "integration-test-passphrase",
        "AWS_ENDPOINT_URL": moto,
    }
    command = [
        *(sys.executable, "-c", "from automation.cli import main; main()"),
        *("restore", "run", "shop", "--snapshot", "shop-nightly", "--yes", "--no-resync"),
        *("--work-dir", str(tmp_path / "project")),
    ]
    child = subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and child.poll() is None:
        found = rds.describe_db_instances()["DBInstances"]
        if any(  # moto_server gives every instance one DbiResourceId: tell them by tag
            d["DBInstanceIdentifier"] == "shop"
            and any(t["Key"] == RESTORED_BY_TAG for t in d.get("TagList") or ())
            for d in found
        ):
            break
        time.sleep(0.05)
    if signum == signal.SIGKILL:  # the whole command: driver and Pulumi CLI
        os.killpg(child.pid, signum)
    else:  # the driver only: it forwards SIGINT to the Pulumi CLI
        child.send_signal(signum)
    child.wait(timeout=600)
    return child, command, env


def test_a_graceful_cancel_during_the_create_wait_is_resumed_without_an_import(
    moto: str, rds: Any, tmp_path: Path
) -> None:
    """Ctrl-C (forwarded to the Pulumi CLI) while pulumi-aws waits for `available`: the
    provider has saved the instance's id, so the stack holds it with init errors; `restore
    resume` updates it in place and never imports it (an import by identifier would be an
    import-replacement)."""
    import signal
    import subprocess

    from sccos_backup.restore.fields import RESTORED_BY_TAG

    child, command, env = _interrupt_run_once_restored(moto, rds, tmp_path, signal.SIGINT)
    assert child.returncode == 130
    resume = [*command[:3], "restore", "resume", "shop", "--no-resync", *command[-2:]]
    resumed = subprocess.run(
        resume, cwd=ROOT, env=env, check=False, timeout=900, capture_output=True, text=True
    )
    assert resumed.returncode == 0, resumed.stderr
    assert "adopting" not in resumed.stdout + resumed.stderr
    found = {d["DBInstanceIdentifier"]: d for d in rds.describe_db_instances()["DBInstances"]}
    assert RESTORED_BY_TAG in {t["Key"] for t in found["shop"]["TagList"]}
    assert len(found) == 2, "the original and one restored instance: never created twice"


def test_a_kill_during_up_is_resumed_by_adopting(moto: str, rds: Any, tmp_path: Path) -> None:
    """SIGKILL the whole `restore run` (driver and Pulumi CLI) once the restored instance
    exists, then `restore resume` (no `restore unlock`: it takes over the lock its run left):
    the instance is adopted, not created twice."""
    import signal
    import subprocess

    from sccos_backup.restore.fields import RESTORED_BY_TAG

    _, command, env = _interrupt_run_once_restored(moto, rds, tmp_path, signal.SIGKILL)
    resume = [*command[:3], "restore", "resume", "shop", "--no-resync", *command[-2:]]
    resumed = subprocess.run(resume, cwd=ROOT, env=env, check=False, timeout=900)
    assert resumed.returncode == 0
    found = {d["DBInstanceIdentifier"]: d for d in rds.describe_db_instances()["DBInstances"]}
    tags = {t["Key"] for t in found["shop"]["TagList"]}
    assert RESTORED_BY_TAG in tags, "'shop' is the restored instance"
    assert len(found) == 2, "the original and one restored instance: never created twice"
