"""`sccos-backup schedule capture | preview | up | destroy` through the CLI.

capture runs against moto; preview/up/destroy against a recording driver, and once against the
real engine on a machine without a Pulumi CLI (the clean stop the restore has too).
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any
from urllib.error import URLError

import pytest
import yaml
from pulumi.automation import PulumiCommand
from typer.testing import CliRunner

from automation.cli import app
from sccos_backup.schedule.spec import PROJECT, ScheduleSpec
from tests.conftest import make_instance, one_error_line
from tests.support.factory import FakeFactory

pytestmark = pytest.mark.aws_in_process

ROOT = Path(__file__).resolve().parent.parent
TAG = {"Key": "sccos:project", "Value": "shop"}


class RecordingDriver:
    def __init__(self) -> None:
        self.calls: list[tuple[str, str, ScheduleSpec | None]] = []

    def ensure_ready(self) -> None:
        pass

    def preview(self, stack: str, spec: ScheduleSpec, on_output: Any) -> int:
        self.calls.append(("preview", stack, spec))
        on_output("Previewing update (fleet):\n")
        return 16

    def up(self, stack: str, spec: ScheduleSpec, on_output: Any) -> dict[str, Any]:
        self.calls.append(("up", stack, spec))
        return {"functionName": f"sccos-backup-{stack}-fn"}

    def destroy(self, stack: str, on_output: Any) -> None:
        self.calls.append(("destroy", stack, None))


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    work_dir = tmp_path / "schedule"
    work_dir.mkdir()
    shutil.copy(ROOT / "schedule" / "Pulumi.yaml", work_dir / "Pulumi.yaml")
    return work_dir


def run(args: list[str], obj: FakeFactory | None = None) -> Any:
    return CliRunner().invoke(app, args, obj=obj or FakeFactory(interactive=False))


def test_capture_by_tag_checks_the_databases_and_writes_the_record(
    moto: str, rds: Any, folder: Path
) -> None:
    for name in ("shop-de", "shop-at"):
        make_instance(rds, name, Tags=[TAG])
    make_instance(rds, "blog")
    result = run(
        ["--endpoint-url", moto, "schedule", "capture", "--stack", "fleet",
         "--tag", "sccos:project=shop", "--alarm-email", "ops@example.com",
         "--work-dir", str(folder)]
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "shop-at, shop-de today" in result.stdout
    config = yaml.safe_load((folder / "Pulumi.fleet.yaml").read_text())["config"]
    assert config[f"{PROJECT}:tag"] == "sccos:project=shop"
    assert config[f"{PROJECT}:alarmEmail"] == "ops@example.com"
    assert config["aws:region"] == "eu-central-1"


@pytest.mark.parametrize(
    ("args", "code", "needle"),
    [
        (["--tag", "sccos:project=nothing", "--no-alarm-actions"], 3, "carries the tag"),
        (["--db", "shop-de", "--db", "gone", "--no-alarm-actions"], 3, "'gone' does not exist"),
        (["--db", "shop-de", "--tag", "a=b"], 2, "not both"),
        ([], 2, "no databases chosen"),
        (["--db", "shop-de", "--keep-hours", "0"], 2, "--keep-hours"),
        (["--db", "shop-de", "--alarm-email", "nobody"], 2, "e-mail"),
    ],
)
def test_capture_refusals_are_one_line_and_write_nothing(
    moto: str, rds: Any, folder: Path, args: list[str], code: int, needle: str
) -> None:
    make_instance(rds, "shop-de", Tags=[TAG])
    result = run(
        ["--endpoint-url", moto, "schedule", "capture", "--stack", "fleet",
         "--work-dir", str(folder), *args]
    )  # fmt: skip
    one_error_line(result, code, needle)
    assert not (folder / "Pulumi.fleet.yaml").exists()


def test_alarms_need_a_destination_or_a_deliberate_no(moto: str, rds: Any, folder: Path) -> None:
    make_instance(rds, "shop-de", Tags=[TAG])
    base = ["--endpoint-url", moto, "schedule", "capture", "--stack", "fleet",
            "--db", "shop-de", "--work-dir", str(folder)]  # fmt: skip
    one_error_line(run(base), 2, "--alarm-email ADDR or --alarm-topic-arn ARN, or --no-alarm")
    assert not (folder / "Pulumi.fleet.yaml").exists()
    both = [*base, "--alarm-email", "ops@example.com", "--no-alarm-actions"]
    one_error_line(run(both), 2, "contradicts")
    quiet = run([*base, "--no-alarm-actions"])
    assert quiet.exit_code == 0, quiet.output
    assert "notify no one" in quiet.stderr
    assert (folder / "Pulumi.fleet.yaml").exists()


def test_a_sharded_rotation_is_recorded(moto: str, rds: Any, folder: Path) -> None:
    make_instance(rds, "shop-de", Tags=[TAG])
    result = run(
        ["--endpoint-url", moto, "schedule", "capture", "--stack", "fleet", "--db", "shop-de",
         "--alarm-email", "ops@example.com", "--rotate-shards", "4", "--work-dir", str(folder)]
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    config = yaml.safe_load((folder / "Pulumi.fleet.yaml").read_text())["config"]
    assert config[f"{PROJECT}:rotateShards"] == 4
    bad = run(
        ["--endpoint-url", moto, "schedule", "capture", "--stack", "other", "--db", "shop-de",
         "--alarm-email", "ops@example.com", "--rotate-shards", "99", "--work-dir", str(folder)]
    )  # fmt: skip
    one_error_line(bad, 2, "--rotate-shards must be 1 to 24")


def test_a_bad_stack_name_or_folder_is_refused(tmp_path: Path) -> None:
    one_error_line(run(["schedule", "preview", "--stack", "../up"]), 2, "stack name")
    one_error_line(
        run(["schedule", "preview", "--stack", "fleet", "--work-dir", str(tmp_path)]),
        2,
        "no Pulumi.yaml",
    )


def _captured(folder: Path) -> None:
    (folder / "Pulumi.fleet.yaml").write_text(
        yaml.safe_dump({"config": {f"{PROJECT}:databases": ["shop-de", "shop-at"]}})
    )


def test_preview_up_and_destroy_drive_the_recorded_spec(folder: Path) -> None:
    _captured(folder)
    driver = RecordingDriver()
    context = FakeFactory(interactive=False, schedule_engine=driver)
    preview = run(["schedule", "preview", "--stack", "fleet", "--work-dir", str(folder)], context)
    assert preview.exit_code == 0, preview.output
    assert "16 resource(s) would change on stack fleet" in preview.stdout
    up = run(["schedule", "up", "--stack", "fleet", "--work-dir", str(folder), "--yes"], context)
    assert up.exit_code == 0, up.output
    assert "functionName: sccos-backup-fleet-fn" in up.stdout
    # without --yes and without a terminal: refused before anything is contacted
    refused = run(["schedule", "destroy", "--stack", "fleet", "--work-dir", str(folder)], context)
    one_error_line(refused, 2, "--yes")
    destroy = run(
        ["schedule", "destroy", "--stack", "fleet", "--work-dir", str(folder), "--yes"], context
    )
    assert destroy.exit_code == 0, destroy.output
    assert [(c[0], c[1]) for c in driver.calls] == [
        ("preview", "fleet"),
        ("up", "fleet"),
        ("destroy", "fleet"),
    ]
    spec = driver.calls[0][2]
    assert spec is not None and spec.selection.databases == ("shop-de", "shop-at")


def test_preview_of_a_stack_never_captured_says_how(folder: Path) -> None:
    context = FakeFactory(interactive=False, schedule_engine=RecordingDriver())
    result = run(["schedule", "preview", "--stack", "fleet", "--work-dir", str(folder)], context)
    one_error_line(result, 2, "schedule capture --stack fleet")


def test_without_a_pulumi_cli_the_stop_is_one_line_and_nothing_is_written(
    folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _captured(folder)
    before = (folder / "Pulumi.fleet.yaml").read_text()
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("PULUMI_CONFIG_PASSPHRASE", "correct horse battery staple")

    downloads: list[Any] = []

    def refuse(cls: type, /, root: str | None = None, version: Any = None, **_: Any) -> None:
        downloads.append(version)
        raise URLError("name resolution failed")

    monkeypatch.setattr(PulumiCommand, "install", classmethod(refuse))
    result = run(["schedule", "up", "--stack", "fleet", "--work-dir", str(folder), "--yes"])
    one_error_line(result, 6, "no usable Pulumi CLI", "sccos-backup engine install", progress=True)
    assert downloads == [], "schedule up never downloads the engine"
    assert "correct horse" not in result.output
    assert (folder / "Pulumi.fleet.yaml").read_text() == before
    assert not (folder / "build").exists()


def test_a_missing_passphrase_is_refused_before_the_engine(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _captured(folder)
    monkeypatch.delenv("PULUMI_CONFIG_PASSPHRASE", raising=False)
    monkeypatch.delenv("PULUMI_CONFIG_PASSPHRASE_FILE", raising=False)
    result = run(["schedule", "preview", "--stack", "fleet", "--work-dir", str(folder)])
    one_error_line(result, 2, "PULUMI_CONFIG_PASSPHRASE")
