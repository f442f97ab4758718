"""``sccos-backup snapshot``: manual snapshots, restore points, hourly rotation, policy check.

Each command builds its collaborators, calls one function of :mod:`sccos_backup.backups.snapshots`
and renders the result: tables and results on stdout, progress, notes and warnings on stderr.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Annotated, Optional

import typer

from automation.commands.context import app_context, echo_json, fail, handle_errors
from automation.commands.exit_codes import ExitStatus
from automation.commands.progress import StatusLine
from sccos_backup import errors
from sccos_backup.defaults import DEFAULT_KEEP_HOURS, DEFAULT_MAX_HOURLY_AGE, DEFAULT_WAIT_TIMEOUT

if TYPE_CHECKING:
    from sccos_backup.backups import snapshots as backups

app = typer.Typer(
    help="Manual snapshots, every restore point, the hourly rotation and the policy check.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
    rich_markup_mode=None,
    add_completion=False,
)

DbId = Annotated[
    str,
    typer.Argument(metavar="DB_ID", help="DB instance identifier, e.g. shop.", show_default=False),
]
Json = Annotated[bool, typer.Option("--json", help="Print one JSON object on stdout.")]
Timeout = Annotated[float, typer.Option(help="Give up waiting after this many seconds.")]


def _err(line: str) -> None:
    sys.stderr.write(line + "\n")
    sys.stderr.flush()


def _time(value: datetime | None) -> str:
    return f"{value:%Y-%m-%d %H:%M}" if value else "-"


def _duration(seconds: float) -> str:
    minutes, secs = divmod(round(seconds), 60)
    return f"{minutes}:{secs:02d}"


def _table(rows: Sequence[Sequence[str]]) -> list[str]:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return [
        "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in rows
    ]


@app.command()
@handle_errors
def create(
    ctx: typer.Context,
    db_id: DbId,
    name: Annotated[
        Optional[str],  # noqa: UP045 - Typer needs Optional on 3.11
        typer.Argument(
            metavar="[NAME]",
            help="Snapshot name; default: INSTANCE-PURPOSE-YYYYMMDD-HHMM (UTC).",
            show_default=False,
        ),
    ] = None,
    *,
    purpose: Annotated[
        str, typer.Option(help="Middle word of a proposed name, e.g. before-release.")
    ] = "manual",
    note: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option(help="Free text kept as the tag sccos-backup:note."),
    ] = None,
    wait: Annotated[
        bool, typer.Option("--wait/--no-wait", help="Wait until the snapshot is available.")
    ] = True,
    timeout: Timeout = DEFAULT_WAIT_TIMEOUT,
    as_json: Json = False,
) -> None:
    """Take a named manual snapshot of DB_ID and wait until it is available."""
    from sccos_backup.backups import snapshots as backups

    app_ctx = app_context(ctx)
    rds = app_ctx.rds()
    request = backups.plan_manual_snapshot(rds, db_id, name, purpose=purpose, note=note)
    how = " (proposed name; pass NAME to choose another)" if request.proposed else ""
    _err(f"creating snapshot '{request.name}' of '{request.instance}'{how}")
    progress = StatusLine(enabled=wait)
    try:
        result = backups.take_snapshot(rds, request, wait=wait, timeout=timeout, on_poll=progress)
    finally:
        progress.done()
    if as_json:
        echo_json(result.as_dict())
        return
    status = result.snapshot.status
    if not result.waited:
        status += f" (not awaited; follow it with `sccos-backup snapshot list {request.instance}`)"
    typer.echo(f"snapshot:  {result.snapshot.identifier}")
    typer.echo(f"instance:  {request.instance}")
    typer.echo(f"size:      {result.size_gib} GiB")
    typer.echo(f"took:      {_duration(result.seconds)} (m:ss)")
    typer.echo(f"status:    {status}")


@app.command("list")
@handle_errors
def list_(ctx: typer.Context, db_id: DbId, as_json: Json = False) -> None:
    """Show every restore point of DB_ID, newest first, and its point-in-time window."""
    from sccos_backup.backups import snapshots as backups

    found = backups.list_restore_points(app_context(ctx).rds(), db_id)
    if found.note:
        _err(f"note: {found.note}")
    if as_json:
        echo_json(found.as_dict())
        return
    head = f"Restore points of {found.query}"
    if found.instance is not None:
        head += f" ({found.instance.resource_id}, {found.instance.status})"
    typer.echo(head + ", newest first, times in UTC:")
    rows = [("KIND", "IDENTIFIER", "TIME", "SIZE", "STATUS", "TAKEN FROM")]
    rows += [
        (
            str(p.kind),
            p.identifier,
            _time(p.created),
            f"{p.size_gib} GiB",
            p.status,
            p.taken_from,
        )
        for p in found.points
    ]
    if found.points:
        for line in _table(rows):
            typer.echo("  " + line)
    else:
        typer.echo("  (no snapshots)")
    if found.pitr is not None:
        estimated = " (earliest estimated from retention)" if found.pitr.estimated else ""
        typer.echo(
            f"Point-in-time recovery: {_time(found.pitr.earliest)} to "
            f"{_time(found.pitr.latest)}{estimated}"
        )
    elif found.instance is not None:
        typer.echo("Point-in-time recovery: off (backup retention is 0 days)")


@app.command()
@handle_errors
def rotate(
    ctx: typer.Context,
    db_id: DbId,
    *,
    keep_hours: Annotated[
        int, typer.Option(help="Delete hourly snapshots older than this many hours.")
    ] = DEFAULT_KEEP_HOURS,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show the plan; change nothing.")
    ] = False,
    wait: Annotated[
        bool,
        typer.Option("--wait/--no-wait", help="Wait for the new snapshot (default: no, for cron)."),
    ] = False,
    timeout: Timeout = DEFAULT_WAIT_TIMEOUT,
    as_json: Json = False,
) -> None:
    """Hourly tool (cron, Jenkins timer): take this hour's snapshot, delete expired hourly ones."""
    from sccos_backup.backups import snapshots as backups

    rds = app_context(ctx).rds()
    plan = backups.prepare_rotation(rds, db_id, keep_hours=keep_hours)
    for warning in plan.warnings:
        _err(f"warning: {warning}")
    if dry_run:
        if as_json:
            echo_json({**plan.as_dict(), "dry_run": True})
        else:
            _render_plan(plan, "dry run, nothing changed: would ")
        return
    progress = StatusLine(enabled=wait)
    try:
        result = backups.execute_rotation(rds, plan, wait=wait, timeout=timeout, on_poll=progress)
    finally:
        progress.done()
    if as_json:
        echo_json({**result.as_dict(), "dry_run": False})
    else:
        _render_rotation(result)


def _render_plan(plan: backups.RotationPlan, prefix: str) -> None:
    typer.echo(
        f"{plan.instance}: hourly snapshots kept {plan.keep_hours} h "
        f"(created before {_time(plan.cutoff)} UTC: deleted)"
    )
    if plan.create:
        typer.echo(f"  {prefix}create  {plan.create}")
    else:
        typer.echo(f"  this hour's snapshot {plan.existing} already exists; nothing to create")
    for snapshot in plan.delete:
        typer.echo(f"  {prefix}delete  {snapshot.identifier}  (created {_time(snapshot.created)})")
    _render_footer(plan)


def _render_rotation(result: backups.RotationResult) -> None:
    plan = result.plan
    typer.echo(
        f"{plan.instance}: hourly snapshots kept {plan.keep_hours} h "
        f"(created before {_time(plan.cutoff)} UTC: deleted)"
    )
    if result.created is not None:
        typer.echo(f"  created  {result.created.identifier}  ({result.created.status})")
    else:
        typer.echo(f"  this hour's snapshot {plan.existing} already exists; nothing to create")
    for name in result.deleted:
        typer.echo(f"  deleted  {name}")
    for name in result.gone:
        typer.echo(f"  gone     {name}  (already deleted by someone else)")
    _render_footer(plan)


def _render_footer(plan: backups.RotationPlan) -> None:
    typer.echo(f"  kept     {len(plan.keep)} hourly snapshot(s) younger than {plan.keep_hours} h")
    if plan.quota is not None:
        used, limit = plan.quota
        typer.echo(f"  quota    {used} of {limit} manual snapshots used before this run")


@app.command()
@handle_errors
def check(
    ctx: typer.Context,
    db_id: DbId,
    max_hourly_age: Annotated[
        int, typer.Option(help="Newest hourly snapshot may be this many minutes old.")
    ] = int(DEFAULT_MAX_HOURLY_AGE.total_seconds() // 60),
    as_json: Json = False,
) -> None:
    """Check the backup policy (for monitoring); exit 7 with one line per unmet point."""
    from sccos_backup.backups import snapshots as backups

    report = backups.check_policy(
        app_context(ctx).rds(), db_id, max_hourly_age=timedelta(minutes=max_hourly_age)
    )
    if as_json:
        echo_json(report.as_dict())
    else:
        for point in report.checks:
            if point.ok:
                typer.echo(f"ok  {point.detail}")
    try:
        report.raise_if_unmet()
    except errors.PolicyUnmet as unmet:
        for problem in unmet.problems:
            _err(f"unmet: {problem}")
        raise typer.Exit(int(ExitStatus.POLICY)) from None
    if not as_json:
        typer.echo(f"backup policy of {report.instance}: met")


@app.command()
@handle_errors
def delete(
    ctx: typer.Context,
    db_id: DbId,
    name: Annotated[
        str, typer.Argument(metavar="NAME", help="Snapshot to delete.", show_default=False)
    ],
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask (for scripts).")] = False,
) -> None:
    """Delete a manual or hourly snapshot of DB_ID (never automated or AWS Backup ones)."""
    from sccos_backup.backups import snapshots as backups

    app_ctx = app_context(ctx)
    rds = app_ctx.rds()
    snapshot = backups.deletable_snapshot(rds, db_id, name)
    if not yes:
        if not app_ctx.is_interactive():
            raise fail(
                f"refusing to delete '{snapshot.identifier}' without confirmation: "
                "no terminal to ask on; pass --yes",
                ExitStatus.USAGE,
            )
        question = (
            f"Delete {backups.kind_of(snapshot)} snapshot '{snapshot.identifier}' of "
            f"'{snapshot.instance_identifier}' ({_time(snapshot.created)} UTC, "
            f"{snapshot.allocated_storage} GiB)? This cannot be undone"
        )
        if not typer.confirm(question, err=True):
            raise errors.Aborted(f"kept snapshot '{snapshot.identifier}'; nothing was deleted")
    backups.delete_snapshot(rds, snapshot)
    typer.echo(f"deleted snapshot {snapshot.identifier}")
