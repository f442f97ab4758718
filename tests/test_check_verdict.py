"""`snapshot check` for monitoring: one verdict line first, the monitoring-plugin exit codes
(0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN), the same verdict in --json, gaps counted from the
first hourly snapshot, and each problem said once."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from automation.cli import app
from sccos_backup.aws.rds import Instance, Snapshot
from sccos_backup.backups.naming import hourly_name
from sccos_backup.backups.ownership import hourly_tags
from tests.conftest import FakeClock
from tests.support import snapshot_cli
from tests.support.snapshot_cli import Run
from tests.support.snapshots import make_db

pytestmark = pytest.mark.aws_in_process

#: The snapshot group's fixtures: a fake clock and a CliRunner on moto's server.
cli = snapshot_cli.cli
clock = snapshot_cli.clock


def _said(text: str, fragment: str) -> int:
    return text.count(fragment)


def test_a_met_policy_is_ok_first_and_exit_0(cli: Run, rds: Any) -> None:
    make_db(rds, "shop")
    assert cli("rotate", "shop").exit_code == 0
    result = cli("check", "shop")
    assert result.exit_code == 0, result.output
    first = result.stdout.splitlines()[0]
    assert first.startswith("OK: backup policy of shop is met"), first
    assert result.stderr == ""


def test_a_stale_hourly_snapshot_is_critical_said_once_on_stdout(
    cli: Run, rds: Any, clock: FakeClock
) -> None:
    make_db(rds, "shop")
    assert cli("rotate", "shop").exit_code == 0
    clock.now += timedelta(hours=2)
    result = cli("check", "shop")
    assert result.exit_code == 2, result.output
    first = result.stdout.splitlines()[0]
    assert first.startswith("CRITICAL: backup policy of shop is not met: "), first
    assert "newest hourly snapshot" in first and "have no hourly snapshot" in first
    assert "|" not in first, "'|' starts performance data in the plugin format"
    for fragment in ("newest hourly snapshot of", "have no hourly snapshot"):
        assert _said(result.output, fragment) == 1, result.output
    assert result.stderr == ""
    data = json.loads(cli("check", "shop", "--json").stdout)
    assert data["verdict"] == "CRITICAL" and data["exitCode"] == 2
    states = {c["name"]: c["state"] for c in data["checks"]}
    assert states["hourly"] == "CRITICAL" and states["gaps"] == "WARNING"
    assert states["retention"] == "OK"


def _instance(now: datetime) -> Instance:
    return Instance.from_api(
        {
            "DBInstanceIdentifier": "shop",
            "DbiResourceId": "db-SHOP",
            "DBInstanceStatus": "available",
            "BackupRetentionPeriod": 7,
            "LatestRestorableTime": now - timedelta(minutes=2),
            "InstanceCreateTime": now - timedelta(days=3),
        }
    )


def _hourly(at: datetime) -> Snapshot:
    name = hourly_name("shop", at)
    return Snapshot.from_api(
        {
            "DBSnapshotIdentifier": name,
            "DBInstanceIdentifier": "shop",
            "DbiResourceId": "db-SHOP",
            "SnapshotType": "manual",
            "Status": "available",
            "SnapshotCreateTime": at,
            "TagList": [{"Key": k, "Value": v} for k, v in hourly_tags("shop", name)],
        }
    )


def test_only_gaps_is_a_warning() -> None:
    from sccos_backup.backups.policy import evaluate_policy

    now = datetime(2026, 11, 25, 12, 30, tzinfo=UTC)
    series = [_hourly(now - timedelta(hours=h)) for h in (0, 1, 3, 4)]  # 09:00 is missing
    report = evaluate_policy(now, _instance(now), series)
    assert [(c.name, c.state) for c in report.checks if not c.ok] == [("gaps", "WARNING")]
    assert report.verdict == "WARNING" and report.exit_code == 1
    assert report.verdict_line().startswith("WARNING: backup policy of shop is not met: 1 hour")
    assert report.gaps_since == datetime(2026, 11, 25, 8, 0, tzinfo=UTC)


def test_an_unreadable_quota_is_unknown_and_said_once(cli: Run, rds: Any) -> None:
    make_db(rds, "shop")
    assert cli("rotate", "shop", quota=None).exit_code == 0
    result = cli("check", "shop", quota=None)
    assert result.exit_code == 3, result.output
    assert result.stdout.startswith("UNKNOWN: backup policy of shop: "), result.stdout
    assert _said(result.output, "unreadable response") == 1, result.output
    allowed = cli("check", "shop", "--allow-unknown-quota", quota=None)
    assert allowed.exit_code == 0, allowed.output
    assert _said(allowed.output, "unreadable response") == 1, allowed.output


def test_a_check_that_cannot_run_is_unknown(cli: Run, rds: Any) -> None:
    result = cli("check", "missing")
    assert result.exit_code == 3, result.output
    assert result.stdout.startswith("UNKNOWN: "), result.stdout
    assert "'missing'" in result.stdout
    data = json.loads(cli("check", "missing", "--json").stdout)
    assert data["verdict"] == "UNKNOWN" and "'missing'" in data["error"]["message"]


def test_a_bad_option_of_check_is_unknown_too(aws_env: None) -> None:
    from typer.testing import CliRunner

    for args in (["--max-hourly-age", "soon"], ["--keep-hours", "many"]):
        result = CliRunner().invoke(app, ["snapshot", "check", "shop", *args])
        assert result.exit_code == 3, (args, result.output)
        assert result.stdout.startswith("UNKNOWN: "), (args, result.stdout)


def test_a_new_database_has_no_gap_claims(cli: Run, rds: Any) -> None:
    """A database seconds old with no hourly snapshot: `list` said 'Gaps: none (an hourly
    snapshot for every hour of the last 60)'."""
    make_db(rds, "shop")
    listed = cli("list", "shop")
    assert listed.exit_code == 0, listed.output
    assert "Gaps: none" not in listed.stdout
    assert "Gaps: not counted: no hourly snapshot of shop yet" in listed.stdout
    checked = json.loads(cli("check", "shop", "--json").stdout)
    assert "gaps" not in [c["name"] for c in checked["checks"]], "the hourly point says it"
    assert checked["gapsCountedFrom"] is None


def test_gaps_are_counted_from_the_first_hourly_snapshot(
    cli: Run, rds: Any, clock: FakeClock
) -> None:
    """A database older than its schedule: the hours before the first rotation are no gaps."""
    make_db(rds, "shop")
    clock.now += timedelta(hours=5)
    assert cli("rotate", "shop").exit_code == 0
    clock.now += timedelta(hours=1)
    assert cli("rotate", "shop").exit_code == 0
    listed = cli("list", "shop")
    assert "Gaps: none (an hourly snapshot for every hour since " in listed.stdout, listed.stdout
    data = json.loads(cli("check", "shop", "--json", "--max-hourly-age", "3h").stdout)
    assert data["gaps"] == [] and data["gapsCountedFrom"] is not None


def test_list_and_rotate_say_an_unreadable_quota_once(cli: Run, rds: Any) -> None:
    """The quota problem was said two or three times per command (a warning, the quota line,
    the problem inside the policy line)."""
    make_db(rds, "shop")
    why = "unreadable response"  # moto_server does not implement DescribeAccountAttributes
    for args in (("rotate", "shop"), ("list", "shop"), ("rotate", "shop", "--dry-run")):
        result = cli(*args, quota=None)
        assert result.exit_code == 0, result.output
        assert _said(result.output, why) == 1, (args, result.output)


def test_the_scheduled_check_carries_the_verdict(rds: Any) -> None:
    """The Lambda's check (sccos_backup/schedule/runner.py) reports the same verdict."""
    from sccos_backup.aws.rds import RdsAdapter
    from sccos_backup.schedule.event import parse_event
    from sccos_backup.schedule.runner import run_event

    class Quiet:
        def publish(self, data: object) -> None:
            pass

    make_db(rds, "shop")
    event = parse_event({"action": "check", "databases": ["shop"]})
    adapter = RdsAdapter(rds, clock=lambda: datetime.now(UTC), sleep=lambda s: None)
    summary = run_event(event, adapter, Quiet())
    detail = summary.databases[0].detail
    assert detail["verdict"] == "CRITICAL", detail
    assert detail["exit_code"] == 2
