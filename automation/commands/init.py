"""``sccos-backup init DIR``: a project folder for teams that keep stack files in git."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from automation.commands.context import echo_json, handle_errors
from automation.commands.options import JsonOpt


@handle_errors
def init(
    folder: Annotated[
        Path, typer.Argument(metavar="DIR", help="Folder to create (or complete); may exist.")
    ],
    force: Annotated[
        bool,
        typer.Option("--force", help="Overwrite project files that differ from ours."),
    ] = False,
    json_output: JsonOpt = False,
) -> None:
    """Create a Pulumi project folder for restore stacks (and schedule/ for schedule stacks).

    Run the restore and schedule commands from DIR afterwards (or pass --work-dir DIR): their
    stack files Pulumi.<stack>.yaml are written there, to review and commit. Without a project
    folder, the commands use the packaged one in ~/.local/share/sccos-backup/projects/.

    Example: sccos-backup init ops/db-restore
    """
    import sys

    from automation.commands.projects import edits
    from automation.commands.projects import init as write_project

    if folder.is_dir():
        for diff in edits(folder).values():
            sys.stderr.write(diff if diff.endswith("\n") else diff + "\n")
    written = [path.resolve() for path in write_project(folder, force=force)]
    following = f"cd {folder} && sccos-backup restore capture DB_ID --latest"
    if json_output:
        echo_json({"folder": folder.resolve(), "wrote": written, "next": following})
        return
    for path in written:
        typer.echo(f"wrote {path}")
    typer.echo(f"next: {following}")
