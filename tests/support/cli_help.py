"""Every command's ``--help`` and option list as text, for the golden files that pin them.

``python -m tests.support.cli_help`` writes the golden files again after a deliberate change.
"""

from __future__ import annotations

import enum
import json
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from tests.support.commands import command_paths

GOLDEN = Path(__file__).resolve().parent.parent / "golden"
HELP = GOLDEN / "cli-help.txt"
PARAMS = GOLDEN / "cli-params.txt"
#: A fixed width and no AWS: help is rendered the same on every machine.
ENV = {"COLUMNS": "80", "AWS_ENDPOINT_URL": "http://127.0.0.1:9"}


def _app() -> Any:
    from automation.cli import app

    return app


def help_text() -> str:
    """``sccos-backup PATH --help`` of every command, each under a header line."""
    app = _app()
    shown = []
    for path in command_paths(app):
        result = CliRunner().invoke(app, [*path, "--help"], env=ENV)
        assert result.exit_code == 0, result.output
        shown.append(f"=== sccos-backup {' '.join(path)}\n{result.stdout}")
    return "".join(shown)


def _plain(value: Any) -> Any:
    """A parameter's description as JSON: callables by name, enums by value."""
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    if isinstance(value, enum.Enum):
        return value.value
    if callable(value):
        return getattr(value, "__qualname__", type(value).__name__)
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


#: What of a parameter decides what the command accepts and shows.
_FIELDS = (
    "name",
    "param_type_name",
    "opts",
    "secondary_opts",
    "required",
    "nargs",
    "multiple",
    "default",
    "envvar",
    "help",
    "metavar",
    "is_flag",
    "flag_value",
    "count",
    "hidden",
    "show_default",
    "show_envvar",
    "is_eager",
    "expose_value",
)


def _described(param: Any) -> dict[str, Any]:
    described = {field: _plain(getattr(param, field, None)) for field in _FIELDS}
    kind = param.type
    described["type"] = {
        "name": kind.name,
        "class": type(kind).__name__,
        "choices": _plain(getattr(kind, "choices", None)),
        "func": _plain(getattr(kind, "func", None)),
    }
    return described


def params_text() -> str:
    """Every command's parameters in order, as Click describes them (names, type, default,
    environment variable, flags), one JSON line each under a header line per command."""
    from typer.main import get_command

    root = get_command(_app())
    lines = []
    for path in command_paths(_app()):
        command: Any = root
        for name in path:
            command = command.commands[name]
        lines.append(f"=== sccos-backup {' '.join(path)}")
        lines += [json.dumps(_described(p), sort_keys=True) for p in command.params]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    HELP.write_text(help_text(), encoding="utf-8")
    PARAMS.write_text(params_text(), encoding="utf-8")
