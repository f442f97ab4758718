"""The statements on storage and on the schedule stack's deployment: the S3 state backend and
drill reports (printed only with an ``s3://`` URL for them), and what ``schedule up`` needs to
deploy the stack (``iam-policy schedule-deploy``). Pure data, like :mod:`.statements`.
"""

from __future__ import annotations

from collections.abc import Mapping

from sccos_backup.permissions.statements import Statement, passing_role

S3 = "arn:{partition}:s3:::"


def in_s3(
    kind: str,
    only_with: str,
    *,
    objects: tuple[str, tuple[str, ...], str],
    listing: tuple[str, str],
) -> tuple[Statement, Statement]:
    """The statements on one ``s3://BUCKET/PREFIX`` (``{KIND_bucket}``, ``{KIND_prefix}``):
    ``objects`` (sid, actions, why) on the objects under the prefix, ``listing`` (sid, why)
    ListBucket of that prefix only; printed only with that URL (``only_with``)."""
    bucket, prefix = f"{{{kind}_bucket}}", f"{{{kind}_prefix}}"
    sid, actions, why = objects
    return (
        Statement(
            sid=sid,
            actions=actions,
            resources=(f"{S3}{bucket}/{prefix}*",),
            only_with=only_with,
            why=why,
        ),
        Statement(
            sid=listing[0],
            actions=("s3:ListBucket",),
            resources=(f"{S3}{bucket}",),
            condition={"StringLike": {"s3:prefix": f"{prefix}*"}},
            only_with=only_with,
            why=listing[1],
        ),
    )


STATE = STATE_OBJECTS, STATE_LIST = in_s3(
    "state",
    "backend",
    objects=(
        "StateAndLocksInS3",
        ("s3:GetObject", "s3:PutObject", "s3:DeleteObject"),
        "Only with `--backend-url s3://BUCKET/PREFIX`: Pulumi keeps the stacks' state under "
        "`PREFIX/.pulumi/`, and the runs' locks and recorded plans are objects under "
        "`PREFIX/.sccos-backup/` (a lock is a conditional PutObject, released with "
        "DeleteObject). No other bucket, no other prefix.",
    ),
    listing=(
        "ListStateInS3",
        "... and Pulumi lists the stacks and their history under that prefix only (the Pulumi "
        "CLI's DIY backend; the tests' in-process engine does not list).",
    ),
)

REPORTS = DRILL_REPORTS, DRILL_REPORTS_LIST = in_s3(
    "reports",
    "reports",
    objects=(
        "DrillReportsInS3",
        ("s3:PutObject", "s3:GetObject"),
        "Only with `--reports-url s3://BUCKET/PREFIX`: write the drill report and read past "
        "ones (`drill history`), under that bucket and prefix only.",
    ),
    listing=("ListDrillReportsInS3", "`drill history` lists the reports under the prefix only."),
)

# -- `schedule up`: deploying the schedule stack (sccos_backup/schedule/declaration.py) --------
#
# `{stack}` is `sccos-backup-STACK` (every physical name the declaration gives starts with it),
# `sccos-backup-*` without `--stack`. The actions are those the Pulumi aws provider calls to
# create, read, update, tag and delete each resource type (terraform-provider-aws, read at
# 0156d84: internal/service/{lambda,logs,sqs,iam,scheduler,cloudwatch,sns}).
LAMBDA = "arn:{partition}:lambda:{region}:{account}"
ROLE = "arn:{partition}:iam::{account}:role/{stack}"

DEPLOY_FUNCTION = Statement(
    sid="DeployFunction",
    actions=(
        "lambda:CreateFunction",
        "lambda:GetFunction",
        "lambda:GetFunctionConfiguration",
        "lambda:GetFunctionCodeSigningConfig",
        "lambda:ListVersionsByFunction",
        "lambda:UpdateFunctionCode",
        "lambda:UpdateFunctionConfiguration",
        "lambda:DeleteFunction",
        "lambda:ListTags",
        "lambda:TagResource",
        "lambda:UntagResource",
    ),
    resources=(f"{LAMBDA}:function:{{stack}}-fn",),
    why="The function `sccos-backup-STACK-fn` (aws.lambda_.Function): created from the zip, "
    "read back, its code and settings updated, deleted with the stack.",
)

DEPLOY_FUNCTION_ASYNC = Statement(
    sid="DeployFunctionRetries",
    actions=(
        "lambda:PutFunctionEventInvokeConfig",
        "lambda:GetFunctionEventInvokeConfig",
        "lambda:UpdateFunctionEventInvokeConfig",
        "lambda:DeleteFunctionEventInvokeConfig",
    ),
    resources=(f"{LAMBDA}:function:{{stack}}-fn",),
    why="Its asynchronous-invocation settings (aws.lambda_.FunctionEventInvokeConfig): "
    "retries, and failed runs to the dead-letter queue.",
)

DEPLOY_LOG_GROUP = Statement(
    sid="DeployLogGroup",
    actions=(
        "logs:CreateLogGroup",
        "logs:PutRetentionPolicy",
        "logs:DeleteRetentionPolicy",
        "logs:DeleteLogGroup",
        "logs:ListTagsForResource",
        "logs:TagResource",
        "logs:UntagResource",
    ),
    resources=(
        "arn:{partition}:logs:{region}:{account}:log-group:/aws/lambda/{stack}-fn",
        "arn:{partition}:logs:{region}:{account}:log-group:/aws/lambda/{stack}-fn:*",
    ),
    why="The function's log group `/aws/lambda/sccos-backup-STACK-fn` with its retention "
    "(aws.cloudwatch.LogGroup).",
)

READ_LOG_GROUPS = Statement(
    sid="FindLogGroups",
    actions=("logs:DescribeLogGroups",),
    resources=("*",),
    why="The provider reads a log group back by listing log groups with its name as prefix; "
    "DescribeLogGroups has no resource type, so IAM accepts only `*`. It reads names and "
    "settings, no log events.",
)

DEPLOY_QUEUE = Statement(
    sid="DeployDeadLetterQueue",
    actions=(
        "sqs:CreateQueue",
        "sqs:GetQueueUrl",
        "sqs:GetQueueAttributes",
        "sqs:SetQueueAttributes",
        "sqs:ListQueueTags",
        "sqs:TagQueue",
        "sqs:UntagQueue",
        "sqs:DeleteQueue",
    ),
    resources=("arn:{partition}:sqs:{region}:{account}:{stack}-dlq",),
    why="The dead-letter queue `sccos-backup-STACK-dlq` (aws.sqs.Queue).",
)

DEPLOY_ROLES = Statement(
    sid="DeployRoles",
    actions=(
        "iam:CreateRole",
        "iam:GetRole",
        "iam:UpdateAssumeRolePolicy",
        "iam:UpdateRole",
        "iam:UpdateRoleDescription",
        "iam:ListRolePolicies",
        "iam:ListAttachedRolePolicies",
        "iam:ListInstanceProfilesForRole",
        "iam:TagRole",
        "iam:UntagRole",
        "iam:DeleteRole",
    ),
    resources=(f"{ROLE}-fn", f"{ROLE}-scheduler"),
    why="The function's role and the role EventBridge Scheduler assumes (aws.iam.Role), "
    "nothing else: these two names only.",
)

DEPLOY_ROLE_POLICIES = Statement(
    sid="DeployRolePolicies",
    actions=("iam:PutRolePolicy", "iam:GetRolePolicy", "iam:DeleteRolePolicy"),
    resources=(f"{ROLE}-fn", f"{ROLE}-scheduler"),
    why="Their inline policies (aws.iam.RolePolicy): the function's is `iam-policy schedule` "
    "plus its logs, metrics and queue. Whoever may deploy may write these two roles' "
    "policies: give this document only to those trusted with the function's rights.",
)

PASS_FUNCTION_ROLE = passing_role(
    "PassFunctionRole",
    f"{ROLE}-fn",
    "lambda.amazonaws.com",
    why="The function runs as its role: passing it is allowed to Lambda only.",
)

PASS_SCHEDULER_ROLE = passing_role(
    "PassSchedulerRole",
    f"{ROLE}-scheduler",
    "scheduler.amazonaws.com",
    why="The schedules invoke the function through their role: passed to EventBridge "
    "Scheduler only.",
)

DEPLOY_SCHEDULES = Statement(
    sid="DeploySchedules",
    actions=(
        "scheduler:CreateSchedule",
        "scheduler:GetSchedule",
        "scheduler:UpdateSchedule",
        "scheduler:DeleteSchedule",
    ),
    resources=(
        "arn:{partition}:scheduler:{region}:{account}:schedule/default/{stack}-rotate",
        "arn:{partition}:scheduler:{region}:{account}:schedule/default/{stack}-rotate-*of*",
        "arn:{partition}:scheduler:{region}:{account}:schedule/default/{stack}-check",
    ),
    why="The schedules `sccos-backup-STACK-rotate` (or one per shard, `-rotate-1of4` ...) and "
    "`-check` in the default group (aws.scheduler.Schedule).",
)

#: The alarms' name suffixes (sccos_backup/schedule/alarms.py; the test ties them).
ALARMS = (
    "hourly-age",
    "gaps",
    "quota",
    "policy",
    "rotate-failed",
    "check-failed",
    "no-databases",
    "function-errors",
    "dead-letters",
)

DEPLOY_ALARMS = Statement(
    sid="DeployAlarms",
    actions=(
        "cloudwatch:PutMetricAlarm",
        "cloudwatch:DescribeAlarms",
        "cloudwatch:DeleteAlarms",
        "cloudwatch:ListTagsForResource",
        "cloudwatch:TagResource",
        "cloudwatch:UntagResource",
    ),
    resources=tuple(
        f"arn:{{partition}}:cloudwatch:{{region}}:{{account}}:alarm:{{stack}}-{suffix}"
        for suffix in ALARMS
    ),
    why="The nine alarms `sccos-backup-STACK-...` (aws.cloudwatch.MetricAlarm).",
)

DEPLOY_TOPIC = Statement(
    sid="DeployAlarmTopic",
    actions=(
        "sns:CreateTopic",
        "sns:GetTopicAttributes",
        "sns:SetTopicAttributes",
        "sns:ListTagsForResource",
        "sns:TagResource",
        "sns:UntagResource",
        "sns:DeleteTopic",
        "sns:Subscribe",
    ),
    resources=("arn:{partition}:sns:{region}:{account}:{stack}-alarms",),
    why="With `--alarm-email`: the topic `sccos-backup-STACK-alarms` (aws.sns.Topic) and the "
    "e-mail subscription to it (aws.sns.TopicSubscription).",
)

DEPLOY_SUBSCRIPTION = Statement(
    sid="DeployAlarmSubscription",
    actions=(
        "sns:GetSubscriptionAttributes",
        "sns:SetSubscriptionAttributes",
        "sns:Unsubscribe",
    ),
    resources=("*",),
    why="... whose settings are read and changed, and which is removed with the stack, by "
    "its subscription ARN; these actions have no resource type, so IAM accepts only `*`.",
)

#: Which statements deploy each resource type the schedule declaration registers (Pulumi type
#: tokens); tests/test_schedule_deploy_permissions.py ties every declared type to them.
DEPLOYED_BY: Mapping[str, tuple[str, ...]] = {
    "aws:lambda/function:Function": ("DeployFunction", "PassFunctionRole"),
    "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig": ("DeployFunctionRetries",),
    "aws:cloudwatch/logGroup:LogGroup": ("DeployLogGroup", "FindLogGroups"),
    "aws:sqs/queue:Queue": ("DeployDeadLetterQueue",),
    "aws:iam/role:Role": ("DeployRoles",),
    "aws:iam/rolePolicy:RolePolicy": ("DeployRolePolicies",),
    "aws:scheduler/schedule:Schedule": ("DeploySchedules", "PassSchedulerRole"),
    "aws:cloudwatch/metricAlarm:MetricAlarm": ("DeployAlarms",),
    "aws:sns/topic:Topic": ("DeployAlarmTopic",),
    "aws:sns/topicSubscription:TopicSubscription": ("DeployAlarmTopic", "DeployAlarmSubscription"),
}
