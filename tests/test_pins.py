"""The versions the stand-ins are modelled on are the versions CI installs and tests.

``constraints.txt`` pins them for the README's install command and ``.ci/run``;
``tests/rds_provider.py`` and ``tests/inprocess_engine.py`` name the releases they were read
from. A pin that moves without the stand-ins (or the other way round) fails here.
"""

from __future__ import annotations

import importlib.metadata
import os
from pathlib import Path

import pytest

from tests import inprocess_engine, rds_provider

ROOT = Path(__file__).resolve().parent.parent


def pins() -> dict[str, str]:
    lines = (ROOT / "constraints.txt").read_text(encoding="utf-8").splitlines()
    found = [line.split("#")[0].strip() for line in lines]
    return dict(line.split("==") for line in found if line)


def test_the_stand_ins_name_the_pinned_releases() -> None:
    assert pins()["pulumi-aws"] == rds_provider.PULUMI_AWS
    assert pins()["pulumi"] == inprocess_engine.PULUMI
    assert f"pulumi-aws {rds_provider.PULUMI_AWS}" in (rds_provider.__doc__ or "")
    assert f"pulumi {inprocess_engine.PULUMI}" in (inprocess_engine.__doc__ or "")


@pytest.mark.skipif(
    os.environ.get("SCCOS_BACKUP_FLOORS") == "1", reason="the floors environment pins floors"
)
def test_the_pinned_versions_are_installed() -> None:
    for name, version in pins().items():
        assert importlib.metadata.version(name) == version, name


def test_the_readme_install_uses_the_pins() -> None:
    assert "-c constraints.txt" in (ROOT / "README.md").read_text(encoding="utf-8")
