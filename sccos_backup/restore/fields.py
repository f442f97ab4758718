"""How each setting of an RDS instance is read from DescribeDBInstances and declared.

:data:`FIELDS` maps every setting, named by its RDS request parameter, to where the describe call
reports it and to the pulumi-aws ``aws.rds.Instance`` argument that declares it; the decisions
behind the list are in :mod:`sccos_backup.restore.settings`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

#: Storage size (GiB) from which gp3 Iops and throughput can be set, by engine prefix.
GP3_THRESHOLD = {"oracle": 200, "sqlserver": 20}
GP3_DEFAULT_THRESHOLD = 400

Tag = tuple[str, str]
Role = tuple[str, str]  # (RoleArn, FeatureName)


def _first(raw: Mapping[str, Any], key: str, inner: str) -> Any:
    items = raw.get(key) or ()
    return items[0].get(inner) if items else None


def _ids(raw: Mapping[str, Any]) -> tuple[str, ...]:
    return tuple(sorted(str(g["VpcSecurityGroupId"]) for g in raw.get("VpcSecurityGroups") or ()))


#: Tags a restore run puts on the original to record its progress; never copied.
RUN_TAG_PREFIX = "sccos-backup:run"
#: Tags a restore drill adds to its copy to record its progress (not declared); never copied.
DRILL_PROGRESS_PREFIX = "sccos-backup:drill-progress"
PROGRESS_PREFIXES = (RUN_TAG_PREFIX, DRILL_PROGRESS_PREFIX)
#: The tag a restore run declares on the instance it restores (value: the run id). It is not
#: under :data:`RUN_TAG_PREFIX`, so a restored instance never looks like a run's original, and
#: an instance created by an interrupted ``pulumi up`` is recognised by it. Never copied either.
RESTORED_BY_TAG = "sccos-backup:restored-by-run"


def _tags(raw: Mapping[str, Any]) -> tuple[Tag, ...]:
    return tuple(
        (str(t["Key"]), str(t.get("Value", "")))
        for t in raw.get("TagList") or ()
        if not str(t["Key"]).startswith(PROGRESS_PREFIXES) and str(t["Key"]) != RESTORED_BY_TAG
    )


def _roles(raw: Mapping[str, Any]) -> tuple[Role, ...]:
    return tuple(
        sorted(
            (str(r["RoleArn"]), str(r.get("FeatureName", "")))
            for r in raw.get("AssociatedRoles") or ()
            if r.get("Status", "ACTIVE") != "INVALID"
        )
    )


def _port(raw: Mapping[str, Any]) -> int | None:
    endpoint = raw.get("Endpoint") or {}
    port = endpoint.get("Port") or raw.get("DbInstancePort")
    return int(port) if port else None


def _gp3_baseline(raw: Mapping[str, Any]) -> bool:
    if raw.get("StorageType") != "gp3":
        return False
    engine = str(raw.get("Engine", ""))
    threshold = next(
        (v for k, v in GP3_THRESHOLD.items() if engine.startswith(k)), GP3_DEFAULT_THRESHOLD
    )
    return int(raw.get("AllocatedStorage", 0)) < threshold


def _iops(raw: Mapping[str, Any]) -> int | None:
    if _gp3_baseline(raw) or raw.get("StorageType") not in {"io1", "io2", "gp3"}:
        return None
    value = raw.get("Iops")
    return int(value) if value is not None else None


def _throughput(raw: Mapping[str, Any]) -> int | None:
    if _gp3_baseline(raw) or raw.get("StorageType") != "gp3":
        return None
    value = raw.get("StorageThroughput")
    return int(value) if value is not None else None


def _az(raw: Mapping[str, Any]) -> str | None:
    return None if raw.get("MultiAZ") else raw.get("AvailabilityZone")


def _secret_kms(raw: Mapping[str, Any]) -> str | None:
    secret = raw.get("MasterUserSecret") or {}
    return secret.get("KmsKeyId")


def _optional_int(key: str) -> Callable[[Mapping[str, Any]], int | None]:
    def read(raw: Mapping[str, Any]) -> int | None:
        value = raw.get(key)
        return int(value) if value is not None else None

    return read


def _get(key: str, default: Any = None) -> Callable[[Mapping[str, Any]], Any]:
    return lambda raw: raw.get(key, default)


@dataclass(frozen=True)
class Field:
    """One setting: its RDS request name, how to read it, and its pulumi-aws argument."""

    api: str
    attr: str
    pulumi: str
    read: Callable[[Mapping[str, Any]], Any]
    #: A required setting (the rest are documented extras: docs/restore.md, "What is copied").
    required: bool = True


FIELDS: tuple[Field, ...] = (
    Field("DBInstanceClass", "db_instance_class", "instance_class", _get("DBInstanceClass")),
    Field("Engine", "engine", "engine", _get("Engine")),
    Field("EngineVersion", "engine_version", "engine_version", _get("EngineVersion")),
    Field(
        "AllocatedStorage",
        "allocated_storage",
        "allocated_storage",
        _optional_int("AllocatedStorage"),
    ),
    Field(
        "MaxAllocatedStorage",
        "max_allocated_storage",
        "max_allocated_storage",
        _optional_int("MaxAllocatedStorage"),
    ),
    Field("StorageType", "storage_type", "storage_type", _get("StorageType")),
    Field("Iops", "iops", "iops", _iops),
    Field("StorageThroughput", "storage_throughput", "storage_throughput", _throughput),
    Field(
        "StorageEncrypted",
        "storage_encrypted",
        "storage_encrypted",
        _get("StorageEncrypted", False),
    ),
    Field("KmsKeyId", "kms_key_id", "kms_key_id", _get("KmsKeyId")),
    Field("MultiAZ", "multi_az", "multi_az", _get("MultiAZ", False)),
    Field("AvailabilityZone", "availability_zone", "availability_zone", _az),
    Field(
        "DBSubnetGroupName",
        "db_subnet_group_name",
        "db_subnet_group_name",
        lambda raw: (raw.get("DBSubnetGroup") or {}).get("DBSubnetGroupName"),
    ),
    Field("VpcSecurityGroupIds", "vpc_security_group_ids", "vpc_security_group_ids", _ids),
    Field(
        "DBParameterGroupName",
        "db_parameter_group_name",
        "parameter_group_name",
        lambda raw: _first(raw, "DBParameterGroups", "DBParameterGroupName"),
    ),
    Field(
        "OptionGroupName",
        "option_group_name",
        "option_group_name",
        lambda raw: _first(raw, "OptionGroupMemberships", "OptionGroupName"),
    ),
    Field("Port", "port", "port", _port),
    Field(
        "PubliclyAccessible",
        "publicly_accessible",
        "publicly_accessible",
        _get("PubliclyAccessible", False),
    ),
    Field(
        "CACertificateIdentifier",
        "ca_certificate_identifier",
        "ca_cert_identifier",
        _get("CACertificateIdentifier"),
    ),
    Field(
        "BackupRetentionPeriod",
        "backup_retention_period",
        "backup_retention_period",
        _optional_int("BackupRetentionPeriod"),
    ),
    Field(
        "PreferredBackupWindow",
        "preferred_backup_window",
        "backup_window",
        _get("PreferredBackupWindow"),
    ),
    Field(
        "PreferredMaintenanceWindow",
        "preferred_maintenance_window",
        "maintenance_window",
        _get("PreferredMaintenanceWindow"),
    ),
    Field(
        "CopyTagsToSnapshot",
        "copy_tags_to_snapshot",
        "copy_tags_to_snapshot",
        _get("CopyTagsToSnapshot", False),
    ),
    Field(
        "DeletionProtection",
        "deletion_protection",
        "deletion_protection",
        _get("DeletionProtection", False),
    ),
    Field(
        "AutoMinorVersionUpgrade",
        "auto_minor_version_upgrade",
        "auto_minor_version_upgrade",
        _get("AutoMinorVersionUpgrade", True),
    ),
    Field(
        "EnableIAMDatabaseAuthentication",
        "enable_iam_database_authentication",
        "iam_database_authentication_enabled",
        _get("IAMDatabaseAuthenticationEnabled", False),
    ),
    Field(
        "EnableCloudwatchLogsExports",
        "enable_cloudwatch_logs_exports",
        "enabled_cloudwatch_logs_exports",
        lambda raw: tuple(sorted(raw.get("EnabledCloudwatchLogsExports") or ())),
    ),
    Field(
        "EnablePerformanceInsights",
        "enable_performance_insights",
        "performance_insights_enabled",
        _get("PerformanceInsightsEnabled", False),
    ),
    Field(
        "PerformanceInsightsKMSKeyId",
        "performance_insights_kms_key_id",
        "performance_insights_kms_key_id",
        _get("PerformanceInsightsKMSKeyId"),
    ),
    Field(
        "PerformanceInsightsRetentionPeriod",
        "performance_insights_retention_period",
        "performance_insights_retention_period",
        _optional_int("PerformanceInsightsRetentionPeriod"),
    ),
    Field(
        "MonitoringInterval",
        "monitoring_interval",
        "monitoring_interval",
        lambda raw: int(raw.get("MonitoringInterval") or 0),
    ),
    Field(
        "MonitoringRoleArn", "monitoring_role_arn", "monitoring_role_arn", _get("MonitoringRoleArn")
    ),
    Field("LicenseModel", "license_model", "license_model", _get("LicenseModel")),
    Field("NetworkType", "network_type", "network_type", _get("NetworkType")),
    Field("Tags", "tags", "tags", _tags),
    Field("AssociatedRoles", "associated_roles", "", _roles),
    # Documented extras: a restore would lose these too.
    Field(
        "ManageMasterUserPassword",
        "manage_master_user_password",
        "manage_master_user_password",
        lambda raw: bool(raw.get("MasterUserSecret")),
        False,
    ),
    Field(
        "MasterUserSecretKmsKeyId",
        "master_user_secret_kms_key_id",
        "master_user_secret_kms_key_id",
        _secret_kms,
        False,
    ),
    Field(
        "DedicatedLogVolume",
        "dedicated_log_volume",
        "dedicated_log_volume",
        _get("DedicatedLogVolume"),
        False,
    ),
    Field(
        "DatabaseInsightsMode",
        "database_insights_mode",
        "database_insights_mode",
        _get("DatabaseInsightsMode"),
        False,
    ),
    Field(
        "EngineLifecycleSupport",
        "engine_lifecycle_support",
        "engine_lifecycle_support",
        _get("EngineLifecycleSupport"),
        False,
    ),
    Field("BackupTarget", "backup_target", "backup_target", _get("BackupTarget"), False),
    Field(
        "CustomerOwnedIpEnabled",
        "customer_owned_ip_enabled",
        "customer_owned_ip_enabled",
        _get("CustomerOwnedIpEnabled"),
        False,
    ),
    Field(
        "Domain", "domain", "domain", lambda raw: _first(raw, "DomainMemberships", "Domain"), False
    ),
    Field(
        "DomainIAMRoleName",
        "domain_iam_role_name",
        "domain_iam_role_name",
        lambda raw: _first(raw, "DomainMemberships", "IAMRoleName"),
        False,
    ),
)

#: Settings a restore takes from the snapshot; shown for review, never declared.
INHERITED: tuple[tuple[str, str], ...] = (
    ("MasterUsername", "MasterUsername"),
    ("DBName", "DBName"),
    ("CharacterSetName", "CharacterSetName"),
    ("NcharCharacterSetName", "NcharCharacterSetName"),
    ("Timezone", "Timezone"),
)

BY_API: dict[str, Field] = {f.api: f for f in FIELDS}
