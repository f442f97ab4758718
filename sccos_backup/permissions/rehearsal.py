"""The statements of ``restore rehearse``: a restore run's rights on the stand-in, restores from
a snapshot only, and deleting what the rehearsal created; :mod:`.groups` lists them as the
``rehearse`` group."""

from __future__ import annotations

from sccos_backup.permissions.deployment import (
    DRILL_REPORTS,
    DRILL_REPORTS_LIST,
    STATE_LIST,
    STATE_OBJECTS,
)
from sccos_backup.permissions.statements import (
    MAINTENANCE,
    MANAGED_PASSWORD,
    MANAGED_PASSWORD_KEY,
    MODIFY_INSTANCES,
    PASS_ROLES,
    RDS,
    READ_EVENTS,
    READ_PARAMETER_GROUPS,
    READ_RDS,
    READ_RESTORE_WINDOW,
    TAG_INSTANCES,
    USE_KMS_KEY,
    Statement,
)

REHEARSAL_RESTORE = Statement(
    sid="RehearsalRestoreFromSnapshot",
    actions=("rds:RestoreDBInstanceFromDBSnapshot", "rds:AddRoleToDBInstance"),
    resources=(
        f"{RDS}:db:{{db}}",
        f"{RDS}:snapshot:*",
        f"{RDS}:subgrp:*",
        f"{RDS}:pg:*",
        f"{RDS}:og:*",
    ),
    why="`restore rehearse` restores the stand-in, and the runbook restores it again, from a "
    "snapshot of production (never a point in time) with production's groups and roles.",
)

REHEARSAL_DELETE = Statement(
    sid="RehearsalDeleteWhatItCreated",
    actions=(
        "rds:DeleteDBInstance",
        "rds:DeleteDBSnapshot",
        "rds:DeleteDBInstanceAutomatedBackup",
    ),
    resources=(f"{RDS}:db:{{db}}", f"{RDS}:snapshot:{{db}}", f"{RDS}:auto-backup:*"),
    why="`restore cleanup` deletes the parked stand-in (final snapshot kept); then the "
    "rehearsal deletes the instances it created, found by the DbiResourceIds it recorded (no "
    "final snapshot), that final snapshot and the automated backups RDS retained of the "
    "stand-in (asked for by its DbiResourceId: their ARN is not known before). Production is "
    "never one of them.",
)

REHEARSE: tuple[Statement, ...] = (
    READ_RDS,
    READ_RESTORE_WINDOW,
    READ_PARAMETER_GROUPS,
    READ_EVENTS,
    MODIFY_INSTANCES,
    TAG_INSTANCES,
    REHEARSAL_RESTORE,
    PASS_ROLES,
    USE_KMS_KEY,
    MANAGED_PASSWORD,
    MANAGED_PASSWORD_KEY,
    REHEARSAL_DELETE,
    MAINTENANCE,
    STATE_OBJECTS,
    STATE_LIST,
    DRILL_REPORTS,
    DRILL_REPORTS_LIST,
)
