"""`restore plan` and `restore capture` against moto, and every precondition's refusal."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from automation.cli import app
from sccos_backup.restore.fields import BY_API
from tests.conftest import aws_state, make_instance, make_protected_shop, one_error_line
from tests.support.factory import FakeFactory

pytestmark = pytest.mark.aws_in_process

ROOT = Path(__file__).resolve().parent.parent
NOW = datetime(2026, 11, 25, 13, 0, tzinfo=UTC)
REQUIRED = [f.api for f in BY_API.values() if f.required]


#: `restore plan` here: no Pulumi CLI, passphrase nor Jenkins, so doctor's checks fail; the plan
#: is shown all the same.
NOT_READY = 3


def run(moto: str, *args: str, now: datetime = NOW) -> Any:
    runner = CliRunner()
    context = FakeFactory(clock=lambda: now, sleep=lambda s: None, interactive=False)
    return runner.invoke(
        app, ["--endpoint-url", moto, "--region", "eu-central-1", *args], obj=context
    )


@pytest.fixture
def shop(rds: Any) -> dict[str, Any]:
    original = make_protected_shop(
        rds,
        Tags=[{"Key": "Environment", "Value": "production"}, {"Key": "team", "Value": "a&b"}],
    )
    rds.create_db_snapshot(DBInstanceIdentifier="shop", DBSnapshotIdentifier="shop-nightly")
    return original


def test_plan_json_shows_every_setting(moto: str, shop: dict[str, Any]) -> None:
    result = run(moto, "restore", "plan", "shop", "--snapshot", "shop-nightly", "--json")
    assert result.exit_code == NOT_READY, result.output
    plan = json.loads(result.stdout)
    assert plan["target"] == "shop"
    assert plan["source"]["snapshotIdentifier"] == "shop-nightly"
    keys = [step["key"] for step in plan["steps"]]
    assert keys == ["preconditions", "rename-original", "up", "wait", "verify", "resync"]
    settings = plan["settings"]
    assert set(REQUIRED) <= set(settings)
    assert settings["MultiAZ"] is True
    assert settings["AvailabilityZone"] is None
    assert settings["DBParameterGroupName"] == "shop-pg13"
    assert settings["DeletionProtection"] is True
    assert settings["DBInstanceClass"] == "db.t3.medium"
    assert settings["AllocatedStorage"] == 50
    assert settings["Tags"] == [
        {"Key": "Environment", "Value": "production"},
        {"Key": "team", "Value": "a&b"},
    ]
    assert plan["renameOriginalTo"] == "shop-pre-restore-202611251300"


def test_plan_swap_restores_aside_first(moto: str, shop: dict[str, Any]) -> None:
    result = run(moto, "restore", "plan", "shop", "--latest", "--strategy", "swap", "--json")
    assert result.exit_code == NOT_READY, result.output
    plan = json.loads(result.stdout)
    assert plan["target"] == "shop"
    assert plan["restoreAs"] == "shop-restored-202611251300"
    keys = [step["key"] for step in plan["steps"]]
    assert keys.index("up") < keys.index("rename-original") < keys.index("cut-over")
    assert plan["source"]["sourceDbiResourceId"] == shop["DbiResourceId"]


def test_plan_table_is_readable(moto: str, shop: dict[str, Any]) -> None:
    result = run(moto, "restore", "plan", "shop", "--snapshot", "shop-nightly")
    assert result.exit_code == NOT_READY, result.output
    out = result.stdout
    assert "Restore plan for shop" in out
    assert "Rename 'shop' to 'shop-pre-restore-202611251300'" in out
    for name in ("DBParameterGroupName", "MultiAZ", "DeletionProtection", "Tags"):
        assert name in out
    assert "shop-pg13" in out


def test_capture_writes_the_stack_file(moto: str, shop: dict[str, Any], tmp_path: Path) -> None:
    shutil.copy(ROOT / "Pulumi.yaml", tmp_path)
    result = run(
        moto,
        "restore",
        "capture",
        "shop",
        "--snapshot",
        "shop-nightly",
        "--stack",
        "restore-shop",
        "--work-dir",
        str(tmp_path),
    )
    assert result.exit_code == 0, result.output
    import yaml

    config = yaml.safe_load((tmp_path / "Pulumi.restore-shop.yaml").read_text())["config"]
    assert config["sccos-backup:target"] == "shop"
    assert config["sccos-backup:settings"]["DBParameterGroupName"] == "shop-pg13"
    assert config["aws:region"] == "eu-central-1"
    assert config["aws:endpoints"] == [{s: moto for s in ("rds", "sts", "iam", "kms", "ec2")}]
    assert "not-a-real-password" not in (tmp_path / "Pulumi.restore-shop.yaml").read_text()


# -- every precondition refuses with one line and changes nothing -------------------------------


def refused(
    moto: str,
    rds: Any,
    args: list[str],
    code: int,
    *needles: str,
    now: datetime = NOW,
    tmp: Path | None = None,
) -> None:
    before = aws_state(rds)
    result = run(moto, "restore", "plan", *args, now=now)
    one_error_line(result, code, *needles)
    if tmp is not None:
        shutil.copy(ROOT / "Pulumi.yaml", tmp)
        captured = run(moto, "restore", "capture", *args, "--work-dir", str(tmp), now=now)
        one_error_line(captured, code, *needles)
        assert not list(tmp.glob("Pulumi.*.yaml"))[1:], "no stack file was written"
    assert aws_state(rds) == before


def test_refuses_invalid_instance_identifier(
    moto: str, rds: Any, shop: Any, tmp_path: Path
) -> None:
    refused(moto, rds, ["shop--1", "--latest"], 2, "shop--1", "invalid", tmp=tmp_path)
    refused(moto, rds, ["1shop", "--latest"], 2, "start with a letter")
    refused(moto, rds, ["a" * 64, "--latest"], 2, "at most 63")


def test_refuses_invalid_snapshot_identifier(moto: str, rds: Any, shop: Any) -> None:
    refused(moto, rds, ["shop", "--snapshot", "nightly-"], 2, "nightly-", "hyphen")
    refused(moto, rds, ["shop", "--snapshot", "arn:aws:s3:::bucket"], 2, "not a DB snapshot ARN")


def test_refuses_conflicting_or_missing_source(moto: str, rds: Any, shop: Any) -> None:
    refused(moto, rds, ["shop"], 2, "choose exactly one")
    refused(
        moto, rds, ["shop", "--latest", "--snapshot", "shop-nightly"], 2, "--snapshot and --latest"
    )
    refused(moto, rds, ["shop", "--to-time", "yesterday"], 2, "ISO 8601")


def test_refuses_missing_original(moto: str, rds: Any, shop: Any, tmp_path: Path) -> None:
    refused(moto, rds, ["shopx", "--latest"], 3, "'shopx' does not exist", tmp=tmp_path)


def test_refuses_original_not_available(moto: str, rds: Any, shop: Any) -> None:
    rds.stop_db_instance(DBInstanceIdentifier="shop")
    refused(moto, rds, ["shop", "--snapshot", "shop-nightly"], 3, "'stopped', not available")


def test_refuses_missing_snapshot(moto: str, rds: Any, shop: Any) -> None:
    refused(moto, rds, ["shop", "--snapshot", "nope"], 3, "snapshot 'nope' does not exist")


def test_refuses_snapshot_of_another_engine(moto: str, rds: Any, shop: Any) -> None:
    make_instance(rds, "other", Engine="mysql", EngineVersion="8.0.35")
    rds.create_db_snapshot(DBInstanceIdentifier="other", DBSnapshotIdentifier="other-snap")
    refused(moto, rds, ["shop", "--snapshot", "other-snap"], 3, "engine mysql", "same engine")


def test_refuses_storage_smaller_than_snapshot(moto: str, rds: Any, shop: Any) -> None:
    make_instance(rds, "big", AllocatedStorage=200)
    rds.create_db_snapshot(DBInstanceIdentifier="big", DBSnapshotIdentifier="big-snap")
    refused(moto, rds, ["shop", "--snapshot", "big-snap"], 3, "200 GiB", "50 GiB")


def test_refuses_time_outside_the_window(moto: str, rds: Any, shop: Any) -> None:
    latest = rds.describe_db_instances(DBInstanceIdentifier="shop")["DBInstances"][0][
        "LatestRestorableTime"
    ]
    before_creation = (latest - timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M:%SZ")
    future = (latest + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    refused(moto, rds, ["shop", "--to-time", before_creation], 3, "outside the restorable window")
    refused(moto, rds, ["shop", "--to-time", future], 3, "outside the restorable window")


def test_refuses_point_in_time_without_backups(moto: str, rds: Any) -> None:
    make_instance(rds, "nobackup", BackupRetentionPeriod=0)
    refused(moto, rds, ["nobackup", "--latest"], 3, "no point-in-time recovery")


def test_refuses_when_the_rename_target_is_taken(moto: str, rds: Any, shop: Any) -> None:
    make_instance(rds, "shop-pre-restore-202611251300")
    refused(
        moto,
        rds,
        ["shop", "--snapshot", "shop-nightly"],
        3,
        "'shop-pre-restore-202611251300' is already in use",
    )


def test_refuses_swap_when_the_temporary_name_is_taken(moto: str, rds: Any, shop: Any) -> None:
    make_instance(rds, "shop-restored-202611251300")
    refused(
        moto,
        rds,
        ["shop", "--latest", "--strategy", "swap"],
        3,
        "'shop-restored-202611251300' is already in use",
    )


def test_refuses_snapshot_version_outside_the_parameter_family(
    moto: str, rds: Any, shop: Any
) -> None:
    make_instance(rds, "old", EngineVersion="12.15")
    rds.create_db_snapshot(DBInstanceIdentifier="old", DBSnapshotIdentifier="old-pg12")
    refused(moto, rds, ["shop", "--snapshot", "old-pg12"], 3, "postgres12", "shop-pg13")


def test_refuses_snapshot_with_other_encryption(moto: str, rds: Any, shop: Any) -> None:
    make_instance(rds, "enc", StorageEncrypted=True, KmsKeyId="arn:aws:kms:eu-central-1:1:key/x")
    rds.create_db_snapshot(DBInstanceIdentifier="enc", DBSnapshotIdentifier="enc-snap")
    refused(moto, rds, ["shop", "--snapshot", "enc-snap"], 3, "encrypted")


def test_refuses_unreachable_endpoint(aws_env: None, monkeypatch: pytest.MonkeyPatch) -> None:
    # One attempt: that a refused connection is retried with backoff is test_network's to prove.
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    result = run("http://127.0.0.1:9", "restore", "plan", "shop", "--latest")
    one_error_line(result, 1, "cannot reach the RDS endpoint")


def test_capture_refuses_without_a_pulumi_project(moto: str, shop: Any, tmp_path: Path) -> None:
    result = run(moto, "restore", "capture", "shop", "--latest", "--work-dir", str(tmp_path))
    one_error_line(result, 2, "no Pulumi.yaml")


def test_capture_refuses_another_pulumi_project(moto: str, shop: Any, tmp_path: Path) -> None:
    (tmp_path / "Pulumi.yaml").write_text("name: sccos-backup-schedule\nruntime: python\n")
    result = run(moto, "restore", "capture", "shop", "--latest", "--work-dir", str(tmp_path))
    one_error_line(result, 2, "is project 'sccos-backup-schedule', not 'sccos-backup'")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["Pulumi.yaml"]


def test_plan_accepts_a_snapshot_arn(moto: str, shop: dict[str, Any]) -> None:
    arn = "arn:aws:rds:eu-central-1:123456789012:snapshot:shop-nightly"
    result = run(moto, "restore", "plan", "shop", "--snapshot", arn, "--json")
    assert result.exit_code == NOT_READY, result.output
    assert json.loads(result.stdout)["source"]["snapshotIdentifier"] == "shop-nightly"
