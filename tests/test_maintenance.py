"""The maintenance-mode adapter: against moto's CodePipeline, and a scripted fake for the rest.

moto finishes every execution at once with ``Succeeded``; executions that run, fail, stop or are
superseded come from ``tests/fake_codepipeline.py`` (see its docstring).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from sccos_backup.aws.maintenance import (
    MaintenanceAdapter,
    maintenance_pipeline_name,
    make_codepipeline_client,
)
from sccos_backup.errors import AwsError, InvalidInput, NotFound, WaitTimeout
from sccos_backup.waiting import Poll
from tests.conftest import REGION, FakeClock
from tests.fake_codepipeline import FakeCodePipeline, serve
from tests.support.pipelines import create_pipelines

pytestmark = pytest.mark.aws_in_process

ENV = "PROD"
ENABLE = "Maintenance_Enable_PROD"
DISABLE = "Maintenance_Disable_PROD"


def _adapter(endpoint: str, clock: FakeClock) -> MaintenanceAdapter:
    client = make_codepipeline_client(region=REGION, profile=None, endpoint_url=endpoint)
    return MaintenanceAdapter(client, clock=clock, sleep=clock.sleep)


# -- moto ---------------------------------------------------------------------------------------


@pytest.fixture
def codepipeline(moto: str) -> Any:
    return boto3.client("codepipeline", region_name=REGION, endpoint_url=moto)


def _executions(codepipeline: Any, name: str) -> list[dict[str, Any]]:
    return list(
        codepipeline.list_pipeline_executions(pipelineName=name)["pipelineExecutionSummaries"]
    )


def test_pipeline_names() -> None:
    assert maintenance_pipeline_name("PROD", True) == ENABLE
    assert maintenance_pipeline_name("PROD", False) == DISABLE
    assert maintenance_pipeline_name("staging-de", True) == "Maintenance_Enable_staging-de"
    with pytest.raises(InvalidInput, match="is not a valid pipeline name part"):
        maintenance_pipeline_name("PROD; rm -rf", True)
    with pytest.raises(InvalidInput):
        maintenance_pipeline_name("", False)


def test_enable_then_disable_on_moto(moto: str, codepipeline: Any) -> None:
    create_pipelines(moto, codepipeline, ENABLE, DISABLE)
    clock = FakeClock()
    polls: list[Poll] = []
    adapter = _adapter(moto, clock)

    adapter.check_pipelines_exist(ENV)
    adapter.set_maintenance(ENV, True, timeout=600, on_poll=polls.append)
    assert [e["status"] for e in _executions(codepipeline, ENABLE)] == ["Succeeded"]
    assert _executions(codepipeline, DISABLE) == []

    adapter.set_maintenance(ENV, False, timeout=600, on_poll=polls.append)
    assert [e["status"] for e in _executions(codepipeline, DISABLE)] == ["Succeeded"]
    assert len(_executions(codepipeline, ENABLE)) == 1
    assert [p.status for p in polls] == ["Succeeded", "Succeeded"]
    assert polls[0].what.startswith(f"pipeline {ENABLE} (execution ")
    assert clock.slept == []


def test_a_missing_disable_pipeline_is_refused_before_any_start(
    moto: str, codepipeline: Any
) -> None:
    create_pipelines(moto, codepipeline, ENABLE)
    adapter = _adapter(moto, FakeClock())

    with pytest.raises(NotFound) as precondition:
        adapter.check_pipelines_exist(ENV)
    with pytest.raises(NotFound) as switching:
        adapter.set_maintenance(ENV, True, timeout=600)

    for raised in (precondition, switching):
        assert str(raised.value).startswith(
            f"pipeline {DISABLE} does not exist; check --maintenance ENV"
        )
    assert _executions(codepipeline, ENABLE) == []


def test_an_unknown_environment_is_not_found(moto: str) -> None:
    adapter = _adapter(moto, FakeClock())
    with pytest.raises(NotFound, match=f"pipeline {ENABLE} does not exist"):
        adapter.check_pipelines_exist(ENV)
    with pytest.raises(NotFound, match=f"pipeline {DISABLE} does not exist"):
        adapter.set_maintenance(ENV, False, timeout=600)


# -- the scripted fake ----------------------------------------------------------------------------


@pytest.fixture
def fake(aws_env: None) -> Iterator[tuple[FakeCodePipeline, str]]:
    pipelines = FakeCodePipeline()
    with serve(pipelines) as url:
        yield pipelines, url


def test_a_running_execution_is_followed_until_it_succeeds(
    fake: tuple[FakeCodePipeline, str],
) -> None:
    pipelines, url = fake
    pipelines.add(ENABLE, "InProgress", "InProgress", "Succeeded")
    pipelines.add(DISABLE)
    clock = FakeClock()
    polls: list[Poll] = []

    _adapter(url, clock).set_maintenance(ENV, True, timeout=600, on_poll=polls.append)

    assert [p.status for p in polls] == ["InProgress", "InProgress", "Succeeded"]
    assert clock.slept == [10.0, 12.5]
    assert [op for op, _ in pipelines.requests] == [
        "GetPipeline",
        "GetPipeline",
        "StartPipelineExecution",
        "GetPipelineExecution",
        "GetPipelineExecution",
        "GetPipelineExecution",
    ]
    assert pipelines.started(DISABLE) == []


@pytest.mark.parametrize("status", ["Failed", "Stopped", "Stopping", "Cancelled"])
def test_an_unsuccessful_execution_names_pipeline_and_execution(
    fake: tuple[FakeCodePipeline, str], status: str
) -> None:
    pipelines, url = fake
    pipelines.add(DISABLE, "InProgress", status, summary="CodeBuild   step\nSwitch failed")

    with pytest.raises(AwsError) as raised:
        _adapter(url, FakeClock()).set_maintenance(ENV, False, timeout=600)

    [execution_id] = pipelines.started(DISABLE)
    message = str(raised.value)
    assert message.startswith(
        f"pipeline {DISABLE} execution {execution_id} ended {status} (CodeBuild step Switch failed)"
    )
    assert "the shop may still be in maintenance mode" in message
    assert f"--pipeline-execution-id {execution_id}" in message
    assert "\n" not in message


def test_a_superseded_execution_says_to_check_the_newer_one(
    fake: tuple[FakeCodePipeline, str],
) -> None:
    pipelines, url = fake
    pipelines.add(ENABLE, "Superseded")
    pipelines.add(DISABLE)
    with pytest.raises(AwsError, match="superseded by a newer execution; check that the newer"):
        _adapter(url, FakeClock()).set_maintenance(ENV, True, timeout=600)


def test_a_hung_execution_times_out_on_the_injected_clock(
    fake: tuple[FakeCodePipeline, str],
) -> None:
    pipelines, url = fake
    pipelines.add(ENABLE, "InProgress")
    pipelines.add(DISABLE)
    clock = FakeClock()
    start = clock.now

    with pytest.raises(WaitTimeout) as raised:
        _adapter(url, clock).set_maintenance(ENV, True, timeout=120)

    [execution_id] = pipelines.started(ENABLE)
    message = str(raised.value)
    assert message.startswith(f"pipeline {ENABLE} (execution {execution_id}) is still 'InProgress'")
    assert "do not continue the runbook until it has succeeded" in message
    assert (clock.now - start).total_seconds() >= 120
    assert all(pause <= 30 for pause in clock.slept)


def test_an_invalid_environment_sends_nothing(fake: tuple[FakeCodePipeline, str]) -> None:
    pipelines, url = fake
    with pytest.raises(InvalidInput):
        _adapter(url, FakeClock()).set_maintenance("a b", True, timeout=600)
    assert pipelines.requests == []
