"""120 simulated hours of the hourly policy at SCCOS scale.

Two databases in one region with the default quota of 100 manual snapshots; two schedulers
that plan and run the same rotation at the same minute (the second always races the first);
``shop`` in ``storage-optimization`` for twelve hours; a kept copy (CopyTags) of an hourly
snapshot that is about to expire, still copying when its rotation comes; a restore of each
database at hour 70 (original renamed, restored instance with a new DbiResourceId) and the
``restore cleanup`` at hour 75 (the original deleted with a final snapshot, then
``prune_orphans``); the quota raised at hour 40. Run with ``-s`` to see the hour-by-hour counts.
The RDS side is :mod:`tests.fake_rds` (what it models, and from where, is in its docstring).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sccos_backup.aws.rds import RdsAdapter
from sccos_backup.backups import snapshots as backups
from sccos_backup.backups.ownership import hourly_mark
from sccos_backup.backups.prune import prune_orphans
from tests.conftest import FakeClock
from tests.fake_rds import FakeRds

T0 = datetime(2026, 11, 20, 0, 0, tzinfo=UTC)
HOURS = 120
DATABASES = ("shop", "cart")
KEEP = 60
QUOTA_RAISED_AT = 40
STORAGE_OPTIMIZATION = range(20, 32)
#: At 65:00 a copy of hour 4's snapshot starts (40 minutes); hour 4's snapshot, taken at 04:05,
#: expires at the 65:05 rotation, which must leave it to the copy until 66:05.
COPY_AT = 65
RESTORE_AT = 70
CLEANUP_AT = 75
COPY = "shop-keep-before-migration"


def run_simulation() -> dict[str, object]:
    clock = FakeClock(T0)
    aws = FakeRds(clock, quota=100)
    for db in DATABASES:
        aws.add_instance(db, f"db-{db.upper()}-ORIGINAL")
    rds = RdsAdapter(aws, clock=clock, sleep=clock.sleep)  # type: ignore[arg-type]
    taken: dict[str, set[int]] = {db: set() for db in DATABASES}
    raced = 0
    skipped: list[tuple[int, str]] = []
    check_log: list[tuple[int, bool, tuple[str, ...]]] = []
    lines = []
    for hour in range(HOURS):
        clock.now = T0 + timedelta(hours=hour)
        if hour == QUOTA_RAISED_AT:
            aws.quota = 300  # Service Quotas approved the request
        aws.set_status(
            "shop", "storage-optimization" if hour in STORAGE_OPTIMIZATION else "available"
        )
        if hour == COPY_AT:
            source = f"shop-hourly-{T0 + timedelta(hours=COPY_AT - KEEP - 1):%Y-%m-%d-%H}"
            aws.copy_db_snapshot(
                SourceDBSnapshotIdentifier=source, TargetDBSnapshotIdentifier=COPY, CopyTags=True
            )
        clock.now += timedelta(minutes=5)
        plans = [
            backups.prepare_rotation(rds, db, keep_hours=KEEP) for db in DATABASES for _ in (1, 2)
        ]
        for plan in plans:  # scheduler A and B each planned before either acted
            result = backups.execute_rotation(rds, plan)
            assert result.complete, plan.blocked
            raced += result.raced
            skipped += [(hour, s.identifier) for s in plan.skipped if plan is plans[0]]
            if result.created is not None or plan.existing is not None:
                taken[plan.instance].add(hour)
        clock.now += timedelta(minutes=15)
        reports = {db: backups.check_policy(rds, db, keep_hours=KEEP) for db in DATABASES}
        for db in DATABASES:
            check_log.append((hour, reports[db].met, reports[db].problems))
        if hour == RESTORE_AT:
            clock.now += timedelta(minutes=10)
            for db in DATABASES:
                aside = f"{db}-pre-restore-{clock.now:%Y%m%d%H%M}"
                aws.rename(db, aside)
                aws.add_instance(db, f"db-{db.upper()}-RESTORED")
        if hour == CLEANUP_AT:
            for db in DATABASES:
                aside = next(i for i in aws.instances if i.startswith(f"{db}-pre-restore-"))
                aws.delete_instance(aside, final_snapshot=f"{aside}-final")
            prune_orphans(rds, keep_hours=KEEP)
        counts = {
            db: sum(
                1
                for s in rds.list_snapshots(snapshot_type="manual")
                if (m := hourly_mark(s)) and m.series == db
            )
            for db in DATABASES
        }
        manual = aws._manual_count()
        verdict = "met" if all(r.met for r in reports.values()) else "UNMET"
        quota = reports["shop"].quota
        assert quota is not None
        lines.append(
            f"h{hour:03d} shop={counts['shop']:3d} cart={counts['cart']:3d} "
            f"manual={manual:3d}/{aws.quota} needed={quota.needed} status(shop)="
            f"{aws.instances['shop']['DBInstanceStatus']} check={verdict}"
        )
    return {
        "aws": aws,
        "rds": rds,
        "clock": clock,
        "taken": taken,
        "raced": raced,
        "skipped": skipped,
        "checks": check_log,
        "lines": lines,
    }


def test_120_hours_two_databases_quota_restores_copies_and_a_racing_scheduler() -> None:
    sim = run_simulation()
    print("\n" + "\n".join(sim["lines"]))  # type: ignore[arg-type]
    aws: FakeRds = sim["aws"]  # type: ignore[assignment]
    rds: RdsAdapter = sim["rds"]  # type: ignore[assignment]
    taken: dict[str, set[int]] = sim["taken"]  # type: ignore[assignment]

    # No missed hour: each database has this hour's snapshot every hour, also while
    # shop was in storage-optimization and across the restore.
    for db in DATABASES:
        assert taken[db] == set(range(HOURS)), (db, set(range(HOURS)) - taken[db])
    assert aws.quota_errors == 0
    assert sim["raced"] == len(DATABASES) * HOURS  # the second scheduler raced every hour

    # No orphan: every hourly snapshot left is within the retention of the last hour.
    last_hour = T0 + timedelta(hours=HOURS - 1)
    marks = [(s, hourly_mark(s)) for s in rds.list_snapshots(snapshot_type="manual")]
    hourly = [(s, m) for s, m in marks if m is not None]
    assert hourly, "the series must exist"
    oldest = min(m.hour for _, m in hourly)
    assert oldest >= last_hour - timedelta(hours=KEEP), oldest
    for db in DATABASES:
        assert len([1 for _, m in hourly if m.series == db]) in (KEEP, KEEP + 1)
    others = sorted(s.identifier for s, m in marks if m is None)
    assert others == sorted([COPY] + [i for i in aws.snapshots if i.endswith("-final")]), others

    # The kept copy survived, and its source was not deleted while it was being copied.
    assert aws.snapshots[COPY]["Status"] == "available"
    assert sim["skipped"] == [(COPY_AT, f"shop-hourly-{T0 + timedelta(hours=4):%Y-%m-%d-%H}")]

    # check failed from hour 0 with the quota numbers until the quota was raised, then held.
    for hour, met, problems in sim["checks"]:  # type: ignore[attr-defined]
        if hour < QUOTA_RAISED_AT:
            assert not met, hour
            quota_lines = [p for p in problems if "does not fit the snapshot quota" in p]
            assert len(quota_lines) == 1, (hour, problems)
            assert "(60 + 2) x 2 database(s)" in quota_lines[0]
            assert "region quota 100" in quota_lines[0]
            assert len(problems) == 1, (hour, problems)  # nothing else was wrong
        else:
            assert met, (hour, problems)
    final = backups.check_policy(rds, "shop", keep_hours=KEEP)
    assert final.gaps == () and final.met
