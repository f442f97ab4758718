"""What runs is what was shown: the recorded plan is carried out, never a re-capture."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from sccos_backup.restore.plan import Strategy
from sccos_backup.restore.source import SourceChoice
from sccos_backup.restore.verify import differences
from tests.conftest import FakeClock
from tests.support.restore_cli import Cli
from tests.support.world import World, crashed, instances

pytestmark = pytest.mark.aws_in_process


def test_resume_after_a_hand_change_on_the_parked_original_restores_the_approved_settings(
    moto: str, rds: Any, original: dict[str, Any], tmp_path: Path
) -> None:
    clock = FakeClock()
    plan = crashed(World(moto, tmp_path / "state", clock), "rename-original")
    rds.modify_db_instance(
        DBInstanceIdentifier=plan.names.aside,
        DBInstanceClass="db.t3.micro",
        MultiAZ=False,
        BackupRetentionPeriod=0,
        ApplyImmediately=True,
    )
    parked = instances(rds)[plan.names.aside]
    assert (parked["DBInstanceClass"], parked["MultiAZ"], parked["BackupRetentionPeriod"]) == (
        "db.t3.micro",
        False,
        0,
    ), "moto applied the hand change"
    second = World(moto, tmp_path / "state", clock)
    lines: list[str] = []
    second.runbook.callbacks.notify = lines.append
    summary = second.runbook.resume("shop")
    restored = instances(rds)["shop"]
    assert differences(plan.spec.settings, restored) == []
    assert restored["DBInstanceClass"] == "db.t3.medium"
    assert restored["MultiAZ"] is True
    assert restored["BackupRetentionPeriod"] == 5
    report = "\n".join(lines)
    assert plan.names.aside in report and "DBInstanceClass" in report, report
    assert "db.t3.micro" in report and "never applied" in report, report
    assert any("DBInstanceClass" in w for w in summary.as_dict()["warnings"])


def test_plan_run_and_status_show_the_same_steps_and_source(
    moto: str, rds: Any, tmp_path: Path
) -> None:
    from tests.conftest import make_instance

    make_instance(rds)
    cli = Cli(moto, tmp_path, None)
    shown = cli("restore", "plan", "shop", "--latest", "--no-resync", "--json")
    assert shown.exit_code == 0, shown.output
    planned = json.loads(shown.stdout)
    titles = [s["title"] for s in planned["steps"] if s["key"] != "preconditions"]
    run = cli("restore", "run", "shop", "--latest", "--no-resync", "--yes")
    assert run.exit_code == 0, run.output
    ran = [line[3:] for line in run.stdout.splitlines() if line.startswith("-> ")]
    assert ran == titles
    assert f"  source:      {planned['source']['description']}" in run.stdout
    status = json.loads(cli("restore", "status", "shop", "--json").stdout)
    assert [s["title"] for s in status["steps"]] == [s["title"] for s in planned["steps"]]
    assert status["source"] == planned["source"]["description"]


def test_an_original_changed_since_the_plan_is_refused_with_the_diff_before_any_change(
    moto: str, rds: Any, original: dict[str, Any], tmp_path: Path
) -> None:
    from sccos_backup import errors
    from tests.conftest import aws_state

    world = World(moto, tmp_path / "state", FakeClock())
    plan = world.plan(Strategy.IN_PLACE, SourceChoice(snapshot="shop-nightly"))
    world.runbook.check_can_start(plan)
    rds.modify_db_instance(
        DBInstanceIdentifier="shop", BackupRetentionPeriod=1, ApplyImmediately=True
    )
    before = aws_state(rds)
    with pytest.raises(errors.OriginalChanged, match="BackupRetentionPeriod") as refused:
        world.runbook.start(plan)
    assert refused.value.details == ("BackupRetentionPeriod: approved 5, now 1",)
    assert aws_state(rds) == before
    assert world.runbook.active_run("shop") is None


def test_plan_out_then_run_plan_carries_out_the_saved_plan(
    moto: str, rds: Any, tmp_path: Path
) -> None:
    from tests.conftest import make_instance

    make_instance(rds, MultiAZ=True)
    rds.create_db_snapshot(DBInstanceIdentifier="shop", DBSnapshotIdentifier="shop-nightly")
    cli = Cli(moto, tmp_path, None)
    path = tmp_path / "plan.json"
    shown = cli(
        "restore", "plan", "shop", "--snapshot", "shop-nightly", "--no-resync", "--out", str(path)
    )
    assert shown.exit_code == 0, shown.output
    saved = json.loads(path.read_text())
    assert saved["schemaVersion"] == 1
    assert saved["fingerprint"]["original"]["dbiResourceId"] == "db-SHOP0000000000000000000000"
    assert saved["fingerprint"]["original"]["settingsDigest"].startswith("sha256:")
    assert saved["fingerprint"]["source"]["snapshotArn"].endswith(":snapshot:shop-nightly")
    assert f"restore run --plan {path}" in shown.stdout
    cli.clock.sleep(600)  # the run starts ten minutes later: the plan's names still hold
    run = cli("restore", "run", "--plan", str(path), "--yes", "--json")
    assert run.exit_code == 0, run.output
    found = instances(rds)
    assert saved["names"]["aside"] in found and "shop" in found
    assert found["shop"]["MultiAZ"] is True
    assert json.loads(run.stdout)["stack"] == saved["stack"]


def test_run_plan_refuses_a_drifted_original_with_the_diff_and_edited_plans(
    moto: str, rds: Any, tmp_path: Path
) -> None:
    from tests.conftest import aws_state, make_instance

    make_instance(rds)
    rds.create_db_snapshot(DBInstanceIdentifier="shop", DBSnapshotIdentifier="shop-nightly")
    cli = Cli(moto, tmp_path, None)
    path = tmp_path / "plan.json"
    made = cli(
        "restore", "plan", "shop", "--snapshot", "shop-nightly", "--no-resync", "--out", str(path)
    )
    assert made.exit_code == 0, made.output
    rds.modify_db_instance(
        DBInstanceIdentifier="shop", BackupRetentionPeriod=1, ApplyImmediately=True
    )
    before = aws_state(rds)
    run = cli("restore", "run", "--plan", str(path), "--no-resync", "--yes")
    assert run.exit_code == 2, run.output
    assert "--no-resync cannot be combined with --plan" in run.stderr
    run = cli("restore", "run", "--plan", str(path), "--yes")
    assert run.exit_code == 3, run.output
    lines = run.stderr.strip().splitlines()
    assert lines[0].startswith("error: 'shop' changed since the plan was approved"), lines
    assert "BackupRetentionPeriod" in lines[0]
    assert lines[1:] == ["  BackupRetentionPeriod: approved 5, now 1"]
    assert aws_state(rds) == before
    edited = json.loads(path.read_text())
    edited["settings"]["DBInstanceClass"] = "db.t3.micro"
    path.write_text(json.dumps(edited))
    run = cli("restore", "run", "--plan", str(path), "--yes")
    assert run.exit_code == 2 and "the file was edited" in run.stderr, run.output
    assert aws_state(rds) == before


@pytest.mark.parametrize("json_mode", [False, True], ids=["human", "json"])
def test_a_snapshot_of_another_database_is_refused_unless_named(
    moto: str, rds: Any, tmp_path: Path, json_mode: bool
) -> None:
    from tests.conftest import aws_state, make_instance, one_error_line

    make_instance(rds, "shop")
    make_instance(rds, "shop-us")
    rds.create_db_snapshot(DBInstanceIdentifier="shop-us", DBSnapshotIdentifier="shop-us-nightly")
    cli = Cli(moto, tmp_path, None)
    mode = ["--json"] if json_mode else []
    before = aws_state(rds)
    for command in ("plan", "run"):
        extra = ["--yes", "--no-resync"] if command == "run" else []
        refused = cli("restore", command, "shop", "--snapshot", "shop-us-nightly", *extra, *mode)
        one_error_line(
            refused,
            3,
            "'shop-us'",
            "db-SHOPUS00000000000000000000",
            "'shop' (db-SHOP0000000000000000000000)",
            "--from-database",
        )
    assert aws_state(rds) == before
    named = ["--from-database", "shop-us", "--yes", "--no-resync", "--json"]
    run = cli("restore", "run", "shop", "--snapshot", "shop-us-nightly", *named)
    assert run.exit_code == 0, run.output
    warnings = json.loads(run.stdout)["warnings"]
    assert any("'shop-us'" in w and "--from-database" in w for w in warnings), warnings


def test_a_snapshot_of_an_earlier_incarnation_restores_without_naming_it(
    moto: str, rds: Any, tmp_path: Path
) -> None:
    from tests.conftest import make_instance

    make_instance(rds)
    rds.create_db_snapshot(DBInstanceIdentifier="shop", DBSnapshotIdentifier="shop-nightly")
    cli = Cli(moto, tmp_path, None)
    first = cli("restore", "run", "shop", "--snapshot", "shop-nightly", "--no-resync", "--yes")
    assert first.exit_code == 0, first.output
    assert instances(rds)["shop"]["DbiResourceId"] != "db-SHOP0000000000000000000000"
    cleaned = cli("restore", "cleanup", "shop", "--yes")
    assert cleaned.exit_code == 0, cleaned.output
    cli.clock.sleep(3600)
    again = cli("restore", "plan", "shop", "--snapshot", "shop-nightly", "--no-resync", "--json")
    assert again.exit_code == 0, again.output
    plan = json.loads(again.stdout)
    assert plan["lineage"] == ["db-SHOP0000000000000000000000"]
    assert any("earlier incarnation" in w for w in plan["warnings"]), plan["warnings"]


def test_resume_runs_the_resync_job_the_plan_named(
    moto: str, rds: Any, tmp_path: Path, jenkins: Any
) -> None:
    from sccos_backup.jenkins.jobxml import ShellJob, freestyle_config
    from sccos_backup.resync.job import JOB_DESCRIPTION
    from tests.conftest import make_instance
    from tests.fake_jenkins import BuildPlan, FakeBuild

    make_instance(rds)
    rds.create_db_snapshot(DBInstanceIdentifier="shop", DBSnapshotIdentifier="shop-nightly")
    job = "nightly-sync"
    cli = Cli(moto, tmp_path, jenkins)
    real_up = cli.engine.up

    def interrupted(*args: Any, **kwargs: Any) -> Any:
        raise KeyboardInterrupt

    cli.engine.up = interrupted  # type: ignore[method-assign]
    started = cli("restore", "run", "shop", "--snapshot", "shop-nightly", "--job", job, "--yes")
    assert started.exit_code == 130, started.output
    assert f"in Jenkins (job '{job}')" in started.stdout
    cli.engine.up = real_up  # type: ignore[method-assign]
    config = freestyle_config(
        ShellJob("vendor/bin/console sync:data\n"), description=JOB_DESCRIPTION
    )
    jenkins.add_job(job, config)
    jenkins.builds[job] = [FakeBuild(job, 1, BuildPlan())]
    resumed = cli("restore", "resume", "shop")
    assert resumed.exit_code == 0, resumed.output
    assert len(jenkins.builds[job]) == 1, "the running build of the plan's job was followed"
    assert not [c for c in jenkins.calls("POST") if "/build" in c.path], "no other job was run"
