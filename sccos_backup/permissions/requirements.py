"""What IAM authorises for each AWS API call the project makes: actions and resource ARNs.

One row per operation the adapters (and the Pulumi aws provider, for the restore) call, after
the Service Authorization Reference for Amazon RDS and AWS CodePipeline (read 2026-11): the
action itself on each required resource type, plus the dependent actions that the request's
parameters bring in (tags on create → ``rds:AddTagsToResource``; a role → ``iam:PassRole``; a
KMS-encrypted source → ``kms:CreateGrant`` and ``kms:DescribeKey``).

The tests record every call the commands make (a botocore ``before-call`` hook), turn each into
its requirements here and check them against the printed policy.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Need:
    """One action on one resource ARN that IAM must allow, and the request's condition keys
    where the call's parameters fix them (``context``; None: not known from the call)."""

    action: str
    resource: str
    context: tuple[tuple[str, str | tuple[str, ...]], ...] | None = None

    def condition_keys(self) -> dict[str, str | tuple[str, ...]] | None:
        return None if self.context is None else dict(self.context)


@dataclass(frozen=True)
class Where:
    partition: str = "aws"
    region: str = "eu-central-1"
    account: str = "123456789012"

    def rds(self, kind: str, name: str) -> str:
        if name.startswith("arn:"):
            return name
        return f"arn:{self.partition}:rds:{self.region}:{self.account}:{kind}:{name}"


Rule = Callable[[Mapping[str, Any], Where], list[Need]]

#: Response fields a rule may need (the KMS key of an encrypted restore), merged into params.
_FROM_RESPONSE = "_response"


def _describe(kind: str, param: str, action: str) -> Rule:
    def rule(params: Mapping[str, Any], where: Where) -> list[Need]:
        return [Need(action, where.rds(kind, str(params.get(param) or "*")))]

    return rule


def _tags(params: Mapping[str, Any], arn: str) -> list[Need]:
    """Tags on create: AddTagsToResource on the new resource, which has no tags yet, with the
    request's tags as ``aws:RequestTag/KEY`` and ``aws:TagKeys``."""
    tags = params.get("Tags") or []
    if not tags:
        return []
    context: list[tuple[str, str | tuple[str, ...]]] = [
        (f"aws:RequestTag/{t['Key']}", str(t["Value"])) for t in tags
    ]
    context.append(("aws:TagKeys", tuple(str(t["Key"]) for t in tags)))
    return [Need("rds:AddTagsToResource", arn, tuple(context))]


def _kms(params: Mapping[str, Any], where: Where) -> list[Need]:
    # RestoreDBInstanceFromDBSnapshot takes no KmsKeyId: RDS uses the snapshot's key, which
    # the response shows on the new instance.
    created = (params.get(_FROM_RESPONSE) or {}).get("DBInstance") or {}
    key = params.get("KmsKeyId") or (created.get("StorageEncrypted") and created.get("KmsKeyId"))
    if not key:
        return []
    arn = (
        str(key)
        if str(key).startswith("arn:")
        else (f"arn:{where.partition}:kms:{where.region}:{where.account}:key/{key}")
    )
    return [Need("kms:CreateGrant", arn), Need("kms:DescribeKey", arn)]


def _managed_password(params: Mapping[str, Any], where: Where) -> list[Need]:
    # RDS creates the master-password secret in the caller's name (Secrets Manager integration).
    key = params.get("MasterUserSecretKmsKeyId")
    if not (params.get("ManageMasterUserPassword") or key):
        return []
    secret = f"arn:{where.partition}:secretsmanager:{where.region}:{where.account}:secret:rds!db-x"
    out = [Need("secretsmanager:CreateSecret", secret), Need("secretsmanager:TagResource", secret)]
    if key:
        out += [Need("kms:GenerateDataKey", str(key)), Need("kms:Decrypt", str(key))]
    return out


def _roles(params: Mapping[str, Any], where: Where) -> list[Need]:
    out = []
    for key in ("MonitoringRoleArn", "DomainIAMRoleName", "RoleArn"):
        role = params.get(key)
        if role:
            arn = (
                str(role)
                if str(role).startswith("arn:")
                else (f"arn:{where.partition}:iam::{where.account}:role/{role}")
            )
            out.append(Need("iam:PassRole", arn))
    return out


def _groups(params: Mapping[str, Any], where: Where, action: str) -> list[Need]:
    out = []
    for key, kind in (
        ("DBSubnetGroupName", "subgrp"),
        ("DBParameterGroupName", "pg"),
        ("OptionGroupName", "og"),
    ):
        if params.get(key):
            out.append(Need(action, where.rds(kind, str(params[key]))))
    return out


def _create_snapshot(params: Mapping[str, Any], where: Where) -> list[Need]:
    snapshot = where.rds("snapshot", str(params["DBSnapshotIdentifier"]))
    return [
        Need("rds:CreateDBSnapshot", where.rds("db", str(params["DBInstanceIdentifier"]))),
        Need("rds:CreateDBSnapshot", snapshot),
        *_tags(params, snapshot),
    ]


def _modify(params: Mapping[str, Any], where: Where) -> list[Need]:
    action = "rds:ModifyDBInstance"
    out = [Need(action, where.rds("db", str(params["DBInstanceIdentifier"])))]
    if params.get("NewDBInstanceIdentifier"):
        out.append(Need(action, where.rds("db", str(params["NewDBInstanceIdentifier"]))))
    out += _groups(params, where, action) + _roles(params, where)
    return out + _managed_password(params, where)


def _restore_snapshot(params: Mapping[str, Any], where: Where) -> list[Need]:
    action = "rds:RestoreDBInstanceFromDBSnapshot"
    target = where.rds("db", str(params["DBInstanceIdentifier"]))
    return [
        Need(action, target),
        Need(action, where.rds("snapshot", str(params["DBSnapshotIdentifier"]))),
        *_groups(params, where, action),
        *_tags(params, target),
        *_roles(params, where),
        *_kms(params, where),
        *_managed_password(params, where),
    ]


def _restore_pitr(params: Mapping[str, Any], where: Where) -> list[Need]:
    action = "rds:RestoreDBInstanceToPointInTime"
    target = where.rds("db", str(params["TargetDBInstanceIdentifier"]))
    # By DbiResourceId IAM still authorises against the source's db ARN (name unknown here).
    source = str(params.get("SourceDBInstanceIdentifier") or "*")
    return [
        Need(action, target),
        Need(action, where.rds("db", source)),
        *_groups(params, where, action),
        *_tags(params, target),
        *_roles(params, where),
        *_kms(params, where),
        *_managed_password(params, where),
    ]


def _resource(action: str) -> Rule:
    def rule(params: Mapping[str, Any], where: Where) -> list[Need]:
        return [Need(action, str(params["ResourceName"]))]

    return rule


def _pipeline(action: str, param: str) -> Rule:
    def rule(params: Mapping[str, Any], where: Where) -> list[Need]:
        arn = f"arn:{where.partition}:codepipeline:{where.region}:{where.account}:"
        return [Need(action, arn + str(params[param]))]

    return rule


def _s3_object(action: str) -> Rule:
    def rule(params: Mapping[str, Any], where: Where) -> list[Need]:
        return [Need(action, f"arn:{where.partition}:s3:::{params['Bucket']}/{params['Key']}")]

    return rule


def _simple(action: str, resource: str) -> Rule:
    return lambda params, where: [Need(action, resource)]


RULES: Mapping[tuple[str, str], Rule] = {
    ("rds", "DescribeDBInstances"): _describe(
        "db", "DBInstanceIdentifier", "rds:DescribeDBInstances"
    ),
    ("rds", "DescribeDBSnapshots"): _describe(
        "snapshot", "DBSnapshotIdentifier", "rds:DescribeDBSnapshots"
    ),
    ("rds", "DescribeDBInstanceAutomatedBackups"): _describe(
        "auto-backup", "AutomatedBackupsArn", "rds:DescribeDBInstanceAutomatedBackups"
    ),
    ("rds", "DescribeDBParameterGroups"): _describe(
        "pg", "DBParameterGroupName", "rds:DescribeDBParameterGroups"
    ),
    ("rds", "DescribeAccountAttributes"): _simple("rds:DescribeAccountAttributes", "*"),
    ("rds", "DescribeEvents"): _simple("rds:DescribeEvents", "*"),
    ("rds", "ListTagsForResource"): _resource("rds:ListTagsForResource"),
    ("rds", "AddTagsToResource"): _resource("rds:AddTagsToResource"),
    ("rds", "RemoveTagsFromResource"): _resource("rds:RemoveTagsFromResource"),
    ("rds", "CreateDBSnapshot"): _create_snapshot,
    ("rds", "DeleteDBSnapshot"): lambda p, w: [
        Need("rds:DeleteDBSnapshot", w.rds("snapshot", str(p["DBSnapshotIdentifier"])))
    ],
    ("rds", "ModifyDBInstance"): _modify,
    ("rds", "RestoreDBInstanceFromDBSnapshot"): _restore_snapshot,
    ("rds", "RestoreDBInstanceToPointInTime"): _restore_pitr,
    ("rds", "AddRoleToDBInstance"): lambda p, w: [
        Need("rds:AddRoleToDBInstance", w.rds("db", str(p["DBInstanceIdentifier"]))),
        *_roles(p, w),
    ],
    ("rds", "DeleteDBInstance"): lambda p, w: [
        Need("rds:DeleteDBInstance", w.rds("db", str(p["DBInstanceIdentifier"])))
    ],
    ("rds", "DeleteDBInstanceAutomatedBackup"): lambda p, w: [
        Need("rds:DeleteDBInstanceAutomatedBackup", w.rds("auto-backup", "*"))
    ],
    ("rds", "RemoveRoleFromDBInstance"): lambda p, w: [
        Need("rds:RemoveRoleFromDBInstance", w.rds("db", str(p["DBInstanceIdentifier"])))
    ],
    # The checks before a run (`doctor`, `restore plan | run`): who we are needs no right;
    # the key is described directly, not through RDS.
    ("sts", "GetCallerIdentity"): lambda p, w: [],
    ("iam", "SimulatePrincipalPolicy"): lambda p, w: [
        Need("iam:SimulatePrincipalPolicy", str(p["PolicySourceArn"]))
    ],
    ("kms", "DescribeKey"): lambda p, w: [
        Need(
            "kms:DescribeKey",
            str(p["KeyId"])
            if str(p["KeyId"]).startswith("arn:")
            else f"arn:{w.partition}:kms:{w.region}:{w.account}:key/{p['KeyId']}",
        )
    ],
    ("rds", "DescribeOrderableDBInstanceOptions"): _simple(
        "rds:DescribeOrderableDBInstanceOptions", "*"
    ),
    ("s3", "PutObject"): _s3_object("s3:PutObject"),
    ("s3", "GetObject"): _s3_object("s3:GetObject"),
    ("s3", "DeleteObject"): _s3_object("s3:DeleteObject"),
    ("s3", "ListObjectsV2"): lambda p, w: [
        Need(
            "s3:ListBucket",
            f"arn:{w.partition}:s3:::{p['Bucket']}",
            (("s3:prefix", str(p["Prefix"])),) if "Prefix" in p else (),
        )
    ],
    ("codepipeline", "GetPipeline"): _pipeline("codepipeline:GetPipeline", "name"),
    ("codepipeline", "StartPipelineExecution"): _pipeline(
        "codepipeline:StartPipelineExecution", "name"
    ),
    ("codepipeline", "GetPipelineExecution"): _pipeline(
        "codepipeline:GetPipelineExecution", "pipelineName"
    ),
}


def needs(
    service: str,
    operation: str,
    params: Mapping[str, Any],
    where: Where,
    response: Mapping[str, Any] | None = None,
) -> list[Need]:
    """The actions and ARNs IAM checks for one call (``response``: what it answered, where
    known); KeyError for a call with no rule (a new call must get its rule here and its
    statement in :mod:`.statements`)."""
    return RULES[(service, operation)]({**params, _FROM_RESPONSE: response or {}}, where)
