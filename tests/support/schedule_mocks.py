"""The schedule stack under Pulumi's mocks: the invokes and the ARNs and URLs AWS computes."""

from __future__ import annotations

from typing import Any

import pulumi

from sccos_backup.schedule.event import Selection, TagSelector
from sccos_backup.schedule.spec import ScheduleSpec
from tests import pulumi_mocks

ACCOUNT = "123456789012"
REGION = "eu-central-1"
FUNCTION = "aws:lambda/function:Function"
SCHEDULE = "aws:scheduler/schedule:Schedule"
ROLE = "aws:iam/role:Role"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
QUEUE = "aws:sqs/queue:Queue"
ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
TOPIC = "aws:sns/topic:Topic"
SUBSCRIPTION = "aws:sns/topicSubscription:TopicSubscription"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
ASYNC = "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig"


class ScheduleMocks(pulumi_mocks.RecordingMocks):
    """Adds the invokes (account, region, partition) and the ARNs, URLs AWS computes."""

    def call(self, args: pulumi.runtime.MockCallArgs) -> dict[str, Any]:
        if args.token == "aws:index/getCallerIdentity:getCallerIdentity":
            return {"accountId": ACCOUNT, "arn": f"arn:aws:iam::{ACCOUNT}:user/ci", "id": "x"}
        if args.token == "aws:index/getRegion:getRegion":
            return {"name": REGION, "region": REGION, "id": REGION}
        if args.token == "aws:index/getPartition:getPartition":
            return {"partition": "aws", "dnsSuffix": "amazonaws.com", "id": "aws"}
        return {}

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        ident, outputs = super().new_resource(args)
        name = args.inputs.get("name", args.name)
        service = args.typ.split(":")[1].split("/")[0]
        kind = {"lambda": "function", "sqs": "", "scheduler": "schedule/default", "iam": "role"}
        if service == "iam":
            outputs["arn"] = f"arn:aws:iam::{ACCOUNT}:role/{name}"
            outputs["id"] = name
        elif service == "sqs":
            outputs["arn"] = f"arn:aws:sqs:{REGION}:{ACCOUNT}:{name}"
            outputs["url"] = f"https://sqs.{REGION}.amazonaws.com/{ACCOUNT}/{name}"
        elif service == "cloudwatch" and "logGroup" in args.typ:
            outputs["arn"] = f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:{name}"
        else:
            outputs["arn"] = f"arn:aws:{service}:{REGION}:{ACCOUNT}:{kind.get(service, '')}:{name}"
        return ident, outputs


def install() -> ScheduleMocks:
    """Pulumi's mocks for the schedule project's 'fleet' stack, recording every resource."""
    mocks = ScheduleMocks()
    monitor = pulumi_mocks.RecordingMonitor(mocks)
    pulumi.runtime.set_mocks(mocks, project="sccos-backup-schedule", stack="fleet", monitor=monitor)
    return mocks


#: A fleet chosen by tag, with an alarm e-mail.
FLEET = ScheduleSpec(
    Selection(tag=TagSelector("sccos:project", "shop")), alarm_email="ops@example.com"
)
