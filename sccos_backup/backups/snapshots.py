"""Backups: named manual snapshots, every restore point in one view, hourly rotation, policy.

SCCOS keeps four kinds of restore points for a database (Spryker's runbook):

- ``automated``: AWS daily snapshots (``rds:NAME-YYYY-MM-DD-HH-MM``), kept 5 days by default;
- point-in-time recovery (transaction logs), between the earliest and latest restorable time;
- ``hourly``: manual snapshots taken by the SCCOS tooling (here: ``snapshot rotate``), tagged
  ``sccos-backup:kind=hourly`` and kept 60 hours;
- ``manual``: snapshots a person takes before a risky change;

plus ``awsbackup``: snapshots managed by AWS Backup, where an account uses it.

Every action is observed, planned as data by a pure function, then executed:
:func:`plan_manual_snapshot` / :func:`take_snapshot`, :func:`plan_rotation` /
:func:`execute_rotation`, :func:`evaluate_policy`, :func:`deletable_snapshot` /
:func:`delete_snapshot`. Snapshots belong to a database by its DbiResourceId, which survives
a rename, or by the instance identifier they were taken under.

This module is the stable entry point: it re-exports the public names of the modules that
hold them, one job each: :mod:`.naming` (tags, kinds, names), :mod:`.listing` (restore
points), :mod:`.manual` (manual snapshots, deleting), :mod:`.rotation` (hourly rotation) and
:mod:`.policy` (the policy check).
"""

from __future__ import annotations

from sccos_backup.backups.listing import (
    RestorePoint,
    RestorePoints,
    list_restore_points,
    observe_snapshots,
)
from sccos_backup.backups.manual import (
    SnapshotRequest,
    SnapshotResult,
    deletable_snapshot,
    delete_snapshot,
    manual_tags,
    plan_manual_snapshot,
    take_snapshot,
)
from sccos_backup.backups.naming import (
    CREATED_BY,
    DEFAULT_MAX_PITR_LAG,
    MIN_RETENTION_DAYS,
    NOTE_MAX,
    QUOTA_WARN_LEFT,
    TAG_CREATED_BY,
    TAG_KIND,
    TAG_NOTE,
    Kind,
    belongs_to,
    hourly_name,
    newest_first,
    propose_name,
    require_available,
)
from sccos_backup.backups.ownership import (
    TAG_INSTANCE,
    TAG_SNAPSHOT,
    HourlyMark,
    Owner,
    hourly_mark,
    hourly_tags,
    kind_of,
)
from sccos_backup.backups.policy import (
    PolicyCheck,
    PolicyReport,
    check_policy,
    evaluate_policy,
)
from sccos_backup.backups.prune import PrunePlan, PruneResult, prune_orphans
from sccos_backup.backups.rotation import (
    RotationPlan,
    RotationResult,
    execute_rotation,
    plan_rotation,
    prepare_rotation,
    rotate,
)

__all__ = [
    "CREATED_BY",
    "DEFAULT_MAX_PITR_LAG",
    "MIN_RETENTION_DAYS",
    "NOTE_MAX",
    "QUOTA_WARN_LEFT",
    "TAG_CREATED_BY",
    "TAG_INSTANCE",
    "TAG_KIND",
    "TAG_NOTE",
    "TAG_SNAPSHOT",
    "HourlyMark",
    "Kind",
    "Owner",
    "PolicyCheck",
    "PolicyReport",
    "PrunePlan",
    "PruneResult",
    "RestorePoint",
    "RestorePoints",
    "RotationPlan",
    "RotationResult",
    "SnapshotRequest",
    "SnapshotResult",
    "belongs_to",
    "check_policy",
    "deletable_snapshot",
    "delete_snapshot",
    "evaluate_policy",
    "execute_rotation",
    "hourly_mark",
    "hourly_name",
    "hourly_tags",
    "kind_of",
    "list_restore_points",
    "manual_tags",
    "newest_first",
    "observe_snapshots",
    "plan_manual_snapshot",
    "plan_rotation",
    "prepare_rotation",
    "propose_name",
    "prune_orphans",
    "require_available",
    "rotate",
    "take_snapshot",
]
