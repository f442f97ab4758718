"""Every command path of the CLI."""

from __future__ import annotations


def command_paths(group: object, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    from typer.main import get_command

    command = get_command(group) if prefix == () else group
    found: list[tuple[str, ...]] = []
    for name, sub in getattr(command, "commands", {}).items():
        path = (*prefix, name)
        if getattr(sub, "commands", None):
            found.extend(command_paths(sub, path))
        else:
            found.append(path)
    return found
