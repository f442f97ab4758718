"""Verification looks at status, not only at names: what RDS has not finished applying."""

from __future__ import annotations

from pathlib import Path
from types import MappingProxyType
from typing import Any

import pytest

from sccos_backup import errors
from sccos_backup.aws.rds import Instance, RdsAdapter
from sccos_backup.restore.plan import Strategy
from sccos_backup.restore.source import SourceChoice
from sccos_backup.restore.verify import status_problems
from tests.conftest import FakeClock
from tests.support.world import World

pytestmark = pytest.mark.aws_in_process

SETTLED: dict[str, Any] = {
    "DBInstanceIdentifier": "shop",
    "DBParameterGroups": [{"DBParameterGroupName": "shop-pg13", "ParameterApplyStatus": "in-sync"}],
    "OptionGroupMemberships": [{"OptionGroupName": "shop-og13", "Status": "in-sync"}],
    "AssociatedRoles": [{"RoleArn": "arn:aws:iam::1:role/s3", "Status": "ACTIVE"}],
    "VpcSecurityGroups": [{"VpcSecurityGroupId": "sg-1", "Status": "active"}],
    "PendingModifiedValues": {},
}


@pytest.mark.parametrize(
    ("key", "change", "needle"),
    [
        ("DBParameterGroups", {"ParameterApplyStatus": "pending-reboot"}, "reboot-db-instance"),
        ("DBParameterGroups", {"ParameterApplyStatus": "applying"}, "shop-pg13 is applying"),
        ("OptionGroupMemberships", {"Status": "pending-apply"}, "shop-og13 is pending-apply"),
        ("AssociatedRoles", {"Status": "PENDING"}, "role arn:aws:iam::1:role/s3 is PENDING"),
        ("VpcSecurityGroups", {"Status": "inactive"}, "sg-1 is inactive"),
    ],
)
def test_each_unsettled_part_is_named(key: str, change: dict[str, str], needle: str) -> None:
    assert status_problems(SETTLED) == []
    described = {**SETTLED, key: [{**SETTLED[key][0], **change}]}
    [line] = status_problems(described)
    assert needle in line


def test_pending_modifications_are_named() -> None:
    described = {**SETTLED, "PendingModifiedValues": {"DBInstanceClass": "db.r6g.xlarge"}}
    assert status_problems(described) == ["modifications still pending: DBInstanceClass"]


class PendingRebootAdapter(RdsAdapter):
    """RDS as it answers while a parameter group waits for a reboot (moto never does)."""

    def describe_instance(self, identifier: str) -> Instance:
        found = super().describe_instance(identifier)
        groups = [
            {**g, "ParameterApplyStatus": "pending-reboot"}
            for g in found.raw.get("DBParameterGroups") or ()
        ]
        return Instance.from_api(MappingProxyType({**found.raw, "DBParameterGroups": groups}))


def test_the_runbook_stops_on_a_parameter_group_waiting_for_a_reboot(
    moto: str,
    rds: Any,
    original: dict[str, Any],
    tmp_path: Path,
) -> None:
    world = World(moto, tmp_path / "state", FakeClock())
    plan = world.plan(Strategy.IN_PLACE, SourceChoice(snapshot="shop-nightly"))
    world.runbook.check_can_start(plan)
    adapter = world.runbook.rds
    world.runbook.rds = PendingRebootAdapter(
        adapter._client, clock=adapter.clock, sleep=adapter.sleep
    )
    with pytest.raises(errors.VerificationFailed, match=r"pending-reboot.*reboot-db-instance"):
        world.runbook.start(plan)
