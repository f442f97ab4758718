"""Capture: read an RDS instance's settings into one typed, immutable object.

Every setting is named by its RDS *request parameter* (``MultiAZ``, ``DBParameterGroupName``...),
because that is the name a reviewer finds in the RDS API reference, in ``restore plan --json``
and in the stack configuration. :data:`FIELDS` maps each one to where DescribeDBInstances
reports it and to the pulumi-aws ``aws.rds.Instance`` argument that declares it.

Decisions on what the describe call returns beyond the issue's list (see README, "What is copied"):

* Declared as well, because a restore silently loses them: ``ManageMasterUserPassword`` and
  ``MasterUserSecretKmsKeyId`` (Secrets Manager-managed master password), ``DedicatedLogVolume``,
  ``DatabaseInsightsMode``, ``EngineLifecycleSupport``, ``BackupTarget``,
  ``CustomerOwnedIpEnabled``, ``Domain`` and ``DomainIAMRoleName`` (Active Directory).
* Inherited from the snapshot, not declared, shown in the plan for review: ``MasterUsername``,
  ``DBName``, ``CharacterSetName``, ``NcharCharacterSetName``, ``Timezone``.
* Not restorable, reported as a warning: read replicas, database activity streams.
* Tags are copied verbatim, except the ``sccos-backup:run*`` tags a restore run puts on the
  original to record its progress and the ``sccos-backup:restored-by-run`` tag it declares on
  the restored instance.
* ``Iops`` and ``StorageThroughput`` of gp3 storage below the engine's threshold (400 GiB for
  MySQL, MariaDB and PostgreSQL; 200 GiB for Oracle) are the fixed baseline and cannot be passed,
  so they are left undeclared there; RDS applies the same baseline.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import MISSING, dataclass
from dataclasses import fields as dataclass_fields
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
    #: Part of the issue's mandatory list (the rest are documented extras).
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


@dataclass(frozen=True)
class InstanceSettings:
    """Every setting of an instance that the restored instance must carry, by value."""

    db_instance_class: str
    engine: str
    engine_version: str
    allocated_storage: int | None
    max_allocated_storage: int | None
    storage_type: str | None
    iops: int | None
    storage_throughput: int | None
    storage_encrypted: bool
    kms_key_id: str | None
    multi_az: bool
    availability_zone: str | None
    db_subnet_group_name: str | None
    vpc_security_group_ids: tuple[str, ...]
    db_parameter_group_name: str | None
    option_group_name: str | None
    port: int | None
    publicly_accessible: bool
    ca_certificate_identifier: str | None
    backup_retention_period: int | None
    preferred_backup_window: str | None
    preferred_maintenance_window: str | None
    copy_tags_to_snapshot: bool
    deletion_protection: bool
    auto_minor_version_upgrade: bool
    enable_iam_database_authentication: bool
    enable_cloudwatch_logs_exports: tuple[str, ...]
    enable_performance_insights: bool
    performance_insights_kms_key_id: str | None
    performance_insights_retention_period: int | None
    monitoring_interval: int
    monitoring_role_arn: str | None
    license_model: str | None
    network_type: str | None
    tags: tuple[Tag, ...]
    associated_roles: tuple[Role, ...]
    manage_master_user_password: bool = False
    master_user_secret_kms_key_id: str | None = None
    dedicated_log_volume: bool | None = None
    database_insights_mode: str | None = None
    engine_lifecycle_support: str | None = None
    backup_target: str | None = None
    customer_owned_ip_enabled: bool | None = None
    domain: str | None = None
    domain_iam_role_name: str | None = None

    @classmethod
    def capture(cls, described: Mapping[str, Any]) -> InstanceSettings:
        """The settings of one DescribeDBInstances entry."""
        return cls(**{f.attr: f.read(described) for f in FIELDS})

    def to_api(self) -> dict[str, Any]:
        """JSON-ready values keyed by RDS request-parameter names (the stack config format)."""
        out: dict[str, Any] = {}
        for f in FIELDS:
            value = getattr(self, f.attr)
            if f.api == "Tags":
                value = [{"Key": k, "Value": v} for k, v in value]
            elif f.api == "AssociatedRoles":
                value = [{"RoleArn": arn, "FeatureName": feature} for arn, feature in value]
            elif isinstance(value, tuple):
                value = list(value)
            out[f.api] = value
        return out

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> InstanceSettings:
        """The inverse of :meth:`to_api`; unknown keys are an error, missing ones are None."""
        unknown = set(data) - set(BY_API)
        if unknown:
            raise ValueError(f"unknown settings: {', '.join(sorted(unknown))}")
        values: dict[str, Any] = {}
        for f in FIELDS:
            value = data.get(f.api)
            if f.api == "Tags":
                value = tuple((str(t["Key"]), str(t["Value"])) for t in value or ())
            elif f.api == "AssociatedRoles":
                value = tuple((str(r["RoleArn"]), str(r["FeatureName"])) for r in value or ())
            elif isinstance(value, list):
                value = tuple(str(v) for v in value)
            elif isinstance(value, float) and value.is_integer():
                value = int(value)  # YAML and JSON round trips may turn ints into floats
            values[f.attr] = value
        for spec in dataclass_fields(cls):
            if values.get(spec.name) is None and spec.default is not MISSING:
                values[spec.name] = spec.default
        return cls(**values)

    def pulumi_args(self) -> dict[str, Any]:
        """Keyword arguments for ``aws.rds.Instance``; None means "not declared"."""
        args: dict[str, Any] = {}
        for f in FIELDS:
            if not f.pulumi:
                continue
            value = getattr(self, f.attr)
            if f.api == "Tags":
                value = dict(value)
            elif isinstance(value, tuple):
                value = list(value)
            if value is not None:
                args[f.pulumi] = value
        return args


def inherited(described: Mapping[str, Any]) -> dict[str, Any]:
    """The settings a restore takes from the snapshot, for review."""
    return {api: described.get(key) for api, key in INHERITED}
