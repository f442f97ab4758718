"""`sccos-backup.toml`: a shop's settings found like git finds its folder, named profiles with
--shop, precedence flag > environment > config > default, `config show`, no secrets."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from automation.cli import app
from tests.conftest import make_instance, one_error_line
from tests.fake_jenkins import FakeJenkins, FakeTime
from tests.support.factory import FakeFactory

pytestmark = pytest.mark.aws_in_process

NO_ENV = {
    "AWS_REGION": "",
    "AWS_DEFAULT_REGION": "",
    "AWS_ENDPOINT_URL": "",
    "JENKINS_URL": "",
    "JENKINS_USER": "",
}


@pytest.fixture
def shop_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project folder with a settings file, and the user in a folder below it."""
    below = tmp_path / "ops" / "notes"
    below.mkdir(parents=True)
    monkeypatch.chdir(below)
    return tmp_path / "ops"


def _write(folder: Path, text: str) -> Path:
    path = folder / "sccos-backup.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_restore_plan_and_resync_need_no_option(
    shop_folder: Path, moto: str, rds: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_instance(rds, "shop")
    with FakeJenkins() as jenkins:
        _write(
            shop_folder,
            f'region = "eu-central-1"\nendpoint-url = "{moto}"\n'
            f'jenkins-url = "{jenkins.url}"\njenkins-user = "{jenkins.user}"\n'
            '[shops.de]\nmaintenance = "prod"\nstore = "DE"\nstrategy = "swap"\n',
        )
        env = {**NO_ENV, "SCCOS_BACKUP_SHOP": "de"}
        plan = CliRunner().invoke(app, ["restore", "plan", "shop", "--latest"], env=env)
        assert plan.exit_code == 3, plan.output  # not ready here: no Pulumi CLI
        assert "Restore plan for shop (swap)" in plan.stdout
        assert "Maintenance_Enable_prod" in plan.stdout

        time = FakeTime()
        resynced = CliRunner().invoke(
            app,
            ["resync", "--json"],
            env={**env, "JENKINS_API_TOKEN": jenkins.token},
            obj=FakeFactory(sleep=time.sleep, clock=time.clock),
        )
        assert resynced.exit_code == 0, resynced.output
        assert "export APPLICATION_STORE=DE" in jenkins.jobs["sccos-backup-sync-data"]


def test_precedence_flag_environment_config_default(shop_folder: Path) -> None:
    _write(shop_folder, 'region = "eu-west-1"\nbackend-url = "s3://state/x"\n')

    def shown(args: list[str], env: dict[str, str]) -> dict[str, Any]:
        result = CliRunner().invoke(app, [*args, "config", "show", "--json"], env=env)
        assert result.exit_code == 0, result.output
        return {row["key"]: row for row in json.loads(result.stdout)["settings"]}

    settings = shown([], NO_ENV)
    assert settings["region"]["value"] == "eu-west-1"
    assert settings["region"]["source"].startswith("config (")
    assert str(shop_folder / "sccos-backup.toml") in settings["region"]["source"]
    assert settings["job"] == {"key": "job", "value": "sccos-backup-sync-data", "source": "default"}
    from_env = shown([], {**NO_ENV, "AWS_REGION": "us-east-1"})
    assert from_env["region"]["value"] == "us-east-1"
    assert from_env["region"]["source"] == "environment (AWS_REGION)"
    flagged = shown(["--region", "ap-south-1"], {**NO_ENV, "AWS_REGION": "us-east-1"})
    assert flagged["region"] == {"key": "region", "value": "ap-south-1", "source": "flag"}
    text = CliRunner().invoke(app, ["config", "show"], env=NO_ENV).stdout
    assert "backend-url" in text and "from config (" in text


def test_a_flag_wins_over_the_config_in_a_command(shop_folder: Path, moto: str, rds: Any) -> None:
    make_instance(rds, "shop")
    _write(shop_folder, f'region = "eu-central-1"\nendpoint-url = "{moto}"\nstrategy = "swap"\n')
    result = CliRunner().invoke(
        app, ["restore", "plan", "shop", "--latest", "--strategy", "in-place"], env=NO_ENV
    )
    assert result.exit_code == 3, result.output  # not ready here (no Pulumi CLI nor Jenkins)
    assert "Restore plan for shop (in-place)" in result.stdout


@pytest.mark.parametrize(
    "line", ['jenkins-token = "x"', 'pulumi_config_passphrase = "x"', 'db-password = "x"']
)
def test_a_secret_is_refused_with_the_way_to_give_it(shop_folder: Path, line: str) -> None:
    path = _write(shop_folder, f'region = "eu-west-1"\n[shops.de]\n{line}\n')
    result = CliRunner().invoke(app, ["config", "show"], env=NO_ENV)
    one_error_line(
        result, 2, str(path), line.split(" ", maxsplit=1)[0], "secrets never go in the config"
    )
    assert '"x"' not in result.output


def test_shops_and_bad_files_are_one_line(shop_folder: Path) -> None:
    _write(shop_folder, '[shops.de]\nstore = "DE"\n')
    one_error_line(
        CliRunner().invoke(app, ["--shop", "fr", "config", "show"], env=NO_ENV), 2, "shops: de"
    )
    _write(shop_folder, 'regoin = "x"\n')
    one_error_line(CliRunner().invoke(app, ["config", "show"], env=NO_ENV), 2, "'regoin'")
    _write(shop_folder, "region = \n")
    one_error_line(CliRunner().invoke(app, ["config", "show"], env=NO_ENV), 2, "not valid TOML")
    missing = shop_folder / "none.toml"
    result = CliRunner().invoke(app, ["--config", str(missing), "config", "show"], env=NO_ENV)
    one_error_line(result, 2, str(missing))


def test_init_writes_a_settings_file_and_keeps_an_existing_one(tmp_path: Path) -> None:
    import tomllib

    result = CliRunner().invoke(app, ["init", str(tmp_path / "ops")])
    assert result.exit_code == 0, result.output
    written = tmp_path / "ops" / "sccos-backup.toml"
    assert tomllib.loads(written.read_text()) == {}, "every example line is a comment"
    written.write_text('region = "eu-west-1"\n')
    assert CliRunner().invoke(app, ["init", str(tmp_path / "ops")]).exit_code == 0
    assert written.read_text() == 'region = "eu-west-1"\n'
