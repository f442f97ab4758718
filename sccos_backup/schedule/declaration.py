"""The Pulumi declaration of a backup schedule: one component per stack.

Used by ``schedule/__main__.py`` (``pulumi up`` in the schedule project) and by the driver's
inline program, so both declare the same thing. Per stack:

- the function (``python3.12``, ``arm64``, handler ``sccos_backup.lambda_handler.handler``) from
  the reproducible zip (:mod:`.package`; Pulumi passes a ``FileArchive`` that already is a zip
  through unchanged, and ``code_sha256`` is the zip's hash), its log group and its role
  (:mod:`.policies`: the RDS statements are ``iam-policy schedule``);
- EventBridge Scheduler schedules in UTC, ``rotate`` hourly (one per shard when the rotation
  is split: ``-rotate-1of4`` ...) and ``check`` every 15 minutes, each with a retry policy and
  the dead-letter queue, through a role that may only invoke the
  function and write to the queue;
- the function's asynchronous-invocation settings: retries, and failed runs to the same queue;
- the alarms and the optional SNS topic (:mod:`.alarms`).

Every physical name starts with ``sccos-backup-<stack>`` so that a fleet's stacks do not collide.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from sccos_backup.schedule import policies
from sccos_backup.schedule.alarms import declare_alarms
from sccos_backup.schedule.event import MIN_KEEP_HOURS_ENV, Action
from sccos_backup.schedule.package import Artifact
from sccos_backup.schedule.spec import (
    CHECK_EXPRESSION,
    OUTPUT_CHECK,
    OUTPUT_FUNCTION,
    OUTPUT_QUEUE,
    OUTPUT_ROTATE,
    OUTPUT_TOPIC,
    ROTATE_EXPRESSION,
    TIMEZONE,
    ScheduleSpec,
    check_stack_name,
)

COMPONENT_TYPE = "sccos-backup:schedule:BackupSchedule"
HANDLER = "sccos_backup.lambda_handler.handler"
RUNTIME = "python3.12"
ARCHITECTURE = "arm64"
#: Seconds a run may take: a fleet's rotation is a few calls per database.
TIMEOUT = 300
MEMORY_MB = 256
LOG_RETENTION_DAYS = 30
#: Failed events are kept 14 days (SQS's maximum) in the dead-letter queue.
QUEUE_RETENTION = 14 * 24 * 3600


@dataclass(frozen=True)
class Delivery:
    """How EventBridge Scheduler retries one schedule's invocation before the dead letter."""

    expression: str
    retries: int
    max_event_age: int


#: rotate: retries until 55 minutes after the hour (its snapshot is named after the hour);
#: check: within its 15 minutes.
DELIVERY = {
    Action.ROTATE: Delivery(ROTATE_EXPRESSION, retries=3, max_event_age=3300),
    Action.CHECK: Delivery(CHECK_EXPRESSION, retries=2, max_event_age=840),
}


def _json(value: Any) -> str:
    return json.dumps(value, sort_keys=True)


class BackupSchedule(pulumi.ComponentResource):
    """Everything one schedule stack declares."""

    function: aws.lambda_.Function
    queue: aws.sqs.Queue
    schedules: dict[Action, aws.scheduler.Schedule]
    alarms: list[aws.cloudwatch.MetricAlarm]
    topic_arn: pulumi.Output[str] | None

    def __init__(
        self,
        stack: str,
        spec: ScheduleSpec,
        artifact: Artifact,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        prefix = f"sccos-backup-{check_stack_name(stack)}"
        super().__init__(COMPONENT_TYPE, prefix, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        identity = aws.get_caller_identity_output(opts=pulumi.InvokeOutputOptions(parent=self))
        region = aws.get_region_output(opts=pulumi.InvokeOutputOptions(parent=self))
        partition = aws.get_partition_output(opts=pulumi.InvokeOutputOptions(parent=self))
        function_name = f"{prefix}-fn"
        queue_name = f"{prefix}-dlq"

        log_group = aws.cloudwatch.LogGroup(
            f"{prefix}-logs",
            name=f"/aws/lambda/{function_name}",
            retention_in_days=LOG_RETENTION_DAYS,
            opts=child,
        )
        self.queue = aws.sqs.Queue(
            queue_name,
            name=queue_name,
            message_retention_seconds=QUEUE_RETENTION,
            sqs_managed_sse_enabled=True,
            opts=child,
        )
        role = aws.iam.Role(
            f"{prefix}-fn-role",
            name=f"{prefix}-fn",
            assume_role_policy=_json(policies.trust("lambda.amazonaws.com")),
            opts=child,
        )
        databases = list(spec.selection.databases)
        tag = spec.selection.tag
        db_tag = (tag.key, tag.value) if tag is not None else None
        role_policy = aws.iam.RolePolicy(
            f"{prefix}-fn-policy",
            role=role.id,
            policy=pulumi.Output.all(
                partition.partition, region.region, identity.account_id, log_group.arn,
                self.queue.arn,
            ).apply(
                lambda v: _json(
                    policies.function_policy(
                        partition=v[0], region=v[1], account=v[2], databases=databases,
                        db_tag=db_tag, log_group_arn=v[3], queue_arn=v[4],
                    )
                )
            ),
            opts=child,
        )  # fmt: skip
        self.function = aws.lambda_.Function(
            function_name,
            name=function_name,
            description=f"sccos-backup schedule {stack}: hourly rotation and policy checks",
            runtime=RUNTIME,
            architectures=[ARCHITECTURE],
            handler=HANDLER,
            role=role.arn,
            code=pulumi.FileArchive(str(artifact.path)),
            code_sha256=artifact.sha256,
            timeout=TIMEOUT,
            memory_size=MEMORY_MB,
            environment=aws.lambda_.FunctionEnvironmentArgs(
                variables={MIN_KEEP_HOURS_ENV: str(spec.keep_hours)}
            ),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[role_policy, log_group]),
        )
        aws.lambda_.FunctionEventInvokeConfig(
            f"{prefix}-fn-async",
            function_name=self.function.name,
            maximum_retry_attempts=2,
            maximum_event_age_in_seconds=3600,
            destination_config=aws.lambda_.FunctionEventInvokeConfigDestinationConfigArgs(
                on_failure=aws.lambda_.FunctionEventInvokeConfigDestinationConfigOnFailureArgs(
                    destination=self.queue.arn
                )
            ),
            opts=child,
        )
        scheduler_role = aws.iam.Role(
            f"{prefix}-scheduler-role",
            name=f"{prefix}-scheduler",
            assume_role_policy=identity.account_id.apply(
                lambda account: _json(policies.trust("scheduler.amazonaws.com", account))
            ),
            opts=child,
        )
        scheduler_policy = aws.iam.RolePolicy(
            f"{prefix}-scheduler-policy",
            role=scheduler_role.id,
            policy=pulumi.Output.all(self.function.arn, self.queue.arn).apply(
                lambda v: _json(policies.scheduler_policy(function_arn=v[0], queue_arn=v[1]))
            ),
            opts=child,
        )
        self.schedules = {}
        targets = [
            (action, delivery, shard)
            for action, delivery in DELIVERY.items()
            for shard in reversed(spec.shards(action))  # the first shard's is the output
        ]
        for action, delivery, shard in targets:
            name = f"{prefix}-{action}" + (f"-{shard.index}of{shard.count}" if shard else "")
            part = f" (shard {shard})" if shard else ""
            self.schedules[action] = aws.scheduler.Schedule(
                name,
                name=name,
                description=f"sccos-backup {action} of {spec.selection.describe()}{part}",
                schedule_expression=delivery.expression,
                schedule_expression_timezone=TIMEZONE,
                flexible_time_window=aws.scheduler.ScheduleFlexibleTimeWindowArgs(mode="OFF"),
                target=aws.scheduler.ScheduleTargetArgs(
                    arn=self.function.arn,
                    role_arn=scheduler_role.arn,
                    input=_json(spec.event(action, stack, shard)),
                    retry_policy=aws.scheduler.ScheduleTargetRetryPolicyArgs(
                        maximum_retry_attempts=delivery.retries,
                        maximum_event_age_in_seconds=delivery.max_event_age,
                    ),
                    dead_letter_config=aws.scheduler.ScheduleTargetDeadLetterConfigArgs(
                        arn=self.queue.arn
                    ),
                ),
                opts=pulumi.ResourceOptions(parent=self, depends_on=[scheduler_policy]),
            )
        self.alarms, self.topic_arn = declare_alarms(
            prefix, spec, stack, function_name=function_name, queue_name=queue_name, parent=self
        )
        self.register_outputs(self.outputs())

    def outputs(self) -> dict[str, Any]:
        return {
            OUTPUT_FUNCTION: self.function.name,
            OUTPUT_ROTATE: self.schedules[Action.ROTATE].name,
            OUTPUT_CHECK: self.schedules[Action.CHECK].name,
            OUTPUT_QUEUE: self.queue.url,
            OUTPUT_TOPIC: self.topic_arn,
        }


def declare(stack: str, spec: ScheduleSpec, artifact: Artifact) -> BackupSchedule:
    """Declare the schedule and export the stack outputs the driver reads."""
    schedule = BackupSchedule(stack, spec, artifact)
    for key, value in schedule.outputs().items():
        pulumi.export(key, value)
    return schedule
