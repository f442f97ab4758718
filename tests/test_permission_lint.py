"""Every policy `sccos-backup iam-policy` prints passes parliament (the IAM linter, with the IAM
data it bundles) without a single finding, for every group and every option that changes the
document."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from automation.cli import app
from sccos_backup.permissions import COMMANDS

#: Each option set changes the printed document in its own way.
OPTIONS: dict[str, list[str]] = {
    "any database": [],
    "--db": ["--db", "shop"],
    "--db twice, one cut": ["--db", "shop", "--db", "shop-" + "x" * 55],
    "--tag": ["--tag", "sccos:project=shop"],
    "--db and --tag": ["--db", "shop", "--tag", "env=prod"],
    "account and region": ["--account", "123456789012", "--policy-region", "eu-central-1"],
    "aws-cn": ["--partition", "aws-cn", "--policy-region", "cn-north-1"],
    "aws-us-gov": ["--partition", "aws-us-gov"],
    "s3 backend": ["--backend-url", "s3://state/team-a?region=eu-central-1"],
    "s3 backend, no prefix": ["--backend-url", "s3://state"],
    "s3 reports": ["--reports-url", "s3://drills/reports"],
    "--stack": ["--stack", "fleet"],
}


def findings(document: dict[str, Any]) -> list[str]:
    from parliament import analyze_policy_string

    policy = analyze_policy_string(json.dumps(document))
    return [f"{f.issue}: {f.detail} at {f.location}" for f in policy.findings]


def printed(*args: str) -> dict[str, Any]:
    result = CliRunner().invoke(app, ["iam-policy", *args])
    assert result.exit_code == 0, result.output
    document: dict[str, Any] = json.loads(result.stdout)
    return document


@pytest.mark.parametrize("options", OPTIONS.values(), ids=OPTIONS.keys())
@pytest.mark.parametrize("command", [c for c in (*COMMANDS, "all") if c != "resync"])
def test_every_printed_policy_has_no_parliament_finding(command: str, options: list[str]) -> None:
    document = printed(command, *options)
    assert document["Statement"]
    assert findings(document) == []


def test_the_json_envelope_holds_the_same_document() -> None:
    wrapped = printed("restore", "--db", "shop", "--json")
    assert wrapped["policy"] == printed("restore", "--db", "shop")


def test_the_linter_finds_what_it_should() -> None:
    """A policy that asks for a key RDS does not have for the action, and a statement missing a
    required resource type, are findings: the lint is not silently off."""
    bad = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "rds:DeleteDBInstance",
                "Resource": "arn:aws:rds:*:*:db:shop",
                "Condition": {"StringEquals": {"rds:snapshot-tag/kind": "x"}},
            },
            {
                "Effect": "Allow",
                "Action": "rds:CreateDBSnapshot",
                "Resource": "arn:aws:rds:*:*:snapshot:shop-*",
            },
        ],
    }
    issues = {f.split(":")[0] for f in findings(bad)}
    assert issues == {"UNKNOWN_CONDITION_FOR_ACTION", "RESOURCE_MISMATCH"}


GOLDEN = Path(__file__).resolve().parent / "golden"


def printed_texts(command: str) -> str:
    """What ``iam-policy COMMAND`` prints with each option set, one section each."""
    sections = []
    for name, options in OPTIONS.items():
        result = CliRunner().invoke(app, ["iam-policy", command, *options])
        assert result.exit_code == 0, result.output
        sections.append(f"## {name}: {' '.join(options)}".rstrip() + f"\n{result.stdout}")
    return "".join(sections)


@pytest.mark.parametrize("command", [*COMMANDS, "all"])
def test_every_printed_policy_is_exactly_its_golden_text(command: str) -> None:
    """The statements are data folded into shared pieces; the documents stay byte for byte."""
    golden = GOLDEN / f"iam-policy-{command}.txt"
    assert printed_texts(command) == golden.read_text(encoding="utf-8")
