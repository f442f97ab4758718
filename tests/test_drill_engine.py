"""What a restore drill needs of the declaration and the engine: a throw-away copy that
``destroy`` removes, while a restore's instance stays protected."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pulumi
import pytest

from sccos_backup import errors
from sccos_backup.aws.rds import RdsAdapter, make_rds_client
from sccos_backup.restore.plan import RestoreRequest
from sccos_backup.restore.prepare import prepare
from sccos_backup.restore.source import SourceChoice
from sccos_backup.restore.spec import RestoreSpec
from tests import pulumi_mocks
from tests.conftest import make_instance
from tests.inprocess_engine import InProcessEngine

pytestmark = pytest.mark.aws_in_process

NOW = datetime(2026, 11, 25, 13, 0, tzinfo=UTC)
INSTANCE = "aws:rds/instance:Instance"


def _spec(moto: str, target: str, *, throwaway: bool) -> RestoreSpec:
    client = make_rds_client(region="eu-central-1", profile=None, endpoint_url=moto)
    rds = RdsAdapter(client, clock=lambda: NOW, sleep=lambda s: None)
    spec = prepare(rds, RestoreRequest("shop", SourceChoice(snapshot="shop-nightly")), NOW).spec
    return dataclasses.replace(
        spec,
        target_identifier=target,
        throwaway=throwaway,
        final_snapshot_identifier="" if throwaway else spec.final_snapshot_identifier,
    )


@pytest.fixture
def shop(rds: Any) -> dict[str, Any]:
    created = make_instance(rds, DeletionProtection=False)
    rds.create_db_snapshot(DBInstanceIdentifier="shop", DBSnapshotIdentifier="shop-nightly")
    return created


@pulumi.runtime.test
def test_a_throwaway_copy_is_declared_deletable_without_final_snapshot(moto: str, shop: Any) -> Any:
    spec = _spec(moto, "shop-drill-1", throwaway=True)
    mocks, monitor = pulumi_mocks.install()
    from sccos_backup.restore.declaration import declare

    database = declare(spec)

    def check(_: Any) -> None:
        [instance] = mocks.of_type(INSTANCE)
        assert monitor.options[instance.name]["protect"] is False
        assert monitor.options[instance.name]["retainOnDelete"] is False
        assert instance.inputs["skipFinalSnapshot"] is True
        assert "finalSnapshotIdentifier" not in instance.inputs
        assert instance.inputs["deleteAutomatedBackups"] is True
        assert instance.inputs["identifier"] == "shop-drill-1"

    return database.instance.urn.apply(check)


def test_the_spec_round_trips_through_the_stack_config(moto: str, shop: Any) -> None:
    spec = _spec(moto, "shop-drill-1", throwaway=True)
    config = spec.to_config()
    assert config["throwaway"] is True and config["finalSnapshotIdentifier"] == ""
    assert RestoreSpec.from_config(config) == spec
    restore = _spec(moto, "shop", throwaway=False)
    assert "throwaway" not in restore.to_config()
    assert RestoreSpec.from_config(restore.to_config()) == restore
    with pytest.raises(errors.InvalidInput, match="finalSnapshotIdentifier"):
        RestoreSpec.from_config({**restore.to_config(), "finalSnapshotIdentifier": ""})


def _ids(rds: Any) -> set[str]:
    return {d["DBInstanceIdentifier"] for d in rds.describe_db_instances()["DBInstances"]}


def test_destroy_deletes_a_throwaway_copy_and_removes_its_stack(
    moto: str, rds: Any, shop: Any, tmp_path: Path
) -> None:
    engine = InProcessEngine(moto, tmp_path)
    engine.up("drill-shop-1", _spec(moto, "shop-drill-1", throwaway=True), lambda text: None)
    assert "shop-drill-1" in _ids(rds)
    snapshots_before = {
        s["DBSnapshotIdentifier"] for s in rds.describe_db_snapshots()["DBSnapshots"]
    }
    engine.destroy("drill-shop-1", lambda text: None)
    assert _ids(rds) == {"shop"}
    after = {s["DBSnapshotIdentifier"] for s in rds.describe_db_snapshots()["DBSnapshots"]}
    assert after <= snapshots_before, "no final snapshot is taken of a throw-away copy"
    assert engine.outputs("drill-shop-1") is None


def test_destroy_refuses_a_restore_stack_whose_instance_is_protected(
    moto: str, rds: Any, shop: Any, tmp_path: Path
) -> None:
    engine = InProcessEngine(moto, tmp_path)
    engine.up("restore-shop-1", _spec(moto, "shop-other", throwaway=False), lambda text: None)
    with pytest.raises(errors.EngineError, match="protected"):
        engine.destroy("restore-shop-1", lambda text: None)
    assert _ids(rds) == {"shop", "shop-other"}
    assert engine.outputs("restore-shop-1") is not None


# -- the Automation API engine's destroy, against a fake `pulumi` ------------------------------


def test_cli_engine_destroy_refreshes_then_removes_the_stack(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import shutil

    from tests.support.pulumi_cli import HISTORY, FakeCli, cli_engine

    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    project = tmp_path / "project"
    project.mkdir()
    shutil.copy(Path(__file__).resolve().parent.parent / "Pulumi.yaml", project / "Pulumi.yaml")
    cli = FakeCli(tmp_path / "data")
    cli.answer(
        {
            "destroy": {"stdout": "Destroying (drill-shop-1)\n"},
            "stack history": {"stdout": HISTORY},
        }
    )
    lines: list[str] = []

    cli_engine(project, tmp_path / "data").destroy("drill-shop-1", lines.append)

    commands = cli.commands()
    assert any(c.startswith("stack select --stack drill-shop-1") for c in commands), commands
    assert not any(c.startswith("stack init") for c in commands), "destroy never creates"
    [destroy] = [c for c in commands if c.startswith("destroy ")]
    assert "--refresh" in destroy.split() and "--yes" in destroy.split()
    assert commands[-1] == "stack rm --yes drill-shop-1"
    assert "Destroying (drill-shop-1)" in "".join(lines)


def test_cli_engine_destroy_of_a_protected_resource_is_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import shutil

    from tests.support.pulumi_cli import FakeCli, cli_engine

    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    project = tmp_path / "project"
    project.mkdir()
    shutil.copy(Path(__file__).resolve().parent.parent / "Pulumi.yaml", project / "Pulumi.yaml")
    cli = FakeCli(tmp_path / "data")
    cli.answer(
        {
            "destroy": {
                "code": 255,
                "stderr": "error: resource urn:pulumi:restore-shop::sccos-backup::"
                "aws:rds/instance:Instance::restored cannot be deleted because it is protected\n",
            }
        }
    )
    with pytest.raises(errors.EngineError, match="protected") as raised:
        cli_engine(project, tmp_path / "data").destroy("restore-shop", lambda _: None)
    assert "\n" not in str(raised.value)
    assert not any(c.startswith("stack rm") for c in cli.commands()), "the stack is kept"
