"""`sccos-backup iam-policy` and the policy source in `sccos_backup/permissions/`."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from automation.cli import app
from sccos_backup import errors
from sccos_backup.permissions import COMMANDS, allows, policy_document
from tests.conftest import one_error_line


@pytest.mark.parametrize("command", [*COMMANDS, "all"])
def test_every_document_is_a_valid_iam_policy(command: str) -> None:
    document = policy_document(command, region="eu-central-1", account="123456789012")
    assert document["Version"] == "2012-10-17"
    sids = [s["Sid"] for s in document["Statement"]]
    assert len(sids) == len(set(sids)), "statement ids are unique"
    for statement in document["Statement"]:
        assert statement["Effect"] == "Allow"
        assert statement["Action"] and all(":" in a and "*" not in a for a in statement["Action"])
        resources = statement["Resource"]
        for resource in [resources] if isinstance(resources, str) else resources:
            assert resource == "*" or resource.startswith("arn:aws:")
            assert resource == "*" or ":eu-central-1:" in resource or ":iam::" in resource


def test_changes_are_scoped_to_the_named_databases() -> None:
    document = policy_document("all", databases=["shop"])
    prefix = "arn:aws:rds:eu-central-1:123456789012"
    assert allows(document, "rds:ModifyDBInstance", f"{prefix}:db:shop")
    assert allows(document, "rds:ModifyDBInstance", f"{prefix}:db:shop-pre-restore-202611251200")
    assert not allows(document, "rds:ModifyDBInstance", f"{prefix}:db:blog")
    assert allows(document, "rds:DeleteDBSnapshot", f"{prefix}:snapshot:shop-hourly-2026-11-25-13")
    assert not allows(document, "rds:DeleteDBSnapshot", f"{prefix}:snapshot:blog-hourly-1")
    assert allows(document, "rds:DescribeDBInstances", f"{prefix}:db:blog"), "reads stay wide"
    assert not allows(document, "rds:DeleteDBInstance", f"{prefix}:db:blog")


def test_the_evaluator_matches_like_iam() -> None:
    document = {
        "Statement": [
            {"Effect": "Allow", "Action": "rds:Describe*", "Resource": "arn:aws:rds:*:1:db:a?"},
            {"Effect": "Deny", "Action": "rds:DeleteDBInstance", "Resource": "*"},
        ]
    }
    assert allows(document, "RDS:DescribeDBInstances", "arn:aws:rds:eu-west-1:1:db:ab")
    assert not allows(document, "rds:DescribeDBInstances", "arn:aws:rds:eu-west-1:1:db:abc")
    assert not allows(document, "rds:ModifyDBInstance", "arn:aws:rds:eu-west-1:1:db:ab")
    assert not allows(document, "rds:DeleteDBInstance", "arn:aws:rds:eu-west-1:1:db:ab")


@pytest.mark.parametrize(
    ("kwargs", "needle"),
    [
        ({"databases": ["1shop"]}, "'1shop'"),
        ({"account": "12345"}, "'12345'"),
        ({"region": "Frankfurt"}, "'Frankfurt'"),
    ],
)
def test_bad_scoping_is_refused(kwargs: dict[str, object], needle: str) -> None:
    with pytest.raises(errors.InvalidInput, match=needle):
        policy_document("snapshot", **kwargs)  # type: ignore[arg-type]


def test_cli_prints_the_document() -> None:
    result = CliRunner().invoke(
        app, ["iam-policy", "snapshot", "--db", "shop", "--account", "123456789012"]
    )
    assert result.exit_code == 0, result.output
    printed = json.loads(result.stdout)
    assert printed == policy_document("snapshot", databases=["shop"], account="123456789012")


def test_cli_resync_needs_no_aws_permission() -> None:
    result = CliRunner().invoke(app, ["iam-policy", "resync"])
    assert result.exit_code == 0
    assert json.loads(result.stdout)["Statement"] == []
    assert "no AWS permission" in result.stderr


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["iam-policy", "backup"], "'backup'"),
        (["iam-policy", "snapshot", "--partition", "aws-eu"], "'aws-eu'"),
        (["iam-policy", "snapshot", "--db", "shop_1"], "'shop_1'"),
    ],
)
def test_cli_bad_input_is_one_line(args: list[str], needle: str) -> None:
    one_error_line(CliRunner().invoke(app, args), 2, needle)
