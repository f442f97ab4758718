"""What the Automation API engine is built from, as plain data, and the text of its failures:
backend and workspace settings, change counts, one-line messages, pasteable hints."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Any

from automation.engine.base import Held, OnOutput
from sccos_backup.errors import EngineError

if TYPE_CHECKING:
    from pulumi.automation import Stack

#: The Pulumi CLI `sccos-backup engine install` installs (the release matching the pinned SDK).
PULUMI_VERSION = "3.272.0"
INSTALL_DOCS = "https://www.pulumi.com/docs/install/"
#: Sub-folders of the user's data folder.
CLI_FOLDER = "pulumi-cli"
STATE_FOLDER = "state"
#: Resource operations that change nothing in AWS.
UNCHANGED_OPS = frozenset({"same", "read"})
#: Longest message kept from the engine's output.
MAX_DETAIL = 300

Program = Callable[[], None]

# (cli command, plugin version) pairs already installed by this process.
_plugins_installed: set[tuple[str, str]] = set()

_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_NOISE = re.compile(
    r"^(code: -?\d+|stdout:|stderr:|resources:|duration:|diagnostics:|outputs:|"
    r"updating \(|previewing update \(|refreshing \(|view in browser|"
    r"pulumi:pulumi:stack\b|[~+\-=]?\s*\d+ (unchanged|to \w+|changes?)\b)",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class WorkspaceSettings:
    """Everything the Automation API workspace is built from, as plain data."""

    work_dir: Path
    backend_url: str
    #: The folder of the default local file backend (created before use), or None.
    state_dir: Path | None
    env_vars: Mapping[str, str] = field(repr=False)
    secrets_provider: str = "passphrase"


def file_backend_url(folder: Path) -> str:
    """The ``file://`` URL Pulumi expects for a local state folder (``file:///abs/path``)."""
    return "file://" + folder.as_posix()


def workspace_settings(
    *, work_dir: Path, backend_url: str | None, passphrase: str | None, data_dir: Path
) -> WorkspaceSettings:
    """Backend, environment and secrets provider for the workspace; pure, no file is touched."""
    state_dir = None
    if not backend_url:
        state_dir = (data_dir / STATE_FOLDER).expanduser().absolute()
        backend_url = file_backend_url(state_dir)
    # No download during a run: Pulumi would otherwise fetch a missing plugin on `up`.
    env = {
        "PULUMI_BACKEND_URL": backend_url,
        "PULUMI_SKIP_UPDATE_CHECK": "true",
        "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
    }
    if passphrase is not None:
        env["PULUMI_CONFIG_PASSPHRASE"] = passphrase
    return WorkspaceSettings(
        work_dir=work_dir.expanduser().absolute(),
        backend_url=backend_url,
        state_dir=state_dir,
        env_vars=env,
    )


def outputs_to_dict(outputs: Mapping[str, Any]) -> dict[str, Any]:
    """Plain values of an Automation API ``OutputMap`` (``OutputValue.value``)."""
    return {key: getattr(value, "value", value) for key, value in outputs.items()}


#: The restored instance's type and logical name in a restore stack's state.
INSTANCE_TYPE = "aws:rds/instance:Instance"
INSTANCE_NAME = "restored"


def held_in(deployment: Mapping[str, Any]) -> Held:
    """The restored instance in an exported deployment (``pulumi stack export``, version 3):
    its id and init errors, and how many creates are pending."""

    def is_instance(resource: Mapping[str, Any]) -> bool:
        urn = str(resource.get("urn") or "")
        return resource.get("type") == INSTANCE_TYPE and urn.endswith(f"::{INSTANCE_NAME}")

    instance = next((r for r in deployment.get("resources") or () if is_instance(r)), None)
    pending = [
        op
        for op in deployment.get("pending_operations") or ()
        if op.get("type") == "creating" and is_instance(op.get("resource") or {})
    ]
    if instance is None or instance.get("delete"):
        return Held(pending_creates=len(pending))
    return Held(
        instance_id=str(instance.get("id") or "") or None,
        init_errors=tuple(str(e) for e in instance.get("initErrors") or ()),
        pending_creates=len(pending),
    )


def count_changes(change_summary: Mapping[Any, int] | None) -> int:
    """How many resources a preview would touch: every op but ``same`` (and ``read``)."""
    return sum(changes_by_op(change_summary).values())


def preview_summary(handle: Stack, stack: str, on_output: OnOutput) -> Mapping[Any, int]:
    """Preview with a diff; the change summary (inside a ``_translate`` block)."""
    try:
        result = handle.preview(diff=True, on_output=on_output, on_error=on_output)
    except RuntimeError as error:  # the builtin: "summary event never found"
        raise EngineError(
            f"pulumi preview on stack {stack} reported no summary ({error}); "
            "run it again or upgrade the Pulumi CLI"
        ) from None
    return result.change_summary or {}


def preview_count(handle: Stack, stack: str, on_output: OnOutput) -> int:
    """Preview with a diff; how many resources would change (inside a ``_translate`` block)."""
    return count_changes(preview_summary(handle, stack, on_output))


def changes_by_op(change_summary: Mapping[Any, int] | None) -> dict[str, int]:
    """A preview's change summary by operation name, unchanged ones left out."""
    out: dict[str, int] = {}
    for op, count in (change_summary or {}).items():
        name = op.value if isinstance(op, Enum) else str(op)
        if name not in UNCHANGED_OPS and int(count):
            out[name] = out.get(name, 0) + int(count)
    return out


def redact(text: str, secret: str | None) -> str:
    if secret:
        return text.replace(secret, "***")
    return text


def one_line(text: str, *, secret: str | None = None, limit: int = MAX_DETAIL) -> str:
    """Collapse whitespace, strip colour codes and the secret, cut to ``limit`` characters."""
    line = " ".join(_ANSI.sub("", redact(text, secret)).split())
    if len(line) > limit:
        line = line[: limit - 1].rstrip() + "…"
    return line


def last_meaningful_line(text: str) -> str:
    """The line of an engine failure worth showing: the last ``error:`` line, else the last line.

    ``text`` is ``str(CommandError)``: `` code: N\\n stdout: ...\\n stderr: ...``.
    """
    lines = [" ".join(_ANSI.sub("", raw).split()) for raw in text.splitlines()]
    lines = [line for line in lines if line]
    for line in reversed(lines):
        match = re.search(r"\berror:\s*(.+)$", line, re.IGNORECASE)
        if match and match.group(1).strip():
            return match.group(1).strip()
    for line in reversed(lines):
        cleaned = re.sub(r"^(stdout|stderr):\s*", "", line, flags=re.IGNORECASE)
        if cleaned and not _NOISE.match(cleaned):
            return cleaned
    return "the Pulumi CLI failed without a message"


def pasteable(settings: WorkspaceSettings, command: str) -> str:
    """``pulumi COMMAND`` as it works pasted into a shell: with the backend and the folder."""
    import shlex

    return (
        f"PULUMI_BACKEND_URL={shlex.quote(settings.backend_url)} pulumi {command} "
        f"--cwd {shlex.quote(str(settings.work_dir))}"
    )


def _hint(detail: str, stack: str | None, settings: WorkspaceSettings | None = None) -> str:
    lowered = detail.lower()
    if "passphrase" in lowered:
        return (
            "set PULUMI_CONFIG_PASSPHRASE to the passphrase this stack was created with "
            "(or PULUMI_CONFIG_PASSPHRASE_FILE)"
        )
    if any(
        word in lowered
        for word in ("credential", "invalidclienttokenid", "expiredtoken", "security token")
    ):
        return "refresh the AWS credentials or check --profile"
    if "protect" in lowered:
        return "the restored instance is protected on purpose; nothing was deleted"
    if stack:
        see = f"stack --stack {stack}"
        shown = pasteable(settings, see) if settings is not None else f"pulumi {see}"
        return f"the engine output above has the details; see `{shown}`"
    return "the engine output above has the details"
