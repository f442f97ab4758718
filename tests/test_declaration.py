"""The declaration under the Pulumi SDK's mocks: exactly the original's settings, safely."""

from __future__ import annotations

import json
import runpy
import shutil
from datetime import UTC, datetime
from pathlib import Path
from types import MappingProxyType
from typing import Any

import pulumi
import pytest

from sccos_backup.aws.rds import Instance, RdsAdapter, make_rds_client
from sccos_backup.restore.fields import RESTORED_BY_TAG
from sccos_backup.restore.plan import RestoreRequest, Strategy
from sccos_backup.restore.prepare import prepare
from sccos_backup.restore.source import SourceChoice
from sccos_backup.restore.spec import PROJECT, RestoreSpec
from sccos_backup.restore.stackfile import (
    AwsTarget,
    read_stack_spec,
    stack_config,
    write_stack_file,
)
from tests import pulumi_mocks
from tests.originals import MOTO_GAPS, make_full_original

pytestmark = pytest.mark.aws_in_process

ROOT = Path(__file__).resolve().parent.parent
INSTANCE = "aws:rds/instance:Instance"
NOW = datetime(2026, 11, 25, 13, 0, tzinfo=UTC)

#: RDS request name -> the aws.rds.Instance input (camelCase, as the engine receives it).
INPUT_OF = {
    "DBInstanceClass": "instanceClass",
    "Engine": "engine",
    "EngineVersion": "engineVersion",
    "AllocatedStorage": "allocatedStorage",
    "MaxAllocatedStorage": "maxAllocatedStorage",
    "StorageType": "storageType",
    "Iops": "iops",
    "StorageThroughput": "storageThroughput",
    "StorageEncrypted": "storageEncrypted",
    "KmsKeyId": "kmsKeyId",
    "MultiAZ": "multiAz",
    "AvailabilityZone": "availabilityZone",
    "DBSubnetGroupName": "dbSubnetGroupName",
    "VpcSecurityGroupIds": "vpcSecurityGroupIds",
    "DBParameterGroupName": "parameterGroupName",
    "OptionGroupName": "optionGroupName",
    "Port": "port",
    "PubliclyAccessible": "publiclyAccessible",
    "CACertificateIdentifier": "caCertIdentifier",
    "BackupRetentionPeriod": "backupRetentionPeriod",
    "PreferredBackupWindow": "backupWindow",
    "PreferredMaintenanceWindow": "maintenanceWindow",
    "CopyTagsToSnapshot": "copyTagsToSnapshot",
    "DeletionProtection": "deletionProtection",
    "AutoMinorVersionUpgrade": "autoMinorVersionUpgrade",
    "EnableIAMDatabaseAuthentication": "iamDatabaseAuthenticationEnabled",
    "EnableCloudwatchLogsExports": "enabledCloudwatchLogsExports",
    "EnablePerformanceInsights": "performanceInsightsEnabled",
    "PerformanceInsightsKMSKeyId": "performanceInsightsKmsKeyId",
    "PerformanceInsightsRetentionPeriod": "performanceInsightsRetentionPeriod",
    "MonitoringInterval": "monitoringInterval",
    "MonitoringRoleArn": "monitoringRoleArn",
    "LicenseModel": "licenseModel",
    "NetworkType": "networkType",
    "ManageMasterUserPassword": "manageMasterUserPassword",
}


class MotoGapsAdapter(RdsAdapter):
    """moto drops Performance Insights and NetworkType; add them where AWS would report them."""

    def describe_instance(self, identifier: str) -> Instance:
        found = super().describe_instance(identifier)
        raw = {**found.raw, **MOTO_GAPS}
        return Instance.from_api(MappingProxyType(raw))


def _adapter(endpoint: str) -> RdsAdapter:
    client = make_rds_client(region="eu-central-1", profile=None, endpoint_url=endpoint)
    return MotoGapsAdapter(client, clock=lambda: NOW, sleep=lambda s: None)


def _spec(
    endpoint: str, choice: SourceChoice, strategy: Strategy = Strategy.IN_PLACE
) -> RestoreSpec:
    request = RestoreRequest("shop", choice, strategy=strategy)
    return prepare(_adapter(endpoint), request, NOW).spec


def settled(database: Any) -> Any:
    """An Output that resolves once the instance and every role association are registered."""
    return pulumi.Output.all(database.instance.urn, *[r.urn for r in database.role_associations])


def _normal(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, list):
        return sorted(_normal(v) for v in value)
    return value


def _check_exact(mocks: pulumi_mocks.RecordingMocks, expected: dict[str, Any]) -> None:
    [instance] = mocks.of_type(INSTANCE)
    inputs = instance.inputs
    for request_name, input_name in INPUT_OF.items():
        want = expected[request_name]
        got = _normal(inputs.get(input_name))
        assert got == _normal(want), f"{request_name}: declared {got!r}, original {want!r}"
    tags = dict(inputs["tags"])
    assert tags.pop(RESTORED_BY_TAG) == "202611251300", "the run's tag marks the instance"
    assert tags == {t["Key"]: t["Value"] for t in expected["Tags"]}
    roles = sorted(
        (r.inputs["roleArn"], r.inputs["featureName"])
        for r in mocks.of_type("aws:rds/roleAssociation:RoleAssociation")
    )
    assert roles == sorted((r["RoleArn"], r["FeatureName"]) for r in expected["AssociatedRoles"])


@pytest.mark.parametrize("multi_az", [True, False])
@pulumi.runtime.test
def test_declares_every_setting_of_the_original(moto: str, multi_az: bool) -> Any:
    expected = make_full_original(moto, multi_az=multi_az)
    boto = make_rds_client(region="eu-central-1", profile=None, endpoint_url=moto)
    boto.create_db_snapshot(DBInstanceIdentifier="shop", DBSnapshotIdentifier="shop-nightly")
    spec = _spec(moto, SourceChoice(snapshot="shop-nightly"))
    mocks, _ = pulumi_mocks.install()
    from sccos_backup.restore.declaration import declare

    database = declare(spec)

    def check(_: Any) -> None:
        _check_exact(mocks, expected)
        [instance] = mocks.of_type(INSTANCE)
        assert instance.inputs["identifier"] == "shop"
        assert instance.inputs["snapshotIdentifier"] == "shop-nightly"
        assert "restoreToPointInTime" not in instance.inputs
        assert instance.inputs["applyImmediately"] is True
        assert instance.inputs["skipFinalSnapshot"] is False
        assert instance.inputs["finalSnapshotIdentifier"] == "shop-final-202611251300"
        assert instance.inputs["deleteAutomatedBackups"] is False

    return settled(database).apply(check)


@pulumi.runtime.test
def test_instance_can_never_be_deleted_by_destroy_or_replacement(moto: str) -> Any:
    make_full_original(moto, multi_az=True)
    spec = _spec(moto, SourceChoice(latest=True))
    mocks, monitor = pulumi_mocks.install()
    from sccos_backup.restore.declaration import declare

    database = declare(spec)

    def check(_: Any) -> None:
        [instance] = mocks.of_type(INSTANCE)
        options = monitor.options[instance.name]
        assert options["protect"] is True
        assert options["retainOnDelete"] is True
        assert sorted(options["ignoreChanges"]) == ["restoreToPointInTime", "snapshotIdentifier"]
        for role in mocks.of_type("aws:rds/roleAssociation:RoleAssociation"):
            assert monitor.options[role.name]["type"] == "aws:rds/roleAssociation:RoleAssociation"

    return settled(database).apply(check)


@pulumi.runtime.test
def test_point_in_time_source_is_addressed_by_resource_id(moto: str) -> Any:
    make_full_original(moto, multi_az=True)
    original = _adapter(moto).describe_instance("shop")
    resource_id = original.resource_id
    when = original.latest_restorable_time
    assert when is not None
    spec = _spec(moto, SourceChoice(to_time=when), strategy=Strategy.SWAP)
    mocks, _ = pulumi_mocks.install()
    from sccos_backup.restore.declaration import declare

    database = declare(spec)

    def check(_: Any) -> None:
        [instance] = mocks.of_type(INSTANCE)
        pitr = instance.inputs["restoreToPointInTime"]
        assert pitr["sourceDbiResourceId"] == resource_id
        assert pitr["restoreTime"] == when.strftime("%Y-%m-%dT%H:%M:%SZ")
        assert "useLatestRestorableTime" not in pitr
        assert "snapshotIdentifier" not in instance.inputs
        assert instance.inputs["identifier"] == "shop-restored-202611251300"

    return settled(database).apply(check)


@pulumi.runtime.test
def test_latest_restorable_time_and_outputs(moto: str) -> Any:
    make_full_original(moto, multi_az=True)
    spec = _spec(moto, SourceChoice(latest=True))
    mocks, _ = pulumi_mocks.install()
    from sccos_backup.restore.declaration import declare

    database = declare(spec)

    def check(values: list[Any]) -> None:
        [instance] = mocks.of_type(INSTANCE)
        pitr = instance.inputs["restoreToPointInTime"]
        assert pitr["useLatestRestorableTime"] is True
        assert "restoreTime" not in pitr
        identifier, address, port, arn, resource_id = values
        assert identifier == "shop"
        assert address.startswith("shop.")
        assert port == 5433
        assert arn.endswith(":db:shop")
        assert resource_id == "db-MOCKRESOURCEID"

    inst = database.instance
    return pulumi.Output.all(
        inst.identifier, inst.address, inst.port, inst.arn, inst.resource_id
    ).apply(check)


@pulumi.runtime.test
def test_root_program_declares_exactly_the_stack_file(moto: str, tmp_path: Path) -> Any:
    """`restore capture` writes Pulumi.<stack>.yaml; __main__.py declares what it says."""
    expected = make_full_original(moto, multi_az=False)
    boto = make_rds_client(region="eu-central-1", profile=None, endpoint_url=moto)
    boto.create_db_snapshot(DBInstanceIdentifier="shop", DBSnapshotIdentifier="shop-nightly")
    spec = _spec(moto, SourceChoice(snapshot="shop-nightly"))
    shutil.copy(ROOT / "Pulumi.yaml", tmp_path / "Pulumi.yaml")
    write_stack_file(tmp_path, "restore-shop", stack_config(spec, AwsTarget(region="eu-central-1")))
    assert read_stack_spec(tmp_path, "restore-shop") == spec

    import yaml

    config = yaml.safe_load((tmp_path / "Pulumi.restore-shop.yaml").read_text())["config"]
    mocks, _ = pulumi_mocks.install(stack="restore-shop")
    pulumi.runtime.set_all_config(
        {k: v if isinstance(v, str) else json.dumps(v) for k, v in config.items()}
    )
    namespace = runpy.run_path(str(ROOT / "__main__.py"))

    def check(_: Any) -> None:
        _check_exact(mocks, expected)
        [instance] = mocks.of_type(INSTANCE)
        assert instance.inputs["identifier"] == "shop"
        assert instance.inputs["snapshotIdentifier"] == "shop-nightly"

    return settled(namespace["database"]).apply(check)


def test_stack_file_keeps_foreign_keys_and_holds_no_secret(moto: str, tmp_path: Path) -> None:
    make_full_original(moto, multi_az=True)
    spec = _spec(moto, SourceChoice(latest=True))
    shutil.copy(ROOT / "Pulumi.yaml", tmp_path / "Pulumi.yaml")
    path = tmp_path / "Pulumi.restore-shop.yaml"
    path.write_text(
        "encryptionsalt: v1:abc\nconfig:\n  other:key: kept\n  sccos-backup:target: old\n"
    )
    write_stack_file(
        tmp_path,
        "restore-shop",
        stack_config(spec, AwsTarget(region="eu-central-1", endpoint_url="http://127.0.0.1:1")),
    )
    text = path.read_text()
    assert "encryptionsalt: v1:abc" in text
    assert "other:key: kept" in text
    assert "sccos-backup:target: shop" in text
    assert "not-a-real-password" not in text and "password" not in text.lower().replace(
        "managemasteruserpassword", ""
    )
    assert f"{PROJECT}:settings" in text


#: A value for every setting the capture knows but moto cannot report (Outposts, Active
#: Directory, Database Insights...): the declaration must pass each one to pulumi-aws. Run with
#: the dependency floors (`.ci/run`), this proves the lowest pulumi-aws allowed declares them.
OPTIONAL_VALUES = {
    "manage_master_user_password": True,
    "master_user_secret_kms_key_id": "arn:aws:kms:eu-central-1:123456789012:key/secret-key",
    "dedicated_log_volume": True,
    "database_insights_mode": "advanced",
    "engine_lifecycle_support": "open-source-rds-extended-support-disabled",
    "backup_target": "region",
    "customer_owned_ip_enabled": True,
    "domain": "d-1234567890",
    "domain_iam_role_name": "rds-directory-service",
}


@pulumi.runtime.test
def test_every_captured_setting_reaches_pulumi_aws(moto: str) -> Any:
    from dataclasses import replace

    from sccos_backup.restore.fields import FIELDS

    make_full_original(moto, multi_az=False)
    spec = _spec(moto, SourceChoice(latest=True))
    spec = replace(spec, settings=replace(spec.settings, **OPTIONAL_VALUES))
    mocks, _ = pulumi_mocks.install()
    from sccos_backup.restore.declaration import declare

    database = declare(spec)

    def check(_: Any) -> None:
        [instance] = mocks.of_type(INSTANCE)
        declared = [f for f in FIELDS if f.pulumi and f.api != "Tags"]
        assert {f.attr for f in declared} >= set(OPTIONAL_VALUES)
        for field in declared:
            head, *rest = field.pulumi.split("_")
            name = head + "".join(part.capitalize() for part in rest)
            want = getattr(spec.settings, field.attr)
            if want is None:
                continue
            got = _normal(instance.inputs.get(name))
            assert got == _normal(list(want) if isinstance(want, tuple) else want), field.api

    return settled(database).apply(check)
