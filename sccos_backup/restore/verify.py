"""Verification: the restored instance, described afresh, against the captured settings."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sccos_backup.restore.settings import FIELDS, InstanceSettings


def _comparable(value: Any) -> Any:
    if isinstance(value, tuple):
        return sorted(value)
    return value


def differences(expected: InstanceSettings, described: Mapping[str, Any]) -> list[str]:
    """One line per declared setting the instance does not carry; empty when it matches.

    Settings not declared (None) are not compared: RDS chooses them (e.g. the AZ of a
    Multi-AZ instance, the gp3 baseline).
    """
    actual = InstanceSettings.capture(described)
    found: list[str] = []
    for field in FIELDS:
        want = getattr(expected, field.attr)
        if want is None:
            continue
        got = getattr(actual, field.attr)
        if _comparable(want) != _comparable(got):
            found.append(f"{field.api}: declared {want!r}, found {got!r}")
    return found
