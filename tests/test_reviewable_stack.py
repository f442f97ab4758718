"""The reviewable stack file works as printed: `restore capture` prints the complete commands
a reviewer pastes, `init` writes a Pulumi.yaml that finds sccos-backup's interpreter and keeps
an edited one, and hints repeat the options given."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from automation.cli import app
from tests.conftest import make_instance

pytestmark = pytest.mark.aws_in_process


def test_capture_prints_login_stack_select_and_preview_with_cwd(
    moto: str, rds: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """It printed `pulumi preview --stack X` alone: no backend, no stack, no folder (the file
    lands in the data folder outside a project)."""
    make_instance(rds, "shop")
    monkeypatch.chdir(tmp_path)
    args = ["restore", "capture", "shop", "--latest", "--stack", "review", "--endpoint-url", moto]
    result = CliRunner().invoke(app, [*args, "--backend-url", "s3://state/team"])
    assert result.exit_code == 0, result.output
    lines = [line.strip() for line in result.stdout.splitlines()]
    folder = Path(lines[0].removeprefix("wrote ").split(":")[0]).parent
    assert folder != tmp_path, "outside a project: the packaged one in the data folder"
    assert "pulumi login s3://state/team" in lines
    assert (
        f"pulumi stack select --create --secrets-provider passphrase --stack review "
        f"--cwd {folder}" in lines
    )
    assert f"pulumi preview --stack review --cwd {folder}" in lines
    printed = json.loads(CliRunner().invoke(app, [*args, "--json"]).stdout)
    assert printed["commands"][0].startswith("pulumi login file://")


def test_init_pins_the_interpreter_that_has_sccos_backup(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["init", str(tmp_path / "ops")])
    assert result.exit_code == 0, result.output
    for folder in (tmp_path / "ops", tmp_path / "ops" / "schedule"):
        project = yaml.safe_load((folder / "Pulumi.yaml").read_text())
        if sys.prefix != sys.base_prefix:  # a venv or pipx, as the tests run in one
            assert project["runtime"] == {"name": "python", "options": {"virtualenv": sys.prefix}}
            assert (Path(sys.prefix) / "bin" / "python").exists()


def test_init_refuses_to_overwrite_an_edited_project_file(tmp_path: Path) -> None:
    """Re-running init silently overwrote an edited Pulumi.yaml."""
    target = tmp_path / "ops"
    assert CliRunner().invoke(app, ["init", str(target)]).exit_code == 0
    pulumi_yaml = target / "Pulumi.yaml"
    edited = pulumi_yaml.read_text() + "config:\n  aws:region: eu-west-1\n"
    pulumi_yaml.write_text(edited)
    again = CliRunner().invoke(app, ["init", str(target)])
    assert again.exit_code == 3, again.output
    assert "+++" in again.stderr and "-  aws:region: eu-west-1" in again.stderr, "a diff"
    error = [line for line in again.stderr.splitlines() if line.startswith("error: ")]
    assert len(error) == 1 and "--force" in error[0] and str(pulumi_yaml) in error[0]
    assert pulumi_yaml.read_text() == edited, "nothing was changed"
    forced = CliRunner().invoke(app, ["init", str(target), "--force"])
    assert forced.exit_code == 0, forced.output
    assert "aws:region" not in pulumi_yaml.read_text()


def test_the_schedule_capture_hint_repeats_work_dir(
    moto: str, rds: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_instance(rds, "shop")
    assert CliRunner().invoke(app, ["init", str(tmp_path / "ops")]).exit_code == 0
    monkeypatch.chdir(tmp_path)
    work_dir = tmp_path / "ops" / "schedule"
    result = CliRunner().invoke(
        app,
        [
            *("schedule", "capture", "--stack", "fleet", "--db", "shop"),
            *("--alarm-email", "ops@shop.example", "--work-dir", str(work_dir)),
        ],
        env={"AWS_ENDPOINT_URL": moto},
    )
    assert result.exit_code == 0, result.output
    hint = result.stdout.splitlines()[-1]
    assert hint.endswith(f"sccos-backup schedule preview --stack fleet --work-dir {work_dir}")
