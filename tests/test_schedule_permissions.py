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

pytestmark = pytest.mark.aws_in_process

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
    return [n for n in recorded if not allows(document, n.action, n.resource, n.condition_keys())]


def _actions(document: dict[str, Any]) -> set[str]:
    return {a for s in document["Statement"] if s["Effect"] == "Allow" for a in s["Action"]}


def _without(document: dict[str, Any], action: str) -> dict[str, Any]:
    statements = []
    for statement in document["Statement"]:
        kept = [a for a in statement["Action"] if a != action]
        if kept:
            statements.append({**statement, "Action": kept})
    return {**document, "Statement": statements}


def test_the_policy_covers_every_call_by_tag(by_tag: list[Need]) -> None:
    """The request's tags are evaluated (tag-on-create); the instance's tag condition is
    checked apart (a recorded call does not know the instance's tags)."""
    document = _document(db_tag=SHOP)
    assert _uncovered(document, by_tag) == []
    conditioned = [s for s in document["Statement"] if "sccos:project" in str(s)]
    assert conditioned == [
        {
            "Sid": "DenyCreateHourlySnapshotsOnUntaggedDatabases",
            "Effect": "Deny",
            "Action": ["rds:CreateDBSnapshot"],
            "Resource": f"arn:aws:rds:{REGION}:{ACCOUNT}:db:*",
            "Condition": {"StringNotEquals": {"aws:ResourceTag/sccos:project": "shop"}},
        }
    ]
    db = f"arn:aws:rds:{REGION}:{ACCOUNT}:db:"
    tagged = {"rds:db-tag/sccos:project": "shop"}
    assert allows(document, "rds:CreateDBSnapshot", db + "shop-a", tagged)
    assert not allows(document, "rds:CreateDBSnapshot", db + "blog", {})
    assert not allows(document, "rds:CreateDBSnapshot", db + "blog", {"rds:db-tag/x": "shop"})
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
        {"StringEquals": {"aws:ResourceTag/sccos-backup:kind": "hourly"}}
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


# -- a role that cannot be turned against the backups it keeps --------------------------------

SNAPSHOT = f"arn:aws:rds:{REGION}:{ACCOUNT}:snapshot:"
OUR_TAGS = {
    "sccos-backup:created-by": "sccos-backup",
    "sccos-backup:kind": "hourly",
    "sccos-backup:instance": "shop",
    "sccos-backup:snapshot": "shop-hourly-2026-11-25-13",
}


def _tagging(request: dict[str, str], existing: dict[str, str] | None = None) -> dict[str, Any]:
    """The request context IAM evaluates AddTagsToResource in (Service Authorization Reference
    for Amazon RDS: aws:RequestTag/${TagKey}, aws:TagKeys, rds:snapshot-tag/${TagKey}); a
    snapshot being created by the same request has no tags yet."""
    context: dict[str, Any] = {f"aws:RequestTag/{k}": v for k, v in request.items()}
    context["aws:TagKeys"] = list(request)
    for key, value in (existing or {}).items():
        context[f"rds:snapshot-tag/{key}"] = value
    return context


@pytest.mark.parametrize("scoped", [True, False], ids=["--db shop", "--tag"])
def test_tag_then_delete_of_a_manual_snapshot_is_denied(scoped: bool) -> None:
    document = _document(databases=["shop"]) if scoped else _document(db_tag=SHOP)
    hourly = SNAPSHOT + "shop-hourly-2026-11-25-13"
    manual = SNAPSHOT + "shop-before-release-42"
    # tag-on-create of this hour's snapshot: allowed
    assert allows(document, "rds:AddTagsToResource", hourly, _tagging(OUR_TAGS))
    # the attack: tag a person's manual snapshot as hourly, then delete it
    kind = {"sccos-backup:kind": "hourly"}
    assert not allows(document, "rds:AddTagsToResource", manual, _tagging(kind))
    assert not allows(
        document, "rds:DeleteDBSnapshot", manual, {"rds:snapshot-tag/sccos-backup:kind": "hourly"}
    )
    # nor may an existing snapshot's tags change, even one of ours, nor foreign keys be added
    assert not allows(document, "rds:AddTagsToResource", hourly, _tagging(kind, OUR_TAGS))
    assert not allows(
        document, "rds:AddTagsToResource", hourly, _tagging({**OUR_TAGS, "owner": "me"})
    )
    assert not allows(
        document,
        "rds:AddTagsToResource",
        hourly,
        _tagging({**OUR_TAGS, "sccos-backup:kind": "manual"}),
    )
    assert not allows(
        document,
        "rds:RemoveTagsFromResource",
        hourly,
        {"aws:TagKeys": ["sccos-backup:kind"], "rds:snapshot-tag/sccos-backup:kind": "hourly"},
    )
    # deleting an expired hourly snapshot stays allowed; an untagged look-alike is not
    assert allows(
        document, "rds:DeleteDBSnapshot", hourly, {"rds:snapshot-tag/sccos-backup:kind": "hourly"}
    )
    assert not allows(document, "rds:DeleteDBSnapshot", hourly, {})


def test_the_evaluator_applies_denies_and_conditions_like_iam() -> None:
    document = {
        "Statement": [
            {"Effect": "Allow", "Action": "rds:AddTagsToResource", "Resource": "*"},
            {
                "Effect": "Deny",
                "Action": "rds:AddTagsToResource",
                "NotResource": "arn:aws:rds:*:*:snapshot:a-*",
                "Condition": {"ForAnyValue:StringLike": {"aws:TagKeys": ["sccos-backup:*"]}},
            },
        ]
    }
    tagging = {"aws:TagKeys": ["Sccos-Backup:kind"]}  # tag keys compare case-insensitively
    assert allows(document, "rds:AddTagsToResource", "arn:aws:rds:r:1:snapshot:a-1", tagging)
    assert not allows(document, "rds:AddTagsToResource", "arn:aws:rds:r:1:snapshot:b-1", tagging)
    assert allows(document, "rds:AddTagsToResource", "arn:aws:rds:r:1:snapshot:b-1", {})
