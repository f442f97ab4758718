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


def _field(
    api: str,
    attr: str,
    read: Callable[[Mapping[str, Any]], Any] | None = None,
    *,
    pulumi: str | None = None,
    default: Any = None,
    required: bool = True,
) -> Field:
    """A setting read by ``read``, else from the describe key named ``api`` (``default`` when
    absent), and declared as the pulumi-aws argument ``pulumi``, else ``attr``."""
    return Field(
        api, attr, attr if pulumi is None else pulumi, read or _get(api, default), required
    )


FIELDS: tuple[Field, ...] = (
    _field("DBInstanceClass", "db_instance_class", pulumi="instance_class"),
    _field("Engine", "engine"),
    _field("EngineVersion", "engine_version"),
    _field("AllocatedStorage", "allocated_storage", _optional_int("AllocatedStorage")),
    _field("MaxAllocatedStorage", "max_allocated_storage", _optional_int("MaxAllocatedStorage")),
    _field("StorageType", "storage_type"),
    _field("Iops", "iops", _iops),
    _field("StorageThroughput", "storage_throughput", _throughput),
    _field("StorageEncrypted", "storage_encrypted", default=False),
    _field("KmsKeyId", "kms_key_id"),
    _field("MultiAZ", "multi_az", default=False),
    _field("AvailabilityZone", "availability_zone", _az),
    _field(
        "DBSubnetGroupName",
        "db_subnet_group_name",
        lambda raw: (raw.get("DBSubnetGroup") or {}).get("DBSubnetGroupName"),
    ),
    _field("VpcSecurityGroupIds", "vpc_security_group_ids", _ids),
    _field(
        "DBParameterGroupName",
        "db_parameter_group_name",
        lambda raw: _first(raw, "DBParameterGroups", "DBParameterGroupName"),
        pulumi="parameter_group_name",
    ),
    _field(
        "OptionGroupName",
        "option_group_name",
        lambda raw: _first(raw, "OptionGroupMemberships", "OptionGroupName"),
    ),
    _field("Port", "port", _port),
    _field("PubliclyAccessible", "publicly_accessible", default=False),
    _field("CACertificateIdentifier", "ca_certificate_identifier", pulumi="ca_cert_identifier"),
    _field(
        "BackupRetentionPeriod", "backup_retention_period", _optional_int("BackupRetentionPeriod")
    ),
    _field("PreferredBackupWindow", "preferred_backup_window", pulumi="backup_window"),
    _field(
        "PreferredMaintenanceWindow", "preferred_maintenance_window", pulumi="maintenance_window"
    ),
    _field("CopyTagsToSnapshot", "copy_tags_to_snapshot", default=False),
    _field("DeletionProtection", "deletion_protection", default=False),
    _field("AutoMinorVersionUpgrade", "auto_minor_version_upgrade", default=True),
    _field(
        "EnableIAMDatabaseAuthentication",
        "enable_iam_database_authentication",
        _get("IAMDatabaseAuthenticationEnabled", False),
        pulumi="iam_database_authentication_enabled",
    ),
    _field(
        "EnableCloudwatchLogsExports",
        "enable_cloudwatch_logs_exports",
        lambda raw: tuple(sorted(raw.get("EnabledCloudwatchLogsExports") or ())),
        pulumi="enabled_cloudwatch_logs_exports",
    ),
    _field(
        "EnablePerformanceInsights",
        "enable_performance_insights",
        _get("PerformanceInsightsEnabled", False),
        pulumi="performance_insights_enabled",
    ),
    _field("PerformanceInsightsKMSKeyId", "performance_insights_kms_key_id"),
    _field(
        "PerformanceInsightsRetentionPeriod",
        "performance_insights_retention_period",
        _optional_int("PerformanceInsightsRetentionPeriod"),
    ),
    _field(
        "MonitoringInterval",
        "monitoring_interval",
        lambda raw: int(raw.get("MonitoringInterval") or 0),
    ),
    _field("MonitoringRoleArn", "monitoring_role_arn"),
    _field("LicenseModel", "license_model"),
    _field("NetworkType", "network_type"),
    _field("Tags", "tags", _tags),
    _field("AssociatedRoles", "associated_roles", _roles, pulumi=""),
    # Documented extras: a restore would lose these too.
    _field(
        "ManageMasterUserPassword",
        "manage_master_user_password",
        lambda raw: bool(raw.get("MasterUserSecret")),
        required=False,
    ),
    _field(
        "MasterUserSecretKmsKeyId", "master_user_secret_kms_key_id", _secret_kms, required=False
    ),
    _field("DedicatedLogVolume", "dedicated_log_volume", required=False),
    _field("DatabaseInsightsMode", "database_insights_mode", required=False),
    _field("EngineLifecycleSupport", "engine_lifecycle_support", required=False),
    _field("BackupTarget", "backup_target", required=False),
    _field("CustomerOwnedIpEnabled", "customer_owned_ip_enabled", required=False),
    _field(
        "Domain", "domain", lambda raw: _first(raw, "DomainMemberships", "Domain"), required=False
    ),
    _field(
        "DomainIAMRoleName",
        "domain_iam_role_name",
        lambda raw: _first(raw, "DomainMemberships", "IAMRoleName"),
        required=False,
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
