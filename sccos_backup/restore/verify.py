"""Verification: the restored instance, described afresh, against the captured settings."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from sccos_backup.restore.fields import FIELDS
from sccos_backup.restore.settings import InstanceSettings
from sccos_backup.restore.spec import RestoreSpec


def _comparable(value: Any) -> Any:
    if isinstance(value, tuple):
        return sorted(value)
    return value


@dataclass(frozen=True)
class SettingCheck:
    """One declared setting compared with what the instance carries."""

    setting: str
    declared: Any
    found: Any

    @property
    def ok(self) -> bool:
        return bool(_comparable(self.declared) == _comparable(self.found))

    def line(self) -> str:
        return f"{self.setting}: declared {self.declared!r}, found {self.found!r}"


def compare(expected: InstanceSettings, described: Mapping[str, Any]) -> list[SettingCheck]:
    """Every declared setting beside the instance's value, in :data:`FIELDS` order.

    Settings not declared (None) are not compared: RDS chooses them (e.g. the AZ of a
    Multi-AZ instance, the gp3 baseline).
    """
    actual = InstanceSettings.capture(described)
    return [
        SettingCheck(field.api, getattr(expected, field.attr), getattr(actual, field.attr))
        for field in FIELDS
        if getattr(expected, field.attr) is not None
    ]


def differences(expected: InstanceSettings, described: Mapping[str, Any]) -> list[str]:
    """One line per declared setting the instance does not carry; empty when it matches."""
    return [check.line() for check in compare(expected, described) if not check.ok]


def declared_settings(spec: RestoreSpec) -> InstanceSettings:
    """The settings ``spec`` declares: without role associations under a temporary name."""
    if spec.declares_roles:
        return spec.settings
    return replace(spec.settings, associated_roles=())


def spec_differences(spec: RestoreSpec, described: Mapping[str, Any]) -> list[str]:
    """:func:`differences` against what ``spec`` declares."""
    return differences(declared_settings(spec), described)


#: Statuses that mean "done" for each part of an instance that RDS applies asynchronously.
SETTLED = {
    "DBParameterGroups": ("ParameterApplyStatus", {"in-sync"}),
    "OptionGroupMemberships": ("Status", {"in-sync"}),
    "AssociatedRoles": ("Status", {"ACTIVE"}),
    "VpcSecurityGroups": ("Status", {"active"}),
}
_NAME = {
    "DBParameterGroups": ("parameter group", "DBParameterGroupName"),
    "OptionGroupMemberships": ("option group", "OptionGroupName"),
    "AssociatedRoles": ("role", "RoleArn"),
    "VpcSecurityGroups": ("security group", "VpcSecurityGroupId"),
}


def status_problems(described: Mapping[str, Any]) -> list[str]:
    """What RDS has not finished applying to an instance, one line each with what to do.

    Names match on a restored instance can hide a parameter group that waits for a reboot, an
    option group still being applied, modifications still pending, a role or security group
    that is not active.
    """
    identifier = described.get("DBInstanceIdentifier", "the instance")
    found: list[str] = []
    for key, (status_key, settled) in SETTLED.items():
        kind, name_key = _NAME[key]
        for item in described.get(key) or ():
            status = item.get(status_key)
            if status is None or status in settled:
                continue
            name = item.get(name_key)
            if status == "pending-reboot":
                found.append(
                    f"{kind} {name} is pending-reboot: reboot with `aws rds reboot-db-instance "
                    f"--db-instance-identifier {identifier}`, then `sccos-backup restore resume`"
                )
            else:
                found.append(f"{kind} {name} is {status}, not {'/'.join(sorted(settled))}")
    pending = described.get("PendingModifiedValues") or {}
    if pending:
        found.append(f"modifications still pending: {', '.join(sorted(pending))}")
    return found
