"""Rollback after a restore that ended in a state RDS only lets you delete.

RDS API reference (botocore 1.44.18, ``data/rds/2014-10-31/service-2.json``, DeleteDBInstance and
its ``SkipFinalSnapshot``): "When a DB instance is in a failure state and has a status of failed,
incompatible-restore, or incompatible-network, RDS can delete the instance only if you enable this
parameter" - no final snapshot of such an instance is possible. A rename (ModifyDBInstance with
NewDBInstanceIdentifier) of such an instance is refused. So a rollback cannot move the run's own
failed instance aside: with the operator's consent it deletes it (by the DbiResourceId the run
recorded, never by name or tag) and renames the original back.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import botocore.exceptions
import pytest

from automation.runbook.record import TAG_RESTORED_ID
from sccos_backup import errors
from sccos_backup.aws.rds import Instance, RdsAdapter
from sccos_backup.restore.plan import Strategy
from sccos_backup.restore.source import SourceChoice
from tests.conftest import FakeClock, aws_state, make_instance
from tests.support.failures import DELETE_ONLY, fail_instance
from tests.support.world import Crash, World, instances

pytestmark = pytest.mark.aws_in_process

MESSAGE = "Database instance is in a state that cannot be restored"


@pytest.fixture
def unprotected(rds: Any) -> dict[str, Any]:
    """A production original without deletion protection, and its nightly snapshot."""
    created = make_instance(rds, MultiAZ=True, CopyTagsToSnapshot=True)
    rds.create_db_snapshot(DBInstanceIdentifier="shop", DBSnapshotIdentifier="shop-nightly")
    return created


@pytest.mark.parametrize("status", DELETE_ONLY)
def test_the_stand_in_refuses_a_rename_and_a_final_snapshot_of_a_failed_instance(
    moto: str, rds: Any, status: str
) -> None:
    make_instance(rds, "broken")
    fail_instance("broken", status, MESSAGE)
    with pytest.raises(botocore.exceptions.ClientError) as refused:
        rds.modify_db_instance(
            DBInstanceIdentifier="broken", NewDBInstanceIdentifier="moved", ApplyImmediately=True
        )
    assert refused.value.response["Error"]["Code"] == "InvalidDBInstanceState"
    with pytest.raises(botocore.exceptions.ClientError) as refused:
        rds.delete_db_instance(
            DBInstanceIdentifier="broken", SkipFinalSnapshot=False, FinalDBSnapshotIdentifier="f"
        )
    assert refused.value.response["Error"]["Code"] == "InvalidDBInstanceState"
    assert set(instances(rds)) == {"broken"}
    taken = rds.describe_db_snapshots()["DBSnapshots"]
    assert "f" not in {s["DBSnapshotIdentifier"] for s in taken}
    rds.delete_db_instance(DBInstanceIdentifier="broken", SkipFinalSnapshot=True)
    assert "broken" not in instances(rds)


def _failed_run(world: World, strategy: Strategy, status: str) -> Any:
    """A run whose restore ended in ``status`` while ``pulumi up`` waited for it."""
    plan = world.plan(strategy, SourceChoice(snapshot="shop-nightly"))
    world.runbook.check_can_start(plan)
    world.engine.restore_ends_in = (status, MESSAGE)
    with pytest.raises(errors.EngineError, match=f"unexpected state '{status}'"):
        world.runbook.start(plan)
    world.engine.restore_ends_in = None
    return plan


@pytest.mark.parametrize("strategy", list(Strategy))
@pytest.mark.parametrize("status", DELETE_ONLY)
def test_rollback_deletes_the_runs_failed_instance_only_with_consent_and_puts_the_original_back(
    moto: str,
    rds: Any,
    unprotected: dict[str, Any],
    tmp_path: Path,
    strategy: Strategy,
    status: str,
) -> None:
    world = World(moto, tmp_path / "state", FakeClock())
    plan = _failed_run(world, strategy, status)
    failed_name = plan.restore_as
    failed = instances(rds)[failed_name]
    assert failed["DBInstanceStatus"] == status
    parked = instances(rds)[_original_name(rds, unprotected)]
    tags = {t["Key"]: t["Value"] for t in parked["TagList"]}
    assert tags[TAG_RESTORED_ID] == failed["DbiResourceId"], "the run recorded it by identity"

    before = aws_state(rds)
    preview = world.runbook.rollback_preview("shop")
    assert any(
        f"delete the failed restored '{failed_name}' ({failed['DbiResourceId']}, {status})" in line
        and "without a final snapshot" in line
        for line in preview
    ), preview
    with pytest.raises(errors.PreconditionFailed, match=f"{status}.*--delete-restored") as refused:
        world.runbook.rollback("shop")
    assert "nothing was changed" in str(refused.value)
    assert aws_state(rds) == before

    done = world.runbook.rollback("shop", delete_failed=True)
    found = instances(rds)
    assert found["shop"]["DbiResourceId"] == unprotected["DbiResourceId"]
    assert failed["DbiResourceId"] not in {d["DbiResourceId"] for d in found.values()}
    assert set(found) == {"shop"}
    assert not any(
        s["DBSnapshotIdentifier"].endswith("final")
        for s in rds.describe_db_snapshots()["DBSnapshots"]
    ), "RDS takes no final snapshot in this state"
    assert any("without a final snapshot" in line for line in done), done
    assert world.runbook.active_run("shop") is None


def _original_name(rds: Any, original: dict[str, Any]) -> str:
    return next(
        name
        for name, d in instances(rds).items()
        if d["DbiResourceId"] == original["DbiResourceId"]
    )


def test_a_failed_instance_carrying_the_runs_tag_but_not_its_recorded_id_is_never_deleted(
    moto: str, rds: Any, unprotected: dict[str, Any], tmp_path: Path
) -> None:
    world = World(moto, tmp_path / "state", FakeClock())
    plan = _failed_run(world, Strategy.IN_PLACE, "failed")
    from tests.conftest import give_resource_id

    give_resource_id("shop", "db-LOOKALIKE0000000000000000")  # same name and tags, other id
    before = aws_state(rds)
    with pytest.raises(errors.PreconditionFailed, match="not created by restore run"):
        world.runbook.rollback("shop", delete_failed=True)
    assert aws_state(rds) == before
    assert plan.names.aside in instances(rds)


def test_deletion_protection_refused_in_the_failed_state_says_what_to_do(
    moto: str, rds: Any, original: dict[str, Any], tmp_path: Path, monkeypatch: Any
) -> None:
    """The original (and so the restored instance) has deletion protection. Whether RDS lets a
    failed instance's protection be turned off is not documented: the rollback asks, and when RDS
    refuses it says so in one line and changes nothing else."""
    world = World(moto, tmp_path / "state", FakeClock())
    plan = _failed_run(world, Strategy.IN_PLACE, "incompatible-restore")
    monkeypatch.setattr("tests.support.failures.REFUSE_EVERY_MODIFY", True)
    before = _where(rds)
    with pytest.raises(errors.NotAvailable) as refused:
        world.runbook.rollback("shop", delete_failed=True)
    text = str(refused.value)
    assert "deletion protection" in text and "AWS Support" in text, text
    assert f"'{plan.names.aside}'" in text, text
    assert _where(rds) == before, "only the run's step tag says a rollback began"


def _where(rds: Any) -> dict[str, tuple[str, str, bool]]:
    return {
        name: (d["DbiResourceId"], d["DBInstanceStatus"], d["DeletionProtection"])
        for name, d in instances(rds).items()
    }


def test_with_deletion_protection_that_rds_lets_go_the_rollback_completes(
    moto: str, rds: Any, original: dict[str, Any], tmp_path: Path
) -> None:
    world = World(moto, tmp_path / "state", FakeClock())
    _failed_run(world, Strategy.IN_PLACE, "failed")
    world.runbook.rollback("shop", delete_failed=True)
    assert set(instances(rds)) == {"shop"}
    assert instances(rds)["shop"]["DbiResourceId"] == original["DbiResourceId"]


class SlowDeletes(RdsAdapter):
    """RDS after DeleteDBInstance: the instance answers with status ``deleting`` for a while
    (``lag`` seconds of the injected clock) before it is gone (moto deletes at once)."""

    def __init__(self, *args: Any, lag: float = 300.0, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lag = timedelta(seconds=lag)
        self.pending: dict[str, tuple[datetime, str | None]] = {}
        self.crash_after: str | None = None

    def delete_instance(self, identifier: str, *, final_snapshot: str | None) -> None:
        self.pending[identifier] = (self.clock() + self.lag, final_snapshot)
        if self.crash_after == "delete":
            raise Crash("delete")

    def rename_instance(self, identifier: str, new_identifier: str) -> None:
        super().rename_instance(identifier, new_identifier)
        if self.crash_after == "rename-back":
            raise Crash("rename-back")

    def _tick(self) -> None:
        for name, (due, final) in list(self.pending.items()):
            if self.clock() >= due:
                del self.pending[name]
                super().delete_instance(name, final_snapshot=final)

    def _shown(self, found: Instance | None) -> Instance | None:
        if found is not None and found.identifier in self.pending:
            return dataclasses.replace(found, status="deleting")
        return found

    def find_instance(self, identifier: str) -> Instance | None:
        self._tick()
        return self._shown(super().find_instance(identifier))

    def describe_instance(self, identifier: str) -> Instance:
        self._tick()
        found = self._shown(super().describe_instance(identifier))
        assert found is not None
        return found


#: Where a rollback of a failed run can crash: after the delete call (the instance still answers
#: as ``deleting``), and after the rename back (in place only: a swap never renamed the original).
ROLLBACK_CRASHES = [
    (Strategy.IN_PLACE, "delete"),
    (Strategy.IN_PLACE, "rename-back"),
    (Strategy.SWAP, "delete"),
]


@pytest.mark.parametrize(("strategy", "crash_after"), ROLLBACK_CRASHES)
def test_a_rollback_that_crashed_while_deleting_the_failed_instance_finishes_when_run_again(
    moto: str,
    rds: Any,
    unprotected: dict[str, Any],
    tmp_path: Path,
    strategy: Strategy,
    crash_after: str,
) -> None:
    clock = FakeClock()
    world = World(moto, tmp_path / "state", clock)
    _failed_run(world, strategy, "incompatible-restore")
    slow = SlowDeletes(world.rds._client, clock=clock, sleep=clock.sleep)
    world.runbook.rds = slow
    slow.crash_after = crash_after
    with pytest.raises(Crash):
        world.runbook.rollback("shop", delete_failed=True)

    second = World(moto, tmp_path / "state", clock)  # another process: no consent given again
    again = SlowDeletes(second.rds._client, clock=clock, sleep=clock.sleep)
    again.pending = slow.pending
    second.runbook.rds = again
    second.runbook.rollback("shop")
    found = instances(rds)
    assert set(found) == {"shop"}, found
    assert found["shop"]["DbiResourceId"] == unprotected["DbiResourceId"]
    assert second.runbook.active_run("shop") is None


def _failed_cli_run(moto: str, rds: Any, tmp_path: Path) -> tuple[Any, str]:
    """Through the CLI: 'shop' restored in place from its nightly snapshot, the restore ended
    ``failed``; the CLI helper and the failed instance's DbiResourceId."""
    from tests.support.restore_cli import Cli

    cli = Cli(moto, tmp_path, None)
    cli.engine.restore_ends_in = ("failed", MESSAGE)
    ran = cli("restore", "run", "shop", "--snapshot", "shop-nightly", "--yes", "--no-resync")
    assert ran.exit_code != 0 and "unexpected state 'failed'" in ran.stderr, ran.output
    cli.engine.restore_ends_in = None
    return cli, instances(rds)["shop"]["DbiResourceId"]


def test_the_cli_deletes_the_failed_instance_with_yes_only_when_told_to(
    moto: str, rds: Any, unprotected: dict[str, Any], tmp_path: Path
) -> None:
    import json

    from tests.conftest import one_error_line

    cli, failed_id = _failed_cli_run(moto, rds, tmp_path)
    before = aws_state(rds)
    refused = cli("restore", "rollback", "shop", "--yes", "--json")
    one_error_line(refused, 3, "'shop'", "failed", "--delete-restored", "nothing was changed")
    assert aws_state(rds) == before

    rolled = cli("restore", "rollback", "shop", "--yes", "--json", "--delete-restored")
    assert rolled.exit_code == 0, rolled.output
    payload = json.loads(rolled.stdout)
    assert next(iter(payload)) == "schemaVersion"
    assert any(failed_id in line and "without a final snapshot" in line for line in payload["done"])
    assert instances(rds)["shop"]["DbiResourceId"] == unprotected["DbiResourceId"]
    assert failed_id not in {d["DbiResourceId"] for d in instances(rds).values()}


def test_the_cli_prompt_names_the_deletion_and_a_yes_is_the_consent(
    moto: str, rds: Any, unprotected: dict[str, Any], tmp_path: Path
) -> None:
    cli, failed_id = _failed_cli_run(moto, rds, tmp_path)
    before = aws_state(rds)
    declined = cli("restore", "rollback", "shop", interactive=True, input="n\n")
    assert declined.exit_code == 10, declined.output
    shown = f"delete the failed restored 'shop' ({failed_id}, failed) without a final snapshot"
    assert shown in declined.stderr, declined.stderr
    assert "rename the original 'shop-pre-restore-" in declined.stderr, declined.stderr
    assert aws_state(rds) == before

    agreed = cli("restore", "rollback", "shop", interactive=True, input="y\n")
    assert agreed.exit_code == 0, agreed.output
    assert instances(rds)["shop"]["DbiResourceId"] == unprotected["DbiResourceId"]
    assert set(instances(rds)) == {"shop"}


@pytest.mark.parametrize("strategy", list(Strategy))
def test_after_a_crash_during_the_delete_the_preview_says_the_rollback_waits_for_it(
    moto: str, rds: Any, unprotected: dict[str, Any], tmp_path: Path, strategy: Strategy
) -> None:
    """The question a second rollback asks lists what it will do: it waits for the delete the
    first one asked for, and neither renames nor deletes that instance again."""
    clock = FakeClock()
    world = World(moto, tmp_path / "state", clock)
    plan = _failed_run(world, strategy, "incompatible-restore")
    slow = SlowDeletes(world.rds._client, clock=clock, sleep=clock.sleep)
    world.runbook.rds = slow
    slow.crash_after = "delete"
    with pytest.raises(Crash):
        world.runbook.rollback("shop", delete_failed=True)

    second = World(moto, tmp_path / "state", clock)
    again = SlowDeletes(second.rds._client, clock=clock, sleep=clock.sleep)
    again.pending = slow.pending
    second.runbook.rds = again
    for delete_restored in (False, True):
        preview = second.runbook.rollback_preview("shop", delete_restored=delete_restored)
        assert not any("rename the restored" in line for line in preview), preview
        assert not any("final snapshot" in line for line in preview), preview
        assert any(
            f"wait until the failed restored '{plan.restore_as}'" in line
            and "being deleted" in line
            for line in preview
        ), preview


def test_the_failed_instance_is_checked_again_just_before_it_is_deleted(
    moto: str, rds: Any, unprotected: dict[str, Any], tmp_path: Path
) -> None:
    """RDS deletes by name: when another instance has taken the failed one's name since the
    rollback looked (replaced by hand while the rollback tagged the run or turned maintenance
    on), it is not deleted."""
    from tests.conftest import give_resource_id

    world = World(moto, tmp_path / "state", FakeClock())
    plan = _failed_run(world, Strategy.IN_PLACE, "failed")
    adapter = world.runbook.rds
    tag = adapter.add_tags

    def tag_then_replaced(arn: str, tags: dict[str, str]) -> None:
        tag(arn, tags)
        give_resource_id("shop", "db-TOOKTHENAME00000000000000")

    adapter.add_tags = tag_then_replaced  # type: ignore[method-assign]
    with pytest.raises(errors.PreconditionFailed, match="db-TOOKTHENAME"):
        world.runbook.rollback("shop", delete_failed=True)
    assert instances(rds)["shop"]["DbiResourceId"] == "db-TOOKTHENAME00000000000000"
    assert plan.names.aside in instances(rds)
