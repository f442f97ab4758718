"""Fleet rotation: the API calls of one scheduled ``rotate`` run for 1, 10, 50 and 200 databases.

Each size starts from a fresh moto server (in this process) holding that many tagged instances,
each at the hourly policy's steady state: the 60 hourly snapshots of the last 60 hours, the
oldest of which expires in this run (written into moto's backend with their past creation
times; creating them through the API would take minutes). Then the scheduled function's handler
(``sccos_backup.lambda_handler.handle``) rotates the fleet chosen by tag, as EventBridge
Scheduler invokes it at minute 0.

Calls are counted with a botocore ``before-call`` hook on the function's RDS client (once per
call, not per retry). moto answers every DescribeDBSnapshots and DescribeDBInstances in one
page; AWS serves 100 items per page, so the pages AWS would serve beyond the first are added.
The projected Lambda time is the calls at 100 ms each (RDS answers a describe page in roughly
that; creates and deletes return at once); the wall time against moto is shown for information.
"""

from __future__ import annotations

import copy
import math
import os
import time
import urllib.request
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from bench.table import Row, verdict

AREA = "Fleet rotation"
SIZES = (1, 10, 50, 200)
KEEP_HOURS = 60
#: Seconds per API call the projection assumes.
CALL_SECONDS = 0.1
#: The goal: at most this many calls per database, plus one per ``PAGE`` snapshots listed,
#: plus what every run pays once (the instance listing's pages and the quota read).
CALLS_PER_DATABASE = 3
PAGE = 100
PER_RUN = 2
TAG = ("sccos:project", "fleet")
_PAGED = {"DescribeDBSnapshots": "DBSnapshots", "DescribeDBInstances": "DBInstances"}


@dataclass(frozen=True)
class Measured:
    databases: int
    snapshots: int
    calls: Counter[str]
    wall: float
    failed: int

    @property
    def total(self) -> int:
        return sum(self.calls.values())

    @property
    def allowed(self) -> int:
        return CALLS_PER_DATABASE * self.databases + math.ceil(self.snapshots / PAGE) + PER_RUN

    @property
    def projected(self) -> float:
        return self.total * CALL_SECONDS


def _count(client: Any) -> Counter[str]:
    """Calls by operation, plus the pages AWS would serve that moto folds into one."""
    calls: Counter[str] = Counter()

    def before_call(model: Any, **_: Any) -> None:
        calls[model.name] += 1

    def after_call(model: Any, parsed: dict[str, Any], **_: Any) -> None:
        key = _PAGED.get(model.name)
        if key is not None and "Marker" not in parsed:
            items = len(parsed.get(key) or [])
            calls[f"{model.name} (pages beyond moto's one)"] += max(0, math.ceil(items / PAGE) - 1)

    client.meta.events.register("before-call.rds", before_call)
    client.meta.events.register("after-call.rds", after_call)
    return calls


def _seed(endpoint: str, databases: int, now: datetime) -> int:
    """``databases`` tagged instances, each with its steady-state hourly series; the count of
    manual snapshots seeded."""
    import boto3
    from moto.rds.models import rds_backends

    from sccos_backup.backups.naming import hourly_name
    from sccos_backup.backups.ownership import hourly_tags
    from tests.conftest import ACCOUNT, REGION, make_instance

    with urllib.request.urlopen(
        urllib.request.Request(f"{endpoint}/moto-api/reset", method="POST"), timeout=10
    ):
        pass
    rds = boto3.client("rds", region_name=REGION, endpoint_url=endpoint)
    backend = rds_backends[ACCOUNT][REGION]
    seeded = 0
    for index in range(databases):
        name = f"shop-{index:03d}"
        make_instance(rds, name, Tags=[{"Key": TAG[0], "Value": TAG[1]}])
        first = hourly_name(name, now)
        rds.create_db_snapshot(DBInstanceIdentifier=name, DBSnapshotIdentifier=first)
        template = backend.database_snapshots.pop(first)
        for hours_ago in range(1, KEEP_HOURS + 1):  # the last one expires in this run
            taken = now.replace(minute=0, second=5) - timedelta(hours=hours_ago)
            snapshot_id = hourly_name(name, taken)
            clone = copy.copy(template)
            clone.db_snapshot_identifier = snapshot_id
            clone.created = taken
            clone.tags = [{"Key": k, "Value": v} for k, v in hourly_tags(name, snapshot_id)]
            backend.database_snapshots[snapshot_id] = clone
            seeded += 1
    return seeded


def run_one(endpoint: str, databases: int) -> Measured:
    import boto3
    import botocore.config

    from sccos_backup import lambda_handler
    from sccos_backup.aws.rds import RdsAdapter
    from tests.conftest import REGION

    now = datetime.now(UTC).replace(minute=0, second=30, microsecond=0)
    snapshots = _seed(endpoint, databases, now)
    config = botocore.config.Config(retries={"mode": "standard", "max_attempts": 1})
    client = boto3.client("rds", region_name=REGION, endpoint_url=endpoint, config=config)
    calls = _count(client)

    class Quiet:
        def publish(self, data: Any) -> None:
            pass

    services = lambda_handler.Services(
        RdsAdapter(client, clock=lambda: now, sleep=lambda _: None), Quiet()
    )
    event = {"action": "rotate", "tag": f"{TAG[0]}={TAG[1]}", "keep_hours": KEEP_HOURS}
    started = time.perf_counter()
    result = lambda_handler.handle(event, services)
    wall = time.perf_counter() - started
    return Measured(databases, snapshots, calls, wall, len(result["failed"]))


def measure(sizes: tuple[int, ...] = SIZES) -> list[Row]:
    from bench.orchestration import fake_aws_environment, moto_server
    from sccos_backup.schedule.declaration import TIMEOUT

    rows: list[Row] = []
    # a fleet this size needs a raised quota in AWS too (62 per database); moto's default is 1000
    os.environ["MOTO_RDS_SNAPSHOT_LIMIT"] = str(1_000_000)
    with fake_aws_environment(), moto_server() as endpoint:
        for size in sizes:
            found = run_one(endpoint, size)
            label = f"{size} database(s), {found.snapshots} hourly snapshots"
            per_db = found.total / size
            rows.append(
                Row(
                    AREA,
                    f"{label}: API calls (calls per database)",
                    f"{found.total} ({per_db:.2f})",
                    f"<= {found.allowed} (3 per database, 1 per 100 snapshots, {PER_RUN} per run)",
                    verdict(found.total <= found.allowed and not found.failed),
                )
            )
            rows.append(
                Row(
                    AREA,
                    f"{label}: projected Lambda time at {CALL_SECONDS * 1000:.0f} ms per call "
                    f"(wall time on moto {found.wall:.2f} s)",
                    f"{found.projected:.1f} s",
                    f"<= {TIMEOUT / 2:.0f} s (half the function's {TIMEOUT} s)",
                    verdict(found.projected <= TIMEOUT / 2),
                )
            )
            by_operation = ", ".join(f"{op} {n}" for op, n in sorted(found.calls.items()) if n)
            rows.append(Row(AREA, f"{label}: calls by operation", by_operation))
    return rows
