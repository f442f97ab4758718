"""`restore resume` and `restore run --plan` continuing a run check again what can change
between the start of a run and its continuation (Jenkins rights, the lock, maintenance
pipelines, IAM, the engine), before any change, with the table `restore run` shows."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.conftest import aws_state, one_error_line
from tests.fake_jenkins import FakeJenkins
from tests.support.restore_cli import Cli, shop_with_pipelines

pytestmark = pytest.mark.aws_in_process


@pytest.fixture
def shop(rds: Any, moto: str) -> dict[str, Any]:
    return shop_with_pipelines(rds, moto)


def _interrupted_at_up(cli: Cli, *args: str) -> Any:
    real_up = cli.engine.up

    def interrupted(*_: Any, **__: Any) -> Any:
        raise KeyboardInterrupt

    cli.engine.up = interrupted  # type: ignore[method-assign]
    first = cli("restore", "run", "shop", *args, "--yes")
    assert first.exit_code == 130, first.output
    cli.engine.up = real_up  # type: ignore[method-assign]
    return first


def test_resume_checks_jenkins_rights_again_before_any_change(
    moto: str, rds: Any, shop: Any, tmp_path: Path, jenkins: FakeJenkins
) -> None:
    cli = Cli(moto, tmp_path, jenkins)
    _interrupted_at_up(cli, "--snapshot", "shop-nightly")
    jenkins.forbid.add("hudson.model.Item.Create")  # taken away while the run was stopped
    before = aws_state(rds)
    refused = cli("restore", "resume", "shop")
    assert "Jenkins rights to configure and build" in refused.stdout, refused.output
    assert "Result: NOT READY (1 failed)" in refused.stdout
    one_error_line(refused, 5, "Jenkins rights to configure and build", "Job/Create")
    assert aws_state(rds) == before, "resume changed AWS before refusing"
    assert not jenkins.jobs
    jenkins.forbid.clear()
    resumed = cli("restore", "resume", "shop")
    assert resumed.exit_code == 0, resumed.output


def test_resume_does_not_check_jenkins_when_the_resync_is_dropped(
    moto: str, rds: Any, shop: Any, tmp_path: Path, jenkins: FakeJenkins
) -> None:
    cli = Cli(moto, tmp_path, jenkins)
    _interrupted_at_up(cli, "--snapshot", "shop-nightly")
    jenkins.forbid.add("hudson.model.Item.Create")
    resumed = cli("restore", "resume", "shop", "--no-resync")
    assert resumed.exit_code == 0, resumed.output


def test_run_with_its_plan_continuing_a_run_checks_again(
    moto: str, rds: Any, shop: Any, tmp_path: Path, jenkins: FakeJenkins
) -> None:
    cli = Cli(moto, tmp_path, jenkins)
    plan = tmp_path / "plan.json"
    made = cli("restore", "plan", "shop", "--snapshot", "shop-nightly", "--out", str(plan))
    assert made.exit_code == 0, made.output
    _interrupted_at_up(cli, "--plan", str(plan))
    jenkins.forbid.add("hudson.model.Item.Create")
    before = aws_state(rds)
    refused = cli("restore", "run", "--plan", str(plan), "--yes")
    assert "Result: NOT READY (1 failed)" in refused.stdout, refused.output
    one_error_line(refused, 5, "Jenkins rights to configure and build")
    assert aws_state(rds) == before


def test_the_lock_a_killed_run_left_passes_the_check_and_is_taken_over(
    moto: str, rds: Any, shop: Any, tmp_path: Path, jenkins: FakeJenkins
) -> None:
    import json
    import socket

    from automation.commands.factory import Factory
    from sccos_backup.restore.lock import DatabaseLock, lock_scope
    from tests.conftest import REGION
    from tests.support.world import gone_pid

    cli = Cli(moto, tmp_path, jenkins)
    _interrupted_at_up(cli, "--snapshot", "shop-nightly", "--no-resync")
    run = json.loads(cli("restore", "status", "shop", "--json").stdout)["run"]
    lock = Factory(region=REGION, endpoint_url=moto).lock(None)
    killed = f"me@{socket.gethostname()} pid {gone_pid()}"  # as a SIGKILL leaves it
    DatabaseLock(lock.store, backend=lock.backend, clock=cli.clock, holder=killed).acquire(
        "shop", lock_scope(shop["DBInstanceArn"]), "restore run", run
    )
    resumed = cli("restore", "resume", "shop", "--no-resync")
    assert resumed.exit_code == 0, resumed.output
    assert "took over the lock" in resumed.stdout
