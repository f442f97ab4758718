"""`restore cleanup` deletes the parked original only while nothing else is under way: it holds
the database's lock (the one runs and rollbacks hold), checks everything again after its
prompt (a rollback may have started while the prompt waited), says in the prompt everything it
deletes and keeps, and a cleanup killed while RDS deletes completes when run again."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import typer

from automation.runbook.runbook import Callbacks, Runbook
from sccos_backup.aws.rds import RdsAdapter, make_rds_client
from tests.conftest import ACCOUNT, REGION, aws_state, one_error_line
from tests.fake_jenkins import FakeJenkins
from tests.support.restore_cli import Cli, shop_with_pipelines

pytestmark = pytest.mark.aws_in_process


@pytest.fixture
def shop(rds: Any, moto: str) -> dict[str, Any]:
    return shop_with_pipelines(rds, moto)


class Crash(BaseException):
    """The rollback's process died (the run stays in step rolling-back)."""


def _finished(cli: Cli) -> str:
    done = cli("restore", "run", "shop", "--snapshot", "shop-nightly", "--yes", "--json")
    assert done.exit_code == 0, done.output
    return str(json.loads(done.stdout)["originalRenamedTo"])


def _runbook(cli: Cli, **callbacks: Any) -> Runbook:
    client = make_rds_client(region=REGION, profile=None, endpoint_url=cli.moto)
    rds = RdsAdapter(client, clock=cli.clock, sleep=cli.clock.sleep)
    return Runbook(rds=rds, engine=cli.engine, clock=cli.clock, callbacks=Callbacks(**callbacks))


def _ids(rds: Any) -> dict[str, str]:
    return {
        d["DBInstanceIdentifier"]: d["DbiResourceId"]
        for d in rds.describe_db_instances()["DBInstances"]
    }


def test_a_cleanup_answered_while_a_rollback_is_under_way_deletes_nothing(
    moto: str,
    rds: Any,
    shop: dict[str, Any],
    tmp_path: Path,
    jenkins: FakeJenkins,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    cli = Cli(moto, tmp_path, jenkins)
    aside = _finished(cli)
    prompts: list[str] = []
    states: list[str] = []

    def stop_before_the_original_is_back(line: str) -> None:
        if "back to 'shop'" in line:
            raise Crash(line)

    def answer(question: str, **_: Any) -> bool:
        prompts.append(question)
        with pytest.raises(Crash):  # `rollback --force --yes` in another terminal, still going
            _runbook(cli, notify=stop_before_the_original_is_back).rollback("shop", force=True)
        states.append(aws_state(rds))
        return True

    monkeypatch.setattr(typer, "confirm", answer)
    result = cli("restore", "cleanup", "shop", interactive=True)
    assert prompts, result.output
    one_error_line(result, 3, "being rolled back", "nothing was deleted", progress=True)
    assert aws_state(rds) == states[0], "nothing changed after the answer"
    assert _ids(rds)[aside] == shop["DbiResourceId"], "the original is still there"

    finished = cli("restore", "rollback", "shop", "--yes", "--force")
    assert finished.exit_code == 0, finished.output
    assert _ids(rds)["shop"] == shop["DbiResourceId"]


def test_cleanup_refuses_while_the_database_is_locked(
    moto: str, rds: Any, shop: dict[str, Any], tmp_path: Path, jenkins: FakeJenkins
) -> None:
    from sccos_backup.restore.lock import lock_scope
    from tests.support.factory import FakeFactory

    cli = Cli(moto, tmp_path, jenkins)
    _finished(cli)
    context = FakeFactory(clock=cli.clock, sleep=cli.clock.sleep, interactive=False)
    lock = context.lock(None)
    arn = f"arn:aws:rds:{REGION}:{ACCOUNT}:db:shop"
    before = aws_state(rds)
    with lock.held("shop", lock_scope(arn), "restore rollback", "202611251200"):
        result = cli("restore", "cleanup", "shop", "--yes")
    one_error_line(result, 3, "locked by", "restore rollback")
    assert aws_state(rds) == before


def test_the_prompt_names_everything_deleted_and_kept(
    moto: str,
    rds: Any,
    shop: dict[str, Any],
    tmp_path: Path,
    jenkins: FakeJenkins,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    cli = Cli(moto, tmp_path, jenkins)
    aside = _finished(cli)
    from moto.rds.models import rds_backends

    secret = f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:rds!db-1234-abcdef"
    database = rds_backends[ACCOUNT][REGION].databases[aside]
    database.master_user_secret_status = "active"  # as RDS shows a managed master password
    monkeypatch.setattr(
        type(database),
        "master_user_secret",
        property(lambda self: {"SecretArn": secret, "SecretStatus": "active"}),
        raising=False,
    )
    prompts: list[str] = []
    monkeypatch.setattr(typer, "confirm", lambda q, **_: prompts.append(q) or False)
    declined = cli("restore", "cleanup", "shop", interactive=True)
    assert declined.exit_code == 10, declined.output
    [prompt] = prompts
    assert f"'{aside}'" in prompt and shop["DbiResourceId"] in prompt, prompt
    assert "automated backups" in prompt and "5 days" in prompt, prompt
    assert secret in prompt, prompt
    assert f"{aside}-final" in prompt, prompt


class SlowDeletes(RdsAdapter):
    """RDS as AWS deletes: the instance shows ``deleting`` (its final snapshot being taken) for
    a while, and a second DeleteDBInstance then fails with InvalidDBInstanceState (RDS API
    reference, DeleteDBInstance errors). moto deletes at once; this keeps the instance
    ``deleting`` until :meth:`finish`."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.deleting: dict[str, str] = {}

    def delete_instance(self, identifier: str, *, final_snapshot: str) -> None:
        from moto.rds.models import rds_backends

        from sccos_backup import errors

        database = rds_backends[ACCOUNT][REGION].databases[identifier]
        if database.status == "deleting":
            raise errors.NotAvailable(
                f"deleting DB instance '{identifier}': Instance {identifier} is already being "
                "deleted."
            )
        database.status = "deleting"
        self.deleting[identifier] = final_snapshot

    def finish(self) -> None:
        for identifier, final in self.deleting.items():
            super().delete_instance(identifier, final_snapshot=final)
        self.deleting.clear()


def test_a_cleanup_killed_while_rds_deletes_completes_when_run_again(
    moto: str, rds: Any, shop: dict[str, Any], tmp_path: Path, jenkins: FakeJenkins
) -> None:
    cli = Cli(moto, tmp_path, jenkins)
    aside = _finished(cli)
    client = make_rds_client(region=REGION, profile=None, endpoint_url=moto)
    slow = SlowDeletes(client, clock=cli.clock, sleep=cli.clock.sleep)
    runbook = Runbook(rds=slow, engine=cli.engine, clock=cli.clock)
    record = runbook.cleanup_target("shop")
    runbook.context.delete_with_final_snapshot(record.original.identifier, f"{aside}-final")
    # ... and the process was killed there; RDS goes on deleting.
    assert (
        rds.describe_db_instances(DBInstanceIdentifier=aside)["DBInstances"][0]["DBInstanceStatus"]
        == "deleting"
    )

    from tests.support.factory import FakeFactory

    def again() -> Any:
        context = FakeFactory(
            clock=cli.clock, sleep=cli.clock.sleep, interactive=False, engine=cli.engine, rds=slow
        )
        from typer.testing import CliRunner

        from automation.cli import app

        return CliRunner().invoke(
            app,
            ["--endpoint-url", moto, "--region", REGION, "restore", "cleanup", "shop", "--yes"],
            obj=context,
        )

    real_sleep = cli.clock.sleep

    def sleep(seconds: float) -> None:  # RDS finishes while the second cleanup waits
        real_sleep(seconds)
        slow.finish()

    slow.sleep = sleep
    result = again()
    assert result.exit_code == 0, result.output
    assert aside in result.stdout and "already being deleted" in result.stdout, result.stdout
    assert aside not in _ids(rds)
    snapshots = {d["DBSnapshotIdentifier"] for d in rds.describe_db_snapshots()["DBSnapshots"]}
    assert f"{aside}-final" in snapshots


def test_a_cleanup_killed_with_its_lock_held_takes_the_lock_over_when_run_again(
    moto: str, rds: Any, shop: dict[str, Any], tmp_path: Path, jenkins: FakeJenkins
) -> None:
    """kill -9 leaves the lock behind; the cleanup run again finds it held by its own run's
    cleanup whose process is gone, takes it over and finishes."""
    import socket

    from sccos_backup.restore.lock import DatabaseLock, lock_scope
    from tests.support.factory import FakeFactory
    from tests.support.world import gone_pid

    cli = Cli(moto, tmp_path, jenkins)
    aside = _finished(cli)
    run = aside.rsplit("-", 1)[1]
    context = FakeFactory(clock=cli.clock, sleep=cli.clock.sleep, interactive=False)
    lock = context.lock(None)
    dead = DatabaseLock(
        lock._store,  # the same backend folder, held by a process that no longer exists
        backend=lock.backend,
        clock=cli.clock,
        holder=f"me@{socket.gethostname()} pid {gone_pid()}",
    )
    dead.acquire(
        "shop", lock_scope(f"arn:aws:rds:{REGION}:{ACCOUNT}:db:shop"), "restore cleanup", run
    )
    result = cli("restore", "cleanup", "shop", "--yes")
    assert result.exit_code == 0, result.output
    assert "took over the lock" in result.output, result.output
    assert aside not in _ids(rds)
