"""The one adapter to SCCOS maintenance mode: CodePipelines ``Maintenance_(Enable|Disable)_<ENV>``.

Spryker Cloud Commerce OS switches an environment's maintenance page on and off with two
CodePipelines per environment. This module starts the right one and follows its execution to the
end with a bounded poll (there is no boto3 waiter for pipeline executions). It takes its client,
clock and sleep as constructor arguments and translates botocore's exceptions into
:mod:`sccos_backup.errors`. boto3 is imported lazily, in :func:`make_codepipeline_client` only.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any, Protocol, cast

from sccos_backup import errors
from sccos_backup.aws.clients import make_client
from sccos_backup.aws.rds import translate_aws
from sccos_backup.waiting import Poll, poll_until

#: A maintenance pipeline usually finishes in a few minutes; this bounds a hung one.
DEFAULT_TIMEOUT = 1800.0
#: Pipeline executions take minutes: poll every 10 s at first, backing off to 30 s.
FIRST_POLL_INTERVAL = 10.0

SUCCEEDED = "Succeeded"
IN_PROGRESS = "InProgress"
#: Final (or finishing) states that are not success.
UNSUCCESSFUL = frozenset({"Failed", "Stopped", "Stopping", "Superseded", "Cancelled"})

# Pipeline names allow letters, digits and . @ - _ (at most 100 characters).
_ENV = re.compile(r"^[A-Za-z0-9.@_-]{1,80}$")


class CodePipelineClient(Protocol):
    """The part of boto3's CodePipeline client this adapter uses."""

    def get_pipeline(self, *, name: str) -> Mapping[str, Any]: ...

    def start_pipeline_execution(self, *, name: str) -> Mapping[str, Any]: ...

    def get_pipeline_execution(
        self, *, pipelineName: str, pipelineExecutionId: str
    ) -> Mapping[str, Any]: ...


def maintenance_pipeline_name(env: str, on: bool) -> str:
    """``Maintenance_Enable_<ENV>`` or ``Maintenance_Disable_<ENV>``; ``env`` is used as given."""
    if not _ENV.match(env):
        raise errors.InvalidInput(
            f"maintenance environment '{env}' is not a valid pipeline name part; "
            "use the ENV of the Maintenance_Enable_<ENV> pipeline (letters, digits, . @ - _)"
        )
    return f"Maintenance_{'Enable' if on else 'Disable'}_{env}"


def make_codepipeline_client(
    *, region: str | None, profile: str | None, endpoint_url: str | None, session: Any = None
) -> CodePipelineClient:
    """A CodePipeline client with standard retries and timeouts (see ``clients.make_client``),
    from ``session`` when given."""
    client = make_client(
        "codepipeline", region=region, profile=profile, endpoint_url=endpoint_url, session=session
    )
    return cast(CodePipelineClient, client)


def translate(what: str, pipeline: str) -> contextlib.AbstractContextManager[None]:
    """``rds.translate_aws`` for CodePipeline calls about ``pipeline``."""

    def specific(code: str, message: str) -> errors.SccosBackupError | None:
        if code == "PipelineNotFoundException":
            return errors.NotFound(
                f"pipeline {pipeline} does not exist; check --maintenance ENV "
                "(the pipelines are Maintenance_Enable_<ENV> and Maintenance_Disable_<ENV>)"
            )
        if code == "PipelineExecutionNotFoundException":
            return errors.NotFound(f"{what}: {message}; open {pipeline} in the console")
        if code in {"ConflictException", "ConcurrentPipelineExecutionsLimitExceededException"}:
            return errors.NotAvailable(
                f"{what}: {message}; wait for the running execution of {pipeline} to finish"
            )
        return None

    return translate_aws(
        what,
        service="CodePipeline",
        specific=specific,
        denied="the IAM identity needs codepipeline:GetPipeline, StartPipelineExecution and "
        "GetPipelineExecution",
    )


def _status(execution: Mapping[str, Any]) -> str:
    return str(execution.get("status", "Unknown"))


class MaintenanceAdapter:
    """Switch SCCOS maintenance mode through CodePipeline and wait for the pipeline's end."""

    def __init__(
        self,
        client: CodePipelineClient,
        *,
        clock: Callable[[], datetime],
        sleep: Callable[[float], None],
    ) -> None:
        self._client = client
        self._clock = clock
        self._sleep = sleep

    def check_pipelines_exist(self, env: str) -> None:
        """Both pipelines of ``env`` exist; call before any change (raises NotFound otherwise)."""
        for on in (True, False):
            name = maintenance_pipeline_name(env, on)
            with translate(f"reading pipeline {name}", name):
                self._client.get_pipeline(name=name)

    def set_maintenance(
        self,
        env: str,
        on: bool,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        on_poll: Callable[[Poll], None] | None = None,
    ) -> None:
        """Run the Enable or Disable pipeline of ``env`` and wait until it succeeded.

        Switching on first checks that *both* pipelines exist, so maintenance is never switched
        on where it could not be switched off again. Switching off does not check the Enable
        pipeline: nothing must stand in the way of leaving maintenance.
        """
        name = maintenance_pipeline_name(env, on)
        if on:
            self.check_pipelines_exist(env)
        with translate(f"starting pipeline {name}", name):
            started = self._client.start_pipeline_execution(name=name)
        execution_id = str(started["pipelineExecutionId"])
        state = "on" if on else "off"

        def observe() -> Mapping[str, Any]:
            with translate(f"reading execution {execution_id} of {name}", name):
                response = self._client.get_pipeline_execution(
                    pipelineName=name, pipelineExecutionId=execution_id
                )
            execution: Mapping[str, Any] = response["pipelineExecution"]
            status = _status(execution)
            if status in UNSUCCESSFUL:
                raise errors.AwsError(_failure(name, execution_id, status, execution, on))
            return execution

        poll_until(
            observe,
            lambda execution: _status(execution) == SUCCEEDED,
            what=f"pipeline {name} (execution {execution_id})",
            status=_status,
            clock=self._clock,
            sleep=self._sleep,
            timeout=timeout,
            on_poll=on_poll,
            first_interval=FIRST_POLL_INTERVAL,
            hint=(
                f"it may still switch maintenance {state}; follow it in the CodePipeline console "
                "and do not continue the runbook until it has succeeded"
            ),
        )


def _failure(
    name: str, execution_id: str, status: str, execution: Mapping[str, Any], on: bool
) -> str:
    summary = " ".join(str(execution.get("statusSummary") or "").split())
    detail = f" ({summary})" if summary else ""
    look = (
        f"see `aws codepipeline get-pipeline-execution --pipeline-name {name} "
        f"--pipeline-execution-id {execution_id}`"
    )
    if status == "Superseded":
        return (
            f"pipeline {name} execution {execution_id} was superseded by a newer execution; "
            f"check that the newer one succeeded before continuing; {look}"
        )
    consequence = (
        "maintenance mode may be partly on; fix the cause and run again"
        if on
        else "the shop may still be in maintenance mode; fix the cause and run "
        f"{name} again (or by hand in the CodePipeline console)"
    )
    return f"pipeline {name} execution {execution_id} ended {status}{detail}; {consequence}; {look}"
