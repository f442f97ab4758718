"""The schedule stack's CloudWatch alarms and their optional SNS topic (Pulumi).

Each alarm watches one thing that makes the backup policy fail silently otherwise: the function
failing, events that never reached it (the dead-letter queue), and the metrics the function
publishes per stack (:mod:`sccos_backup.schedule.metrics`). Alarms on the function's own metrics
treat missing data as breaching where the data is expected every run: no data means the
schedule stopped.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from sccos_backup.backups.snapshots import QUOTA_WARN_LEFT
from sccos_backup.schedule import metrics
from sccos_backup.schedule.event import Action
from sccos_backup.schedule.spec import ScheduleSpec

#: Alarm periods, in seconds: the check runs every 15 minutes, the rotation every hour.
CHECK_PERIOD = 1800
HOUR = 3600


@dataclass(frozen=True)
class AlarmRule:
    """One alarm, as data (the tests and the docs read these)."""

    suffix: str
    description: str
    namespace: str
    metric: str
    statistic: str
    comparison: str
    threshold: float
    period: int
    dimensions: tuple[tuple[str, str], ...]
    missing: str = "notBreaching"


def rules(spec: ScheduleSpec, stack: str) -> tuple[AlarmRule, ...]:
    """The alarms on the function's metrics (per stack, hence also for a fleet by tag)."""
    per_stack = ((metrics.DIM_STACK, stack),)
    check = (*per_stack, (metrics.DIM_ACTION, str(Action.CHECK)))
    rotate = (*per_stack, (metrics.DIM_ACTION, str(Action.ROTATE)))
    max_age = spec.max_hourly_age_minutes * 60
    return (
        AlarmRule(
            "hourly-age",
            f"the newest hourly snapshot of a database is older than "
            f"{spec.max_hourly_age_minutes} minutes (or the check stopped reporting)",
            metrics.NAMESPACE, metrics.HOURLY_AGE, "Maximum", "GreaterThanThreshold",
            float(max_age), CHECK_PERIOD, per_stack, "breaching",
        ),
        AlarmRule(
            "gaps",
            "an hour of the kept series has no hourly snapshot",
            metrics.NAMESPACE, metrics.HOURLY_GAPS, "Maximum", "GreaterThanThreshold",
            0.0, HOUR, per_stack,
        ),
        AlarmRule(
            "quota",
            f"fewer than {QUOTA_WARN_LEFT} manual snapshots left in the region's quota",
            metrics.NAMESPACE, metrics.QUOTA_HEADROOM, "Minimum", "LessThanThreshold",
            float(QUOTA_WARN_LEFT), HOUR, per_stack,
        ),
        AlarmRule(
            "policy",
            "a database's backup policy is not met (retention, point-in-time recovery, hourly)",
            metrics.NAMESPACE, metrics.POLICY_UNMET, "Maximum", "GreaterThanThreshold",
            0.0, CHECK_PERIOD, per_stack,
        ),
        AlarmRule(
            "rotate-failed",
            "the hourly rotation failed for a database",
            metrics.NAMESPACE, metrics.FAILED, "Maximum", "GreaterThanThreshold",
            0.0, HOUR, rotate,
        ),
        AlarmRule(
            "check-failed",
            "the policy check failed for a database",
            metrics.NAMESPACE, metrics.FAILED, "Maximum", "GreaterThanThreshold",
            0.0, CHECK_PERIOD, check,
        ),
        AlarmRule(
            "no-databases",
            "the selection found no database (wrong tag or names), or the check stopped running",
            metrics.NAMESPACE, metrics.SELECTED, "Minimum", "LessThanThreshold",
            1.0, CHECK_PERIOD, check, "breaching",
        ),
    )  # fmt: skip


def service_rules(function_name: str, queue_name: str) -> tuple[AlarmRule, ...]:
    """The alarms on AWS's own metrics of the function and the dead-letter queue."""
    return (
        AlarmRule(
            "function-errors",
            "the function failed (bad event, AWS unreachable, metrics not published)",
            "AWS/Lambda", "Errors", "Sum", "GreaterThanThreshold",
            0.0, 900, (("FunctionName", function_name),),
        ),
        AlarmRule(
            "dead-letters",
            "a scheduled event or a failed run landed in the dead-letter queue",
            "AWS/SQS", "ApproximateNumberOfMessagesVisible", "Maximum", "GreaterThanThreshold",
            0.0, 900, (("QueueName", queue_name),),
        ),
    )  # fmt: skip


def declare_alarms(
    prefix: str,
    spec: ScheduleSpec,
    stack: str,
    *,
    function_name: str,
    queue_name: str,
    parent: pulumi.Resource,
) -> tuple[list[aws.cloudwatch.MetricAlarm], pulumi.Output[str] | None]:
    """Declare the topic (when e-mail is wanted) and every alarm; (alarms, topic ARN)."""
    opts = pulumi.ResourceOptions(parent=parent)
    topic_arn: pulumi.Output[str] | None = None
    if spec.alarm_email:
        topic = aws.sns.Topic(f"{prefix}-alarms", name=f"{prefix}-alarms", opts=opts)
        aws.sns.TopicSubscription(
            f"{prefix}-alarm-email",
            topic=topic.arn,
            protocol="email",
            endpoint=spec.alarm_email,
            opts=opts,
        )
        topic_arn = topic.arn
    elif spec.alarm_topic_arn:
        topic_arn = pulumi.Output.from_input(spec.alarm_topic_arn)
    actions = [topic_arn] if topic_arn is not None else []
    alarms = [
        aws.cloudwatch.MetricAlarm(
            f"{prefix}-{rule.suffix}",
            name=f"{prefix}-{rule.suffix}",
            alarm_description=f"sccos-backup schedule {stack}: {rule.description}",
            namespace=rule.namespace,
            metric_name=rule.metric,
            statistic=rule.statistic,
            comparison_operator=rule.comparison,
            threshold=rule.threshold,
            period=rule.period,
            evaluation_periods=1,
            dimensions=dict(rule.dimensions),
            treat_missing_data=rule.missing,
            alarm_actions=actions,
            ok_actions=actions,
            opts=opts,
        )
        for rule in (*rules(spec, stack), *service_rules(function_name, queue_name))
    ]
    return alarms, topic_arn
