"""The Pulumi checks: the CLI at a supported version, the aws plugin at the pinned version, and
the passphrase against the stacks the run will touch. They run the CLI the engine would use
(PATH first, then the one in the data folder) and install nothing.

The passphrase is tried with ``pulumi stack export --show-secrets``, which decrypts every secret
of the stack's state: Pulumi 3.x answers "incorrect passphrase, please set
PULUMI_CONFIG_PASSPHRASE to the correct passphrase" (pkg/secrets/passphrase, read 2026-11). A
stack with no secret decrypts under any passphrase, so a wrong one shows up only once the run
writes a secret; the check cannot see further than Pulumi itself.
"""

from __future__ import annotations

import importlib.metadata
import json
import os
import re
import shutil
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from automation.doctor.model import Check, failed, ok, skipped
from automation.engine.readiness import aws_plugin_versions
from automation.engine.workspace import CLI_FOLDER, INSTALL_DOCS, PULUMI_VERSION

#: The oldest CLI the engine supports: the pinned SDK's floor (refresh --clear-pending-creates).
MINIMUM_CLI = (3, 151, 0)
#: Seconds any one CLI call may take.
CLI_TIMEOUT = 120.0


@dataclass(frozen=True)
class PulumiTarget:
    """Where the run's Pulumi lives."""

    data_dir: Path
    work_dir: Path
    backend_url: str
    #: The stacks the run will touch (``--stack NAME``), else a prefix of this database's stacks.
    #: Only those that exist are checked: the run creates a new one with the passphrase set.
    stacks: Sequence[str] = ()
    stack_prefix: str = ""


def find_cli(data_dir: Path) -> Path | None:
    """The CLI the engine would use: on PATH, else the one installed in the data folder."""
    found = shutil.which("pulumi")
    if found:
        return Path(found)
    local = data_dir / CLI_FOLDER / "bin" / "pulumi"
    return local if os.access(local, os.X_OK) else None


def version_tuple(text: str) -> tuple[int, ...] | None:
    core = text.strip().removeprefix("v").split("-", 1)[0].split("+", 1)[0]
    try:
        return tuple(int(part) for part in core.split("."))
    except ValueError:
        return None


def pinned_aws_plugin() -> str | None:
    try:
        return importlib.metadata.version("pulumi_aws")
    except importlib.metadata.PackageNotFoundError:
        return None


def _run(
    cli: Path, args: Sequence[str], *, cwd: Path | None = None, env: Mapping[str, str] = {}
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - our own CLI path and arguments
        [str(cli), *args, "--non-interactive"],
        cwd=cwd,
        env={**os.environ, "PULUMI_SKIP_UPDATE_CHECK": "true", **env},
        capture_output=True,
        text=True,
        timeout=CLI_TIMEOUT,
        check=False,
    )


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1][:300] if lines else "(no output)"


def cli_check(cli: Path | None) -> Check:
    key, title = "pulumi-cli", "Pulumi CLI"
    fix = f"run `sccos-backup engine install`, or install Pulumi {PULUMI_VERSION} ({INSTALL_DOCS})"
    if cli is None:
        return failed(key, title, "no `pulumi` on PATH nor in the data folder", fix)
    try:
        done = _run(cli, ["version"])
    except (OSError, subprocess.TimeoutExpired) as error:
        return failed(key, title, f"{cli} cannot run: {error}", fix)
    version = version_tuple(done.stdout)
    if done.returncode != 0 or version is None:
        return failed(key, title, f"`{cli} version` failed: {_last_line(done.stderr)}", fix)
    shown = done.stdout.strip()
    if version[:1] != MINIMUM_CLI[:1] or version < MINIMUM_CLI:
        minimum = ".".join(map(str, MINIMUM_CLI))
        return failed(key, title, f"{cli} is {shown}; supported: 3.x from {minimum}", fix)
    return ok(key, title, f"{cli} {shown}")


def plugin_check(cli: Path | None) -> Check:
    key, title = "aws-plugin", "Pulumi aws plugin"
    pinned = pinned_aws_plugin()
    if pinned is None:
        return failed(
            key, title, "the pulumi-aws package is not installed", "reinstall sccos-backup"
        )
    fix = f"run `sccos-backup engine install` (or `pulumi plugin install resource aws v{pinned}`)"
    if cli is None:
        return failed(key, title, f"no Pulumi CLI to hold aws v{pinned}", fix)
    try:
        done = _run(cli, ["plugin", "ls", "--json"])
        listed = json.loads(done.stdout or "[]") if done.returncode == 0 else None
    except (OSError, subprocess.TimeoutExpired, ValueError) as error:
        return failed(key, title, f"`pulumi plugin ls` failed: {error}", fix)
    if not isinstance(listed, list):
        return failed(key, title, f"`pulumi plugin ls` failed: {_last_line(done.stderr)}", fix)
    versions = aws_plugin_versions(listed)
    if pinned not in versions:
        have = ", ".join(versions) or "none"
        return failed(key, title, f"aws v{pinned} is not installed (installed: {have})", fix)
    return ok(key, title, f"aws v{pinned}")


def passphrase_check(cli: Path | None, target: PulumiTarget, env: Mapping[str, str]) -> Check:
    key, title = "passphrase", "Stack passphrase"
    fix = (
        "set PULUMI_CONFIG_PASSPHRASE (or PULUMI_CONFIG_PASSPHRASE_FILE) to the one the "
        "team's stacks were made with"
    )
    value, file = env.get("PULUMI_CONFIG_PASSPHRASE"), env.get("PULUMI_CONFIG_PASSPHRASE_FILE")
    if value is None and not file:
        return failed(key, title, "PULUMI_CONFIG_PASSPHRASE is not set", fix)
    if value == "" or (value is None and empty_file(str(file))):
        where = "PULUMI_CONFIG_PASSPHRASE" if value is not None else f"the file {file}"
        return failed(key, title, f"the passphrase in {where} is empty", fix)
    if cli is None:
        return skipped(key, title, "no Pulumi CLI to try it with")
    backend = {"PULUMI_BACKEND_URL": target.backend_url}
    stacks: list[str] = []
    if target.stacks or target.stack_prefix:
        try:
            done = _run(cli, ["stack", "ls", "--json"], cwd=target.work_dir, env=backend)
            listed = json.loads(done.stdout or "[]") if done.returncode == 0 else []
        except (OSError, subprocess.TimeoutExpired, ValueError):
            listed = []
        names = (str(s.get("name", "")).rsplit("/", 1)[-1] for s in listed if isinstance(s, dict))
        stacks = [name for name in names if _touched(name, target)]
    if not stacks:
        return ok(key, title, "set; no stack of this database yet (the run creates one with it)")
    for stack in stacks:
        args = ["stack", "export", "--show-secrets", "--stack", stack]
        try:
            done = _run(cli, args, cwd=target.work_dir, env=backend)
        except (OSError, subprocess.TimeoutExpired) as error:
            return failed(key, title, f"cannot read stack {stack}: {error}", fix)
        if done.returncode != 0:
            line = _last_line(done.stderr)
            if "passphrase" in line.lower():
                return failed(key, title, f"it does not decrypt stack {stack}: {line}", fix)
            return failed(key, title, f"cannot read stack {stack}: {line}", "check the backend")
    return ok(key, title, f"decrypts {', '.join(stacks)}")


def empty_file(path: str) -> bool:
    """The passphrase file exists and holds only whitespace (an unreadable one is Pulumi's to
    report, as the run leaves it)."""
    try:
        with open(path, encoding="utf-8") as handle:
            return not handle.read().strip()
    except (OSError, UnicodeDecodeError):
        return False


#: What follows the prefix in a stack name of this database: a run id (``%Y%m%d%H%M``) and, for
#: a rehearsal's runs, ``-run-N``.
_RUN_SUFFIX = re.compile(r"\d{12}(?:-run-\d+)?")


def _touched(stack: str, target: PulumiTarget) -> bool:
    """Whether the run may touch ``stack``: the one named with ``--stack``, else one of this
    database's (``restore-shop-`` also begins the stacks of ``shop-eu`` and ``shop-2``, which
    may use another passphrase)."""
    if target.stacks:
        return stack in target.stacks
    prefix = target.stack_prefix
    return stack.startswith(prefix) and _RUN_SUFFIX.fullmatch(stack[len(prefix) :]) is not None
