"""Capture: read an RDS instance's settings into one typed, immutable object.

Every setting is named by its RDS *request parameter* (``MultiAZ``, ``DBParameterGroupName``...),
because that is the name a reviewer finds in the RDS API reference, in ``restore plan --json``
and in the stack configuration. :data:`FIELDS` maps each one to where DescribeDBInstances
reports it and to the pulumi-aws ``aws.rds.Instance`` argument that declares it.

Decisions on what the describe call returns beyond the required settings (docs/restore.md,
"What is copied"):

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

from collections.abc import Mapping
from dataclasses import MISSING, dataclass
from dataclasses import fields as dataclass_fields
from typing import Any

from sccos_backup.restore.fields import BY_API, FIELDS, INHERITED, Role, Tag


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
