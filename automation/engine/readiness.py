"""Getting Pulumi ready for :class:`~automation.engine.automation_api.AutomationEngine`, and
turning its failures into one line.

The project folder is checked, a Pulumi CLI is found on PATH or in our data folder (put there
by ``sccos-backup engine install``; nothing is downloaded here), the aws plugin matching the
installed pulumi-aws package is checked once per process, and the workspace options carry our
backend and passphrase, never ``project_settings`` (see the engine's module docstring).
``pulumi.automation`` is imported inside the functions, so the CLI's start-up does not pay for
it.
"""

from __future__ import annotations

import contextlib
import importlib.metadata
import json
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from automation.engine.workspace import (
    INSTALL_DOCS,
    Program,
    WorkspaceSettings,
    _hint,
    _plugins_installed,
    last_meaningful_line,
    pasteable,
)
from sccos_backup.errors import EngineError, PulumiUnavailable

if TYPE_CHECKING:
    from pulumi.automation import LocalWorkspaceOptions, PulumiCommand

#: Makes a text one line with every secret masked (the engine's passphrase).
Line = Callable[[str], str]


#: The command that installs what is missing (commands that run Pulumi never download).
INSTALL_COMMAND = "sccos-backup engine install"


def find_cli(cli_root: Path, *, line: Line) -> PulumiCommand:
    """The CLI on PATH, else the one ``sccos-backup engine install`` put in ``cli_root``;
    nothing is downloaded here."""
    from pulumi.automation import PulumiCommand
    from pulumi.automation.errors import InvalidVersionError

    problems: list[str] = []
    for root, where in ((None, "on PATH"), (cli_root, f"in {cli_root}")):
        try:
            return PulumiCommand(root=str(root) if root else None)
        except FileNotFoundError:
            continue
        except (InvalidVersionError, subprocess.CalledProcessError, OSError) as error:
            problems.append(f"the CLI {where} is unusable: {line(str(error))}")
    found = f" ({'; '.join(problems)})" if problems else ""
    raise PulumiUnavailable(
        f"no usable Pulumi CLI on PATH or in {cli_root}{found}; run `{INSTALL_COMMAND}` (or "
        f"install Pulumi from {INSTALL_DOCS} and put it on PATH), then run again; nothing was "
        "changed"
    )


def aws_plugin_versions(listed: object) -> list[str]:
    """The aws resource plugin versions in ``pulumi plugin ls --json`` output."""
    if not isinstance(listed, list):
        return []
    return sorted(
        str(p.get("version", "")).removeprefix("v")
        for p in listed
        if isinstance(p, dict) and p.get("name") == "aws" and p.get("kind") == "resource"
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


def check_aws_plugin(settings: WorkspaceSettings, command: PulumiCommand, line: Line) -> None:
    """The aws plugin of the installed pulumi-aws package is installed (once per CLI and
    process); nothing is downloaded here, and the workspace forbids Pulumi to fetch plugins."""
    try:
        version = importlib.metadata.version("pulumi_aws")
    except importlib.metadata.PackageNotFoundError:
        raise PulumiUnavailable(
            "the pulumi-aws Python package is not installed; reinstall sccos-backup"
        ) from None
    key = (command.command, version)
    if key in _plugins_installed:
        return
    from pulumi.automation.errors import CommandError

    try:
        done = command.run(
            ["plugin", "ls", "--json"], str(settings.work_dir), dict(settings.env_vars)
        )
        listed = json.loads(done.stdout or "[]")
    except (CommandError, ValueError) as error:
        raise PulumiUnavailable(
            f"the Pulumi plugins cannot be listed ({line(last_meaningful_line(str(error)))}); "
            f"run `{INSTALL_COMMAND}`, then run again; nothing was changed"
        ) from None
    if version not in aws_plugin_versions(listed):
        raise PulumiUnavailable(
            f"the Pulumi aws plugin v{version} is not installed; run `{INSTALL_COMMAND}` (or "
            f"`pulumi plugin install resource aws v{version}`), then run again; nothing was "
            "changed"
        )
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
