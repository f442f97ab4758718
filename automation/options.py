"""Options shared by the ``restore`` commands, defined once."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from sccos_backup.strategy import Strategy

DbId = Annotated[
    str, typer.Argument(metavar="DB_ID", help="Identifier of the original DB instance.")
]
SnapshotOpt = Annotated[
    str | None,
    typer.Option(
        "--snapshot", metavar="ID", help="Restore from this snapshot (identifier or ARN)."
    ),
]
ToTimeOpt = Annotated[
    str | None,
    typer.Option(
        "--to-time",
        metavar="TIME",
        help="Restore the original as of this ISO 8601 time (UTC if no offset).",
    ),
]
LatestOpt = Annotated[
    bool, typer.Option("--latest", help="Restore the original as of its latest restorable time.")
]
StrategyOpt = Annotated[
    Strategy,
    typer.Option(
        "--strategy",
        help="in-place: rename, then restore under the name (the seed's order). "
        "swap: restore aside while the original serves, then two renames.",
    ),
]
StackOpt = Annotated[
    str | None,
    typer.Option(
        "--stack", metavar="NAME", help="Pulumi stack (default: restore-DB_ID-RUNID, one per run)."
    ),
]
MaintenanceOpt = Annotated[
    str | None,
    typer.Option(
        "--maintenance",
        metavar="ENV",
        help="Turn SCCOS maintenance mode on for ENV around the change.",
    ),
]
SafetyOpt = Annotated[
    bool, typer.Option("--safety-snapshot", help="Snapshot the original before changing it.")
]
NoResyncOpt = Annotated[bool, typer.Option("--no-resync", help="Skip the Jenkins sync:data step.")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON object.")]
WorkDirOpt = Annotated[
    Path,
    typer.Option("--work-dir", help="Folder holding Pulumi.yaml (default: current folder)."),
]
YesOpt = Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation (scripts).")]
