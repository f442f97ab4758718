"""Every name a run or drill generates is unique per database, also for identifiers too long to
keep whole: where ``DB-suffix`` would pass RDS's 63 characters, the cut identifier carries a
short digest of the whole one, so ``...-database-eu`` and ``...-database-us`` never share a
name. Short identifiers keep the names they always had."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest

from sccos_backup.drill.plan import DrillNames
from sccos_backup.identifiers import INSTANCE_MAX, instance_identifier, truncate_identifier
from sccos_backup.restore.plan import Names

pytestmark = pytest.mark.aws_in_process

EU = "spryker-shop-production-main-primary-database-eu"
US = "spryker-shop-production-main-primary-database-us"
RUN = "202611251200"


def _restore_names(db: str) -> dict[str, str]:
    names = dataclasses.asdict(Names.from_run_id(db, RUN))
    del names["run_id"]
    return names


def test_long_identifiers_that_share_their_start_get_names_of_their_own() -> None:
    assert EU[:38] == US[:38]
    eu, us = _restore_names(EU), _restore_names(US)
    for field, name in eu.items():
        assert name != us[field], field
    assert DrillNames.for_run(EU, RUN).target != DrillNames.for_run(US, RUN).target


@pytest.mark.parametrize("db", [EU, US, "a" * 63, "shop-" + "x" * 58, "a-" * 31 + "b"])
def test_every_generated_instance_name_is_a_valid_identifier(db: str) -> None:
    names = Names.from_run_id(db, RUN)
    for name in (
        names.aside,
        names.temporary,
        names.rolled_back,
        DrillNames.for_run(db, RUN).target,
    ):
        assert len(name) <= INSTANCE_MAX, name
        assert instance_identifier(name) == name
        assert name.endswith(RUN), "the run id is never cut"


def test_short_identifiers_keep_their_names() -> None:
    names = Names.from_run_id("shop", RUN)
    assert names.aside == f"shop-pre-restore-{RUN}"
    assert names.temporary == f"shop-restored-{RUN}"
    assert names.rolled_back == f"shop-rolled-back-{RUN}"
    assert names.final_snapshot == f"shop-final-{RUN}"
    assert DrillNames.for_run("shop", RUN).target == f"shop-drill-{RUN}"
    fits = "x" * (INSTANCE_MAX - len(f"-pre-restore-{RUN}"))
    assert truncate_identifier(fits, f"pre-restore-{RUN}") == f"{fits}-pre-restore-{RUN}"


def test_a_rollback_never_renames_the_other_databases_instance(
    moto: str, rds: Any, tmp_path: Path
) -> None:
    """Two runs started in the same minute: a swap of EU left its restored copy under its
    temporary name; a rollback of US must not take it for US's restored instance."""
    from sccos_backup.restore.plan import RestoreRequest, Strategy
    from sccos_backup.restore.prepare import prepare
    from sccos_backup.restore.source import SourceChoice
    from tests.conftest import FakeClock, give_resource_id, make_instance
    from tests.support.world import Crash, World

    for db in (EU, US):
        make_instance(rds, db)
        give_resource_id(db, "db-" + db[-2:].upper().ljust(26, "0"))
        rds.create_db_snapshot(DBInstanceIdentifier=db, DBSnapshotIdentifier=f"{db}-nightly")
    clock = FakeClock()
    world = World(moto, tmp_path / "state", clock)

    def start(db: str, strategy: Strategy, crash_at: str) -> Any:
        request = RestoreRequest(db, SourceChoice(snapshot=f"{db}-nightly"), strategy=strategy)
        plan = prepare(world.rds, request, clock())
        world.runbook.check_can_start(plan)
        world.crash_at = crash_at
        with pytest.raises(Crash):
            world.runbook.start(plan)
        return plan

    eu = start(EU, Strategy.SWAP, "up")
    start(US, Strategy.IN_PLACE, "up")
    world.crash_at = None
    world.runbook.rollback(US)
    found = {d["DBInstanceIdentifier"] for d in rds.describe_db_instances()["DBInstances"]}
    assert eu.names.temporary in found, "EU's restored copy keeps its name"
