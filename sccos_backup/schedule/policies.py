"""The IAM documents of the schedule stack, as plain JSON-ready dicts (pure, no Pulumi).

The function's RDS statements are :func:`sccos_backup.permissions.policy_document`
``("schedule", ...)``, the very document ``sccos-backup iam-policy schedule`` prints; the
statements added here cover what only the deployed function does (publish its metrics, write its
log group, hand failed events to the dead-letter queue).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sccos_backup.permissions import policy_document
from sccos_backup.schedule.metrics import NAMESPACE

VERSION = "2012-10-17"


def trust(service: str, account: str | None = None) -> dict[str, Any]:
    """Who may assume a role: one AWS service, from this account only when given."""
    statement: dict[str, Any] = {
        "Effect": "Allow",
        "Principal": {"Service": service},
        "Action": "sts:AssumeRole",
    }
    if account:
        statement["Condition"] = {"StringEquals": {"aws:SourceAccount": account}}
    return {"Version": VERSION, "Statement": [statement]}


def function_policy(
    *,
    partition: str,
    region: str,
    account: str,
    databases: Sequence[str],
    db_tag: tuple[str, str] | None = None,
    log_group_arn: str,
    queue_arn: str,
) -> dict[str, Any]:
    """The function role's inline policy: for a fleet chosen by tag, snapshots may only be
    taken of instances carrying the tag (a Deny on ``aws:ResourceTag``)."""
    rds = policy_document(
        "schedule",
        partition=partition,
        region=region,
        account=account,
        databases=databases,
        db_tag=db_tag,
    )
    own = [
        {
            "Sid": "PublishBackupMetrics",
            "Effect": "Allow",
            "Action": ["cloudwatch:PutMetricData"],
            "Resource": "*",
            "Condition": {"StringEquals": {"cloudwatch:namespace": NAMESPACE}},
        },
        {
            "Sid": "WriteOwnLogs",
            "Effect": "Allow",
            "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": f"{log_group_arn}:*",
        },
        {
            "Sid": "SendFailedEventsToDeadLetterQueue",
            "Effect": "Allow",
            "Action": ["sqs:SendMessage"],
            "Resource": queue_arn,
        },
    ]
    return {"Version": VERSION, "Statement": [*rds["Statement"], *own]}


def scheduler_policy(*, function_arn: str, queue_arn: str) -> dict[str, Any]:
    """The policy of the role EventBridge Scheduler assumes to invoke the function."""
    return {
        "Version": VERSION,
        "Statement": [
            {
                "Sid": "InvokeTheFunction",
                "Effect": "Allow",
                "Action": ["lambda:InvokeFunction"],
                "Resource": [function_arn, f"{function_arn}:*"],
            },
            {
                "Sid": "DeadLetterQueue",
                "Effect": "Allow",
                "Action": ["sqs:SendMessage"],
                "Resource": queue_arn,
            },
        ],
    }
