"""What a colleague on the same host must not read is the owner's alone: state folders, locks,
stack files, saved Jenkins configs and drill reports are 0700 folders and 0600 files whatever
the umask (it was 0755/0644)."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from sccos_backup.drill.history import ReportStore
from sccos_backup.objects import FolderStore
from sccos_backup.restore.stackfile import write_stack_file

pytestmark = pytest.mark.aws_in_process


@pytest.fixture(autouse=True)
def wide_umask() -> Iterator[None]:
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_lock_and_its_folder_are_private(tmp_path: Path) -> None:
    folder = tmp_path / "state" / ".locks"
    assert FolderStore(folder).create("restore-shop", b"{}")
    assert mode(folder) == 0o700
    assert mode(folder / "restore-shop") == 0o600


def test_a_stack_file_is_private(tmp_path: Path) -> None:
    tmp_path.chmod(0o755)
    (tmp_path / "Pulumi.yaml").write_text("name: sccos-backup\nruntime: python\n")
    path = write_stack_file(tmp_path, "restore-shop-1", {"aws:region": "eu-central-1"})
    assert mode(path) == 0o600
    assert mode(tmp_path) == 0o755, "the project folder is the user's: left as it is"


def test_a_drill_report_and_a_new_reports_folder_are_private(tmp_path: Path) -> None:
    store = ReportStore(FolderStore(tmp_path / "reports", narrow=False))
    written = Path(store.write("shop-drill-1.json", "{}"))
    assert mode(written) == 0o600
    assert mode(tmp_path / "reports") == 0o700


def test_a_saved_jenkins_config_is_private(tmp_path: Path) -> None:
    from sccos_backup.resync.job import _save_previous

    saved = _save_previous(tmp_path / "saved", "sync-data", "<project/>")
    assert mode(saved) == 0o600
    assert mode(tmp_path / "saved") == 0o700


@pytest.mark.parametrize("how", ["variable", "file"])
def test_an_empty_passphrase_is_refused(
    how: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An empty passphrase encrypts the stack's secrets with nothing."""
    from automation.commands.factory import passphrase
    from sccos_backup import errors

    monkeypatch.delenv("PULUMI_CONFIG_PASSPHRASE", raising=False)
    monkeypatch.delenv("PULUMI_CONFIG_PASSPHRASE_FILE", raising=False)
    if how == "variable":
        monkeypatch.setenv("PULUMI_CONFIG_PASSPHRASE", "")
    else:
        empty = tmp_path / "passphrase"
        empty.write_text("\n")
        monkeypatch.setenv("PULUMI_CONFIG_PASSPHRASE_FILE", str(empty))
    with pytest.raises(errors.InvalidInput, match="empty"):
        passphrase()
    monkeypatch.setenv("PULUMI_CONFIG_PASSPHRASE", "correct horse")
    monkeypatch.delenv("PULUMI_CONFIG_PASSPHRASE_FILE", raising=False)
    assert passphrase() == "correct horse"


# -- drill report redaction ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ('{"user": "app", "password": "hunter2-json"}', "hunter2-json"),
        ("{'db_password': 'hunter2-dict'}", "hunter2-dict"),
        ("mysql -uapp -phunter2-flag -h copy shop", "hunter2-flag"),
        ("psql postgresql://app:hunter2-url@copy:5432/shop", "hunter2-url"),
        ("curl https://hunter2-token@api.example/check", "hunter2-token"),
        ("PGPASSWORD=hunter2-assign psql", "hunter2-assign"),
        ("connected with hunter2-env-value as password", "hunter2-env-value"),
    ],
)
def test_a_drill_report_hides_passwords_in_every_usual_form(
    text: str, secret: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sccos_backup.drill.report import CheckResult

    monkeypatch.setenv("DRILL_DB_PASSWORD", "hunter2-env-value")  # our own environment's
    result = CheckResult(command=text, exit_code=0, seconds=1.0, output_tail=text).as_dict()
    assert secret not in result["command"] and secret not in result["output_tail"], result
    assert "***" in result["command"]


def test_redaction_keeps_what_is_not_a_secret() -> None:
    from sccos_backup.redaction import redact

    text = "psql -p5432 -h copy -c 'select count(*) from spy_order'"
    assert redact(text) == text


def test_the_state_folder_a_run_writes_is_private_all_the_way_down(
    moto: str, rds: object, tmp_path: Path
) -> None:
    """The default file:// backend (the data folder's state) holds the lock and the recorded
    plan of every run: each folder in it 0700, each file 0600, under a 022 umask."""
    from tests.conftest import make_instance
    from tests.support.restore_cli import Cli

    make_instance(rds)
    rds.create_db_snapshot(  # type: ignore[attr-defined]
        DBInstanceIdentifier="shop", DBSnapshotIdentifier="shop-nightly"
    )
    cli = Cli(moto, tmp_path, None)
    result = cli("restore", "run", "shop", "--snapshot", "shop-nightly", "--no-resync", "--yes")
    assert result.exit_code == 0, result.output
    state = Path(os.environ["XDG_DATA_HOME"]) / "sccos-backup" / "state"
    files = [p for p in state.rglob("*") if p.is_file()]
    assert files, "the run recorded its plan in the state folder"
    wide = [
        f"{p.relative_to(state.parent)} {oct(mode(p))}"
        for p in [state, *state.rglob("*")]
        if mode(p) != (0o700 if p.is_dir() else 0o600)
    ]
    assert wide == []


def test_the_engine_narrows_a_state_folder_left_wide(tmp_path: Path) -> None:
    from automation.engine.automation_api import PROJECT, AutomationEngine
    from sccos_backup import errors
    from sccos_backup.restore.stackfile import AwsTarget

    project = tmp_path / "project"
    project.mkdir()
    (project / "Pulumi.yaml").write_text(f"name: {PROJECT}\nruntime: python\n")
    state = tmp_path / "data" / "state"
    state.mkdir(parents=True, mode=0o755)
    engine = AutomationEngine(
        work_dir=project,
        backend_url=None,
        passphrase="correct horse",
        aws=AwsTarget("eu-central-1", None, None),
        data_dir=tmp_path / "data",
    )
    with pytest.raises(errors.SccosBackupError):
        engine.ensure_ready()  # no Pulumi CLI here: after the folder is prepared
    assert mode(state) == 0o700


def test_doctor_refuses_an_empty_passphrase_as_run_does(tmp_path: Path) -> None:
    from automation.doctor.pulumi import PulumiTarget, passphrase_check

    target = PulumiTarget(
        data_dir=tmp_path, work_dir=tmp_path, backend_url="file:///x", stack_prefix="restore-"
    )
    empty_file = tmp_path / "passphrase"
    empty_file.write_text("\n")
    for env in (
        {"PULUMI_CONFIG_PASSPHRASE": ""},
        {"PULUMI_CONFIG_PASSPHRASE_FILE": str(empty_file)},
    ):
        check = passphrase_check(None, target, env)
        assert check.status == "failed" and "empty" in check.detail, (env, check)
