"""Getting Pulumi ready for :class:`~automation.engine.automation_api.AutomationEngine`, and
turning its failures into one line.

The project folder is checked, a Pulumi CLI is found on PATH or in our data folder (installed
there when missing), the aws plugin matching the installed pulumi-aws package is installed once
per process, and the workspace options carry our backend and passphrase, never
``project_settings`` (see the engine's module docstring). ``pulumi.automation`` is imported
inside the functions, so the CLI's start-up does not pay for it.
"""

from __future__ import annotations

import contextlib
import importlib.metadata
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.error import URLError

from automation.engine.workspace import (
    INSTALL_DOCS,
    Program,
    WorkspaceSettings,
    _hint,
    _plugins_installed,
    last_meaningful_line,
    pasteable,
)
from sccos_backup.errors import EngineError, InvalidInput, PulumiUnavailable
from sccos_backup.restore.stackfile import check_project

if TYPE_CHECKING:
    from pulumi.automation import LocalWorkspaceOptions, PulumiCommand

#: Makes a text one line with every secret masked (the engine's passphrase).
Line = Callable[[str], str]


def check_project_folder(work_dir: Path, project: str) -> None:
    """``work_dir`` holds a readable ``Pulumi.yaml`` of ``project``; else one line."""
    import yaml

    check_project(work_dir)
    try:
        loaded = yaml.safe_load((work_dir / "Pulumi.yaml").read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise InvalidInput(f"cannot read '{work_dir / 'Pulumi.yaml'}': {error}") from None
    name = loaded.get("name") if isinstance(loaded, dict) else None
    if name != project:
        raise InvalidInput(
            f"'{work_dir / 'Pulumi.yaml'}' is project '{name}', not '{project}'; "
            "run from the sccos-backup project folder or pass --work-dir"
        )


def find_or_install_cli(
    cli_root: Path, pulumi_version: str, *, notice: Callable[[str], None], line: Line
) -> PulumiCommand:
    """The CLI on PATH, else the one in ``cli_root``, else ``pulumi_version`` installed there."""
    from pulumi.automation import PulumiCommand
    from pulumi.automation.errors import InvalidVersionError
    from semver import VersionInfo

    problems: list[str] = []
    for root, where in ((None, "on PATH"), (cli_root, f"in {cli_root}")):
        try:
            return PulumiCommand(root=str(root) if root else None)
        except FileNotFoundError:
            continue
        except (InvalidVersionError, subprocess.CalledProcessError, OSError) as error:
            problems.append(f"the CLI {where} is unusable: {line(str(error))}")
    try:
        version = VersionInfo.parse(pulumi_version)
    except ValueError:
        raise PulumiUnavailable(
            f"no usable Pulumi CLI and '{pulumi_version}' is not a version to install; "
            f"install it from {INSTALL_DOCS} or put `pulumi` on PATH, then run again; "
            "nothing was changed"
        ) from None
    notice(f"installing Pulumi CLI v{version} into {cli_root} ...")
    try:
        return PulumiCommand.install(root=str(cli_root), version=version)
    except URLError as error:
        problems.append(f"download failed: {line(str(error.reason))}")
    except subprocess.CalledProcessError as error:
        raw = error.output
        output = raw.decode(errors="replace") if isinstance(raw, bytes) else str(raw or "")
        problems.append(f"the installer failed: {line(last_meaningful_line(output))}")
    except (InvalidVersionError, OSError) as error:
        problems.append(f"the installer failed: {line(str(error))}")
    raise PulumiUnavailable(
        "no Pulumi CLI on PATH and it could not be installed "
        f"({'; '.join(problems)}); install it from {INSTALL_DOCS} or put `pulumi` on PATH, "
        "then run again; nothing was changed"
    )


def workspace_options(
    settings: WorkspaceSettings, program: Program | None, command: PulumiCommand
) -> LocalWorkspaceOptions:
    """The workspace: the project folder, our backend and passphrase; no project_settings."""
    from pulumi.automation import LocalWorkspaceOptions

    return LocalWorkspaceOptions(
        work_dir=str(settings.work_dir),
        program=program,
        env_vars=dict(settings.env_vars),
        secrets_provider=settings.secrets_provider,
        pulumi_command=command,
    )


def install_aws_plugin(settings: WorkspaceSettings, command: PulumiCommand, line: Line) -> None:
    """The aws plugin of the installed pulumi-aws package, once per CLI and process."""
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

    options = workspace_options(settings, None, command)
    try:
        LocalWorkspace(**vars(options)).install_plugin("aws", version)
    except CommandError as error:
        raise PulumiUnavailable(
            f"the Pulumi aws plugin {version} could not be installed "
            f"({line(last_meaningful_line(str(error)))}); run "
            f"`pulumi plugin install resource aws {version}`, then run again; "
            "nothing was changed"
        ) from None
    _plugins_installed.add(key)


@contextlib.contextmanager
def one_line_errors(
    settings: WorkspaceSettings,
    what: str,
    stack: str,
    *,
    line: Line,
    on_cli_gone: Callable[[], None],
) -> Iterator[None]:
    """Turn Automation API failures inside the block into one-line EngineErrors."""
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
            f"`{pasteable(settings, f'cancel --stack {stack}')}`"
        ) from None
    except StackNotFoundError:
        raise EngineError(
            f"stack {stack} does not exist in {settings.backend_url}; "
            "check --stack and the backend URL"
        ) from None
    except CommandError as error:
        detail = line(last_meaningful_line(str(error)))
        hint = _hint(detail, stack, settings)
        raise EngineError(f"pulumi {what} on stack {stack} failed: {detail}; {hint}") from None
    except InvalidVersionError as error:
        raise PulumiUnavailable(
            f"the Pulumi CLI is unusable ({line(str(error))}); install a current one "
            f"from {INSTALL_DOCS}, then run again"
        ) from None
    except FileNotFoundError as error:
        if error.filename and "pulumi" in str(error.filename):
            on_cli_gone()
            raise PulumiUnavailable(
                f"the Pulumi CLI disappeared while running {what}; install it from "
                f"{INSTALL_DOCS} or put `pulumi` on PATH, then run again"
            ) from None
        raise
