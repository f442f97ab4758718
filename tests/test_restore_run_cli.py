"""`restore run | resume | status | rollback | cleanup` through the CLI, end to end against moto:
maintenance pipelines, rename, the in-process engine, verification and re-sync through the fake
Jenkins."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from automation.cli import app
from sccos_backup.restore.verify import differences
from tests.conftest import REGION, FakeClock, aws_state, make_instance, one_error_line
from tests.fake_jenkins import FakeJenkins
from tests.support.factory import FakeFactory
from tests.support.restore_cli import Cli, shop_with_pipelines

#: moto answered in process, except the two end-to-end runs marked aws_over_http: they keep
#: the real server, so the whole runbook (in place and swap) is still proven over HTTP.
pytestmark = pytest.mark.aws_in_process


@pytest.fixture
def shop(rds: Any, moto: str) -> dict[str, Any]:
    return shop_with_pipelines(rds, moto)


ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.aws_over_http
def test_run_in_place_end_to_end(
    moto: str, rds: Any, shop: Any, tmp_path: Path, jenkins: FakeJenkins
) -> None:
    cli = Cli(moto, tmp_path, jenkins)
    result = cli(
        "restore", "run", "shop", "--snapshot", "shop-nightly", "--maintenance", "prod", "--yes"
    )
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "Restore plan for shop" in out
    assert "+ vendor/bin/console sync:data" in out, "the Jenkins console is streamed"
    assert "downtime:" in out
    assert "restore cleanup shop" in out
    found = {d["DBInstanceIdentifier"]: d for d in rds.describe_db_instances()["DBInstances"]}
    assert found["shop"]["DbiResourceId"] != shop["DbiResourceId"]
    assert found["shop-pre-restore-202611251200"]["DbiResourceId"] == shop["DbiResourceId"]
    assert jenkins.token not in result.output

    status = cli("restore", "status", "shop", "--json")
    report = json.loads(status.stdout)
    assert report["finished"] is True
    assert {s["state"] for s in report["steps"]} == {"done"}


@pytest.mark.aws_over_http
def test_run_swap_json(
    moto: str, rds: Any, shop: Any, tmp_path: Path, jenkins: FakeJenkins
) -> None:
    cli = Cli(moto, tmp_path, jenkins)
    result = cli("restore", "run", "shop", "--latest", "--strategy", "swap", "--yes", "--json")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["strategy"] == "swap"
    assert [s["key"] for s in summary["steps"]] == [
        "up",
        "wait",
        "verify",
        "rename-original",
        "cut-over",
        "verify-final",
        "resync",
    ]
    assert summary["downtimeSeconds"] is not None
    restored = rds.describe_db_instances(DBInstanceIdentifier="shop")["DBInstances"][0]
    assert restored["DbiResourceId"] != shop["DbiResourceId"]


def test_interrupted_run_resumes_and_status_shows_where(
    moto: str, rds: Any, shop: Any, tmp_path: Path, jenkins: FakeJenkins
) -> None:
    cli = Cli(moto, tmp_path, jenkins)
    real_up = cli.engine.up

    def crashing_up(*args: Any, **kwargs: Any) -> Any:
        raise KeyboardInterrupt

    cli.engine.up = crashing_up  # type: ignore[method-assign]
    first = cli("restore", "run", "shop", "--snapshot", "shop-nightly", "--yes", "--no-resync")
    one_error_line(
        first,
        130,
        "interrupted; 'shop' is DOWN since 2026-11-25T12:00:15Z",
        "`sccos-backup restore resume shop` or `sccos-backup restore rollback shop`",
        progress=True,
    )
    cli.clock.sleep(600)
    status = cli("restore", "status", "shop")
    assert "at step 'up' (last done: 'rename-original')" in status.stdout
    assert "downtime: 10 min so far (down since 2026-11-25T12:00:15Z)" in status.stdout
    report = json.loads(cli("restore", "status", "shop", "--json").stdout)
    assert (report["currentStep"], report["downtimeSeconds"]) == ("up", 600)
    assert "[>] pulumi refresh + up" in status.stdout
    other = cli("restore", "run", "shop", "--latest", "--yes", "--no-resync")
    one_error_line(other, 3, "in progress", "restore resume")
    cli.engine.up = real_up  # type: ignore[method-assign]
    resumed = cli("restore", "resume", "shop", "--no-resync")
    assert resumed.exit_code == 0, resumed.output
    assert "done earlier" in resumed.stdout


def test_rollback_and_cleanup(
    moto: str, rds: Any, shop: Any, tmp_path: Path, jenkins: FakeJenkins
) -> None:
    cli = Cli(moto, tmp_path, jenkins)
    assert cli("restore", "run", "shop", "--snapshot", "shop-nightly", "--yes").exit_code == 0
    before = aws_state(rds)
    unforced = cli("restore", "rollback", "shop", "--yes")
    one_error_line(unforced, 3, "is finished", "--force")
    assert aws_state(rds) == before
    rolled = cli("restore", "rollback", "shop", "--yes", "--force")
    assert rolled.exit_code == 0, rolled.output
    assert "stay on 'shop-rolled-back-202611251200'" in rolled.stdout
    found = {d["DBInstanceIdentifier"]: d for d in rds.describe_db_instances()["DBInstances"]}
    assert found["shop"]["DbiResourceId"] == shop["DbiResourceId"]
    assert "shop-rolled-back-202611251200" in found
    nothing = cli("restore", "cleanup", "shop", "--yes")
    one_error_line(nothing, 3, "no finished restore")

    assert (
        cli(
            "restore", "run", "shop", "--snapshot", "shop-nightly", "--yes", "--stack", "second"
        ).exit_code
        == 0
    )
    before = aws_state(rds)
    declined = cli("restore", "cleanup", "shop", interactive=True, input="n\n")
    assert declined.exit_code == 10
    assert aws_state(rds) == before
    run_id = json.loads(cli("restore", "status", "shop", "--json").stdout)["run"]
    cleaned = cli("restore", "cleanup", "shop", "--yes", "--json")
    assert cleaned.exit_code == 0, cleaned.output
    report = json.loads(cleaned.stdout)
    assert report == {
        "schemaVersion": 1,
        "deleted": f"shop-pre-restore-{run_id}",
        "finalSnapshot": f"shop-pre-restore-{run_id}-final",
    }
    found = {d["DBInstanceIdentifier"]: d for d in rds.describe_db_instances()["DBInstances"]}
    assert report["deleted"] not in found
    assert found["shop"]["DbiResourceId"] != shop["DbiResourceId"]
    assert shop["DbiResourceId"] not in {d["DbiResourceId"] for d in found.values()}
    snapshots = {d["DBSnapshotIdentifier"] for d in rds.describe_db_snapshots()["DBSnapshots"]}
    assert report["finalSnapshot"] in snapshots


def test_a_rollback_from_another_backend_is_refused_before_it_asks(
    moto: str, rds: Any, shop: Any, tmp_path: Path
) -> None:
    cli = Cli(moto, tmp_path, None)

    def crashing_up(*args: Any, **kwargs: Any) -> Any:
        raise KeyboardInterrupt

    cli.engine.up = crashing_up  # type: ignore[method-assign]
    one, two = f"file://{tmp_path / 'one'}", f"file://{tmp_path / 'two'}"
    run = ("restore", "run", "shop", "--snapshot", "shop-nightly", "--yes", "--no-resync")
    assert cli(*run, "--backend-url", one).exit_code == 130
    before = aws_state(rds)
    asked = cli("restore", "rollback", "shop", "--backend-url", two, interactive=True, input="y\n")
    one_error_line(asked, 3, f"keeps its stack and lock in {one}", f"--backend-url {one}")
    assert "Roll back run" not in asked.output, "refused before the question, not after"
    assert aws_state(rds) == before


# -- refusals: one line, non-zero, nothing changed ----------------------------------------------


def refused(
    cli: Cli, rds: Any, args: list[str], code: int, *needles: str, interactive: bool = False
) -> None:
    before = aws_state(rds)
    result = cli(*args, interactive=interactive)
    one_error_line(result, code, *needles)
    assert aws_state(rds) == before
    assert not (cli.tmp_path / "state").exists() or not list((cli.tmp_path / "state").iterdir())


def test_without_a_pulumi_cli_one_clear_line(
    moto: str, rds: Any, shop: Any, tmp_path: Path, jenkins: FakeJenkins
) -> None:
    cli = Cli(moto, tmp_path, jenkins)
    cli.engine.available = False
    refused(
        cli,
        rds,
        ["restore", "run", "shop", "--snapshot", "shop-nightly", "--yes"],
        6,
        "no Pulumi CLI",
        "nothing was changed",
    )


def test_refuses_without_a_terminal_unless_yes(
    moto: str, rds: Any, shop: Any, tmp_path: Path, jenkins: FakeJenkins
) -> None:
    cli = Cli(moto, tmp_path, jenkins)
    refused(cli, rds, ["restore", "run", "shop", "--snapshot", "shop-nightly"], 2, "--yes")
    refused(cli, rds, ["restore", "rollback", "shop"], 2, "--yes")


def test_declined_confirmation_changes_nothing(
    moto: str, rds: Any, shop: Any, tmp_path: Path, jenkins: FakeJenkins
) -> None:
    cli = Cli(moto, tmp_path, jenkins)
    before = aws_state(rds)
    result = cli(
        "restore", "run", "shop", "--snapshot", "shop-nightly", interactive=True, input="n\n"
    )
    assert result.exit_code == 10, result.output
    assert aws_state(rds) == before


def test_refuses_missing_jenkins_settings_before_any_change(
    moto: str, rds: Any, shop: Any, tmp_path: Path
) -> None:
    cli = Cli(moto, tmp_path, None)
    refused(
        cli,
        rds,
        ["restore", "run", "shop", "--snapshot", "shop-nightly", "--yes"],
        2,
        "Jenkins is not configured",
    )


def test_refuses_missing_maintenance_pipelines(
    moto: str, rds: Any, shop: Any, tmp_path: Path, jenkins: FakeJenkins
) -> None:
    cli = Cli(moto, tmp_path, jenkins)
    refused(
        cli,
        rds,
        ["restore", "run", "shop", "--latest", "--maintenance", "staging", "--yes"],
        3,
        "Maintenance_",
    )


def test_refuses_every_precondition_before_any_change(
    moto: str, rds: Any, shop: Any, tmp_path: Path, jenkins: FakeJenkins
) -> None:
    cli = Cli(moto, tmp_path, jenkins)
    refused(
        cli, rds, ["restore", "run", "shop", "--snapshot", "nope", "--yes"], 3, "does not exist"
    )
    refused(cli, rds, ["restore", "run", "shop--x", "--latest", "--yes"], 2, "invalid")
    refused(cli, rds, ["restore", "resume", "shop", "--no-resync"], 3, "no restore run")
    refused(cli, rds, ["restore", "rollback", "shop", "--yes"], 3, "nothing to roll back")
    make_instance(rds, "shop-pre-restore-202611251200")
    refused(
        cli,
        rds,
        ["restore", "run", "shop", "--snapshot", "shop-nightly", "--yes"],
        3,
        "already in use",
    )


def test_verification_failure_is_reported(
    moto: str, rds: Any, shop: Any, tmp_path: Path, jenkins: FakeJenkins
) -> None:
    cli = Cli(moto, tmp_path, jenkins)
    cli.engine.drop_inputs = {"deletionProtection"}  # a provider that never sends it
    result = cli("restore", "run", "shop", "--snapshot", "shop-nightly", "--yes")
    one_error_line(result, 4, "DeletionProtection: declared True, found False", progress=True)
    restored = rds.describe_db_instances(DBInstanceIdentifier="shop")["DBInstances"][0]
    assert differences  # the library compares; the CLI reported the difference above
    assert restored["DeletionProtection"] is False


def test_rollback_can_delete_the_restored_instance_with_a_final_snapshot(
    moto: str, rds: Any, shop: Any, tmp_path: Path, jenkins: FakeJenkins
) -> None:
    cli = Cli(moto, tmp_path, jenkins)
    assert cli("restore", "run", "shop", "--latest", "--yes", "--no-resync").exit_code == 0
    restored_id = rds.describe_db_instances(DBInstanceIdentifier="shop")["DBInstances"][0][
        "DbiResourceId"
    ]
    rolled = cli("restore", "rollback", "shop", "--delete-restored", "--yes", "--force", "--json")
    assert rolled.exit_code == 0, rolled.output
    found = {d["DBInstanceIdentifier"]: d for d in rds.describe_db_instances()["DBInstances"]}
    assert found["shop"]["DbiResourceId"] == shop["DbiResourceId"]
    assert restored_id not in {d["DbiResourceId"] for d in found.values()}
    snapshots = {d["DBSnapshotIdentifier"] for d in rds.describe_db_snapshots()["DBSnapshots"]}
    assert any(s.startswith("shop-rolled-back-") and s.endswith("-final") for s in snapshots)
    assert "restored instance deleted" in rolled.stdout


def test_a_stale_lock_refuses_a_run_until_unlock_breaks_it(
    moto: str, rds: Any, shop: Any, tmp_path: Path
) -> None:
    import os

    from sccos_backup.objects import FolderStore
    from sccos_backup.restore.lock import DatabaseLock, lock_scope

    state = Path(os.environ["XDG_DATA_HOME"]) / "sccos-backup" / "state"
    stale = DatabaseLock(
        FolderStore(state), backend="x", clock=FakeClock(), holder="alice@laptop pid 42"
    )
    stale.acquire("shop", lock_scope(shop["DBInstanceArn"]), "restore run", "202611251100")
    cli = Cli(moto, tmp_path, None)
    before = aws_state(rds)
    refused = cli("restore", "run", "shop", "--snapshot", "shop-nightly", "--yes", "--no-resync")
    one_error_line(refused, 3, "locked by alice@laptop pid 42", "restore unlock shop")
    assert aws_state(rds) == before

    unconfirmed = cli("restore", "unlock", "shop")
    one_error_line(unconfirmed, 2, "--yes")
    declined = cli("restore", "unlock", "shop", interactive=True, input="n\n")
    assert declined.exit_code == 10
    assert "alice@laptop pid 42 (restore run for run 202611251100) since" in declined.stderr
    unlocked = cli("restore", "unlock", "shop", "--yes")
    assert unlocked.exit_code == 0, unlocked.output
    assert "lock of 'shop' removed" in unlocked.stdout
    again = cli("restore", "unlock", "shop", "--yes")
    assert "'shop' is not locked" in again.stdout
    ran = cli("restore", "run", "shop", "--snapshot", "shop-nightly", "--yes", "--no-resync")
    assert ran.exit_code == 0, ran.output


def test_rollback_works_outside_the_project_folder_and_without_a_passphrase(
    moto: str, rds: Any, shop: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cli = Cli(moto, tmp_path, None)

    def interrupted(*args: Any, **kwargs: Any) -> Any:
        raise KeyboardInterrupt

    cli.engine.up = interrupted  # type: ignore[method-assign]
    first = cli("restore", "run", "shop", "--snapshot", "shop-nightly", "--yes", "--no-resync")
    assert first.exit_code == 130
    elsewhere = tmp_path / "not-a-project"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    monkeypatch.delenv("PULUMI_CONFIG_PASSPHRASE", raising=False)
    monkeypatch.delenv("PULUMI_CONFIG_PASSPHRASE_FILE", raising=False)
    context = FakeFactory(clock=cli.clock, sleep=cli.clock.sleep, interactive=False)
    rolled = CliRunner().invoke(
        app,
        ["--endpoint-url", moto, "--region", REGION, "restore", "rollback", "shop", "--yes"],
        obj=context,
    )
    assert rolled.exit_code == 0, rolled.output
    found = {d["DBInstanceIdentifier"]: d for d in rds.describe_db_instances()["DBInstances"]}
    assert found["shop"]["DbiResourceId"] == shop["DbiResourceId"]
    line = next(x for x in rolled.stdout.splitlines() if "not refreshed" in x)
    assert "PULUMI_CONFIG_PASSPHRASE" in line
    assert "PULUMI_BACKEND_URL=file://" in line and "pulumi refresh --stack restore-shop-" in line


def test_every_problem_before_the_first_change_is_reported_at_once(
    moto: str, rds: Any, shop: Any, tmp_path: Path
) -> None:
    cli = Cli(moto, tmp_path, None)  # no Jenkins settings, and a typo in the snapshot name
    before = aws_state(rds)
    result = cli("restore", "run", "shop", "--snapshot", "shop-nighty", "--yes")
    one_error_line(result, 3, "2 problems", "shop-nighty", "JENKINS_URL")
    assert aws_state(rds) == before


def test_a_resumed_run_follows_a_resync_already_running(
    moto: str, rds: Any, shop: Any, tmp_path: Path, jenkins: FakeJenkins
) -> None:
    from sccos_backup.jenkins.jobxml import ShellJob, freestyle_config
    from sccos_backup.resync.job import JOB_DESCRIPTION
    from tests.fake_jenkins import BuildPlan, FakeBuild

    job = "sccos-backup-sync-data"
    cli = Cli(moto, tmp_path, jenkins)
    real_up = cli.engine.up

    def interrupted(*args: Any, **kwargs: Any) -> Any:
        raise KeyboardInterrupt

    cli.engine.up = interrupted  # type: ignore[method-assign]
    assert cli("restore", "run", "shop", "--snapshot", "shop-nightly", "--yes").exit_code == 130
    cli.engine.up = real_up  # type: ignore[method-assign]
    config = freestyle_config(
        ShellJob("vendor/bin/console sync:data\n"), description=JOB_DESCRIPTION
    )
    jenkins.add_job(job, config)
    jenkins.builds[job] = [FakeBuild(job, 1, BuildPlan())]  # a sync:data already running
    resumed = cli("restore", "resume", "shop")
    assert resumed.exit_code == 0, resumed.output
    assert len(jenkins.builds[job]) == 1, "no second sync:data build was started"
    assert not [c for c in jenkins.calls("POST") if "/build" in c.path]


def test_an_interrupted_rollback_says_to_roll_back_again_and_leaves_no_lock(
    moto: str, rds: Any, shop: Any, tmp_path: Path
) -> None:
    cli = Cli(moto, tmp_path, None)
    real_up, real_outputs = cli.engine.up, cli.engine.outputs

    def interrupted(*args: Any, **kwargs: Any) -> Any:
        raise KeyboardInterrupt

    cli.engine.up = interrupted  # type: ignore[method-assign]
    first = cli("restore", "run", "shop", "--snapshot", "shop-nightly", "--yes", "--no-resync")
    assert first.exit_code == 130
    cli.engine.up = real_up  # type: ignore[method-assign]
    cli.engine.outputs = interrupted  # type: ignore[method-assign]
    stopped = cli("restore", "rollback", "shop", "--yes")
    one_error_line(
        stopped, 130, "rollback of 'shop'", "restore rollback shop` again", progress=True
    )
    assert "restore resume" not in stopped.stderr
    cli.engine.outputs = real_outputs  # type: ignore[method-assign]
    again = cli("restore", "rollback", "shop", "--yes")
    assert again.exit_code == 0, again.output
