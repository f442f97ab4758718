"""What a re-sync should run (:class:`ResyncRequest`, validated before Jenkins is contacted) and
what a successful one reports (:class:`ResyncResult`)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sccos_backup.defaults import DEFAULT_BUILD_TIMEOUT, DEFAULT_JOB, DEFAULT_QUEUE_TIMEOUT
from sccos_backup.errors import InvalidInput
from sccos_backup.jenkins.client import JobAction
from sccos_backup.jenkins.config import check_job_name
from sccos_backup.jenkins.jobxml import check_script

_STORE = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
_RESOURCE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]*$")


@dataclass(frozen=True)
class ResyncRequest:
    """What to run. Validated on construction; nothing is contacted before that."""

    job: str = DEFAULT_JOB
    command: str | None = None
    copy_script_from: str | None = None
    store: str | None = None
    resources: tuple[str, ...] = ()
    queue_timeout: float = DEFAULT_QUEUE_TIMEOUT
    build_timeout: float = DEFAULT_BUILD_TIMEOUT
    #: Take over a job this tool did not create (its previous config.xml is saved first).
    adopt: bool = False
    #: Enable the job when it is disabled; without it a disabled job is refused, unchanged.
    enable: bool = False
    #: On an interrupt or a timeout leave the build running (like ``jenkins-cli build -f``).
    detach: bool = False
    #: Where ``--adopt`` saves the job's previous config.xml.
    save_dir: Path = Path()

    def __post_init__(self) -> None:
        check_job_name(self.job, option="--job")
        if self.copy_script_from is not None:
            check_job_name(self.copy_script_from, option="--copy-script-from")
            if self.copy_script_from == self.job:
                raise InvalidInput(
                    f"--copy-script-from names the job itself ('{self.job}'); copy the script "
                    "of another job that runs a console command"
                )
        if self.command is not None:
            check_script(self.command, what="--command")
            if self.resources:
                raise InvalidInput(
                    "--command and --resource do not go together: --command replaces the "
                    "whole sync:data call; put the resource into the command instead"
                )
        if self.store is not None and not _STORE.match(self.store):
            raise InvalidInput(
                f"--store '{self.store}' is not a store name; use letters, digits and "
                "underscores, e.g. DE"
            )
        for resource in self.resources:
            if not _RESOURCE.match(resource):
                raise InvalidInput(
                    f"--resource '{resource}' is not a sync:data resource name, e.g. "
                    "url or product_abstract"
                )
        if len(set(self.resources)) != len(self.resources):
            raise InvalidInput("a --resource is given twice; name each resource once")
        for name, value in (
            ("--queue-timeout", self.queue_timeout),
            ("--build-timeout", self.build_timeout),
        ):
            if not value > 0:
                raise InvalidInput(f"{name} must be a positive number of seconds")


@dataclass(frozen=True)
class ResyncResult:
    """A successful re-sync."""

    job: str
    job_action: JobAction
    build_number: int
    result: str
    duration_seconds: float
    url: str
    #: True when an already running build was followed instead of starting one.
    attached: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {
            "attached": self.attached,
            "job": self.job,
            "job_action": str(self.job_action),
            "build_number": self.build_number,
            "result": self.result,
            "duration_seconds": round(self.duration_seconds, 3),
            "url": self.url,
        }
