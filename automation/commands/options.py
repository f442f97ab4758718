"""Options shared by the ``restore`` commands, defined once, and the request they build."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from sccos_backup.restore.strategy import Strategy

if TYPE_CHECKING:
    from sccos_backup.restore.plan import RestoreRequest

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
        help="Restore the original as of this ISO 8601 time with its UTC offset "
        "(2026-11-25T09:30:00Z or ...+01:00).",
    ),
]
LatestOpt = Annotated[
    bool, typer.Option("--latest", help="Restore the original as of its latest restorable time.")
]
StrategyOpt = Annotated[
    Strategy,
    typer.Option(
        "--strategy",
        help="in-place: rename, then restore under the name (the order of Spryker's runbook). "
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
    Path | None,
    typer.Option(
        "--work-dir",
        metavar="DIR",
        help="Project folder holding Pulumi.yaml (default: the current folder if it is one, "
        "else the packaged project in ~/.local/share/sccos-backup/projects/).",
        show_default=False,
    ),
]
YesOpt = Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation (scripts).")]


def local_zone() -> str | None:
    """The IANA name of the caller's zone (``Europe/Berlin``): TZ, else /etc/localtime's link;
    None when neither names one. Only to spell out a time's local reading."""
    import os
    from pathlib import Path

    name = os.environ.get("TZ", "").lstrip(":")
    if not name:
        link = Path("/etc/localtime")
        name = str(link.resolve()).partition("/zoneinfo/")[2] if link.is_symlink() else ""
    return name or None


def build_request(
    db_id: str,
    *,
    snapshot: str | None,
    to_time: str | None,
    latest: bool,
    strategy: Strategy = Strategy.IN_PLACE,
    stack: str | None = None,
    maintenance: str | None = None,
    safety_snapshot: bool = False,
    no_resync: bool = False,
) -> RestoreRequest:
    """Options to a typed, validated request; raises InvalidInput before any AWS call."""
    from sccos_backup.identifiers import instance_identifier
    from sccos_backup.restore.plan import RestoreRequest
    from sccos_backup.restore.source import SourceChoice

    return RestoreRequest(
        db_identifier=instance_identifier(db_id),
        choice=SourceChoice.from_options(
            snapshot=snapshot, to_time=to_time, latest=latest, local_zone=local_zone()
        ),
        strategy=strategy,
        stack=None if stack is None else stack_name(stack),
        maintenance_env=None if maintenance is None else maintenance_env(maintenance),
        safety_snapshot=safety_snapshot,
        resync=not no_resync,
    )


def stack_name(stack: str) -> str:
    """``--stack``: Pulumi's rule for a stack name (pkg/backend/diy ``validateStackName``:
    1 to 100 letters, digits, '-', '_' or '.', no slash), checked before any change."""
    import re

    if not re.fullmatch(r"[A-Za-z0-9_.-]{1,100}", stack) or stack.strip(".") == "":
        from sccos_backup.errors import InvalidInput

        raise InvalidInput(
            f"stack name '{stack}' is invalid: use 1 to 100 letters, digits, '-', '_' or '.' "
            "(Pulumi's rule; no org/project/ prefix: choose the backend with --backend-url)"
        )
    return stack


def maintenance_env(env: str) -> str:
    """``--maintenance ENV``: a name its pipelines can have, checked before any change (also by
    ``restore plan``, which showed a plan that ``run`` refuses)."""
    from sccos_backup.aws.maintenance import maintenance_pipeline_name

    maintenance_pipeline_name(env, on=True)
    return env
