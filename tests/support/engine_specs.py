"""Restore specs for the in-process engine's tests, from moto's 'shop'."""

from __future__ import annotations

import dataclasses
from typing import Any

from sccos_backup.aws.rds import RdsAdapter, make_rds_client
from sccos_backup.restore.plan import RestoreRequest, Strategy
from sccos_backup.restore.prepare import prepare
from sccos_backup.restore.source import SourceChoice
from sccos_backup.restore.spec import RestoreSpec
from tests.conftest import FakeClock

STACK = "restore-shop"


OUT: Any = lambda text: None  # noqa: E731


def spec_for(moto: str, choice: SourceChoice, target: str, strategy: Strategy) -> RestoreSpec:
    clock = FakeClock()
    client = make_rds_client(region="eu-central-1", profile=None, endpoint_url=moto)
    rds = RdsAdapter(client, clock=clock, sleep=clock.sleep)
    spec = prepare(rds, RestoreRequest("shop", choice, strategy=strategy), clock()).spec
    return dataclasses.replace(spec, target_identifier=target)


def aside(rds: Any) -> None:
    rds.modify_db_instance(
        DBInstanceIdentifier="shop", NewDBInstanceIdentifier="shop-old", ApplyImmediately=True
    )


SNAPSHOT = SourceChoice(snapshot="shop-nightly")


LATEST = SourceChoice(latest=True)
