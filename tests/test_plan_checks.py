"""The plan tells the reviewer what a restore will really do, and refuses what it cannot do.

Pure: ``check`` and ``build_plan`` over observed describe responses, no AWS.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from sccos_backup import errors
from sccos_backup.aws.rds import Instance
from sccos_backup.aws.snapshots import Snapshot
from sccos_backup.restore.plan import RestoreRequest, build_plan
from sccos_backup.restore.preconditions import Observed, check
from sccos_backup.restore.source import SourceChoice

NOW = datetime(2026, 11, 25, 13, 0, tzinfo=UTC)
ARN = "arn:aws:rds:eu-central-1:123456789012:db:shop"
KEY = "arn:aws:kms:eu-central-1:123456789012:key/original"


def original(**extra: Any) -> Instance:
    return Instance.from_api(
        {
            "DBInstanceIdentifier": "shop",
            "DBInstanceStatus": "available",
            "DbiResourceId": "db-SHOP",
            "DBInstanceArn": ARN,
            "Engine": "postgres",
            "EngineVersion": "13.7",
            "AllocatedStorage": 50,
            "DBInstanceClass": "db.t3.medium",
            "StorageEncrypted": True,
            "KmsKeyId": KEY,
            **extra,
        }
    )


def snapshot(**extra: Any) -> Snapshot:
    return Snapshot.from_api(
        {
            "DBSnapshotIdentifier": "shop-nightly",
            "DBSnapshotArn": "arn:aws:rds:eu-central-1:123456789012:snapshot:shop-nightly",
            "DBInstanceIdentifier": "shop",
            "DbiResourceId": "db-SHOP",
            "Status": "available",
            "Engine": "postgres",
            "EngineVersion": "13.7",
            "AllocatedStorage": 50,
            "Encrypted": True,
            "KmsKeyId": KEY,
            **extra,
        }
    )


def observed(instance: Instance, snap: Snapshot | None) -> Observed:
    return Observed(instance, snap, None, None, {})


SNAP = SourceChoice(snapshot="shop-nightly")


def test_a_snapshot_under_another_kms_key_is_refused() -> None:
    other = snapshot(KmsKeyId="arn:aws:kms:eu-central-1:123456789012:key/other")
    with pytest.raises(errors.Incompatible, match=r"KMS key .*key/other.*copy-db-snapshot"):
        check("shop", SNAP, observed(original(), other))
    check("shop", SNAP, observed(original(), snapshot()))


def test_a_cluster_member_is_refused() -> None:
    with pytest.raises(errors.Incompatible, match="member of DB cluster 'shop-cluster'"):
        check("shop", SNAP, observed(original(DBClusterIdentifier="shop-cluster"), snapshot()))


@pytest.mark.parametrize(
    "arn",
    [
        "arn:aws:rds:us-east-1:123456789012:snapshot:shop-nightly",
        "arn:aws:rds:eu-central-1:999999999999:snapshot:shop-nightly",
    ],
    ids=["region", "account"],
)
def test_a_snapshot_arn_of_another_region_or_account_is_refused(arn: str) -> None:
    with pytest.raises(errors.Incompatible, match="copy the snapshot into the target"):
        check("shop", SourceChoice(snapshot=arn), observed(original(), snapshot()))
    same = "arn:aws:rds:eu-central-1:123456789012:snapshot:shop-nightly"
    check("shop", SourceChoice(snapshot=same), observed(original(), snapshot()))


def test_an_older_engine_version_and_a_managed_password_are_warned_about() -> None:
    managed = original(MasterUserSecret={"SecretArn": "arn:aws:secretsmanager:x", "KmsKeyId": KEY})
    plan = build_plan(
        RestoreRequest("shop", SNAP), observed(managed, snapshot(EngineVersion="13.4")), NOW
    )
    text = "\n".join(plan.warnings)
    assert "13.4" in text and "13.7" in text and "upgrades" in text
    assert "new password" in text and "restore cleanup" in text
    quiet = build_plan(RestoreRequest("shop", SNAP), observed(original(), snapshot()), NOW)
    assert not any("upgrades" in w or "Secrets Manager" in w for w in quiet.warnings)
