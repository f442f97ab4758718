"""One restore at a time per database: the backend lock, the claim tag, the recorded backend."""

from __future__ import annotations

import asyncio
import queue
import threading
from pathlib import Path
from typing import Any

import boto3
import pytest

from automation.runbook.claim import TAG_CLAIM_PREFIX, claim_and_tag
from automation.runbook.record import TAG_BACKEND, TAG_RUN, RunRecord
from automation.runbook.runbook import Callbacks, Runbook
from sccos_backup import errors
from sccos_backup.aws.rds import RdsAdapter, make_rds_client
from sccos_backup.aws.s3 import S3Store
from sccos_backup.objects import FolderStore
from sccos_backup.restore.lock import (
    DatabaseLock,
    backend_identity,
    lock_key,
    lock_scope,
    lock_store_for,
    same_backend,
)
from sccos_backup.restore.plan import RestoreRequest, Strategy
from sccos_backup.restore.prepare import prepare
from sccos_backup.restore.source import SourceChoice
from tests.conftest import REGION, FakeClock, aws_state, make_instance
from tests.inprocess_engine import InProcessEngine
from tests.support.world import gone_pid

pytestmark = pytest.mark.aws_in_process

MUTATING = ("add_tags", "remove_tags", "rename_instance", "modify_instance", "delete_instance")


class RecordingRds(RdsAdapter):
    """The real adapter, noting every call that changes something."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.changes: list[str] = []

    def add_tags(self, arn: str, tags: Any) -> None:
        self.changes.append(f"add_tags {sorted(tags)}")
        super().add_tags(arn, tags)

    def remove_tags(self, arn: str, keys: Any) -> None:
        self.changes.append(f"remove_tags {sorted(keys)}")
        super().remove_tags(arn, keys)

    def rename_instance(self, identifier: str, new_identifier: str) -> None:
        self.changes.append(f"rename {identifier}->{new_identifier}")
        super().rename_instance(identifier, new_identifier)


class Machine:
    """One operator's machine: its own clients, engine state and (maybe shared) backend."""

    def __init__(self, moto: str, tmp_path: Path, name: str, backend: Path) -> None:
        self.clock = FakeClock()
        client = make_rds_client(region=REGION, profile=None, endpoint_url=moto)
        self.rds = RecordingRds(client, clock=self.clock, sleep=self.clock.sleep)
        self.engine = InProcessEngine(moto, tmp_path / f"{name}-stacks")
        self.pause_at: str | None = None
        self.paused = threading.Event()
        self.go_on = threading.Event()
        self.events: queue.Queue[tuple[str, Machine]] = queue.Queue()  # may be shared
        url = "file://" + str(backend)
        self.lock = DatabaseLock(
            FolderStore(backend), backend=backend_identity(url), clock=self.clock, holder=name
        )
        self.runbook = Runbook(
            rds=self.rds,
            engine=self.engine,
            clock=self.clock,
            callbacks=Callbacks(after_step=self._after_step),
            first_interval=1.0,
            backend=self.lock.backend,
            lock=self.lock,
        )

    def _after_step(self, key: str) -> None:
        if key == self.pause_at:
            self.paused.set()
            self.events.put(("paused", self))
            assert self.go_on.wait(60), "the test never let the run go on"

    def plan(self) -> Any:
        request = RestoreRequest(
            "shop", SourceChoice(snapshot="shop-nightly"), strategy=Strategy.IN_PLACE, resync=False
        )
        plan = prepare(self.rds, request, self.clock())
        self.runbook.check_can_start(plan)
        return plan


@pytest.fixture
def shop(rds: Any) -> dict[str, Any]:
    created = make_instance(rds)
    rds.create_db_snapshot(DBInstanceIdentifier="shop", DBSnapshotIdentifier="shop-nightly")
    return created


# -- the lock on its own ---------------------------------------------------------------------


def test_a_file_lock_is_exclusive_and_released_only_by_its_holder(tmp_path: Path) -> None:
    clock = FakeClock()
    store = FolderStore(tmp_path / "backend")
    alice = DatabaseLock(store, backend="file:///b", clock=clock, holder="alice@one pid 1")
    bob = DatabaseLock(store, backend="file:///b", clock=clock, holder="bob@two pid 2")
    mine = alice.acquire("shop", "1/eu", "restore run", "202611251200")
    with pytest.raises(errors.RunInProgress) as refused:
        bob.acquire("shop", "1/eu", "restore resume", None)
    message = str(refused.value)
    assert "alice@one pid 1 (restore run for run 202611251200) since 2026-11-25T12:00:00Z" in (
        message
    )
    assert "restore unlock shop" in message
    bob.release("shop", "1/eu", mine.__class__(**{**vars(mine), "token": "not-mine"}))
    assert bob.holder("shop", "1/eu") is not None, "a release only removes the lock it took"
    other = bob.acquire("shop", "2/eu", "restore run", None)  # another account: another lock
    alice.release("shop", "1/eu", mine)
    assert alice.holder("shop", "1/eu") is None
    bob.release("shop", "2/eu", other)


def test_a_lock_its_own_run_left_is_taken_over_only_when_the_holder_is_gone(
    tmp_path: Path,
) -> None:
    """Same run id and, on this host, a holder process that no longer exists; or a remote
    holder whose lease expired. Anything else still needs `restore unlock`."""
    import os
    import socket
    from datetime import timedelta

    clock = FakeClock()
    store = FolderStore(tmp_path / "backend")
    host = socket.gethostname()
    resumer = DatabaseLock(store, backend="file:///b", clock=clock, holder=f"me@{host} pid 7")

    def left_by(holder: str, run: str = "202611251200") -> None:
        store.delete(lock_key("shop", "1/eu"))
        DatabaseLock(store, backend="file:///b", clock=clock, holder=holder).acquire(
            "shop", "1/eu", "restore run", run
        )

    def takes_over(run: str = "202611251200") -> bool:
        try:
            mine = resumer.acquire("shop", "1/eu", "restore resume", run, take_over=True)
        except errors.RunInProgress:
            return False
        resumer.release("shop", "1/eu", mine)
        return True

    left_by(f"me@{host} pid {gone_pid()}")
    assert not takes_over("202611251300"), "another run's lock"
    assert takes_over()
    assert resumer.taken_over is not None and resumer.taken_over.run == "202611251200"
    left_by(f"me@{host} pid {os.getpid()}")
    assert not takes_over(), "its holder is alive"
    left_by("me@elsewhere pid 1")
    assert not takes_over(), "a remote holder within its lease"
    clock.now += timedelta(hours=25)
    assert takes_over(), "a remote holder whose lease expired"
    with pytest.raises(errors.RunInProgress, match="restore unlock shop"):
        left_by(f"me@{host} pid {os.getpid()}")
        resumer.acquire("shop", "1/eu", "restore resume", "202611251200")  # no take-over asked


def test_the_lock_is_released_when_the_block_raises(tmp_path: Path) -> None:
    lock = DatabaseLock(FolderStore(tmp_path), backend="file:///b", clock=FakeClock())
    with pytest.raises(KeyboardInterrupt), lock.held("shop", "1/eu", "restore run"):
        raise KeyboardInterrupt
    assert lock.holder("shop", "1/eu") is None


def test_backend_identity_and_scope() -> None:
    assert backend_identity("s3://bucket/team?region=eu-central-1&endpoint=x") == "s3://bucket/team"
    assert same_backend("file:///tmp/state/", "file:///tmp/./state")
    assert not same_backend("file:///home/alice/state", "file:///home/bob/state")
    assert not same_backend("s3://a/x", "s3://a/y")
    assert lock_scope("arn:aws:rds:eu-central-1:123456789012:db:shop") == (
        "123456789012/eu-central-1"
    )


def test_s3_lock_uses_a_conditional_write_that_moto_enforces(moto: str) -> None:
    s3 = boto3.client("s3", region_name=REGION, endpoint_url=moto)
    s3.create_bucket(Bucket="state", CreateBucketConfiguration={"LocationConstraint": REGION})
    store = lock_store_for(
        "s3://state/team?region=eu-central-1", region=None, profile=None, endpoint_url=moto
    )
    assert isinstance(store, S3Store)
    assert store.create("locks/shop.json", b"first")
    assert not store.create("locks/shop.json", b"second"), "If-None-Match: * must refuse"
    assert store.read("locks/shop.json") == b"first"
    body = s3.get_object(Bucket="state", Key="team/locks/shop.json")["Body"].read()
    assert body == b"first"
    store.delete("locks/shop.json")
    assert store.read("locks/shop.json") is None


# -- two runs on one database ---------------------------------------------------------------


def _start(machine: Machine, plan: Any, outcome: dict[str, Any]) -> None:
    asyncio.set_event_loop(asyncio.new_event_loop())  # the Pulumi mocks need one per thread
    try:
        outcome[machine.lock.holder_name] = machine.runbook.start(plan)
    except Exception as error:
        outcome[machine.lock.holder_name] = error
    machine.events.put(("finished", machine))


def test_two_runs_at_once_on_a_shared_backend_exactly_one_proceeds(
    moto: str, rds: Any, shop: Any, tmp_path: Path
) -> None:
    backend = tmp_path / "shared-backend"
    one = Machine(moto, tmp_path, "one", backend)
    two = Machine(moto, tmp_path, "two", backend)
    plans = {"one": one.plan(), "two": two.plan()}  # both checked: neither sees the other yet
    one.pause_at = two.pause_at = "rename-original"
    one.events = two.events = queue.Queue()  # what each run did, in order, as it happens
    outcome: dict[str, Any] = {}
    threads = {
        m: threading.Thread(target=_start, args=(m, plans[n], outcome))
        for n, m in (("one", one), ("two", two))
    }
    for thread in threads.values():
        thread.start()
    try:
        # Each run either pauses at its first step or finishes (refused): two events in all.
        # Waiting on those rather than on each run's pause keeps a refusal from costing a timeout.
        happened = [one.events.get(timeout=20) for _ in range(2)]
        kinds = sorted(kind for kind, _ in happened)
        assert kinds == ["finished", "paused"], f"exactly one run reaches its first step: {outcome}"
        winner = next(m for kind, m in happened if kind == "paused")
        loser = next(m for kind, m in happened if kind == "finished")
        assert winner is not loser
        threads[loser].join(20)
        assert not loser.paused.is_set(), "the refused run never reached its first step"
        refused = outcome[loser.lock.holder_name]
        assert isinstance(refused, errors.RunInProgress)
        assert f"locked by {winner.lock.holder_name}" in str(refused)
        assert loser.rds.changes == [], "the refused run changed nothing"
    except BaseException:
        for machine in threads:  # let any paused run end so a failure does not wait it out
            machine.go_on.set()
        raise

    state = aws_state(rds)  # the winner is inside its run; a resume of the loser changes nothing
    with pytest.raises(errors.RunInProgress, match="locked by"):
        loser.runbook.resume("shop")
    assert aws_state(rds) == state
    assert loser.rds.changes == []

    winner.go_on.set()
    for thread in threads.values():
        thread.join(60)
    assert not isinstance(outcome[winner.lock.holder_name], Exception)
    assert winner.lock.holder("shop", lock_scope(shop["DBInstanceArn"])) is None, "released"
    with pytest.raises(errors.NotFound, match="no restore run"):
        loser.runbook.resume("shop")
    assert loser.rds.changes == []


def test_runs_on_different_backends_are_told_apart_by_the_claim_tag(
    moto: str, rds: Any, shop: Any, tmp_path: Path
) -> None:
    one = Machine(moto, tmp_path, "one", tmp_path / "backend-one")
    two = Machine(moto, tmp_path, "two", tmp_path / "backend-two")
    plans = {"one": one.plan(), "two": two.plan()}
    one.pause_at = "rename-original"
    outcome: dict[str, Any] = {}
    thread = threading.Thread(target=_start, args=(one, plans["one"], outcome))
    thread.start()
    assert one.paused.wait(20)
    state = aws_state(rds)
    with pytest.raises(errors.RunInProgress, match="no instance is named 'shop' any more"):
        two.runbook.start(plans["two"])
    assert aws_state(rds) == state
    assert two.rds.changes == []
    one.go_on.set()
    thread.join(60)
    assert not isinstance(outcome["one"], Exception)
    with pytest.raises(errors.RunInProgress, match="no longer the instance the plan observed"):
        two.runbook.start(plans["two"])  # 'shop' is now the restored instance of run one
    assert two.rds.changes == []


def test_a_claim_that_lands_between_write_and_read_back_makes_the_later_run_refuse(
    moto: str, rds: Any, shop: Any, tmp_path: Path
) -> None:
    one = Machine(moto, tmp_path, "one", tmp_path / "backend-one")
    two = Machine(moto, tmp_path, "two", tmp_path / "backend-two")
    plan_one, plan_two = one.plan(), two.plan()
    refused: list[Exception] = []
    real_add = one.rds.add_tags

    def add_then_race(arn: str, tags: Any) -> None:
        real_add(arn, tags)
        if any(k.startswith(TAG_CLAIM_PREFIX) for k in tags):  # two claims right after one
            try:
                claim_and_tag(two.rds, plan_two, RunRecord.tags_for(plan_two), "two")
            except errors.RunInProgress as error:
                refused.append(error)

    one.rds.add_tags = add_then_race  # type: ignore[method-assign]
    claim_and_tag(one.rds, plan_one, RunRecord.tags_for(plan_one, "file:///one"), "one")
    assert len(refused) == 1 and "claiming it right now" in str(refused[0])
    tags = {t["Key"]: t["Value"] for t in rds.describe_db_instances()["DBInstances"][0]["TagList"]}
    assert tags[TAG_RUN] == plan_one.names.run_id
    assert tags[TAG_BACKEND] == "file:///one"
    assert not any(k.startswith(TAG_CLAIM_PREFIX) for k in tags), "both claims are removed"


def test_resume_on_another_backend_is_refused_naming_both(
    moto: str, rds: Any, shop: Any, tmp_path: Path
) -> None:
    one = Machine(moto, tmp_path, "one", tmp_path / "backend-one")
    plan = one.plan()

    def crash(key: str) -> None:
        if key == "rename-original":
            raise KeyboardInterrupt

    one.runbook.callbacks = Callbacks(after_step=crash)
    with pytest.raises(KeyboardInterrupt):
        one.runbook.start(plan)
    two = Machine(moto, tmp_path, "two", tmp_path / "backend-two")
    state = aws_state(rds)
    with pytest.raises(errors.PreconditionFailed) as refused:
        two.runbook.resume("shop")
    message = str(refused.value)
    assert f"file://{tmp_path / 'backend-one'}" in message
    assert f"file://{tmp_path / 'backend-two'}" in message
    assert "--backend-url" in message
    assert aws_state(rds) == state and two.rds.changes == []
    with pytest.raises(errors.PreconditionFailed, match="backend-two"):
        two.runbook.rollback("shop")
    assert aws_state(rds) == state and two.rds.changes == []
    one.runbook.callbacks = Callbacks()
    one.runbook.resume("shop")  # the same backend continues
