"""The schedule stack under the Pulumi SDK's mocks: every declared resource and its key inputs.

Pitfalls (shared/reference/test-environment.md): mocks are installed before anything is declared,
and each test returns the Output whose ``apply`` asserts.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

import pulumi
import pytest

from sccos_backup.permissions import policy_document
from sccos_backup.schedule import metrics
from sccos_backup.schedule.event import Action, Selection, parse_event
from sccos_backup.schedule.package import Artifact, build
from sccos_backup.schedule.spec import ScheduleSpec
from tests import pulumi_mocks
from tests.support.schedule_mocks import (
    ACCOUNT,
    ALARM,
    ASYNC,
    FLEET,
    FUNCTION,
    LOG_GROUP,
    QUEUE,
    REGION,
    ROLE,
    ROLE_POLICY,
    SCHEDULE,
    SUBSCRIPTION,
    TOPIC,
    ScheduleMocks,
    install,
)

NAMED = ScheduleSpec(Selection(databases=("shop-de", "shop-at")), keep_hours=48)


@pytest.fixture(scope="module")
def artifact(tmp_path_factory: pytest.TempPathFactory) -> Artifact:
    return build(tmp_path_factory.mktemp("build") / "function.zip")


def _settled(schedule: Any) -> Any:
    """An Output that resolves once every resource of the stack has been registered."""
    return pulumi.Output.all(
        schedule.function.arn,
        schedule.queue.url,
        *[s.arn for s in schedule.schedules.values()],
        *[a.arn for a in schedule.alarms],
    )


def _one(mocks: ScheduleMocks, typ: str, suffix: str = "") -> pulumi_mocks.Registered:
    found = [r for r in mocks.of_type(typ) if r.name.endswith(suffix)]
    assert len(found) == 1, (typ, suffix, [r.name for r in mocks.of_type(typ)])
    return found[0]


@pulumi.runtime.test
def test_every_resource_of_a_fleet_stack_and_its_key_inputs(artifact: Artifact) -> Any:
    mocks = install()
    from sccos_backup.schedule.declaration import declare

    schedule = declare("fleet", FLEET, artifact)

    def check(_: Any) -> None:
        types = {r.type for r in mocks.resources.values()}
        counts = {typ: len(mocks.of_type(typ)) for typ in types}
        assert counts == {
            "sccos-backup:schedule:BackupSchedule": 1,
            FUNCTION: 1,
            ASYNC: 1,
            LOG_GROUP: 1,
            QUEUE: 1,
            ROLE: 2,
            ROLE_POLICY: 2,
            SCHEDULE: 2,
            ALARM: 9,
            TOPIC: 1,
            SUBSCRIPTION: 1,
        }
        function = _one(mocks, FUNCTION)
        assert function.inputs["name"] == "sccos-backup-fleet-fn"
        assert function.inputs["runtime"] == "python3.12"
        assert function.inputs["architectures"] == ["arm64"]
        assert function.inputs["handler"] == "sccos_backup.lambda_handler.handler"
        assert function.inputs["codeSha256"] == artifact.sha256
        assert function.inputs["role"] == "arn:aws:iam::123456789012:role/sccos-backup-fleet-fn"
        code = function.inputs["code"]
        assert Path(code.path) == artifact.path
        names = zipfile.ZipFile(code.path).namelist()
        assert "sccos_backup/lambda_handler.py" in names
        assert not [n for n in names if n.startswith("tests/") or "__pycache__" in n]

        log_group = _one(mocks, LOG_GROUP)
        assert log_group.inputs["name"] == "/aws/lambda/sccos-backup-fleet-fn"
        queue = _one(mocks, QUEUE)
        queue_arn = f"arn:aws:sqs:{REGION}:{ACCOUNT}:sccos-backup-fleet-dlq"
        asynchronous = _one(mocks, ASYNC)
        assert asynchronous.inputs["destinationConfig"] == {"onFailure": {"destination": queue_arn}}
        assert queue.inputs["messageRetentionSeconds"] == 14 * 24 * 3600

        policy = json.loads(_one(mocks, ROLE_POLICY, "-fn-policy").inputs["policy"])
        statements = {st["Sid"]: st for st in policy["Statement"]}
        untagged = statements["DenyCreateHourlySnapshotsOnUntaggedDatabases"]
        assert untagged["Effect"] == "Deny"
        assert untagged["Action"] == ["rds:CreateDBSnapshot"]
        assert untagged["Resource"] == f"arn:aws:rds:{REGION}:{ACCOUNT}:db:*"
        assert untagged["Condition"] == {
            "StringNotEquals": {"aws:ResourceTag/sccos:project": "shop"}
        }
        assert statements["CreateHourlySnapshots"]["Resource"] == [
            f"arn:aws:rds:{REGION}:{ACCOUNT}:db:*",
            f"arn:aws:rds:{REGION}:{ACCOUNT}:snapshot:*-hourly-*",
        ]
        assert "Condition" not in statements["CreateHourlySnapshots"]

        topic = _one(mocks, TOPIC)
        subscription = _one(mocks, SUBSCRIPTION)
        assert subscription.inputs["protocol"] == "email"
        assert subscription.inputs["endpoint"] == "ops@example.com"
        topic_arn = f"arn:aws:sns:{REGION}:{ACCOUNT}::{topic.inputs['name']}"
        for alarm in mocks.of_type(ALARM):
            assert alarm.inputs["alarmActions"] == [topic_arn], alarm.name

    return _settled(schedule).apply(check)


@pulumi.runtime.test
def test_schedules_run_in_utc_with_retries_and_a_dead_letter_queue(artifact: Artifact) -> Any:
    mocks = install()
    from sccos_backup.schedule.declaration import declare

    schedule = declare("fleet", FLEET, artifact)

    def check(_: Any) -> None:
        queue_arn = f"arn:aws:sqs:{REGION}:{ACCOUNT}:sccos-backup-fleet-dlq"
        function_arn = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:sccos-backup-fleet-fn"
        expected = {
            "rotate": ("cron(0 * * * ? *)", 3, 3300),
            "check": ("cron(0/15 * * * ? *)", 2, 840),
        }
        for action, (expression, retries, age) in expected.items():
            found = _one(mocks, SCHEDULE, f"-{action}")
            inputs = found.inputs
            assert inputs["scheduleExpression"] == expression
            assert inputs["scheduleExpressionTimezone"] == "UTC"
            assert inputs["flexibleTimeWindow"] == {"mode": "OFF"}
            target = inputs["target"]
            assert target["arn"] == function_arn
            assert target["roleArn"].endswith(":role/sccos-backup-fleet-scheduler")
            assert target["retryPolicy"] == {
                "maximumRetryAttempts": retries,
                "maximumEventAgeInSeconds": age,
            }
            assert target["deadLetterConfig"] == {"arn": queue_arn}
            event = parse_event(json.loads(target["input"]))  # the function accepts it
            assert event.action is Action(action)
            assert str(event.selection.tag) == "sccos:project=shop"
            assert event.stack == "fleet" and event.keep_hours == 60
            assert event.execution_id == "<aws.scheduler.execution-id>"

        scheduler_role = _one(mocks, ROLE, "-scheduler-role")
        trust = json.loads(scheduler_role.inputs["assumeRolePolicy"])["Statement"][0]
        assert trust["Principal"] == {"Service": "scheduler.amazonaws.com"}
        assert trust["Condition"] == {"StringEquals": {"aws:SourceAccount": ACCOUNT}}
        policy = json.loads(_one(mocks, ROLE_POLICY, "-scheduler-policy").inputs["policy"])
        assert {(tuple(s["Action"]), str(s["Resource"])) for s in policy["Statement"]} == {
            (("lambda:InvokeFunction",), str([function_arn, f"{function_arn}:*"])),
            (("sqs:SendMessage",), queue_arn),
        }

    return _settled(schedule).apply(check)


@pulumi.runtime.test
def test_the_function_role_gets_the_schedule_policy_scoped_to_named_databases(
    artifact: Artifact,
) -> Any:
    mocks = install()
    from sccos_backup.schedule.declaration import declare

    schedule = declare("shops", NAMED, artifact)

    def check(_: Any) -> None:
        role = _one(mocks, ROLE, "-fn-role")
        trust = json.loads(role.inputs["assumeRolePolicy"])["Statement"][0]
        assert trust["Principal"] == {"Service": "lambda.amazonaws.com"}
        policy = json.loads(_one(mocks, ROLE_POLICY, "-fn-policy").inputs["policy"])
        statements = {s["Sid"]: s for s in policy["Statement"]}
        rds = policy_document(
            "schedule", region=REGION, account=ACCOUNT, databases=["shop-de", "shop-at"]
        )
        for statement in rds["Statement"]:  # the same document as `iam-policy schedule`
            assert statements.pop(statement["Sid"]) == statement
        assert statements["PublishBackupMetrics"]["Action"] == ["cloudwatch:PutMetricData"]
        assert statements["PublishBackupMetrics"]["Condition"] == {
            "StringEquals": {"cloudwatch:namespace": metrics.NAMESPACE}
        }
        log_arn = f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/aws/lambda/sccos-backup-shops-fn"
        assert statements["WriteOwnLogs"]["Resource"] == f"{log_arn}:*"
        assert statements["SendFailedEventsToDeadLetterQueue"]["Resource"] == (
            f"arn:aws:sqs:{REGION}:{ACCOUNT}:sccos-backup-shops-dlq"
        )
        assert set(statements) == {
            "PublishBackupMetrics",
            "WriteOwnLogs",
            "SendFailedEventsToDeadLetterQueue",
        }
        rotate = json.loads(_one(mocks, SCHEDULE, "-rotate").inputs["target"]["input"])
        assert rotate["databases"] == ["shop-de", "shop-at"] and rotate["keep_hours"] == 48
        # the stack's retention is the function's floor: no event may ask for fewer hours
        function = _one(mocks, FUNCTION, "-fn")
        assert function.inputs["environment"] == {
            "variables": {"SCCOS_BACKUP_MIN_KEEP_HOURS": "48"}
        }
        assert not mocks.of_type(TOPIC)
        assert all(a.inputs.get("alarmActions", []) == [] for a in mocks.of_type(ALARM))

    return _settled(schedule).apply(check)


@pulumi.runtime.test
def test_alarm_thresholds_and_dimensions(artifact: Artifact) -> Any:
    mocks = install()
    from sccos_backup.schedule.declaration import declare

    spec = ScheduleSpec(
        Selection(databases=("shop",)),
        max_hourly_age_minutes=90,
        alarm_topic_arn=f"arn:aws:sns:{REGION}:{ACCOUNT}:slack-ops",
    )
    schedule = declare("fleet", spec, artifact)

    def check(_: Any) -> None:
        alarms = {
            a.name.removeprefix("sccos-backup-fleet-"): a.inputs for a in mocks.of_type(ALARM)
        }
        expected = {
            # suffix: (namespace, metric, statistic, comparison, threshold, dimensions, missing)
            "hourly-age": ("SCCOS/Backups", "HourlySnapshotAge", "Maximum", "GreaterThanThreshold",
                           5400.0, {"Stack": "fleet"}, "breaching"),
            "gaps": ("SCCOS/Backups", "HourlySnapshotGaps", "Maximum", "GreaterThanThreshold",
                     0.0, {"Stack": "fleet"}, "notBreaching"),
            "quota": ("SCCOS/Backups", "SnapshotQuotaHeadroom", "Minimum", "LessThanThreshold",
                      10.0, {"Stack": "fleet"}, "notBreaching"),
            "policy": ("SCCOS/Backups", "PolicyUnmet", "Maximum", "GreaterThanThreshold",
                       0.0, {"Stack": "fleet"}, "notBreaching"),
            "rotate-failed": ("SCCOS/Backups", "DatabaseFailed", "Maximum",
                              "GreaterThanThreshold", 0.0,
                              {"Stack": "fleet", "Action": "rotate"}, "notBreaching"),
            "check-failed": ("SCCOS/Backups", "DatabaseFailed", "Maximum",
                             "GreaterThanThreshold", 0.0,
                             {"Stack": "fleet", "Action": "check"}, "notBreaching"),
            "no-databases": ("SCCOS/Backups", "DatabasesSelected", "Minimum", "LessThanThreshold",
                             1.0, {"Stack": "fleet", "Action": "check"}, "breaching"),
            "function-errors": ("AWS/Lambda", "Errors", "Sum", "GreaterThanThreshold", 0.0,
                                {"FunctionName": "sccos-backup-fleet-fn"}, "notBreaching"),
            "dead-letters": ("AWS/SQS", "ApproximateNumberOfMessagesVisible", "Maximum",
                             "GreaterThanThreshold", 0.0,
                             {"QueueName": "sccos-backup-fleet-dlq"}, "notBreaching"),
        }  # fmt: skip
        assert set(alarms) == set(expected)
        for suffix, (namespace, metric, stat, op, threshold, dims, missing) in expected.items():
            inputs = alarms[suffix]
            got = (
                inputs["namespace"], inputs["metricName"], inputs["statistic"],
                inputs["comparisonOperator"], inputs["threshold"], inputs["dimensions"],
                inputs["treatMissingData"],
            )  # fmt: skip
            assert got == (namespace, metric, stat, op, threshold, dims, missing), suffix
            assert inputs["alarmActions"] == [spec.alarm_topic_arn]
        assert not mocks.of_type(TOPIC)

    return _settled(schedule).apply(check)


@pulumi.runtime.test
def test_a_sharded_rotation_has_one_schedule_per_shard(artifact: Artifact) -> Any:
    mocks = install()
    from sccos_backup.schedule.declaration import declare

    spec = ScheduleSpec(
        Selection(databases=("shop-de", "shop-at")), alarm_email="ops@example.com", rotate_shards=3
    )
    schedule = declare("fleet", spec, artifact)

    def check(_: Any) -> None:
        inputs = {
            s.name: parse_event(json.loads(s.inputs["target"]["input"]))
            for s in mocks.of_type(SCHEDULE)
        }
        rotations = {n: e for n, e in inputs.items() if e.action is Action.ROTATE}
        assert sorted(rotations) == [f"sccos-backup-fleet-rotate-{i}of3" for i in (1, 2, 3)]
        assert sorted(str(e.shard) for e in rotations.values()) == ["1/3", "2/3", "3/3"]
        checks = [e for e in inputs.values() if e.action is Action.CHECK]
        assert len(checks) == 1 and checks[0].shard is None  # a check reads: one run is enough

    return _settled(schedule).apply(check)
