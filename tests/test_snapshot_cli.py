"""``sccos-backup snapshot ...`` through Typer's CliRunner against moto."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
import typer
from typer.testing import CliRunner, Result

from automation.commands.factory import Factory
from automation.commands.snapshot import app
from sccos_backup.aws.rds import RdsAdapter
from sccos_backup.aws.snapshots import SnapshotQuota
from tests.conftest import REGION, FakeClock, aws_state
from tests.support import snapshot_cli
from tests.support.snapshot_cli import Run
from tests.support.snapshots import make_db, names, tags_of

#: moto answered in process, except one rotation (aws_over_http), still over real HTTP.
pytestmark = pytest.mark.aws_in_process

#: The group's fixtures (tests/support/snapshot_cli.py): a fake clock and a CliRunner on moto.
cli = snapshot_cli.cli
clock = snapshot_cli.clock


class QuotaAdapter(RdsAdapter):
    """An adapter that reads 95 of 100 manual snapshots used."""

    def read_snapshot_quota(self) -> SnapshotQuota:
        return SnapshotQuota(95, 100)


def assert_refused(result: Result, code: int, fragment: str) -> None:
    """One line on stderr, the documented exit code, no traceback."""
    assert result.exit_code == code, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith("error: ")
    assert fragment in lines[0]
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


# -- wiring ----------------------------------------------------------------------------------


def test_every_command_has_help() -> None:
    for command in ("create", "list", "rotate", "check", "delete"):
        result = CliRunner().invoke(app, [command, "--help"])
        assert result.exit_code == 0
        assert "DB_ID" in result.stdout
    assert all(c.callback and c.callback.__doc__ for c in app.registered_commands)


def test_mounted_under_a_root_with_global_options(moto: str, rds: Any) -> None:
    """As the lead mounts it: ``root.add_typer(app, name="snapshot")``; the Factory is
    built by the root callback and builds its own adapter."""
    root = typer.Typer()
    root.add_typer(app, name="snapshot")

    @root.callback()
    def main(ctx: typer.Context) -> None:
        ctx.obj = Factory(endpoint_url=moto, region=REGION)

    make_db(rds, "shop")
    result = CliRunner().invoke(root, ["snapshot", "list", "shop", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["instance"] == "shop"


# -- create ----------------------------------------------------------------------------------


def test_create_named_snapshot_with_note(cli: Run, rds: Any) -> None:
    make_db(rds, "shop")
    result = cli("create", "shop", "before-upgrade", "--note", "ticket 42")
    assert result.exit_code == 0, result.output
    assert "snapshot:  before-upgrade" in result.stdout
    assert "size:      50 GiB" in result.stdout
    assert "took:      0:00" in result.stdout
    assert "100%" in result.stderr  # the progress bar fed by PercentProgress
    assert tags_of(rds, "before-upgrade")["sccos-backup:note"] == "ticket 42"


def test_create_proposes_a_name_and_prints_it(cli: Run, rds: Any, clock: FakeClock) -> None:
    make_db(rds, "shop")
    result = cli("create", "shop", "--purpose", "before-release")
    assert result.exit_code == 0, result.output
    expected = f"shop-before-release-{clock.now:%Y%m%d-%H%M}"
    assert f"creating snapshot '{expected}' of 'shop' (proposed name" in result.stderr
    assert expected in names(rds)


def test_create_no_wait_json(cli: Run, rds: Any) -> None:
    make_db(rds, "shop")
    result = cli("create", "shop", "quick", "--no-wait", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["snapshot"] == "quick" and data["waited"] is False
    assert data["sizeGib"] == 50
    assert data["tags"]["sccos-backup:kind"] == "manual"
    assert "100%" not in result.stderr


@pytest.mark.parametrize(
    ("args", "code", "fragment"),
    [
        (["create", "shop", "taken"], 3, "already exists"),
        (["create", "shop", "two--hyphens"], 2, "is invalid"),
        (["create", "shop", "--purpose", "before release"], 2, "purpose"),
        (["create", "halted", "fresh"], 3, "is 'stopped'"),
        (["create", "nowhere", "fresh"], 3, "does not exist"),
    ],
)
def test_create_refusals(cli: Run, rds: Any, args: list[str], code: int, fragment: str) -> None:
    make_db(rds, "shop")
    make_db(rds, "halted")
    rds.stop_db_instance(DBInstanceIdentifier="halted")
    rds.create_db_snapshot(DBInstanceIdentifier="shop", DBSnapshotIdentifier="taken")
    before = aws_state(rds)
    assert_refused(cli(*args), code, fragment)
    assert aws_state(rds) == before


# -- list ------------------------------------------------------------------------------------


def test_list_table_and_json(cli: Run, rds: Any) -> None:
    make_db(rds, "shop")
    assert cli("create", "shop", "mine").exit_code == 0
    assert cli("rotate", "shop").exit_code == 0
    table = cli("list", "shop")
    assert table.exit_code == 0, table.output
    lines = table.stdout.splitlines()
    assert lines[0].startswith("Restore points of shop (db-SHOP")
    # Every point was taken from 'shop': no source column, and the table fits 80 columns.
    assert lines[1].split() == ["KIND", "IDENTIFIER", "TIME", "SIZE", "STATUS"]
    assert max(len(line) for line in lines[1:5]) <= 80
    kinds = {line.split()[0] for line in lines[2:5]}
    assert kinds == {"automated", "manual", "hourly"}
    assert lines[-3].startswith("Point-in-time recovery: ")
    assert lines[-2].startswith("Gaps: none")
    assert lines[-1].startswith("Quota: 2 of 100 manual snapshots used; fits: (60 + 2) x 1")

    data = json.loads(cli("list", "shop", "--json").stdout)
    assert set(data) >= {"instance", "resourceId", "pitr", "restorePoints"}
    assert data["pitr"]["earliest"] <= data["pitr"]["latest"]
    assert {p["kind"] for p in data["restorePoints"]} == {"automated", "manual", "hourly"}


def test_list_renamed_original_by_resource_id(cli: Run, rds: Any) -> None:
    make_db(rds, "shop")
    assert cli("create", "shop", "before-rename").exit_code == 0
    rds.modify_db_instance(
        DBInstanceIdentifier="shop", NewDBInstanceIdentifier="shop-old", ApplyImmediately=True
    )
    renamed = json.loads(cli("list", "shop-old", "--json").stdout)
    assert renamed["resourceId"] == "db-SHOP0000000000000000000000"
    assert "before-rename" in {p["identifier"] for p in renamed["restorePoints"]}

    gone = cli("list", "shop")
    assert gone.exit_code == 0
    assert gone.stderr.count("\n") == 1
    assert "renamed to 'shop-old'" in gone.stderr
    assert "before-rename" in gone.stdout


def test_list_unknown_database(cli: Run, rds: Any) -> None:
    assert_refused(cli("list", "ghost"), 3, "'ghost' does not exist")


# -- rotate ----------------------------------------------------------------------------------


def test_rotate_twice_in_one_hour(cli: Run, rds: Any, clock: FakeClock) -> None:
    make_db(rds, "shop")
    clock.now = clock.now.replace(minute=2)
    name = f"shop-hourly-{clock.now:%Y-%m-%d-%H}"
    first = cli("rotate", "shop")
    assert first.exit_code == 0, first.output
    assert f"created  {name}  (available)" in first.stdout
    assert tags_of(rds, name)["sccos-backup:kind"] == "hourly"
    before = aws_state(rds)
    clock.now += timedelta(minutes=55)
    second = cli("rotate", "shop")
    assert second.exit_code == 0
    assert f"this hour's snapshot {name} already exists; nothing to create" in second.stdout
    assert aws_state(rds) == before


@pytest.mark.aws_over_http
def test_rotate_dry_run_then_retention(cli: Run, rds: Any, clock: FakeClock) -> None:
    make_db(rds, "shop")
    make_db(rds, "other")
    first = json.loads(cli("rotate", "shop", "--json").stdout)["created"]
    theirs = json.loads(cli("rotate", "other", "--json").stdout)["created"]
    assert cli("create", "shop", "by-hand").exit_code == 0
    clock.now += timedelta(hours=61)
    before = aws_state(rds)

    dry = cli("rotate", "shop", "--dry-run")
    assert dry.exit_code == 0
    assert f"dry run, nothing changed: would delete  {first}" in dry.stdout
    assert aws_state(rds) == before

    done = json.loads(cli("rotate", "shop", "--keep-hours", "60", "--json").stdout)
    assert done["deleted"] == [first]
    assert first not in names(rds)
    assert {theirs, "by-hand", done["created"]} <= names(rds)


def test_rotate_warns_before_the_quota_runs_out(cli: Run, rds: Any) -> None:
    make_db(rds, "shop")
    result = cli("rotate", "shop", "--dry-run", adapter=QuotaAdapter)
    assert result.exit_code == 0
    assert result.stderr.startswith("warning: only 4 manual snapshot(s) left")
    assert "quota    95 of 100 manual snapshots used; fits" in result.stdout
    unknown = cli("rotate", "shop", "--dry-run", quota=None)  # moto: never silent
    assert unknown.exit_code == 0
    assert unknown.stderr.startswith("warning: the manual-snapshot quota cannot be read")
    assert "the endpoint does not implement this call" in unknown.stderr


def test_rotate_refuses_a_stopped_instance(cli: Run, rds: Any) -> None:
    make_db(rds, "halted")
    rds.stop_db_instance(DBInstanceIdentifier="halted")
    before = aws_state(rds)
    assert_refused(cli("rotate", "halted"), 3, "is 'stopped'")
    assert_refused(cli("rotate", "halted", "--keep-hours", "0"), 2, "keep-hours")
    assert aws_state(rds) == before


# -- check -----------------------------------------------------------------------------------


def test_check_met_and_unmet(cli: Run, rds: Any, clock: FakeClock) -> None:
    make_db(rds, "shop")
    assert cli("rotate", "shop").exit_code == 0
    met = cli("check", "shop")
    assert met.exit_code == 0, met.output
    assert met.stdout.splitlines()[0] == "OK: backup policy of shop is met (5 points)"
    assert met.stderr == ""

    clock.now += timedelta(hours=2)  # the rotation stopped two hours ago
    unmet = cli("check", "shop")
    assert unmet.exit_code == 2
    verdict = unmet.stdout.splitlines()[0]
    # PITR lags too (moto's latest restorable time is the real now), and 1 hour has a gap
    assert verdict.startswith("CRITICAL: ") and verdict.count("; ") >= 2
    assert "newest hourly snapshot" in verdict
    assert "1 hour(s) of the last 60 have no hourly snapshot" in verdict
    assert unmet.stderr == "" and "Traceback" not in unmet.output

    data = json.loads(cli("check", "shop", "--json", "--max-hourly-age", "180").stdout)
    assert [c["name"] for c in data["checks"] if not c["ok"]] == ["pitr", "gaps"]
    assert data["quota"]["limit"] == 100 and data["quota"]["needed"] == 62


def test_check_short_retention(cli: Run, rds: Any) -> None:
    make_db(rds, "shop", BackupRetentionPeriod=1)
    assert cli("rotate", "shop").exit_code == 0
    result = cli("check", "shop")
    assert result.exit_code == 2
    assert result.stdout.splitlines()[0] == (
        "CRITICAL: backup policy of shop is not met: automated backups of 'shop' are kept "
        "1 day(s); the policy needs at least 5"
    )


# -- delete ----------------------------------------------------------------------------------


def test_delete_with_yes(cli: Run, rds: Any) -> None:
    make_db(rds, "shop")
    rds.create_db_snapshot(DBInstanceIdentifier="shop", DBSnapshotIdentifier="by-hand")
    result = cli("delete", "shop", "by-hand", "--yes")
    assert result.exit_code == 0, result.output
    assert result.stdout == "deleted snapshot by-hand\n"
    assert "by-hand" not in names(rds)


def test_delete_asks_on_a_terminal(cli: Run, rds: Any) -> None:
    make_db(rds, "shop")
    rds.create_db_snapshot(DBInstanceIdentifier="shop", DBSnapshotIdentifier="by-hand")
    before = aws_state(rds)
    declined = cli("delete", "shop", "by-hand", input="n\n", interactive=True)
    assert declined.exit_code == 10
    assert "Delete manual snapshot 'by-hand'" in declined.stderr
    assert declined.stderr.count("error: ") == 1
    assert declined.stderr.strip().endswith("error: kept snapshot 'by-hand'; nothing was deleted")
    assert aws_state(rds) == before
    accepted = cli("delete", "shop", "by-hand", input="y\n", interactive=True)
    assert accepted.exit_code == 0
    assert "by-hand" not in names(rds)


def test_delete_refusals(cli: Run, rds: Any) -> None:
    make_db(rds, "shop")
    make_db(rds, "other")
    rds.create_db_snapshot(DBInstanceIdentifier="shop", DBSnapshotIdentifier="by-hand")
    rds.create_db_snapshot(DBInstanceIdentifier="other", DBSnapshotIdentifier="theirs")
    automated = next(
        s["DBSnapshotIdentifier"]
        for s in rds.describe_db_snapshots(DBInstanceIdentifier="shop")["DBSnapshots"]
        if s["SnapshotType"] == "automated"
    )
    before = aws_state(rds)
    assert_refused(cli("delete", "shop", "by-hand"), 2, "pass --yes")
    assert_refused(cli("delete", "shop", automated, "--yes"), 3, "automated snapshot")
    assert_refused(cli("delete", "shop", "theirs", "--yes"), 3, "belongs to DB instance 'other'")
    assert_refused(cli("delete", "shop", "missing", "--yes"), 3, "does not exist")
    assert_refused(cli("delete", "shop", "bad--name", "--yes"), 2, "is invalid")
    assert aws_state(rds) == before


# -- a moto_server rehearsal: every instance has the same DbiResourceId ----------------------


def test_moto_server_rehearsal_never_touches_the_other_databases_snapshots(
    cli: Run, rds: Any, clock: FakeClock
) -> None:
    for name in ("shop", "other"):  # as a user's moto_server makes them: no id of their own
        rds.create_db_instance(
            DBInstanceIdentifier=name,
            DBInstanceClass="db.t3.medium",
            Engine="postgres",
            AllocatedStorage=50,
            MasterUsername="spryker",
            MasterUserPassword="not-a-real-password",
            BackupRetentionPeriod=5,
        )
    instances = rds.describe_db_instances()["DBInstances"]
    assert len({i["DbiResourceId"] for i in instances}) == 1
    for name in ("shop", "other"):
        assert cli("rotate", name).exit_code == 0
        assert cli("create", name, f"{name}-snap").exit_code == 0

    def theirs() -> str:
        return json.dumps(
            sorted(
                (s["DBSnapshotIdentifier"], s["Status"])
                for s in rds.describe_db_snapshots(DBInstanceIdentifier="other")["DBSnapshots"]
            )
        )

    before = theirs()
    clock.now += timedelta(hours=61)  # both first hourly snapshots have expired
    rotated = cli("rotate", "shop", "--json")
    assert rotated.exit_code == 0, rotated.output
    assert "shares its DbiResourceId" in rotated.stderr and "'other'" in rotated.stderr
    data = json.loads(rotated.stdout)
    assert data["sharedResourceIdWith"] == ["other"]
    assert [d.startswith("shop-hourly-") for d in data["deleted"]] == [True]

    listed = cli("list", "shop", "--json")
    assert "shares its DbiResourceId" in listed.stderr
    shown = {p["identifier"] for p in json.loads(listed.stdout)["restorePoints"]}
    assert shown and all(not name.startswith("other") for name in shown)
    assert not any("rds:other" in name for name in shown)

    checked = cli("check", "shop", "--json", "--max-hourly-age", "5000")
    assert "shares its DbiResourceId" in checked.stderr
    assert json.loads(checked.stdout)["notes"]

    assert_refused(
        cli("delete", "shop", "other-snap", "--yes"), 3, "belongs to DB instance 'other'"
    )
    pruned = cli("prune", "--json")
    assert pruned.exit_code == 0 and json.loads(pruned.stdout)["deleted"] == []
    assert theirs() == before


def test_list_since_and_kind(cli: Run, rds: Any, clock: FakeClock) -> None:
    make_db(rds, "shop")
    assert cli("rotate", "shop").exit_code == 0
    assert cli("create", "shop", "mine").exit_code == 0
    only = json.loads(cli("list", "shop", "--kind", "hourly", "--json").stdout)
    assert {p["kind"] for p in only["restorePoints"]} == {"hourly"}
    assert only["hidden"] >= 2  # the manual and the automated one
    clock.now += timedelta(hours=3)
    recent = cli("list", "shop", "--since", "1h")
    assert "(no snapshots)" in recent.stdout and "left out by --since/--kind" in recent.stdout
    assert "Gaps: 2 hour(s) of the last 60" in recent.stdout
    assert_refused(cli("list", "shop", "--kind", "weekly"), 2, "--kind 'weekly' is unknown")
    assert_refused(cli("list", "shop", "--since", "yesterday"), 2, "--since 'yesterday'")


class CtrlCWhileWaiting(RdsAdapter):
    def wait_snapshot(self, *args: Any, **kwargs: Any) -> Any:
        raise KeyboardInterrupt


def test_ctrl_c_while_waiting_says_the_snapshot_goes_on_and_how_to_see_it(
    cli: Run, rds: Any
) -> None:
    """It said `run the same command again (or restore resume)`: again, the named snapshot is
    refused as taken, and a proposed name takes a second snapshot."""
    make_db(rds, "shop")
    result = cli("create", "shop", "pre-release", adapter=CtrlCWhileWaiting)
    assert result.exit_code == 130, result.output
    [line] = [x for x in result.stderr.splitlines() if x.startswith("error: ")]
    assert "restore resume" not in line and "run the same command" not in line
    assert "'pre-release'" in line and "`sccos-backup snapshot list shop`" in line
    assert "pre-release" in names(rds)
