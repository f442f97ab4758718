"""`restore rehearse` makes the checks `restore run` makes (as `sccos-backup doctor`) before it
creates anything, and refuses with one line naming the failed check."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from typer.testing import CliRunner

from automation.cli import app
from sccos_backup.restore.lock import lock_scope
from tests.conftest import REGION, FakeClock, aws_state, make_instance, one_error_line
from tests.fake_jenkins import FakeJenkins
from tests.inprocess_engine import InProcessEngine
from tests.support.factory import FakeFactory

pytestmark = pytest.mark.aws_in_process


@pytest.fixture
def jenkins() -> Iterator[FakeJenkins]:
    with FakeJenkins() as server:
        yield server


class Rehearse:
    """``sccos-backup restore rehearse shop --yes`` with the in-process engine."""

    def __init__(self, moto: str, tmp_path: Path, jenkins: FakeJenkins) -> None:
        self.moto = moto
        self.state = tmp_path / "state"
        self.engine = InProcessEngine(moto, self.state)
        self.jenkins = jenkins

    def __call__(self, *args: str) -> Any:
        clock = FakeClock()
        context = FakeFactory(clock=clock, sleep=clock.sleep, interactive=False, engine=self.engine)
        env = {
            "JENKINS_URL": self.jenkins.url,
            "JENKINS_USER": self.jenkins.user,
            "JENKINS_API_TOKEN": self.jenkins.token,
        }
        command = ["restore", "rehearse", "shop", "--yes", *args]
        return CliRunner().invoke(
            app,
            ["--endpoint-url", self.moto, "--region", REGION, *command],
            obj=context,
            env=env,
        )

    def nothing_created(self, rds: Any, before: str) -> None:
        assert aws_state(rds) == before
        assert not self.state.exists() or not any(self.state.rglob("*.json"))
        assert self.jenkins.jobs == {}


def test_a_held_lock_on_production_is_refused_before_anything_is_created(
    moto: str, rds: Any, tmp_path: Path, jenkins: FakeJenkins, distinct_resource_ids: None
) -> None:
    shop = make_instance(rds)
    rds.create_db_snapshot(DBInstanceIdentifier="shop", DBSnapshotIdentifier="shop-nightly")
    lock = FakeFactory(region=REGION, endpoint_url=moto).lock(None)
    lock.acquire("shop", lock_scope(shop["DBInstanceArn"]), "restore run", None)
    rehearse = Rehearse(moto, tmp_path, jenkins)
    before = aws_state(rds)
    for mode in ((), ("--json",)):
        refused = rehearse(*mode)
        one_error_line(refused, 3, "State backend and lock", "locked by", "nothing was changed")
        rehearse.nothing_created(rds, before)


def test_a_disabled_kms_key_is_refused_before_the_stand_in_is_created(
    moto: str, rds: Any, tmp_path: Path, jenkins: FakeJenkins, distinct_resource_ids: None
) -> None:
    kms = boto3.client("kms", region_name=REGION, endpoint_url=moto)
    metadata = kms.create_key()["KeyMetadata"]
    make_instance(rds, StorageEncrypted=True, KmsKeyId=metadata["Arn"])
    rds.create_db_snapshot(DBInstanceIdentifier="shop", DBSnapshotIdentifier="shop-nightly")
    kms.disable_key(KeyId=metadata["KeyId"])
    rehearse = Rehearse(moto, tmp_path, jenkins)
    before = aws_state(rds)
    refused = rehearse()
    one_error_line(refused, 3, "KMS key", "Disabled")
    assert "Checks (as `sccos-backup doctor`)" in refused.stdout, "the table, as restore run"
    rehearse.nothing_created(rds, before)
