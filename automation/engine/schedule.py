"""The schedule stack through Pulumi's Automation API, set up exactly like the restore's.

:class:`ScheduleEngine` keeps an :class:`~automation.engine.automation_api.AutomationEngine` for
the project ``sccos-backup-schedule`` (the ``schedule/`` folder): the same CLI lookup and
install, state backend, passphrase rules, aws plugin, one-line errors, and the same clean stop
when no Pulumi CLI can be found. Its inline program builds the function's zip into
``schedule/build/`` and calls :func:`sccos_backup.schedule.declaration.declare`, exactly what
``schedule/__main__.py`` does, so ``pulumi up`` in the folder and ``sccos-backup schedule up``
declare the same thing. The stack file is written before every preview and update: it is the
reviewable record, and what ``pulumi`` in the folder reads.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

from automation.engine.automation_api import AutomationEngine
from automation.engine.base import OnOutput
from automation.engine.workspace import Program, outputs_to_dict, preview_count
from sccos_backup.restore.stackfile import AwsTarget
from sccos_backup.schedule.spec import PROJECT, ScheduleSpec
from sccos_backup.schedule.stackfile import (
    check_schedule_project,
    read_schedule_spec,
    stack_config,
    write_schedule_file,
)

#: Where the program writes the function's zip, inside the schedule folder.
ARTIFACT = Path("build") / "function.zip"


class ScheduleDriver(Protocol):
    """What ``sccos-backup schedule preview | up | destroy`` need from Pulumi."""

    def ensure_ready(self) -> None: ...

    def preview(self, stack: str, spec: ScheduleSpec, on_output: OnOutput) -> int: ...

    def up(self, stack: str, spec: ScheduleSpec, on_output: OnOutput) -> dict[str, Any]: ...

    def destroy(self, stack: str, on_output: OnOutput) -> None: ...


def schedule_program(work_dir: Path, stack: str, spec: ScheduleSpec) -> Program:
    """The inline program: build the zip, declare the schedule."""

    def program() -> None:
        from sccos_backup.schedule.declaration import declare
        from sccos_backup.schedule.package import build

        declare(stack, spec, build(work_dir / ARTIFACT))

    return program


class ScheduleEngine:
    """The real :class:`ScheduleDriver`."""

    def __init__(
        self,
        *,
        work_dir: Path,
        backend_url: str | None,
        passphrase: str | None,
        region: str | None,
        profile: str | None,
        data_dir: Path,
        on_notice: Callable[[str], None] | None = None,
    ) -> None:
        self._region = region
        self._profile = profile
        self._base = AutomationEngine(
            work_dir=work_dir,
            backend_url=backend_url,
            passphrase=passphrase,
            aws=AwsTarget(region, profile),
            data_dir=data_dir,
            on_notice=on_notice,
            project=PROJECT,
        )

    def __repr__(self) -> str:
        return f"ScheduleEngine({self._base!r})"

    @property
    def work_dir(self) -> Path:
        return self._base.settings.work_dir

    def ensure_ready(self) -> None:
        check_schedule_project(self.work_dir)
        self._base.ensure_ready()

    def _write(self, stack: str, spec: ScheduleSpec) -> None:
        config = stack_config(spec, region=self._region, profile=self._profile)
        write_schedule_file(self.work_dir, stack, config)

    def preview(self, stack: str, spec: ScheduleSpec, on_output: OnOutput) -> int:
        """Write the stack file, preview with a diff; how many resources would change."""
        self.ensure_ready()
        with self._base.translating("preview", stack):
            program = schedule_program(self.work_dir, stack, spec)
            handle = self._base.stack_handle(stack, program, create=True)
            self._write(stack, spec)
            return preview_count(handle, stack, on_output)

    def up(self, stack: str, spec: ScheduleSpec, on_output: OnOutput) -> dict[str, Any]:
        """Write the stack file, refresh, update; the stack outputs."""
        self.ensure_ready()
        with self._base.translating("up", stack):
            program = schedule_program(self.work_dir, stack, spec)
            handle = self._base.stack_handle(stack, program, create=True)
            self._write(stack, spec)
            result = handle.up(on_output=on_output, on_error=on_output, refresh=True)
        return outputs_to_dict(result.outputs)

    def destroy(self, stack: str, on_output: OnOutput) -> None:
        """Remove every resource of the stack (the schedule only: no database is touched)."""
        self.ensure_ready()
        spec = read_schedule_spec(self.work_dir, stack)
        with self._base.translating("destroy", stack):
            program = schedule_program(self.work_dir, stack, spec)
            handle = self._base.stack_handle(stack, program, create=False)
            handle.destroy(on_output=on_output, on_error=on_output)
