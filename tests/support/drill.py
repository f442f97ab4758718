"""The drill's test stand-ins: an engine that takes a restore's time on the injected clock, the live
database with its snapshots, and check commands that pass or fail."""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime, timedelta
from typing import Any

from sccos_backup.backups.ownership import hourly_tags
from sccos_backup.restore.spec import RestoreSpec
from tests.conftest import FakeClock, make_protected_shop
from tests.inprocess_engine import InProcessEngine

#: How long the stand-in engine's `up` and `destroy` take on the injected clock.
RESTORE_TIME = timedelta(minutes=25)
DESTROY_TIME = timedelta(minutes=7)
PASSING = f"{sys.executable} -c \"import os; print('rows', os.environ['DRILL_HOST'])\""
FAILING = f"{sys.executable} -c \"import sys; print('0 rows'); sys.exit(3)\""


class TimedEngine:
    """The in-process engine, taking the time a real restore and delete take."""

    def __init__(self, inner: InProcessEngine, clock: FakeClock) -> None:
        self.inner = inner
        self.clock = clock

    def ensure_ready(self) -> None:
        self.inner.ensure_ready()

    def up(self, stack: str, spec: RestoreSpec, on_output: Any) -> dict[str, Any]:
        creates = self.inner.outputs(stack) is None  # a second up only modifies in place
        result = self.inner.up(stack, spec, on_output)
        if creates:
            self.clock.now += RESTORE_TIME
        return result

    def preview_changes(self, stack: str, spec: RestoreSpec, on_output: Any) -> int:
        return self.inner.preview_changes(stack, spec, on_output)

    def changes(self, stack: str, spec: RestoreSpec, on_output: Any) -> dict[str, int]:
        return self.inner.changes(stack, spec, on_output)

    def refresh(self, stack: str, on_output: Any, *, clear_pending_creates: bool = False) -> None:
        self.inner.refresh(stack, on_output, clear_pending_creates=clear_pending_creates)

    def outputs(self, stack: str) -> dict[str, Any] | None:
        return self.inner.outputs(stack)

    def held(self, stack: str) -> Any:
        return self.inner.held(stack)

    def destroy(self, stack: str, on_output: Any) -> None:
        self.inner.destroy(stack, on_output)
        self.clock.now += DESTROY_TIME


def live_view(rds: Any) -> str:
    """The live database as RDS describes it, with its tags (moto recomputes
    LatestRestorableTime at every describe, so that one field is left out)."""
    [found] = rds.describe_db_instances(DBInstanceIdentifier="shop")["DBInstances"]
    found.pop("LatestRestorableTime", None)
    tags = rds.list_tags_for_resource(ResourceName=found["DBInstanceArn"])["TagList"]
    return json.dumps({"describe": found, "tags": tags}, sort_keys=True, default=str)


def make_shop(rds: Any) -> dict[str, Any]:
    """The live database with a named snapshot and two hourly ones."""
    created = make_protected_shop(
        rds,
        CopyTagsToSnapshot=True,
        PreferredBackupWindow="01:30-02:00",
        EnableCloudwatchLogsExports=["postgresql"],
        Tags=[{"Key": "Environment", "Value": "production"}, {"Key": "team", "Value": "a&b"}],
    )
    rds.create_db_snapshot(DBInstanceIdentifier="shop", DBSnapshotIdentifier="shop-nightly")
    for hour in ("10", "11"):
        name = f"shop-hourly-2026-11-25-{hour}"
        tags = [{"Key": k, "Value": v} for k, v in hourly_tags("shop", name)]
        rds.create_db_snapshot(DBInstanceIdentifier="shop", DBSnapshotIdentifier=name, Tags=tags)
    return created


def start_clock() -> FakeClock:
    """An injected clock two hours after moto's (real) snapshot times."""
    now = datetime.now(UTC).replace(microsecond=0) + timedelta(hours=2)
    return FakeClock(now)


def instance_ids(rds: Any) -> set[str]:
    return {d["DBInstanceIdentifier"] for d in rds.describe_db_instances()["DBInstances"]}
