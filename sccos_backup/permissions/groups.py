"""The statements of each command group, in the order ``iam-policy`` prints them."""

from __future__ import annotations

from collections.abc import Mapping

from sccos_backup.permissions.deployment import (
    DEPLOY_ALARMS,
    DEPLOY_FUNCTION,
    DEPLOY_FUNCTION_ASYNC,
    DEPLOY_LOG_GROUP,
    DEPLOY_QUEUE,
    DEPLOY_ROLE_POLICIES,
    DEPLOY_ROLES,
    DEPLOY_SCHEDULES,
    DEPLOY_SUBSCRIPTION,
    DEPLOY_TOPIC,
    PASS_FUNCTION_ROLE,
    PASS_SCHEDULER_ROLE,
    READ_LOG_GROUPS,
    REPORTS,
    STATE,
)
from sccos_backup.permissions.rehearsal import REHEARSE
from sccos_backup.permissions.statements import (
    CREATE_HOURLY_SNAPSHOT,
    CREATE_SNAPSHOT,
    DELETE_HOURLY_SNAPSHOTS,
    DELETE_INSTANCE,
    DELETE_SNAPSHOT,
    DENY_BACKUP_TAGS_ELSEWHERE,
    DENY_CHANGING_BACKUP_TAGS,
    DRILL_DESTROY,
    DRILL_MODIFY,
    DRILL_PITR,
    DRILL_RESTORE,
    LIKE_THE_ORIGINAL,
    MAINTENANCE,
    MODIFY_INSTANCES,
    READ_ORDERABLE,
    READ_QUOTA,
    READ_RDS,
    READ_RESTORE_WINDOW,
    RESTORE,
    RESTORE_READS,
    SIMULATE_CALLER,
    TAG_HOURLY_ON_CREATE,
    TAG_INSTANCES,
    TAG_SNAPSHOTS,
    Statement,
)

#: The statements of each command group, in the order they are printed.
BY_COMMAND: Mapping[str, tuple[Statement, ...]] = {
    "snapshot": (
        READ_RDS,
        READ_RESTORE_WINDOW,
        READ_QUOTA,
        CREATE_SNAPSHOT,
        TAG_SNAPSHOTS,
        DELETE_SNAPSHOT,
    ),
    # The schedule stack's function (scheduled `rotate` and `check`): reads, hourly snapshots
    # only (created, tagged on create, deleted), and no way to widen that by tagging.
    "schedule": (
        READ_RDS,
        READ_QUOTA,
        CREATE_HOURLY_SNAPSHOT,
        TAG_HOURLY_ON_CREATE,
        DELETE_HOURLY_SNAPSHOTS,
        DENY_BACKUP_TAGS_ELSEWHERE,
        DENY_CHANGING_BACKUP_TAGS,
    ),
    "restore": (
        *RESTORE_READS,
        MODIFY_INSTANCES,
        TAG_INSTANCES,
        RESTORE,
        *LIKE_THE_ORIGINAL,
        CREATE_SNAPSHOT,
        TAG_SNAPSHOTS,
        DELETE_INSTANCE,
        MAINTENANCE,
        SIMULATE_CALLER,
        READ_ORDERABLE,
        *STATE,
    ),
    # `restore rehearse`: a restore run's rights on the stand-in, and deleting what it created.
    "rehearse": REHEARSE,
    "drill": (
        *RESTORE_READS,
        DRILL_RESTORE,
        DRILL_PITR,
        DRILL_MODIFY,
        DRILL_DESTROY,
        *LIKE_THE_ORIGINAL,
        *STATE,
        *REPORTS,
    ),
    # `schedule up`: the deployer's rights on the schedule stack's resources (not the
    # function's: that is `schedule`), and the state backend it keeps the stack in.
    "schedule-deploy": (
        DEPLOY_FUNCTION,
        DEPLOY_FUNCTION_ASYNC,
        PASS_FUNCTION_ROLE,
        DEPLOY_LOG_GROUP,
        READ_LOG_GROUPS,
        DEPLOY_QUEUE,
        DEPLOY_ROLES,
        DEPLOY_ROLE_POLICIES,
        DEPLOY_SCHEDULES,
        PASS_SCHEDULER_ROLE,
        DEPLOY_ALARMS,
        DEPLOY_TOPIC,
        DEPLOY_SUBSCRIPTION,
        *STATE,
    ),
    # `resync` talks to Jenkins only: it needs a Jenkins API token and no AWS permission.
    "resync": (),
}
