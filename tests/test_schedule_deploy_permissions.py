"""`sccos-backup iam-policy schedule-deploy`: the rights `schedule up` needs to deploy the stack,
derived from what the declaration creates and scoped to the names it gives.

The stack is declared under the Pulumi SDK's mocks (tests/test_schedule_declaration.py); every
resource it registers must have its type in the document's map of resource types to
statements, and each such statement must allow its actions on that resource's ARN (built from
the physical name the declaration gave it), for this stack and never for another stack whose
name starts the same way.
"""

from __future__ import annotations

from typing import Any

import pulumi
import pytest

from sccos_backup.permissions import allows, policy_document
from sccos_backup.permissions.deployment import DEPLOYED_BY
from sccos_backup.schedule.package import Artifact, build
from sccos_backup.schedule.spec import ScheduleSpec
from tests.support.schedule_mocks import ACCOUNT, FLEET, REGION, install

COMPONENT = "sccos-backup:schedule:BackupSchedule"
#: The rotation split in shards: a schedule per shard.
SHARDED = ScheduleSpec(FLEET.selection, alarm_email="ops@example.com", rotate_shards=3)


@pytest.fixture(scope="module")
def artifact(tmp_path_factory: pytest.TempPathFactory) -> Artifact:
    return build(tmp_path_factory.mktemp("build") / "function.zip")


def arns(typ: str, inputs: dict[str, Any], stack: str) -> list[str]:
    """The ARNs IAM authorises a create/update/delete of this resource against."""
    name = str(inputs.get("name") or "")
    service = typ.split(":")[1].split("/", maxsplit=1)[0]
    regional = f"{REGION}:{ACCOUNT}"
    fn = f"arn:aws:lambda:{regional}:function:sccos-backup-{stack}-fn"
    return {
        "lambda": [fn],
        "sqs": [f"arn:aws:sqs:{regional}:{name}"],
        "iam": [f"arn:aws:iam::{ACCOUNT}:role/{name or inputs.get('role')}"],
        "scheduler": [f"arn:aws:scheduler:{regional}:schedule/default/{name}"],
        "sns": [f"arn:aws:sns:{regional}:{name or f'sccos-backup-{stack}-alarms'}"],
        "cloudwatch": (
            [
                f"arn:aws:logs:{regional}:log-group:{name}",
                f"arn:aws:logs:{regional}:log-group:{name}:*",
            ]
            if "logGroup" in typ
            else [f"arn:aws:cloudwatch:{regional}:alarm:{name}"]
        ),
    }[service]


def _declared(stack: str, spec: ScheduleSpec, artifact: Artifact) -> Any:
    mocks = install()
    from sccos_backup.schedule.declaration import declare

    schedule = declare(stack, spec, artifact)
    return mocks, pulumi.Output.all(
        schedule.function.arn, *[s.arn for s in schedule.schedules.values()],
        *[a.arn for a in schedule.alarms],
    )  # fmt: skip


def _statements(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {s["Sid"]: s for s in document["Statement"]}


def _allowed(document: dict[str, Any], sid: str, arn: str) -> bool:
    statement = _statements(document)[sid]
    resources = statement["Resource"]
    resources = [resources] if isinstance(resources, str) else resources
    own = {"Version": document["Version"], "Statement": [statement]}
    return all(allows(own, a, arn) for a in statement["Action"]) and resources != []


@pytest.mark.parametrize("spec", [FLEET, SHARDED], ids=["fleet", "sharded"])
@pulumi.runtime.test
def test_every_declared_resource_is_covered_for_its_stack_only(
    artifact: Artifact, spec: ScheduleSpec
) -> Any:
    stack = "fleet"
    mocks, settled = _declared(stack, spec, artifact)
    document = policy_document("schedule-deploy", region=REGION, account=ACCOUNT, stack=stack)
    other = policy_document("schedule-deploy", region=REGION, account=ACCOUNT, stack="fleet-eu")
    anywhere = policy_document("schedule-deploy", region=REGION, account=ACCOUNT)

    def check(_: Any) -> None:
        types = {r.type for r in mocks.resources.values()} - {COMPONENT}
        assert types <= set(DEPLOYED_BY), types - set(DEPLOYED_BY)
        used: set[str] = set()
        for resource in mocks.resources.values():
            if resource.type == COMPONENT:
                continue
            inputs = dict(resource.inputs)
            if resource.type.endswith("RolePolicy"):  # a role id is its name; mocks: "<logical>-id"
                role = mocks.resources[str(inputs["role"]).removesuffix("-id")]
                inputs["role"] = role.inputs["name"]
            for sid in DEPLOYED_BY[resource.type]:
                used.add(sid)
                passed = inputs.get("role") or (inputs.get("target") or {}).get("roleArn")
                targets = [passed] if sid.startswith("Pass") else arns(resource.type, inputs, stack)
                for arn in targets:
                    assert _allowed(document, sid, arn), (sid, arn)
                    assert _allowed(anywhere, sid, arn), (sid, arn)
                    if arn.endswith("*") or _statements(other)[sid]["Resource"] == "*":
                        continue
                    assert not _allowed(other, sid, arn), (sid, arn)
        # every statement serves a declared resource (the state backend's come with --backend-url)
        assert set(_statements(document)) == used

    return settled.apply(check)


def test_passing_the_roles_is_limited_to_their_services() -> None:
    document = policy_document("schedule-deploy", account=ACCOUNT, stack="fleet")
    fn = f"arn:aws:iam::{ACCOUNT}:role/sccos-backup-fleet-fn"
    scheduler = f"arn:aws:iam::{ACCOUNT}:role/sccos-backup-fleet-scheduler"
    to = "iam:PassedToService"
    assert allows(document, "iam:PassRole", fn, {to: "lambda.amazonaws.com"})
    assert not allows(document, "iam:PassRole", fn, {to: "scheduler.amazonaws.com"})
    assert allows(document, "iam:PassRole", scheduler, {to: "scheduler.amazonaws.com"})
    assert not allows(document, "iam:PassRole", scheduler, {to: "lambda.amazonaws.com"})
    assert not allows(document, "iam:PassRole", f"arn:aws:iam::{ACCOUNT}:role/admin", {to: "x"})


def test_cli_prints_it() -> None:
    import json

    from typer.testing import CliRunner

    from automation.cli import app

    args = ["iam-policy", "schedule-deploy", "--stack", "fleet", "--account", ACCOUNT]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == policy_document(
        "schedule-deploy", account=ACCOUNT, stack="fleet"
    )
    from tests.conftest import one_error_line

    bad = CliRunner().invoke(app, ["iam-policy", "schedule-deploy", "--stack", "a*b"])
    one_error_line(bad, 2, "'a*b'")
