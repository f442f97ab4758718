"""The restore commands through CliRunner against moto's server with the in-process engine, and a
shop with its maintenance pipelines."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from typer.testing import CliRunner

from automation.cli import app
from tests.conftest import REGION, FakeClock, make_protected_shop
from tests.fake_jenkins import FakeJenkins
from tests.inprocess_engine import InProcessEngine
from tests.support.factory import FakeFactory
from tests.support.pipelines import create_pipelines


@pytest.fixture
def jenkins() -> Iterator[FakeJenkins]:
    """A fake Jenkins server (registered suite-wide in tests/conftest.py)."""
    with FakeJenkins() as server:
        yield server


def shop_with_pipelines(rds: Any, moto: str) -> dict[str, Any]:
    """'shop' (Multi-AZ, its own parameter group, deletion protection) with the snapshot
    'shop-nightly' and the maintenance pipelines of environment 'prod'."""
    created = make_protected_shop(
        rds,
        Tags=[{"Key": "Environment", "Value": "production"}],
    )
    rds.create_db_snapshot(DBInstanceIdentifier="shop", DBSnapshotIdentifier="shop-nightly")
    codepipeline = boto3.client("codepipeline", region_name=REGION, endpoint_url=moto)
    create_pipelines(moto, codepipeline, "Maintenance_Enable_prod", "Maintenance_Disable_prod")
    return created


class Cli:
    """``sccos-backup --endpoint-url <moto> --region ...`` with a fake clock and the in-process
    engine (its state in ``tmp_path/state``), and the fake Jenkins' settings (or none) and
    ``env`` in the environment."""

    def __init__(
        self,
        moto: str,
        tmp_path: Path,
        jenkins: FakeJenkins | None,
        *,
        env: dict[str, str] | None = None,
    ) -> None:
        self.moto = moto
        self.clock = FakeClock()
        self.state = tmp_path / "state"
        self.engine: Any = InProcessEngine(moto, self.state)
        self.jenkins = jenkins
        self.tmp_path = tmp_path
        self.env = env or {}

    def __call__(self, *args: str, interactive: bool = False, input: str | None = None) -> Any:
        context = FakeFactory(
            clock=self.clock, sleep=self.clock.sleep, interactive=interactive, engine=self.engine
        )
        env = {"JENKINS_URL": "", "JENKINS_USER": "", "JENKINS_API_TOKEN": ""}
        if self.jenkins is not None:
            env = {
                "JENKINS_URL": self.jenkins.url,
                "JENKINS_USER": self.jenkins.user,
                "JENKINS_API_TOKEN": self.jenkins.token,
            }
        return CliRunner().invoke(
            app,
            ["--endpoint-url", self.moto, "--region", REGION, *args],
            obj=context,
            env={**env, **self.env},
            input=input,
        )

    def stacks(self) -> list[str]:
        """The engine's stacks, as the files of its state folder."""
        return sorted(p.name for p in self.state.rglob("*.json")) if self.state.exists() else []
