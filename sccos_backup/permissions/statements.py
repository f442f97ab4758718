"""The IAM statements each command group needs: pure data, read by :mod:`.policy`.

Resource strings are templates: ``{partition}``, ``{region}`` and ``{account}`` are filled in by
the builder; ``{db}`` (the database itself), ``{instances}`` (it and the names a restore gives
it), ``{drill}`` (its drill copies), ``{snapshots}`` (every snapshot name the tool gives it) and
``{hourly}`` (its hourly snapshots) become one ARN per name pattern of each database named
(:mod:`.names`), or one wildcard pattern when the policy is not scoped to named databases.
Read-only calls are region-wide because RDS authorises a describe without an identifier
against ``db:*``; every call that changes something is limited to the databases' (and their
snapshots') ARNs.

Actions, resource types and dependent actions follow the Service Authorization Reference,
"Actions, resources, and condition keys for Amazon RDS" / "... AWS CodePipeline" (read
2026-11). ``docs/permissions.md`` explains each statement; :mod:`.requirements` says which
actions and ARNs each API call needs, and the tests prove every action here is needed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

RDS = "arn:{partition}:rds:{region}:{account}"


@dataclass(frozen=True)
class Statement:
    """One IAM policy statement, with the reason it exists (shown in the docs)."""

    sid: str
    actions: tuple[str, ...]
    resources: tuple[str, ...]
    why: str
    condition: Mapping[str, Any] = field(default_factory=dict)
    effect: str = "Allow"
    #: The statement applies to every resource except ``resources`` (``NotResource``).
    not_resources: bool = False
    #: Printed only with an ``s3://`` URL for this: ``backend`` (``--backend-url``) or
    #: ``reports`` (``--reports-url``); its resources name that bucket and prefix.
    only_with: str = ""


#: The subnet, parameter and option groups a restore (or a modify naming one) is also authorised
#: against.
GROUPS = (f"{RDS}:subgrp:*", f"{RDS}:pg:*", f"{RDS}:og:*")


def with_groups(sid: str, actions: tuple[str, ...], *resources: str, why: str) -> Statement:
    """A statement that restores or changes instances (``resources``) with the original's
    groups (:data:`GROUPS`)."""
    return Statement(sid=sid, actions=actions, resources=(*resources, *GROUPS), why=why)


def passing_role(sid: str, role: str, service: str, why: str) -> Statement:
    """``iam:PassRole`` on ``role``, passed to ``service`` only."""
    return Statement(
        sid=sid,
        actions=("iam:PassRole",),
        resources=(role,),
        condition={"StringEquals": {"iam:PassedToService": service}},
        why=why,
    )


READ_RDS = Statement(
    sid="ReadRds",
    actions=("rds:DescribeDBInstances", "rds:DescribeDBSnapshots"),
    resources=(f"{RDS}:db:*", f"{RDS}:snapshot:*"),
    why="Find the database (also by its DbiResourceId after a rename, or by tag) and its "
    "snapshots. Describe calls without an identifier are authorised against `db:*`, so "
    "reads are region-wide; they change nothing.",
)

READ_RESTORE_WINDOW = Statement(
    sid="ReadRestoreWindow",
    actions=("rds:DescribeDBInstanceAutomatedBackups",),
    resources=(f"{RDS}:auto-backup:*",),
    why="Read the point-in-time window of a database (`snapshot list`, restore plans).",
)

READ_QUOTA = Statement(
    sid="ReadSnapshotQuota",
    actions=("rds:DescribeAccountAttributes",),
    resources=("*",),
    why="Read the manual-snapshot quota before rotating (this action has no resource type, "
    "so IAM accepts only `*`).",
)

CREATE_SNAPSHOT = Statement(
    sid="CreateSnapshots",
    actions=("rds:CreateDBSnapshot",),
    resources=(f"{RDS}:db:{{instances}}", f"{RDS}:snapshot:{{snapshots}}"),
    why="Take manual and hourly snapshots (`snapshot create`, `snapshot rotate`) and the "
    "safety snapshot of `restore run --safety-snapshot`. CreateDBSnapshot is authorised "
    "against the instance and against the new snapshot's name.",
)

TAG_SNAPSHOTS = Statement(
    sid="TagNewSnapshots",
    actions=("rds:AddTagsToResource",),
    resources=(f"{RDS}:snapshot:{{snapshots}}",),
    why="Snapshots are created with `sccos-backup:*` tags (kind, creator, note), which RDS "
    "authorises as AddTagsToResource on the new snapshot.",
)

DELETE_SNAPSHOT = Statement(
    sid="DeleteSnapshots",
    actions=("rds:DeleteDBSnapshot",),
    resources=(f"{RDS}:snapshot:{{snapshots}}",),
    why="Delete expired hourly snapshots (`snapshot rotate`) and manual ones a person asks "
    "for (`snapshot delete`); RDS deletes automated snapshots itself, and the code refuses "
    "them and other databases' snapshots before calling.",
)

READ_EVENTS = Statement(
    sid="ReadEvents",
    actions=("rds:DescribeEvents",),
    resources=("*",),
    why="When a restored instance or a drill's copy ends in a state it never leaves by itself "
    "(failed, incompatible-restore, ...), read RDS's latest event for it to say why. This "
    "action has no resource type, so IAM accepts only `*`.",
)

READ_PARAMETER_GROUPS = Statement(
    sid="ReadParameterGroups",
    actions=("rds:DescribeDBParameterGroups",),
    resources=(f"{RDS}:pg:*",),
    why="Check that the source's engine version fits the family of the original's "
    "parameter group before anything changes.",
)

MODIFY_INSTANCES = with_groups(
    "RenameAndModifyInstances",
    ("rds:ModifyDBInstance",),
    f"{RDS}:db:{{instances}}",
    why="Rename the original away and back (ModifyDBInstance with NewDBInstanceIdentifier, "
    "authorised against both names), and let the Pulumi aws provider apply the settings a "
    "restore call cannot take; a modify that names the subnet, parameter or option group is "
    "also "
    "authorised against that group.",
)

TAG_INSTANCES = Statement(
    sid="TagInstances",
    actions=(
        "rds:AddTagsToResource",
        "rds:RemoveTagsFromResource",
        "rds:ListTagsForResource",
    ),
    resources=(f"{RDS}:db:{{instances}}",),
    why="Record a run's progress in `sccos-backup:run*` tags on the instances and remove them "
    "at the end; the Pulumi aws provider reads and writes the declared tags.",
)

RESTORE = with_groups(
    "RestoreInstances",
    (
        "rds:RestoreDBInstanceFromDBSnapshot",
        "rds:RestoreDBInstanceToPointInTime",
        "rds:AddRoleToDBInstance",
    ),
    f"{RDS}:db:{{instances}}",
    f"{RDS}:snapshot:*",
    why="The Pulumi aws provider creates the restored instance from a snapshot or a point in "
    "time with the original's subnet, parameter and option groups, and attaches its IAM "
    "roles (aws.rds.RoleAssociation). Snapshots are region-wide here because the source "
    "may be an automated (`rds:`) or AWS Backup (`awsbackup:`) snapshot of any name.",
)

PASS_ROLES = passing_role(
    "PassRolesToRds",
    "arn:{partition}:iam::{account}:role/*",
    "rds.amazonaws.com",
    why="Re-declare the original's enhanced-monitoring role, directory role and associated "
    "IAM roles on the restored instance; passing a role is allowed to RDS only.",
)

USE_KMS_KEY = Statement(
    sid="UseKmsKeyThroughRds",
    actions=("kms:CreateGrant", "kms:DescribeKey"),
    resources=("arn:{partition}:kms:{region}:{account}:key/*",),
    condition={"StringLike": {"kms:ViaService": "rds.*.amazonaws.com"}},
    why="Restore an encrypted snapshot or point in time: RDS creates a grant on the "
    "database's KMS key in the caller's name; only through RDS.",
)

MANAGED_PASSWORD = Statement(
    sid="ManagedMasterPasswordSecret",
    actions=("secretsmanager:CreateSecret", "secretsmanager:TagResource"),
    resources=("arn:{partition}:secretsmanager:{region}:{account}:secret:rds!*",),
    why="An original whose master password RDS manages in Secrets Manager is restored with "
    "the same setting: RDS creates the new instance's `rds!...` secret in the caller's name.",
)

MANAGED_PASSWORD_KEY = Statement(
    sid="ManagedMasterPasswordKey",
    actions=("kms:GenerateDataKey", "kms:Decrypt"),
    resources=("arn:{partition}:kms:{region}:{account}:key/*",),
    condition={"StringLike": {"kms:ViaService": "secretsmanager.*.amazonaws.com"}},
    why="... and encrypts that secret with the original's customer-managed key "
    "(MasterUserSecretKmsKeyId), only through Secrets Manager.",
)

DELETE_INSTANCE = Statement(
    sid="DeleteRenamedOriginal",
    actions=("rds:DeleteDBInstance",),
    resources=(f"{RDS}:db:{{instances}}",),
    why="Only `restore cleanup` (and `rollback --delete-restored`) delete an instance, with a "
    "final snapshot and keeping its automated backups; a restored instance of the run that "
    "RDS only allows deleting (failed, incompatible-restore, incompatible-network) is deleted "
    "without one.",
)

MAINTENANCE = Statement(
    sid="MaintenancePipelines",
    actions=(
        "codepipeline:GetPipeline",
        "codepipeline:StartPipelineExecution",
        "codepipeline:GetPipelineExecution",
    ),
    resources=("arn:{partition}:codepipeline:{region}:{account}:Maintenance_*",),
    why="`--maintenance ENV` checks, starts and follows the SCCOS pipelines "
    "`Maintenance_Enable_ENV` / `Maintenance_Disable_ENV`; no other pipeline.",
)

#: The actions that restore an instance from a snapshot with the original's IAM roles.
FROM_SNAPSHOT = ("rds:RestoreDBInstanceFromDBSnapshot", "rds:AddRoleToDBInstance")

#: The tag keys an hourly snapshot is created with (sccos_backup.backups.ownership).
HOURLY_TAG_KEYS = (
    "sccos-backup:created-by",
    "sccos-backup:kind",
    "sccos-backup:instance",
    "sccos-backup:snapshot",
)
HOURLY = f"{RDS}:snapshot:{{hourly}}"
TAGGING = ("rds:AddTagsToResource", "rds:RemoveTagsFromResource")

CREATE_HOURLY_SNAPSHOT = Statement(
    sid="CreateHourlySnapshots",
    actions=("rds:CreateDBSnapshot",),
    resources=(f"{RDS}:db:{{db}}", HOURLY),
    why="The scheduled rotation takes this hour's snapshot, always named `DB-hourly-...`. "
    "CreateDBSnapshot is authorised against the instance and the new snapshot's name.",
)

TAG_HOURLY_ON_CREATE = Statement(
    sid="TagHourlySnapshotsOnCreate",
    actions=("rds:AddTagsToResource",),
    resources=(HOURLY,),
    condition={
        "ForAllValues:StringEquals": {"aws:TagKeys": list(HOURLY_TAG_KEYS)},
        "StringEquals": {
            "aws:RequestTag/sccos-backup:kind": "hourly",
            "aws:RequestTag/sccos-backup:created-by": "sccos-backup",
        },
        "Null": {"aws:ResourceTag/sccos-backup:kind": "true"},
    },
    why="The hourly snapshot is created with its four `sccos-backup:*` tags (authorised as "
    "AddTagsToResource on the new snapshot, which has no tags yet): only those keys, only "
    "`kind=hourly`, only on an hourly name, never on a snapshot that already carries a kind.",
)

DENY_BACKUP_TAGS_ELSEWHERE = Statement(
    sid="DenyBackupTagsOnOtherSnapshots",
    effect="Deny",
    not_resources=True,
    actions=TAGGING,
    resources=(HOURLY,),
    condition={"ForAnyValue:StringLike": {"aws:TagKeys": ["sccos-backup:*"]}},
    why="Deletion rights follow the `sccos-backup:kind` tag, so the role may never write or "
    "remove `sccos-backup:*` tags on anything but this hour's new snapshot, whatever other "
    "policy the role is given.",
)

DENY_CHANGING_BACKUP_TAGS = Statement(
    sid="DenyChangingBackupTags",
    effect="Deny",
    actions=TAGGING,
    resources=(f"{RDS}:snapshot:*",),
    condition={"Null": {"aws:ResourceTag/sccos-backup:kind": "false"}},
    why="A snapshot that carries a kind keeps its tags: only a snapshot being created (no "
    "tags yet) is tagged.",
)

SIMULATE_CALLER = Statement(
    sid="SimulateOwnRights",
    actions=("iam:SimulatePrincipalPolicy",),
    resources=("arn:{partition}:iam::{account}:user/*", "arn:{partition}:iam::{account}:role/*"),
    why="`doctor`, `restore plan | run` and `restore rehearse` ask IAM, before anything "
    "changes, what it would decide for each action the run takes (simulating the caller's own "
    "user or role). Without it that check says unknown, not failed.",
)

READ_ORDERABLE = Statement(
    sid="ReadOrderableOptions",
    actions=("rds:DescribeOrderableDBInstanceOptions",),
    resources=("*",),
    why="Check that the original's instance class can be ordered in its Availability Zone "
    "(this action has no resource type, so IAM accepts only `*`).",
)

DELETE_HOURLY_SNAPSHOTS = Statement(
    sid="DeleteHourlySnapshots",
    actions=("rds:DeleteDBSnapshot",),
    resources=(HOURLY,),
    condition={"StringEquals": {"aws:ResourceTag/sccos-backup:kind": "hourly"}},
    why="The scheduled rotation deletes expired hourly snapshots only: IAM refuses the "
    "function any snapshot not named `DB-hourly-...` and tagged `sccos-backup:kind=hourly`, "
    "whatever the code does.",
)

DRILL_RESTORE = with_groups(
    "DrillRestoreAside",
    FROM_SNAPSHOT,
    f"{RDS}:db:{{drill}}",
    f"{RDS}:snapshot:*",
    why="`drill run`: the Pulumi aws provider restores the drill's copy, always named "
    "`DB-drill-YYYYMMDDHHMM`, with the original's groups and roles.",
)

DRILL_PITR = with_groups(
    "DrillRestoreToPointInTime",
    ("rds:RestoreDBInstanceToPointInTime",),
    f"{RDS}:db:{{drill}}",
    f"{RDS}:db:{{db}}",
    why="A point-in-time drill restores the copy the same way, and is also authorised against "
    "its source, the live database; RDS only reads its backups (the live database is never "
    "modified by a drill).",
)

DRILL_MODIFY = with_groups(
    "DrillModifyCopy",
    ("rds:ModifyDBInstance", "rds:AddTagsToResource", "rds:ListTagsForResource"),
    f"{RDS}:db:{{drill}}",
    why="The provider applies what a restore call cannot take and the declared tags to the "
    "copy; the drill records its progress in `sccos-backup:drill-progress*` tags on the copy.",
)

DRILL_DESTROY = Statement(
    sid="DrillDestroyCopy",
    actions=("rds:DeleteDBInstance", "rds:RemoveRoleFromDBInstance"),
    resources=(f"{RDS}:db:{{drill}}",),
    condition={"StringLike": {"aws:ResourceTag/sccos-backup:drill": "*"}},
    why="`pulumi destroy` on the drill's own stack deletes the copy (no final snapshot); IAM "
    "refuses any instance that does not carry the `sccos-backup:drill` tag.",
)

#: What every group that restores reads before it changes anything.
RESTORE_READS = (READ_RDS, READ_RESTORE_WINDOW, READ_PARAMETER_GROUPS, READ_EVENTS)
#: What RDS does in the caller's name while it restores an instance like the original: pass its
#: roles, use its KMS key, create its managed master password's secret.
LIKE_THE_ORIGINAL = (PASS_ROLES, USE_KMS_KEY, MANAGED_PASSWORD, MANAGED_PASSWORD_KEY)
