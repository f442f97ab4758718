"""The error edge of every command and its JSON output. The global options and what is built
from them are :mod:`automation.commands.factory`'s."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ParamSpec, TypeVar

import typer

from automation.commands.exit_codes import ExitStatus, exit_status_for
from sccos_backup.errors import SccosBackupError
from sccos_backup.jsonkeys import camel_keys

P = ParamSpec("P")
R = TypeVar("R")


@dataclass
class _JsonOutput:
    """Whether the running command was asked for ``--json`` and has printed its object: a
    failure then also prints ``{"schemaVersion": .., "error": {..}}`` on stdout, once."""

    wanted: bool = False
    printed: bool = False


_json_output = _JsonOutput()


def command_group(help: str, **settings: Any) -> typer.Typer:
    """A group of commands as each is made: its help without arguments, no local variables in a
    traceback (they can hold tokens), help as plain text."""
    return typer.Typer(
        help=help,
        no_args_is_help=True,
        pretty_exceptions_show_locals=False,
        rich_markup_mode=None,
        **settings,
    )


def fail(message: str, status: ExitStatus) -> typer.Exit:
    """Print one line on stderr (and, under ``--json``, the error object on stdout unless the
    command printed its object already) and return the Exit to raise."""
    if _json_output.wanted and not _json_output.printed:
        echo_json({"error": error_object(message, status)})
    sys.stderr.write("error: " + " ".join(message.split()) + "\n")
    sys.stderr.flush()
    return typer.Exit(int(status))


def error_object(message: str, status: ExitStatus) -> dict[str, Any]:
    """The ``error`` of a failed ``--json`` command: its kind, exit code and one-line message."""
    return {
        "code": status.name.lower(),
        "exit_code": int(status),
        "message": " ".join(message.split()),
    }


def handle_errors(fn: Callable[P, R]) -> Callable[P, R]:
    """Turn library errors into one stderr line and a documented exit code."""

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        _json_output.wanted = bool(kwargs.get("as_json") or kwargs.get("json_output"))
        _json_output.printed = False
        try:
            return fn(*args, **kwargs)
        except SccosBackupError as error:
            failure = fail(str(error), exit_status_for(error))
            for line in error.details:
                sys.stderr.write(f"  {line}\n")
            raise failure from None
        except KeyboardInterrupt:
            raise fail(
                "interrupted; run the same command again (or `restore resume`) to continue",
                ExitStatus.INTERRUPTED,
            ) from None

    return wrapper


#: Version of the JSON shape every ``--json`` prints (docs/cli.md); raised when a key changes.
JSON_SCHEMA_VERSION = 1


def echo_json(payload: Any, *, envelope: bool = True) -> None:
    """Print one JSON object: camelCase keys and ``schemaVersion`` first (docs/cli.md).
    ``envelope=False`` prints a document of another format as it is (an IAM policy)."""
    import json

    if envelope:
        body = camel_keys(payload)
        payload = {"schemaVersion": JSON_SCHEMA_VERSION, **body} if isinstance(body, dict) else body
    _json_output.printed = True
    sys.stdout.write(json.dumps(payload, indent=2, sort_keys=False, default=str) + "\n")


def echo_done(payload: dict[str, Any], done: list[str], json_output: bool) -> None:
    """What a cleanup, rollback or unlock did: one line per action, or the payload with ``done``
    as JSON."""
    if json_output:
        echo_json({**payload, "done": done})
        return
    for line in done:
        typer.echo(line)
