"""The scheduled function's IAM policy covers every RDS call it makes, and nothing more.

Every call is recorded with a botocore ``before-parameter-build`` hook (it sees the API
parameters) while the function rotates (creating this hour's snapshots and deleting expired
ones) and checks, by tag and by name; each call is
turned into the actions and ARNs IAM checks (:mod:`sccos_backup.permissions.requirements`) and
checked against ``policy_document("schedule", ...)``, the document the stack's role gets.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import botocore.config
import pytest

from sccos_backup import lambda_handler
from sccos_backup.aws.rds import RdsAdapter
from sccos_backup.permissions import allows, policy_document
from sccos_backup.permissions.requirements import Need, Where, needs
from tests.conftest import ACCOUNT, REGION, FakeClock, make_instance

TAG = {"Key": "sccos:project", "Value": "shop"}
WHERE = Where(region=REGION, account=ACCOUNT)


class NullPublisher:
    def publish(self, data: Any) -> None:
        pass


def _recorded_needs(moto: str, rds: Any, events: list[dict[str, Any]]) -> list[Need]:
    calls: list[tuple[str, str, dict[str, Any]]] = []

    def before_call(params: Any, model: Any, **_: Any) -> None:
        calls.append((model.service_model.endpoint_prefix, model.name, dict(params)))

    config = botocore.config.Config(retries={"mode": "standard", "max_attempts": 1})
    client = boto3.client("rds", region_name=REGION, endpoint_url=moto, config=config)
    client.meta.events.register("before-parameter-build", before_call)
    clock = FakeClock(datetime.now(UTC))
    services = lambda_handler.Services(
        rds=RdsAdapter(client, clock=clock, sleep=clock.sleep), publisher=NullPublisher()
    )
    for event in events:
        lambda_handler.handle(event, services)
    clock.now += timedelta(hours=61)  # every hourly snapshot above has expired
    for event in events:
        lambda_handler.handle(event, services)
    operations = {name for _, name, _ in calls}
    assert {"CreateDBSnapshot", "DeleteDBSnapshot", "DescribeDBSnapshots"} <= operations
    assert {"DescribeDBInstances", "DescribeAccountAttributes"} <= operations
    return [need for service, name, params in calls for need in needs(service, name, params, WHERE)]


@pytest.fixture
def by_tag(moto: str, rds: Any) -> list[Need]:
    for name in ("shop-a", "shop-b"):
        make_instance(rds, name, Tags=[TAG])
    make_instance(rds, "blog")
    events = [
        {"action": "rotate", "tag": "sccos:project=shop"},
        {"action": "check", "tag": "sccos:project=shop"},
    ]
    return _recorded_needs(moto, rds, events)


@pytest.fixture
def by_name(moto: str, rds: Any) -> list[Need]:
    for name in ("shop-a", "shop-b", "blog"):
        make_instance(rds, name)
    events = [
        {"action": "rotate", "databases": ["shop-a", "shop-b"]},
        {"action": "check", "databases": ["shop-a", "shop-b"]},
    ]
    return _recorded_needs(moto, rds, events)


SHOP = ("sccos:project", "shop")


def _document(
    databases: tuple[str, ...] = (), db_tag: tuple[str, str] | None = None
) -> dict[str, Any]:
    return policy_document(
        "schedule", region=REGION, account=ACCOUNT, databases=databases, db_tag=db_tag
    )


def _uncovered(document: dict[str, Any], recorded: list[Need]) -> list[Need]:
    return [n for n in recorded if not allows(document, n.action, n.resource)]


def _actions(document: dict[str, Any]) -> set[str]:
    return {a for s in document["Statement"] for a in s["Action"]}


def _without(document: dict[str, Any], action: str) -> dict[str, Any]:
    statements = []
    for statement in document["Statement"]:
        kept = [a for a in statement["Action"] if a != action]
        if kept:
            statements.append({**statement, "Action": kept})
    return {**document, "Statement": statements}


def test_the_policy_covers_every_call_by_tag(by_tag: list[Need]) -> None:
    """The evaluator does not evaluate conditions: the tag condition is checked apart."""
    document = _document(db_tag=SHOP)
    assert _uncovered(document, by_tag) == []
    conditioned = [s for s in document["Statement"] if "rds:db-tag/sccos:project" in str(s)]
    assert conditioned == [
        {
            "Sid": "CreateSnapshotsOnTaggedDatabases",
            "Effect": "Allow",
            "Action": ["rds:CreateDBSnapshot"],
            "Resource": f"arn:aws:rds:{REGION}:{ACCOUNT}:db:*",
            "Condition": {"StringEquals": {"rds:db-tag/sccos:project": "shop"}},
        }
    ]
    # every call on a database that changes something is one the tag condition governs
    changes_on_db = {
        n.action for n in by_tag if ":db:" in n.resource and "Describe" not in n.action
    }
    assert changes_on_db == {"rds:CreateDBSnapshot"}


def test_the_policy_scoped_to_named_databases_covers_every_call(by_name: list[Need]) -> None:
    document = _document(("shop-a", "shop-b"))
    assert _uncovered(document, by_name) == []
    prefix = f"arn:aws:rds:{REGION}:{ACCOUNT}"
    assert not allows(document, "rds:CreateDBSnapshot", f"{prefix}:db:blog")
    assert not allows(document, "rds:DeleteDBSnapshot", f"{prefix}:snapshot:blog-hourly-1")


def test_every_action_of_the_policy_is_needed(by_tag: list[Need]) -> None:
    """Nothing more than needed: the policy's actions are exactly those the calls need, and
    removing any single one leaves a recorded call uncovered."""
    document = _document(db_tag=SHOP)
    assert _actions(document) == {n.action for n in by_tag}
    for action in sorted(_actions(document)):
        assert _uncovered(_without(document, action), by_tag), f"{action} is not needed"


def test_deletes_are_limited_to_hourly_snapshots_by_tag_condition() -> None:
    statements = [s for s in _document()["Statement"] if "rds:DeleteDBSnapshot" in s["Action"]]
    assert [s.get("Condition") for s in statements] == [
        {"StringEquals": {"rds:snapshot-tag/sccos-backup:kind": "hourly"}}
    ]


def test_iam_policy_prints_the_document_the_role_of_a_tagged_fleet_gets() -> None:
    import json

    from typer.testing import CliRunner

    from automation.cli import app
    from sccos_backup.schedule.policies import function_policy

    args = ["iam-policy", "schedule", "--tag", "sccos:project=shop"]
    args += ["--account", ACCOUNT, "--policy-region", REGION]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    printed = json.loads(result.stdout)
    assert printed == _document(db_tag=SHOP)
    role = function_policy(
        partition="aws", region=REGION, account=ACCOUNT, databases=(), db_tag=SHOP,
        log_group_arn="arn:aws:logs:x", queue_arn="arn:aws:sqs:x",
    )  # fmt: skip
    assert role["Statement"][: len(printed["Statement"])] == printed["Statement"]
