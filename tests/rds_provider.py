"""What the pulumi-aws provider (bridged terraform-provider-aws) does with ``aws.rds.Instance``
and ``aws.rds.RoleAssociation``: the tables the in-process engine applies.

Versions: CI installs pulumi-aws 7.51.1 (``constraints.txt``), which bundles a
terraform-provider-aws v6 release. pulumi-aws's ``provider/go.mod`` replaces the upstream module
with its ``upstream`` git submodule, so the exact tag is not written there, and the
terraform-provider-aws v6 sources are not among the sources stored here (the stored
``internal/service/rds/instance.go`` versions are v4/v5 era; the repository snapshot exceeds
this machine's fetch limit). The create path is therefore modelled on:

* terraform-provider-aws PR 38252 ("r/aws_db_instance: Fix resource leak on error during
  creation", merged July 2024, released after v5.56.1, so in every pulumi-aws the project admits):
  ``d.SetId`` right after ``RestoreDBInstanceFromDBSnapshot`` / ``RestoreDBInstanceToPointInTime``
  returns, before ``waitDBInstanceAvailable`` and the follow-up ``ModifyDBInstance``. A timeout,
  a failed modify or a cancelled context (a graceful Ctrl-C or SIGTERM of the CLI) returns an
  error *with* the id: the bridge reports a partial failure and Pulumi keeps the resource with
  init errors. Only a killed CLI (Create never returns) leaves a pending create.
* ``resourceInstanceCreate``, ``resourceInstanceRead``, ``resourceInstanceUpdate``, the schema's
  ``ForceNew`` flags and ``Timeouts`` as stored at v5.x (aws-sdk-go v1 era, with
  ``backup_target``, ``manage_master_user_password`` and ``storage_throughput``) and
  ``internal/service/rds/instance_role_association.go``, with the v6 differences a reading of
  ``instance.go`` on main after v6.61.0 reported (the fields below), and the v6.33 report in
  terraform-provider-aws issue 47689 and its fix PR 47742 (still open): ``database_insights_mode``
  is sent on neither restore path nor in the follow-up modify.

Re-check these tables when the pin in ``constraints.txt`` moves (``tests/test_pins.py`` keeps
:data:`PULUMI_AWS` and the pin together).

Semantics kept from the source:

* ``d.GetOk``: a zero value (False, 0, "", empty list) counts as "not set" and is not sent.
* The restore call carries a path-specific subset; a second subset goes into one follow-up
  ``ModifyDBInstance`` after the wait for ``available``; the rest is not sent at all, so RDS picks
  its own value and only a second ``pulumi up`` (an in-place update) converges.
* ``resourceInstanceRead`` sets every argument; one AWS does not report (``MaxAllocatedStorage``
  without storage autoscaling) is read as its zero value, so a refresh shows the drift.
* The follow-up modify of the snapshot path carries the Performance Insights KMS key and
  retention only when Performance Insights is enabled, and the backup retention even when it is 0.
* A role association waits for ``ACTIVE`` (10 minutes) after ``AddRoleToDBInstance``, with its id
  already set: a timeout leaves it in the stack with init errors (partly created).
* Default timeouts: create 50 min, update 80 min, delete 60 min.
"""

from __future__ import annotations

import re
from typing import Any

#: The pulumi-aws release these tables model (``constraints.txt`` pins it).
PULUMI_AWS = "7.51.1"

INSTANCE = "aws:rds/instance:Instance"
ROLE = "aws:rds/roleAssociation:RoleAssociation"

#: Provider default timeouts, seconds.
DEFAULT_TIMEOUTS = {"create": 50 * 60.0, "update": 80 * 60.0, "delete": 60 * 60.0}
#: How long a role association waits for ``ACTIVE``, seconds.
ROLE_ASSOCIATION_TIMEOUT = 10 * 60.0

#: ``ForceNew`` arguments of ``aws_db_instance`` (a change replaces the instance).
FORCE_NEW = frozenset(
    {
        "availabilityZone",
        "backupTarget",
        "characterSetName",
        "customIamInstanceProfile",
        "dbName",
        "engine",
        "kmsKeyId",
        "ncharCharacterSetName",
        "restoreToPointInTime",
        "snapshotIdentifier",
        "storageEncrypted",
        "timezone",
        "username",
    }
)

#: Arguments the provider never reads back from AWS: the state keeps what was declared.
NOT_READ = frozenset(
    {
        "applyImmediately",
        "skipFinalSnapshot",
        "finalSnapshotIdentifier",
        "deleteAutomatedBackups",
        "snapshotIdentifier",
        "restoreToPointInTime",
        "manageMasterUserPassword",
    }
)

#: Sent on every restore call whatever their value (``aws.Bool(d.Get(...))``).
ALWAYS_ON_RESTORE = (
    "autoMinorVersionUpgrade",
    "copyTagsToSnapshot",
    "instanceClass",
    "deletionProtection",
    "publiclyAccessible",
)

#: ``RestoreDBInstanceFromDBSnapshot``: sent on the call when set.
SNAPSHOT_RESTORE = (
    "availabilityZone",
    "backupTarget",
    "customerOwnedIpEnabled",
    "dbSubnetGroupName",
    "dedicatedLogVolume",
    "domain",
    "domainIamRoleName",
    "enabledCloudwatchLogsExports",
    "engine",
    "engineLifecycleSupport",
    "iamDatabaseAuthenticationEnabled",
    "licenseModel",
    "multiAz",
    "networkType",
    "optionGroupName",
    "parameterGroupName",
    "port",
    "vpcSecurityGroupIds",
)
#: ... and in the follow-up modify (the Performance Insights key and retention only with
#: Performance Insights enabled). Not sent at all: caCertIdentifier, databaseInsightsMode.
SNAPSHOT_MODIFY = (
    "allocatedStorage",
    "backupRetentionPeriod",
    "backupWindow",
    "engineVersion",
    "iops",
    "maintenanceWindow",
    "manageMasterUserPassword",
    "masterUserSecretKmsKeyId",
    "maxAllocatedStorage",
    "monitoringInterval",
    "monitoringRoleArn",
    "performanceInsightsEnabled",
    "performanceInsightsKmsKeyId",
    "performanceInsightsRetentionPeriod",
    "storageThroughput",
    "storageType",
)

#: ``RestoreDBInstanceToPointInTime``: sent on the call when set.
PITR_RESTORE = (
    "availabilityZone",
    "backupTarget",
    "customerOwnedIpEnabled",
    "dbSubnetGroupName",
    "dedicatedLogVolume",
    "domain",
    "domainIamRoleName",
    "enabledCloudwatchLogsExports",
    "engine",
    "engineLifecycleSupport",
    "iamDatabaseAuthenticationEnabled",
    "iops",
    "licenseModel",
    "maxAllocatedStorage",
    "multiAz",
    "optionGroupName",
    "parameterGroupName",
    "port",
    "storageType",
    "vpcSecurityGroupIds",
)
#: ... and in the follow-up modify. Not sent at all: allocatedStorage, backupRetentionPeriod,
#: backupWindow, maintenanceWindow, caCertIdentifier, engineVersion, networkType,
#: performanceInsights*, storageThroughput, databaseInsightsMode.
PITR_MODIFY = (
    "manageMasterUserPassword",
    "masterUserSecretKmsKeyId",
    "monitoringInterval",
    "monitoringRoleArn",
)

#: What RDS itself chooses for a setting the restore did not carry (the account/region default
#: CA, a default window, the default retention). An inference from the RDS API reference
#: ("if not specified, a default is used"); moto instead copies the source's values, which
#: would hide every unsent setting, so the engine writes these into moto after a restore.
RDS_CHOICE = {
    "caCertIdentifier": ("CACertificateIdentifier", "rds-ca-rsa2048-g1"),
    "backupWindow": ("PreferredBackupWindow", "22:00-22:30"),
    "maintenanceWindow": ("PreferredMaintenanceWindow", "sun:05:00-sun:05:30"),
    "backupRetentionPeriod": ("BackupRetentionPeriod", 1),
    "deletionProtection": ("DeletionProtection", False),
}

#: aws.rds.Instance input (camelCase) -> RDS request parameter, where the names differ.
REQUEST_NAME = {
    "instanceClass": "DBInstanceClass",
    "multiAz": "MultiAZ",
    "parameterGroupName": "DBParameterGroupName",
    "dbSubnetGroupName": "DBSubnetGroupName",
    "caCertIdentifier": "CACertificateIdentifier",
    "backupWindow": "PreferredBackupWindow",
    "maintenanceWindow": "PreferredMaintenanceWindow",
    "iamDatabaseAuthenticationEnabled": "EnableIAMDatabaseAuthentication",
    "enabledCloudwatchLogsExports": "EnableCloudwatchLogsExports",
    "performanceInsightsEnabled": "EnablePerformanceInsights",
    "performanceInsightsKmsKeyId": "PerformanceInsightsKMSKeyId",
    "masterUserSecretKmsKeyId": "MasterUserSecretKmsKeyId",
    "domainIamRoleName": "DomainIAMRoleName",
    "customerOwnedIpEnabled": "EnableCustomerOwnedIp",
    "kmsKeyId": "KmsKeyId",
    "vpcSecurityGroupIds": "VpcSecurityGroupIds",
}


def request_name(input_name: str, operation: str) -> str:
    name = REQUEST_NAME.get(input_name, input_name[0].upper() + input_name[1:])
    if operation == "ModifyDBInstance" and name == "Port":
        return "DBPortNumber"
    return name


#: Sent in the snapshot path's follow-up modify even when zero (``d.GetOkExists``-style).
ZERO_SENT_ON_MODIFY = frozenset({"backupRetentionPeriod"})
#: Sent in that modify only when Performance Insights is enabled.
ONLY_WITH_INSIGHTS = frozenset(
    {"performanceInsightsKmsKeyId", "performanceInsightsRetentionPeriod"}
)


def is_set(value: Any) -> bool:
    """``d.GetOk``: zero values are "not set"."""
    return value not in (None, False, 0, "", [], {})


def restore_fields(snapshot: bool) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(sent on the restore call, sent in the follow-up modify) for one path."""
    if snapshot:
        return ALWAYS_ON_RESTORE + SNAPSHOT_RESTORE, SNAPSHOT_MODIFY
    return ALWAYS_ON_RESTORE + PITR_RESTORE, PITR_MODIFY


def unsent(snapshot: bool, inputs: dict[str, Any]) -> list[str]:
    """Declared settings that one create never sends (RDS picks them)."""
    on_call, on_modify = restore_fields(snapshot)
    return [name for name in RDS_CHOICE if name in inputs and name not in on_call + on_modify]


_DURATION = re.compile(r"(\d+(?:\.\d+)?)(h|m|s)")


def seconds(duration: str) -> float:
    """A Go duration as Pulumi's ``custom_timeouts`` take it ("6h", "40m", "1h30m")."""
    parts = _DURATION.findall(duration)
    if not parts or "".join(n + u for n, u in parts) != duration:
        raise ValueError(f"not a duration: {duration!r}")
    scale = {"h": 3600.0, "m": 60.0, "s": 1.0}
    return sum(float(n) * scale[u] for n, u in parts)


def go_duration(total: float) -> str:
    minutes, secs = divmod(int(total), 60)
    hours, minutes = divmod(minutes, 60)
    return (f"{hours}h" if hours else "") + f"{minutes}m{secs}s"


#: The states ``waitDBInstanceAvailable`` waits through (terraform-provider-aws
#: ``internal/service/rds/instance.go``, the stored v5-era copy), and the ones it waits for.
WAIT_PENDING = (
    "backing-up",
    "configuring-enhanced-monitoring",
    "configuring-iam-database-auth",
    "configuring-log-exports",
    "creating",
    "maintenance",
    "modifying",
    "moving-to-vpc",
    "rebooting",
    "renaming",
    "resetting-master-credentials",
    "starting",
    "stopping",
    "storage-full",
    "upgrading",
)
WAIT_TARGET = ("available", "storage-optimization")


def unexpected_state(status: str) -> str:
    """terraform-plugin-sdk's ``UnexpectedStateError`` for a state that is neither pending nor a
    target (``helper/retry/error.go``: "unexpected state '%s', wanted target '%s'. last error:
    %s", the last error nil, which Go's %s prints as ``%!s(<nil>)``)."""
    assert status not in WAIT_PENDING and status not in WAIT_TARGET, status
    return (
        f"unexpected state '{status}', wanted target '{', '.join(WAIT_TARGET)}'. "
        "last error: %!s(<nil>)"
    )


def role_id(inputs: dict[str, Any]) -> str:
    """``aws_db_instance_role_association``'s id: ``identifier,roleArn``."""
    return f"{inputs['dbInstanceIdentifier']},{inputs['roleArn']}"
