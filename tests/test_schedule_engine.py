"""ScheduleEngine through the Automation API against the fake ``pulumi`` executable of
tests/test_pulumi_engine.py: the schedule project, its stack file, the restore's backend and
passphrase set-up. (The fake CLI does not run the inline program; the program itself is tested
under the SDK's mocks in tests/test_schedule_declaration.py.)"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml

from automation.engine.schedule import ScheduleEngine
from sccos_backup.errors import EngineError
from sccos_backup.schedule.event import Selection
from sccos_backup.schedule.spec import PROJECT, ScheduleSpec
from sccos_backup.schedule.stackfile import read_schedule_spec
from tests.support.pulumi_cli import HISTORY, PASSPHRASE, FakeCli

ROOT = Path(__file__).resolve().parent.parent
STACK = "fleet"
SPEC = ScheduleSpec(Selection(databases=("shop-de", "shop-at", "shop-ch")))
NOT_FOUND = {"code": 255, "stderr": f"error: no stack named '{STACK}' found\n"}


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    work_dir = tmp_path / "schedule"
    work_dir.mkdir()
    shutil.copy(ROOT / "schedule" / "Pulumi.yaml", work_dir / "Pulumi.yaml")
    return work_dir


def _engine(folder: Path, tmp_path: Path, backend_url: str | None = None) -> ScheduleEngine:
    return ScheduleEngine(
        work_dir=folder,
        backend_url=backend_url,
        passphrase=PASSPHRASE,
        region="eu-central-1",
        profile=None,
        data_dir=tmp_path / "data",
    )


def test_up_creates_the_stack_of_the_schedule_project_and_writes_its_record(
    folder: Path,
    tmp_path: Path,
    fake_cli: FakeCli,
) -> None:
    fake_cli.answer(
        {
            "stack select": NOT_FOUND,
            "up": {"stdout": "Updating (fleet)\nResources:\n    23 created\n"},
            "stack output": {"stdout": json.dumps({"functionName": "sccos-backup-fleet-fn"})},
            "stack history": {"stdout": HISTORY},
        }
    )
    lines: list[str] = []
    engine = _engine(folder, tmp_path, backend_url="s3://team-state/pulumi")

    assert engine.up(STACK, SPEC, lines.append) == {"functionName": "sccos-backup-fleet-fn"}

    calls = [c for c in fake_cli.calls() if c["args"] != ["version"]]
    commands = [" ".join(c["args"]) for c in calls]
    assert commands[1] == f"stack select --stack {STACK}"
    assert commands[2] == f"stack init {STACK} --secrets-provider passphrase"
    [up] = [c for c in commands if c.startswith("up ")]
    assert "--refresh" in up.split() and "--exec-kind auto.inline" in up
    assert {c["cwd"] for c in calls} == {str(folder)}
    for call in calls:
        assert call["env"]["PULUMI_BACKEND_URL"] == "s3://team-state/pulumi"
        assert call["env"]["PULUMI_CONFIG_PASSPHRASE"] == PASSPHRASE
    document = yaml.safe_load((folder / f"Pulumi.{STACK}.yaml").read_text())
    assert document["encryptionsalt"] == "v1:fake-salt"
    assert document["config"]["aws:region"] == "eu-central-1"
    assert document["config"][f"{PROJECT}:databases"] == ["shop-de", "shop-at", "shop-ch"]
    assert read_schedule_spec(folder, STACK) == SPEC
    assert "Updating (fleet)" in lines


def test_a_failing_engine_is_one_line_without_the_passphrase(
    folder: Path,
    tmp_path: Path,
    fake_cli: FakeCli,
) -> None:
    fake_cli.answer(
        {
            "stack select": NOT_FOUND,
            "up": {
                "code": 255,
                "stderr": f"error: AccessDenied: iam:CreateRole (passphrase {PASSPHRASE})\n",
            },
        }
    )
    with pytest.raises(EngineError) as raised:
        _engine(folder, tmp_path).up(STACK, SPEC, lambda _: None)
    message = str(raised.value)
    assert message.startswith(f"pulumi up on stack {STACK} failed: AccessDenied: iam:CreateRole")
    assert PASSPHRASE not in message and "\n" not in message


def test_destroy_of_a_stack_never_captured_changes_nothing(
    folder: Path,
    tmp_path: Path,
    fake_cli: FakeCli,
) -> None:
    with pytest.raises(Exception, match="schedule capture --stack fleet"):
        _engine(folder, tmp_path).destroy(STACK, lambda _: None)
    assert [c for c in fake_cli.commands() if c.startswith("destroy")] == []
