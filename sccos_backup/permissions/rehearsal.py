"""The statements of ``restore rehearse``: a restore run's rights on the stand-in, restores from
a snapshot only, and deleting what the rehearsal created; :mod:`.groups` lists them as the
``rehearse`` group."""

from __future__ import annotations

from sccos_backup.permissions.deployment import REPORTS, STATE
from sccos_backup.permissions.statements import (
    FROM_SNAPSHOT,
    LIKE_THE_ORIGINAL,
    MAINTENANCE,
    MODIFY_INSTANCES,
    RDS,
    READ_ORDERABLE,
    RESTORE_READS,
    SIMULATE_CALLER,
    TAG_INSTANCES,
    Statement,
    with_groups,
)

REHEARSAL_RESTORE = with_groups(
    "RehearsalRestoreFromSnapshot",
    FROM_SNAPSHOT,
    f"{RDS}:db:{{db}}",
    f"{RDS}:snapshot:*",
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
    *RESTORE_READS,
    MODIFY_INSTANCES,
    TAG_INSTANCES,
    REHEARSAL_RESTORE,
    *LIKE_THE_ORIGINAL,
    REHEARSAL_DELETE,
    MAINTENANCE,
    SIMULATE_CALLER,
    READ_ORDERABLE,
    *STATE,
    *REPORTS,
)
