"""The ``snapshot`` command group through CliRunner on moto's server, with a fake clock."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import boto3
import botocore.config
import pytest
from typer.testing import CliRunner, Result

from automation.commands.snapshot import app
from sccos_backup.aws.rds import RdsAdapter
from tests.conftest import REGION, FakeClock
from tests.quota_standin import answer_quota
from tests.support.factory import FakeFactory

Run = Callable[..., Result]


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime.now(UTC))


@pytest.fixture
def cli(moto: str, clock: FakeClock) -> Run:
    """Invoke the ``snapshot`` group with a FakeFactory holding a fake clock, on a client
    that answers DescribeAccountAttributes (:mod:`tests.quota_standin`) unless quota=None."""

    def run(
        *args: str,
        input: str | None = None,
        interactive: bool = False,
        adapter: type[RdsAdapter] = RdsAdapter,
        quota: int | None = 100,
    ) -> Result:
        # No retries: moto answers the quota call with HTTP 500 (quota=None leaves it so).
        config = botocore.config.Config(retries={"mode": "standard", "max_attempts": 1})
        client = boto3.client("rds", region_name=REGION, endpoint_url=moto, config=config)
        if quota is not None:
            answer_quota(client, limit=quota)
        obj = FakeFactory(
            endpoint_url=moto,
            region=REGION,
            clock=clock,
            sleep=clock.sleep,
            interactive=interactive,
            rds=adapter(client, clock=clock, sleep=clock.sleep),
        )
        return CliRunner().invoke(app, list(args), obj=obj, input=input)

    return run
