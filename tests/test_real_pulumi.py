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
