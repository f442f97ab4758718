"""AutomationEngine without the real Pulumi CLI (none can be installed here).

Three layers: pure functions (workspace settings, output and change-summary translation, error
lines); ``ensure_ready`` with no CLI anywhere and a failing install; and the Automation API
driven against a *fake* ``pulumi`` executable (a small Python script written into the engine's
own CLI folder) that answers the handful of sub-commands the engine uses and logs every call.
The fake sits at the process boundary, so the real ``pulumi.automation`` code runs unchanged.
What still needs the real CLI and aws plugin is in ``tests/test_real_pulumi.py``.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any
from unittest.mock import Mock
from urllib.error import URLError

import pytest
from pulumi.automation import OpType, OutputValue, PulumiCommand

from automation.engine.workspace import (
    count_changes,
    last_meaningful_line,
    outputs_to_dict,
    workspace_settings,
)
from sccos_backup.errors import EngineError, InvalidInput, PulumiUnavailable
from sccos_backup.restore.settings import InstanceSettings
from sccos_backup.restore.source import SnapshotSource
from sccos_backup.restore.spec import PROJECT, RestoreSpec
from sccos_backup.restore.stackfile import AwsTarget, read_stack_spec
from tests.conftest import make_instance
from tests.support.pulumi_cli import HISTORY, PASSPHRASE, PLUGIN, FakeCli, cli_engine

pytestmark = pytest.mark.aws_in_process

ROOT = Path(__file__).resolve().parent.parent
STACK = "restore-shop"


NOT_FOUND = {"code": 255, "stderr": f"error: no stack named '{STACK}' found\n"}


@pytest.fixture
def spec(rds: Any) -> RestoreSpec:
    """A snapshot restore of a typical original, captured from moto."""
    make_instance(rds)
    described = rds.describe_db_instances(DBInstanceIdentifier="shop")["DBInstances"][0]
    return RestoreSpec(
        target_identifier="shop",
        original_identifier="shop",
        source=SnapshotSource("shop-nightly"),
        settings=InstanceSettings.capture(described),
        final_snapshot_identifier="shop-final",
    )


@pytest.fixture
def project(tmp_path: Path) -> Path:
    work_dir = tmp_path / "project"
    work_dir.mkdir()
    shutil.copy(ROOT / "Pulumi.yaml", work_dir / "Pulumi.yaml")
    return work_dir


# -- pure functions -------------------------------------------------------------------------


def test_default_backend_is_a_file_backend_in_the_data_folder(tmp_path: Path) -> None:
    settings = workspace_settings(
        work_dir=tmp_path / "p", backend_url=None, passphrase=PASSPHRASE, data_dir=tmp_path / "d"
    )
    state = (tmp_path / "d" / "state").absolute()
    assert settings.backend_url == f"file://{state.as_posix()}"
    assert settings.backend_url.startswith("file:///")
    assert settings.state_dir == state
    assert not state.exists()  # pure: ensure_ready creates it
    assert settings.env_vars == {
        "PULUMI_BACKEND_URL": settings.backend_url,
        "PULUMI_CONFIG_PASSPHRASE": PASSPHRASE,
        "PULUMI_SKIP_UPDATE_CHECK": "true",
        "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
    }
    assert settings.secrets_provider == "passphrase"
    assert PASSPHRASE not in repr(settings)


def test_backend_url_overrides_and_a_missing_passphrase_is_left_to_the_environment(
    tmp_path: Path,
) -> None:
    settings = workspace_settings(
        work_dir=tmp_path, backend_url="s3://bucket/prefix", passphrase=None, data_dir=tmp_path
    )
    assert settings.backend_url == "s3://bucket/prefix"
    assert settings.state_dir is None
    assert "PULUMI_CONFIG_PASSPHRASE" not in settings.env_vars
    assert settings.env_vars["PULUMI_BACKEND_URL"] == "s3://bucket/prefix"


def test_repr_never_shows_the_passphrase(project: Path, tmp_path: Path) -> None:
    engine = cli_engine(project, tmp_path / "data")
    assert PASSPHRASE not in repr(engine)
    assert "hidden" in repr(engine)


def test_count_changes_ignores_same_and_read() -> None:
    assert count_changes({OpType.SAME: 3}) == 0
    assert count_changes({"same": 2, "update": 1, "create": 1, "read": 4}) == 2
    assert count_changes({OpType.SAME: 1, OpType.REPLACE: 1, OpType.DELETE: 1}) == 2
    assert count_changes({}) == 0
    assert count_changes(None) == 0


def test_outputs_are_plain_values() -> None:
    outputs = {"identifier": OutputValue("shop", False), "port": OutputValue(5432, False)}
    assert outputs_to_dict(outputs) == {"identifier": "shop", "port": 5432}


def test_last_meaningful_line_prefers_the_last_error_line() -> None:
    text = (
        "\n code: 255\n stdout: Updating (restore-shop)\n"
        "    error: 1 error occurred:\n"
        "    \t* creating RDS DB Instance (shop): DBInstanceAlreadyExists: exists\n"
        "    error: update failed\nResources:\n    1 unchanged\nDuration: 3s\n stderr: "
    )
    assert last_meaningful_line(text) == "update failed"
    assert last_meaningful_line("\n code: 1\n stdout: \n stderr: boom\nfinal words") == (
        "final words"
    )
    assert last_meaningful_line("\n code: 1\n stdout: \n stderr: ") == (
        "the Pulumi CLI failed without a message"
    )


# -- ensure_ready without any CLI --------------------------------------------------------------


def test_no_cli_names_engine_install_and_downloads_nothing(
    project: Path, tmp_path: Path, no_pulumi_on_path: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A run never downloads the engine (it did: PulumiCommand.install on first use)."""
    attempts: list[tuple[str | None, Any]] = []

    def record(cls: type, /, root: str | None = None, version: Any = None, **_: Any) -> None:
        attempts.append((root, version))
        raise URLError("no network here")

    monkeypatch.setattr(PulumiCommand, "install", classmethod(record))
    notices: list[str] = []
    engine = cli_engine(project, tmp_path / "data", on_notice=notices.append)

    with pytest.raises(PulumiUnavailable) as raised:
        engine.ensure_ready()

    message = str(raised.value)
    assert attempts == [], "nothing is downloaded during a run"
    assert notices == []
    assert "\n" not in message and "Traceback" not in message
    assert PASSPHRASE not in message
    assert message.startswith("no usable Pulumi CLI on PATH or in ")
    assert "run `sccos-backup engine install`" in message
    assert message.endswith("nothing was changed")
    assert raised.value.__cause__ is None and raised.value.__context__ is None
    assert (tmp_path / "data" / "state").is_dir()


def test_ensure_ready_refuses_a_folder_of_another_project(tmp_path: Path) -> None:
    other = tmp_path / "other"
    other.mkdir()
    (other / "Pulumi.yaml").write_text("name: something-else\nruntime: python\n")
    with pytest.raises(InvalidInput, match="not 'sccos-backup'"):
        cli_engine(other, tmp_path / "data").ensure_ready()


def test_workspace_options_leave_pulumi_yaml_untouched(project: Path, tmp_path: Path) -> None:
    """LocalWorkspace rewrites Pulumi.yaml from project_settings; ours carry none."""
    from pulumi.automation import LocalWorkspace, ProjectBackend, ProjectSettings

    from automation.engine.readiness import workspace_options

    before = (project / "Pulumi.yaml").read_bytes()
    engine = cli_engine(project, tmp_path / "data")
    command = Mock(spec=PulumiCommand)
    options = workspace_options(engine.settings, lambda: None, command)
    assert options.project_settings is None
    assert options.work_dir == str(project.absolute())
    assert options.secrets_provider == "passphrase"
    assert options.env_vars is not None
    assert options.env_vars["PULUMI_CONFIG_PASSPHRASE"] == PASSPHRASE
    LocalWorkspace(**vars(options))
    assert (project / "Pulumi.yaml").read_bytes() == before

    # Why: the same workspace given project_settings overwrites the versioned project file.
    backend = ProjectBackend(url="file:///tmp/x")
    LocalWorkspace(
        work_dir=str(project),
        project_settings=ProjectSettings(name=PROJECT, runtime="python", backend=backend),
        pulumi_command=command,
    )
    assert (project / "Pulumi.yaml").read_bytes() != before
    command.run.assert_not_called()


# -- the Automation API against a fake CLI --------------------------------------------------------


def test_previous_install_is_used_and_the_aws_plugin_checked_once(
    project: Path, tmp_path: Path, fake_cli: FakeCli
) -> None:
    notices: list[str] = []
    engine = cli_engine(project, tmp_path / "data", on_notice=notices.append)
    engine.ensure_ready()
    engine.ensure_ready()
    cli_engine(project, tmp_path / "data").ensure_ready()  # a second engine in the same process

    assert fake_cli.commands() == ["plugin ls --json"]
    assert notices == []
    [call] = [c for c in fake_cli.calls() if c["args"][0] == "plugin"]
    assert call["cwd"] == str(project.absolute())
    assert call["env"]["PULUMI_CONFIG_PASSPHRASE"] == PASSPHRASE
    assert call["env"]["PULUMI_BACKEND_URL"] == engine.settings.backend_url


def test_a_missing_aws_plugin_names_engine_install_and_is_not_downloaded(
    project: Path, tmp_path: Path, fake_cli: FakeCli
) -> None:
    other = [{"name": "aws", "kind": "resource", "version": "6.0.0"}]
    fake_cli.answer({"plugin ls": {"stdout": json.dumps(other)}})
    with pytest.raises(PulumiUnavailable) as raised:
        cli_engine(project, tmp_path / "data").ensure_ready()
    message = str(raised.value)
    assert "\n" not in message
    assert f"the Pulumi aws plugin v{PLUGIN} is not installed" in message
    assert "run `sccos-backup engine install`" in message
    assert not any(c.startswith("plugin install") for c in fake_cli.commands())


def test_outputs_of_a_missing_stack_is_none_and_creates_nothing(
    project: Path, tmp_path: Path, fake_cli: FakeCli
) -> None:
    fake_cli.answer({"stack select": NOT_FOUND})
    assert cli_engine(project, tmp_path / "data").outputs(STACK) is None
    assert not any(command.startswith("stack init") for command in fake_cli.commands())
    assert not (project / f"Pulumi.{STACK}.yaml").exists()


def test_outputs_of_an_existing_stack(project: Path, tmp_path: Path, fake_cli: FakeCli) -> None:
    fake_cli.answer({"stack output": {"stdout": json.dumps({"identifier": "shop", "port": 5432})}})
    assert cli_engine(project, tmp_path / "data").outputs(STACK) == {
        "identifier": "shop",
        "port": 5432,
    }


def test_up_writes_the_capture_record_refreshes_first_and_returns_outputs(
    project: Path, tmp_path: Path, fake_cli: FakeCli, spec: RestoreSpec
) -> None:
    fake_cli.answer(
        {
            "stack select": NOT_FOUND,
            "up": {"stdout": "Updating (restore-shop)\nResources:\n    1 created\n"},
            "stack output": {"stdout": json.dumps({"identifier": "shop"})},
            "stack history": {"stdout": HISTORY},
        }
    )
    lines: list[str] = []
    engine = cli_engine(
        project, tmp_path / "data", aws=AwsTarget(endpoint_url="http://127.0.0.1:1")
    )

    assert engine.up(STACK, spec, lines.append) == {"identifier": "shop"}

    commands = fake_cli.commands()
    assert commands[1] == f"stack select --stack {STACK}"
    assert commands[2] == f"stack init {STACK} --secrets-provider passphrase"
    [up] = [c for c in commands if c.startswith("up ")]
    assert "--refresh" in up.split()
    assert "--exec-kind auto.inline" in up and "--client=127.0.0.1:" in up
    assert "Updating (restore-shop)" in lines

    import yaml

    stack_file = project / f"Pulumi.{STACK}.yaml"
    document = yaml.safe_load(stack_file.read_text())
    assert document["encryptionsalt"] == "v1:fake-salt"
    assert read_stack_spec(project, STACK) == spec
    assert isinstance(document["config"][f"{PROJECT}:settings"], dict)
    assert document["config"]["aws:skipCredentialsValidation"] is True
    assert document["config"]["aws:endpoints"] == [
        {svc: "http://127.0.0.1:1" for svc in ("rds", "sts", "iam", "kms", "ec2")}
    ]


def test_a_locked_stack_says_what_to_do(
    project: Path, tmp_path: Path, fake_cli: FakeCli, spec: RestoreSpec
) -> None:
    fake_cli.answer(
        {
            "up": {
                "code": 255,
                "stderr": "error: the stack is currently locked by 1 lock(s). Either wait for "
                "the other process(es) to end or delete the lock file with `pulumi cancel`.\n"
                "  file:///state/.pulumi/locks/x.json: created by someone\n",
            }
        }
    )
    with pytest.raises(EngineError) as raised:
        cli_engine(project, tmp_path / "data").up(STACK, spec, lambda _: None)
    state = (tmp_path / "data" / "state").absolute()
    assert str(raised.value) == (  # a command that works pasted into a shell
        f"stack {STACK} is locked by another update; wait for it or run "
        f"`PULUMI_BACKEND_URL=file://{state} pulumi cancel --stack {STACK} "
        f"--cwd {project.absolute()}`"
    )


def test_an_engine_failure_is_one_line_without_the_passphrase(
    project: Path, tmp_path: Path, fake_cli: FakeCli
) -> None:
    fake_cli.answer(
        {
            "refresh": {
                "code": 255,
                "stdout": "Refreshing (restore-shop)\n"
                "    error: reading RDS DB Instance (shop): operation error RDS: "
                f"DescribeDBInstances, https response error StatusCode: 403, {PASSPHRASE}\n"
                "Resources:\n    1 unchanged\n",
                "stderr": "panic-free noise\nmore noise\n",
            }
        }
    )
    with pytest.raises(EngineError) as raised:
        cli_engine(project, tmp_path / "data").refresh(STACK, lambda _: None)
    message = str(raised.value)
    assert "\n" not in message
    assert PASSPHRASE not in message
    assert message.startswith(f"pulumi refresh on stack {STACK} failed: reading RDS DB Instance")
    assert "StatusCode: 403" in message


def test_what_a_stack_holds_is_read_from_its_exported_deployment() -> None:
    """``pulumi stack export`` (deployment version 3): the instance's id and init errors, and
    the pending creates of an instance the state does not hold."""
    from automation.engine.base import Held
    from automation.engine.workspace import held_in

    urn = "urn:pulumi:s::sccos-backup::sccos-backup:rds:RestoredDatabase$aws:rds/instance:Instance"
    instance = {"urn": f"{urn}::restored", "type": "aws:rds/instance:Instance", "id": "db-A"}
    assert held_in({}) == Held()
    assert held_in({"resources": [instance]}) == Held(instance_id="db-A")
    failed = {**instance, "initErrors": ["waiting for RDS DB Instance (shop) create: timeout"]}
    assert held_in({"resources": [failed]}).init_errors == (failed["initErrors"][0],)
    pending = {
        "resource": {"urn": f"{urn}::restored", "type": instance["type"]},
        "type": "creating",
    }
    assert held_in({"resources": [], "pending_operations": [pending]}) == Held(pending_creates=1)
    role = {"urn": f"{urn}::restored-role-0", "type": "aws:rds/roleAssociation:RoleAssociation"}
    assert held_in({"resources": [role]}) == Held()
