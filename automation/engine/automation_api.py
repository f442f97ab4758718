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
import importlib.metadata
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast
from urllib.error import URLError

from automation.engine.base import OnOutput
from automation.engine.interrupts import ForwardingCommand, forwarding_signals
from automation.engine.workspace import (
    CLI_FOLDER,
    INSTALL_DOCS,
    PULUMI_VERSION,
    STATE_FOLDER,
    Program,
    WorkspaceSettings,
    _hint,
    _plugins_installed,
    changes_by_op,
    count_changes,
    file_backend_url,
    last_meaningful_line,
    one_line,
    outputs_to_dict,
    pasteable,
    preview_count,
    preview_summary,
    workspace_settings,
)
from sccos_backup.errors import EngineError, InvalidInput, PulumiUnavailable

#: Re-exported: importers of this module keep working after the split into workspace.py.
__all__ = [
    "CLI_FOLDER",
    "PULUMI_VERSION",
    "STATE_FOLDER",
    "AutomationEngine",
    "Program",
    "count_changes",
    "file_backend_url",
    "last_meaningful_line",
    "outputs_to_dict",
    "preview_count",
    "workspace_settings",
]
from sccos_backup.restore.spec import PROJECT, RestoreSpec
from sccos_backup.restore.stackfile import (
    AwsTarget,
    check_project,
    read_stack_spec,
    stack_config,
    write_stack_file,
)

if TYPE_CHECKING:
    from pulumi.automation import LocalWorkspaceOptions, PulumiCommand, Stack


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
        """Find or install the CLI, prepare the state folder, install the aws plugin once."""
        self._check_project()
        if self._settings.state_dir is not None:
            try:
                self._settings.state_dir.mkdir(parents=True, exist_ok=True)
            except OSError as error:
                raise EngineError(
                    f"cannot create the Pulumi state folder '{self._settings.state_dir}' "
                    f"({error.strerror}); pass --backend-url or fix the folder's permissions"
                ) from None
        if self._command is None:
            self._command = cast("PulumiCommand", ForwardingCommand(self._find_or_install_cli()))
        self._install_aws_plugin(self._command)

    def _check_project(self) -> None:
        import yaml

        work_dir = self._settings.work_dir
        check_project(work_dir)
        try:
            project = yaml.safe_load((work_dir / "Pulumi.yaml").read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as error:
            raise InvalidInput(f"cannot read '{work_dir / 'Pulumi.yaml'}': {error}") from None
        name = project.get("name") if isinstance(project, dict) else None
        if name != self.project:
            raise InvalidInput(
                f"'{work_dir / 'Pulumi.yaml'}' is project '{name}', not '{self.project}'; "
                "run from the sccos-backup project folder or pass --work-dir"
            )

    def _notice(self, message: str) -> None:
        if self._on_notice is not None:
            self._on_notice(message)

    def _find_or_install_cli(self) -> PulumiCommand:
        from pulumi.automation import PulumiCommand
        from pulumi.automation.errors import InvalidVersionError
        from semver import VersionInfo

        problems: list[str] = []
        for root, where in ((None, "on PATH"), (self.cli_root, f"in {self.cli_root}")):
            try:
                return PulumiCommand(root=str(root) if root else None)
            except FileNotFoundError:
                continue
            except (InvalidVersionError, subprocess.CalledProcessError, OSError) as error:
                problems.append(f"the CLI {where} is unusable: {self._line(str(error))}")
        try:
            version = VersionInfo.parse(self._pulumi_version)
        except ValueError:
            raise PulumiUnavailable(
                f"no usable Pulumi CLI and '{self._pulumi_version}' is not a version to install; "
                f"install it from {INSTALL_DOCS} or put `pulumi` on PATH, then run again; "
                "nothing was changed"
            ) from None
        self._notice(f"installing Pulumi CLI v{version} into {self.cli_root} ...")
        try:
            return PulumiCommand.install(root=str(self.cli_root), version=version)
        except URLError as error:
            problems.append(f"download failed: {self._line(str(error.reason))}")
        except subprocess.CalledProcessError as error:
            raw = error.output
            output = raw.decode(errors="replace") if isinstance(raw, bytes) else str(raw or "")
            problems.append(f"the installer failed: {self._line(last_meaningful_line(output))}")
        except (InvalidVersionError, OSError) as error:
            problems.append(f"the installer failed: {self._line(str(error))}")
        raise PulumiUnavailable(
            "no Pulumi CLI on PATH and it could not be installed "
            f"({'; '.join(problems)}); install it from {INSTALL_DOCS} or put `pulumi` on PATH, "
            "then run again; nothing was changed"
        )

    def _install_aws_plugin(self, command: PulumiCommand) -> None:
        try:
            version = "v" + importlib.metadata.version("pulumi_aws")
        except importlib.metadata.PackageNotFoundError:
            raise PulumiUnavailable(
                "the pulumi-aws Python package is not installed; reinstall sccos-backup"
            ) from None
        key = (command.command, version)
        if key in _plugins_installed:
            return
        from pulumi.automation import LocalWorkspace
        from pulumi.automation.errors import CommandError

        options = self._workspace_options(None, command)
        try:
            LocalWorkspace(**vars(options)).install_plugin("aws", version)
        except CommandError as error:
            raise PulumiUnavailable(
                f"the Pulumi aws plugin {version} could not be installed "
                f"({self._line(last_meaningful_line(str(error)))}); run "
                f"`pulumi plugin install resource aws {version}`, then run again; "
                "nothing was changed"
            ) from None
        _plugins_installed.add(key)

    # -- workspace ---------------------------------------------------------------------------

    def _workspace_options(
        self, program: Program | None, command: PulumiCommand
    ) -> LocalWorkspaceOptions:
        """The workspace: the project folder, our backend and passphrase; no project_settings."""
        from pulumi.automation import LocalWorkspaceOptions

        return LocalWorkspaceOptions(
            work_dir=str(self._settings.work_dir),
            program=program,
            env_vars=dict(self._settings.env_vars),
            secrets_provider=self._settings.secrets_provider,
            pulumi_command=command,
        )

    def _ready_command(self) -> PulumiCommand:
        self.ensure_ready()
        assert self._command is not None
        return self._command

    def _stack(self, stack: str, program: Program, *, create: bool) -> Stack:
        from pulumi import automation as auto

        options = self._workspace_options(program, self._ready_command())
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
        with forwarding_signals(command, self._interrupt_notice), self._errors(what, stack):
            yield

    def _interrupt_notice(self, message: str) -> None:
        self._notice(message)

    @contextlib.contextmanager
    def _errors(self, what: str, stack: str) -> Iterator[None]:
        """Turn Automation API failures into one-line EngineErrors."""
        from pulumi.automation.errors import (
            CommandError,
            ConcurrentUpdateError,
            InvalidVersionError,
            StackNotFoundError,
        )

        try:
            yield
        except ConcurrentUpdateError:
            raise EngineError(
                f"stack {stack} is locked by another update; wait for it or run "
                f"`{pasteable(self._settings, f'cancel --stack {stack}')}`"
            ) from None
        except StackNotFoundError:
            raise EngineError(
                f"stack {stack} does not exist in {self._settings.backend_url}; "
                "check --stack and the backend URL"
            ) from None
        except CommandError as error:
            detail = self._line(last_meaningful_line(str(error)))
            hint = _hint(detail, stack, self._settings)
            raise EngineError(f"pulumi {what} on stack {stack} failed: {detail}; {hint}") from None
        except InvalidVersionError as error:
            raise PulumiUnavailable(
                f"the Pulumi CLI is unusable ({self._line(str(error))}); install a current one "
                f"from {INSTALL_DOCS}, then run again"
            ) from None
        except FileNotFoundError as error:
            if error.filename and "pulumi" in str(error.filename):
                self._command = None
                raise PulumiUnavailable(
                    f"the Pulumi CLI disappeared while running {what}; install it from "
                    f"{INSTALL_DOCS} or put `pulumi` on PATH, then run again"
                ) from None
            raise

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

    def outputs(self, stack: str) -> dict[str, Any] | None:
        """The stack's outputs; None when the stack does not exist (it is not created)."""
        from pulumi.automation.errors import StackNotFoundError

        with self._translate("stack output", stack):
            try:
                handle = self._stack(stack, self._recorded_program(stack), create=False)
            except StackNotFoundError:
                return None
            return outputs_to_dict(handle.outputs())

    def _write_config(self, stack: str, spec: RestoreSpec) -> Path:
        """The same record ``restore capture`` writes; ``encryptionsalt`` and foreign keys stay."""
        return write_stack_file(self._settings.work_dir, stack, stack_config(spec, self._aws))
