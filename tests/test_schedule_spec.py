"""The schedule stack file: written by capture, read back by the program, declared exactly."""

from __future__ import annotations

import json
import runpy
import shutil
from pathlib import Path
from typing import Any

import pulumi
import pytest
import yaml

from sccos_backup.errors import InvalidInput
from sccos_backup.schedule.event import Selection, TagSelector
from sccos_backup.schedule.spec import PROJECT, ScheduleSpec
from sccos_backup.schedule.stackfile import (
    read_schedule_spec,
    stack_config,
    write_schedule_file,
)
from tests.support.schedule_mocks import SCHEDULE, install

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def project(tmp_path: Path) -> Path:
    shutil.copy(ROOT / "schedule" / "Pulumi.yaml", tmp_path / "Pulumi.yaml")
    return tmp_path


def test_the_record_round_trips_and_keeps_foreign_keys(project: Path) -> None:
    spec = ScheduleSpec(
        Selection(tag=TagSelector("sccos:project", "shop")),
        keep_hours=72,
        alarm_email="ops@example.com",
    )
    (project / "Pulumi.fleet.yaml").write_text(
        yaml.safe_dump(
            {
                "encryptionsalt": "v1:abc",
                "config": {"other:key": "kept", f"{PROJECT}:databases": ["stale"]},
            }
        )
    )
    write_schedule_file(project, "fleet", stack_config(spec, region="eu-central-1"))
    assert read_schedule_spec(project, "fleet") == spec
    document = yaml.safe_load((project / "Pulumi.fleet.yaml").read_text())
    assert document["encryptionsalt"] == "v1:abc"
    assert document["config"] == {
        "other:key": "kept",
        "aws:region": "eu-central-1",
        f"{PROJECT}:tag": "sccos:project=shop",
        f"{PROJECT}:keepHours": 72,
        f"{PROJECT}:maxHourlyAgeMinutes": 75,
        f"{PROJECT}:alarmEmail": "ops@example.com",
    }


def test_a_folder_that_is_not_the_schedule_project_is_refused(tmp_path: Path) -> None:
    spec = ScheduleSpec(Selection(databases=("shop",)))
    with pytest.raises(InvalidInput, match=r"no Pulumi\.yaml"):
        write_schedule_file(tmp_path, "fleet", stack_config(spec))
    shutil.copy(ROOT / "Pulumi.yaml", tmp_path / "Pulumi.yaml")  # the restore project
    with pytest.raises(InvalidInput, match="is project 'sccos-backup', not"):
        write_schedule_file(tmp_path, "fleet", stack_config(spec))
    assert not (tmp_path / "Pulumi.fleet.yaml").exists()


@pytest.mark.parametrize(
    ("values", "needle"),
    [
        ({}, "lacks sccos-backup-schedule:databases or"),
        ({"databases": ["shop"], "tag": "a=b"}, "not both"),
        ({"databases": ["shop"], "keepHours": 0}, "at least 1"),
        ({"databases": ["shop"], "alarmEmail": "nobody"}, "not an e-mail address"),
        ({"databases": ["shop"], "alarmTopicArn": "arn:aws:sqs:x"}, "not an SNS topic ARN"),
    ],
)
def test_a_bad_record_is_one_clear_line(values: dict[str, Any], needle: str) -> None:
    with pytest.raises(InvalidInput) as raised:
        ScheduleSpec.from_config(values)
    assert needle in str(raised.value)


@pulumi.runtime.test
def test_the_program_declares_exactly_the_stack_file(project: Path) -> Any:
    spec = ScheduleSpec(Selection(databases=("shop-de", "shop-at", "shop-ch")))
    write_schedule_file(project, "fleet", stack_config(spec, region="eu-central-1"))
    config = yaml.safe_load((project / "Pulumi.fleet.yaml").read_text())["config"]
    mocks = install()
    pulumi.runtime.set_all_config(
        {k: v if isinstance(v, str) else json.dumps(v) for k, v in config.items()}
    )
    namespace = runpy.run_path(str(ROOT / "schedule" / "__main__.py"))
    schedule = namespace["schedule"]
    assert namespace["artifact"].path == ROOT / "schedule" / "build" / "function.zip"

    def check(_: Any) -> None:
        rotate = next(r for r in mocks.of_type(SCHEDULE) if r.name.endswith("-rotate"))
        event = json.loads(rotate.inputs["target"]["input"])
        assert event["databases"] == ["shop-de", "shop-at", "shop-ch"]
        assert event["stack"] == "fleet"

    return pulumi.Output.all(schedule.function.arn, rotate_arn(schedule)).apply(check)


def rotate_arn(schedule: Any) -> Any:
    return pulumi.Output.all(*[s.arn for s in schedule.schedules.values()])
