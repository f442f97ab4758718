"""AWS faults at each call of the runbook: transient ones are retried with backoff (botocore's
standard mode); a permanent one stops cleanly at a point from which the run resumes."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from typer.testing import CliRunner

from automation.cli import app
from sccos_backup.aws.maintenance import MaintenanceAdapter, make_codepipeline_client
from sccos_backup.aws.rds import RdsAdapter, make_rds_client
from tests.conftest import REGION, FakeClock, make_instance
from tests.fake_jenkins import FakeJenkins
from tests.faults import Fault, Faults, record_backoff
from tests.inprocess_engine import InProcessEngine
from tests.support.factory import FakeFactory
from tests.support.pipelines import create_pipelines

__all__ = ["record_backoff"]  # the fixture, used by name

pytestmark = pytest.mark.aws_in_process

#: Every AWS operation `restore run --maintenance prod --safety-snapshot` makes, in both
#: strategies (a test below checks that this list is complete).
RUNBOOK_OPERATIONS = [
    "DescribeDBInstances",
    "DescribeDBSnapshots",
    "DescribeDBParameterGroups",
    "DescribeDBInstanceAutomatedBackups",
    "AddTagsToResource",
    "RemoveTagsFromResource",
    "CreateDBSnapshot",
    "ModifyDBInstance",
    "GetPipeline",
    "StartPipelineExecution",
    "GetPipelineExecution",
]
KINDS = ["throttling", "unavailable", "internal"]


@pytest.fixture
def jenkins() -> Iterator[FakeJenkins]:
    with FakeJenkins() as server:
        yield server


@pytest.fixture
def shop(rds: Any, moto: str) -> dict[str, Any]:
    created = make_instance(rds, MultiAZ=True, DeletionProtection=True)
    rds.create_db_snapshot(DBInstanceIdentifier="shop", DBSnapshotIdentifier="shop-nightly")
    codepipeline = boto3.client("codepipeline", region_name=REGION, endpoint_url=moto)
    create_pipelines(moto, codepipeline, "Maintenance_Enable_prod", "Maintenance_Disable_prod")
    return created


class Run:
    def __init__(self, moto: str, tmp_path: Path, faults: Faults, jenkins: FakeJenkins) -> None:
        self.moto = moto
        self.clock = FakeClock()
        self.engine = InProcessEngine(moto, tmp_path / "state")
        self.faults = faults
        self.jenkins = jenkins
        self.calls: Counter[str] = Counter()

    def __call__(self, *args: str) -> Any:
        rds = make_rds_client(region=REGION, profile=None, endpoint_url=self.moto)
        pipelines = make_codepipeline_client(region=REGION, profile=None, endpoint_url=self.moto)
        for client in (rds, pipelines):
            self.faults.attach(client)
            client.meta.events.register("before-call", self._count)
        context = FakeFactory(
            clock=self.clock,
            sleep=self.clock.sleep,
            interactive=False,
            engine=self.engine,
            maintenance=MaintenanceAdapter(pipelines, clock=self.clock, sleep=self.clock.sleep),
            rds=RdsAdapter(rds, clock=self.clock, sleep=self.clock.sleep),
        )
        env = {
            "JENKINS_URL": self.jenkins.url,
            "JENKINS_USER": self.jenkins.user,
            "JENKINS_API_TOKEN": self.jenkins.token,
        }
        return CliRunner().invoke(
            app, ["--endpoint-url", self.moto, "--region", REGION, *args], obj=context, env=env
        )

    def _count(self, event_name: str, **_: Any) -> None:
        self.calls[event_name.split(".")[2]] += 1


RUN = (
    "restore",
    "run",
    "shop",
    "--snapshot",
    "shop-nightly",
    "--yes",
    "--maintenance",
    "prod",
    "--safety-snapshot",
)


def finished(rds: Any, shop: dict[str, Any]) -> None:
    found = {d["DBInstanceIdentifier"]: d for d in rds.describe_db_instances()["DBInstances"]}
    assert found["shop"]["DbiResourceId"] != shop["DbiResourceId"]
    assert found["shop-pre-restore-202611251200"]["DbiResourceId"] == shop["DbiResourceId"]


@pytest.mark.parametrize("strategy", ["in-place", "swap"])
def test_the_operation_list_is_complete(
    moto: str, rds: Any, shop: Any, tmp_path: Path, jenkins: FakeJenkins, strategy: str
) -> None:
    run = Run(moto, tmp_path, Faults(), jenkins)
    result = run(*RUN, "--strategy", strategy)
    assert result.exit_code == 0, result.output
    assert set(run.calls) == set(RUNBOOK_OPERATIONS) - ({"DescribeDBInstanceAutomatedBackups"}), (
        run.calls
    )


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("operation", RUNBOOK_OPERATIONS)
def test_transient_faults_are_retried_with_backoff(
    moto: str,
    rds: Any,
    shop: Any,
    tmp_path: Path,
    jenkins: FakeJenkins,
    operation: str,
    kind: str,
    record_backoff: list[float],
) -> None:
    faults = Faults([Fault(operation, kind, first=1, count=2)])
    run = Run(moto, tmp_path, faults, jenkins)
    args = (
        RUN
        if operation != "DescribeDBInstanceAutomatedBackups"
        else ("restore", "run", "shop", "--latest", "--yes", "--maintenance", "prod")
    )
    result = run(*args)
    assert result.exit_code == 0, result.output
    assert faults.injected[operation] == 2
    assert len(record_backoff) >= 2 and all(s >= 0 for s in record_backoff)
    finished(rds, shop)


#: Where a permanent failure starts: the first call of every operation, and later calls of
#: those the runbook makes many times (mid-wait, mid-run).
PERMANENT = [(op, 1) for op in RUNBOOK_OPERATIONS] + [
    ("DescribeDBInstances", 6),
    ("DescribeDBInstances", 12),
    ("AddTagsToResource", 3),
    ("AddTagsToResource", 5),
    ("GetPipeline", 2),
]


@pytest.mark.parametrize(("operation", "first"), PERMANENT, ids=[f"{o}-{n}" for o, n in PERMANENT])
def test_a_permanent_failure_stops_cleanly_and_the_run_resumes(
    moto: str,
    rds: Any,
    shop: Any,
    tmp_path: Path,
    jenkins: FakeJenkins,
    operation: str,
    first: int,
    record_backoff: list[float],
) -> None:
    faults = Faults([Fault(operation, "unavailable", first=first, count=None)])
    run = Run(moto, tmp_path, faults, jenkins)
    args = (
        RUN
        if operation != "DescribeDBInstanceAutomatedBackups"
        else ("restore", "run", "shop", "--latest", "--yes", "--maintenance", "prod")
    )
    failed = run(*args)
    assert faults.injected[operation] > 0, f"the run made fewer than {first} {operation} calls"
    assert failed.exit_code == 1, failed.output
    error_lines = [x for x in failed.stderr.splitlines() if x.startswith("error: ")]
    assert len(error_lines) == 1 and "ServiceUnavailable" in error_lines[0], failed.stderr
    assert "Traceback" not in failed.output
    ids = {d["DbiResourceId"] for d in rds.describe_db_instances()["DBInstances"]}
    assert shop["DbiResourceId"] in ids, "the original is never lost"

    faults.faults.clear()
    again = run(*args)
    assert again.exit_code == 0, again.output
    finished(rds, shop)
