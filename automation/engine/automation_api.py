"""The real :class:`~automation.engine.base.Engine`: Pulumi's Automation API with an inline program.

The inline program calls :func:`sccos_backup.restore.declaration.declare` with the spec it is
given, so the CLI and ``pulumi up`` in the project folder declare the same thing. The workspace is
the project folder itself (root ``Pulumi.yaml``, project ``sccos-backup``): stacks made here show
up in ``pulumi stack ls`` there and the other way round, and the stack configuration the engine
writes is the very file ``restore capture`` writes
(:func:`~sccos_backup.restore.stackfile.write_stack_file`).

Two deliberate departures from the obvious Automation API recipe:

- No ``project_settings`` are passed. ``LocalWorkspace`` *rewrites* ``Pulumi.yaml`` from them
  (dropping the description and adding ``main: <cwd>``), which would corrupt the versioned
  project file. The state backend goes through ``PULUMI_BACKEND_URL`` instead; the CLI gives
  that variable precedence over ``Pulumi.yaml`` and over ``pulumi login``.
- Configuration is not written with ``set_all_config``: with ``path=False`` every value becomes a
  string (``settings`` would be stored as a JSON string, booleans as ``"true"``), so the file
  would differ from what ``restore capture`` writes. Writing the same YAML record keeps a single,
  reviewable format.

``pulumi.automation`` is imported lazily (CLI start-up stays fast) and never star-imported (it
defines a class named ``RuntimeError``). Every failure of the Automation API becomes an
:class:`~sccos_backup.errors.EngineError` with one line of text. The passphrase travels only in
the workspace's environment and never appears in a message or a ``repr``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from automation.engine.base import Held, OnOutput
from automation.engine.interrupts import ForwardingCommand, forwarding_signals
from automation.engine.readiness import (
    check_aws_plugin,
    find_cli,
    one_line_errors,
    workspace_options,
)
from automation.engine.workspace import (
    CLI_FOLDER,
    PULUMI_VERSION,
    Program,
    WorkspaceSettings,
    changes_by_op,
    held_in,
    one_line,
    outputs_to_dict,
    preview_count,
    preview_summary,
    workspace_settings,
)
from sccos_backup.errors import EngineError
from sccos_backup.files import private_folder
from sccos_backup.restore.spec import PROJECT, RestoreSpec
from sccos_backup.restore.stackfile import (
    AwsTarget,
    check_project,
    read_stack_spec,
    stack_config,
    write_stack_file,
)

if TYPE_CHECKING:
    from pulumi.automation import PulumiCommand, Stack


class AutomationEngine:
    """The Pulumi engine behind the runbook (see :class:`automation.engine.base.Engine`)."""

    def __init__(
        self,
        *,
        work_dir: Path,
        backend_url: str | None,
        passphrase: str | None,
        aws: AwsTarget,
        data_dir: Path,
        pulumi_version: str = PULUMI_VERSION,
        on_notice: Callable[[str], None] | None = None,
        project: str = PROJECT,
    ) -> None:
        #: The Pulumi project (``Pulumi.yaml``'s name): the restore's, or the schedule's.
        self.project = project
        self._settings = workspace_settings(
            work_dir=work_dir, backend_url=backend_url, passphrase=passphrase, data_dir=data_dir
        )
        self._passphrase = passphrase
        self._aws = aws
        self._data_dir = data_dir.expanduser().absolute()
        self._pulumi_version = pulumi_version.removeprefix("v")
        self._on_notice = on_notice
        self._command: PulumiCommand | None = None

    def __repr__(self) -> str:
        return (
            f"AutomationEngine(work_dir={str(self._settings.work_dir)!r}, "
            f"backend_url={self._settings.backend_url!r}, passphrase=<hidden>)"
        )

    @property
    def settings(self) -> WorkspaceSettings:
        return self._settings

    @property
    def cli_root(self) -> Path:
        """Where a CLI is installed when none is on PATH."""
        return self._data_dir / CLI_FOLDER

    # -- readiness ---------------------------------------------------------------------------

    def ensure_ready(self) -> None:
        """Find the CLI, prepare the state folder, check the aws plugin once; never download."""
        check_project(self._settings.work_dir, self.project)
        if self._settings.state_dir is not None:
            try:
                private_folder(self._settings.state_dir)
            except OSError as error:
                raise EngineError(
                    f"cannot create the Pulumi state folder '{self._settings.state_dir}' "
                    f"({error.strerror}); pass --backend-url or fix the folder's permissions"
                ) from None
        if self._command is None:
            found = find_cli(self.cli_root, line=self._line)
            self._command = cast("PulumiCommand", ForwardingCommand(found))
        check_aws_plugin(self._settings, self._command, self._line)

    def _notice(self, message: str) -> None:
        if self._on_notice is not None:
            self._on_notice(message)

    # -- workspace ---------------------------------------------------------------------------

    def _ready_command(self) -> PulumiCommand:
        self.ensure_ready()
        assert self._command is not None
        return self._command

    def _stack(self, stack: str, program: Program, *, create: bool) -> Stack:
        from pulumi import automation as auto

        options = workspace_options(self._settings, program, self._ready_command())
        if create:
            return auto.create_or_select_stack(
                stack, project_name=self.project, program=program, opts=options
            )
        return auto.select_stack(stack, project_name=self.project, program=program, opts=options)

    def stack_handle(self, stack: str, program: Program, *, create: bool) -> Stack:
        """A stack of this engine's project running ``program``: for another program's engine
        (:mod:`automation.engine.schedule`), with the same CLI, backend and passphrase."""
        return self._stack(stack, program, create=create)

    def translating(self, what: str, stack: str) -> contextlib.AbstractContextManager[None]:
        """Automation API failures inside the block become one-line engine errors."""
        return self._translate(what, stack)

    def _recorded_program(self, stack: str) -> Program:
        """For refresh and outputs: declare what the stack file records (rarely run at all)."""
        work_dir = self._settings.work_dir

        def program() -> None:
            from sccos_backup.restore.declaration import declare

            declare(read_stack_spec(work_dir, stack))

        return program

    @staticmethod
    def _program(spec: RestoreSpec) -> Program:
        def program() -> None:
            from sccos_backup.restore.declaration import declare

            declare(spec)

        return program

    def _line(self, text: str) -> str:
        return one_line(text, secret=self._passphrase)

    @contextlib.contextmanager
    def _translate(self, what: str, stack: str) -> Iterator[None]:
        """Turn Automation API failures into one-line EngineErrors; SIGINT/SIGTERM meanwhile
        are forwarded to the CLI, waited for, and end as KeyboardInterrupt."""
        command = self._command if isinstance(self._command, ForwardingCommand) else None
        errors = one_line_errors(
            self._settings, what, stack, line=self._line, on_cli_gone=self._forget_cli
        )
        with forwarding_signals(command, self._interrupt_notice), errors:
            yield

    def _interrupt_notice(self, message: str) -> None:
        self._notice(message)

    def _forget_cli(self) -> None:
        self._command = None

    # -- the Engine protocol -----------------------------------------------------------------

    def up(self, stack: str, spec: RestoreSpec, on_output: OnOutput) -> dict[str, Any]:
        """Write the stack file, refresh, update; return the stack outputs."""
        with self._translate("up", stack):
            handle = self._stack(stack, self._program(spec), create=True)
            self._write_config(stack, spec)
            result = handle.up(on_output=on_output, on_error=on_output, refresh=True)
        return outputs_to_dict(result.outputs)

    def preview_changes(self, stack: str, spec: RestoreSpec, on_output: OnOutput) -> int:
        """Write the stack file, refresh, preview with a diff; return how many resources change."""
        with self._translate("preview", stack):
            handle = self._stack(stack, self._program(spec), create=True)
            self._write_config(stack, spec)
            handle.refresh(on_output=on_output, on_error=on_output)
            return preview_count(handle, stack, on_output)

    def changes(self, stack: str, spec: RestoreSpec, on_output: OnOutput) -> dict[str, int]:
        """Write the stack file, refresh, preview; resources per operation, unchanged left out."""
        with self._translate("preview", stack):
            handle = self._stack(stack, self._program(spec), create=True)
            self._write_config(stack, spec)
            handle.refresh(on_output=on_output, on_error=on_output)
            return changes_by_op(preview_summary(handle, stack, on_output))

    def refresh(
        self, stack: str, on_output: OnOutput, *, clear_pending_creates: bool = False
    ) -> None:
        with self._translate("refresh", stack):
            handle = self._stack(stack, self._recorded_program(stack), create=False)
            handle.refresh(
                on_output=on_output,
                on_error=on_output,
                clear_pending_creates=True if clear_pending_creates else None,
            )

    def destroy(self, stack: str, on_output: OnOutput) -> None:
        """``pulumi destroy --refresh``, then ``pulumi stack rm`` (only drill stacks come here)."""
        with self._translate("destroy", stack):
            handle = self._stack(stack, self._recorded_program(stack), create=False)
            handle.destroy(on_output=on_output, on_error=on_output, refresh=True)
            handle.workspace.remove_stack(stack)

    def forget(self, stack: str, on_output: OnOutput) -> None:
        """``pulumi stack rm --force``: the stack leaves the state, whatever it held is left
        alone (a rehearsal deletes its instances through RDS first); no stack, no error."""
        from pulumi.automation.errors import StackNotFoundError

        with self._translate("stack rm", stack):
            try:
                handle = self._stack(stack, self._recorded_program(stack), create=False)
            except StackNotFoundError:
                return
            handle.workspace.remove_stack(stack, force=True)
            on_output(f"stack '{stack}' removed\n")

    def outputs(self, stack: str) -> dict[str, Any] | None:
        """The stack's outputs; None when the stack does not exist (it is not created)."""
        from pulumi.automation.errors import StackNotFoundError

        with self._translate("stack output", stack):
            try:
                handle = self._stack(stack, self._recorded_program(stack), create=False)
            except StackNotFoundError:
                return None
            return outputs_to_dict(handle.outputs())

    def held(self, stack: str) -> Held:
        """What the state holds of the instance (``pulumi stack export``); empty without a stack."""
        from pulumi.automation.errors import StackNotFoundError

        with self._translate("stack export", stack):
            try:
                handle = self._stack(stack, self._recorded_program(stack), create=False)
            except StackNotFoundError:
                return Held()
            return held_in(handle.export_stack().deployment or {})

    def _write_config(self, stack: str, spec: RestoreSpec) -> Path:
        """The same record ``restore capture`` writes; ``encryptionsalt`` and foreign keys stay."""
        return write_stack_file(self._settings.work_dir, stack, stack_config(spec, self._aws))
