"""The clients one adapter, and one command, are made of come from one AWS session: a profile's
credentials are resolved once, not once per client (a ``credential_process`` runs once, an
assumed role is assumed once)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from automation.commands.factory import Factory
from sccos_backup.aws.account import make_account_adapter

CREDENTIALS = """\
import json, sys
with open(sys.argv[1], "a") as runs:
    runs.write("run\\n")
print(json.dumps({"Version": 1, "AccessKeyId": "testing", "SecretAccessKey": "testing"}))
"""


@pytest.fixture
def runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Where the profile 'counted' notes each run of its ``credential_process``."""
    script = tmp_path / "credentials.py"
    script.write_text(CREDENTIALS)
    runs = tmp_path / "runs"
    config = tmp_path / "config"
    config.write_text(
        "[profile counted]\n"
        "region = eu-central-1\n"
        f"credential_process = {sys.executable} {script} {runs}\n"
    )
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    return runs


def test_the_account_adapter_resolves_the_profile_s_credentials_once(moto: str, runs: Path) -> None:
    adapter = make_account_adapter(region=None, profile="counted", endpoint_url=moto)
    assert adapter.caller().account == "123456789012"
    assert adapter.region == "eu-central-1"
    assert runs.read_text().splitlines() == ["run"]


def test_a_command_s_clients_resolve_the_profile_s_credentials_once(moto: str, runs: Path) -> None:
    factory = Factory(profile="counted", endpoint_url=moto)
    assert factory.rds().list_instances() == []
    assert factory.account().caller().account == "123456789012"
    assert factory._maintenance_adapter() is factory._maintenance_adapter()
    assert runs.read_text().splitlines() == ["run"]
