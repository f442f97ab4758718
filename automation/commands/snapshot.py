"""``sccos-backup snapshot``: manual snapshots, restore points, hourly rotation, policy check.

Each command builds its collaborators, calls one function of :mod:`sccos_backup.backups.snapshots`
and renders the result: tables and results on stdout, progress, notes and warnings on stderr.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Annotated

import typer

from automation.commands import snapshot_render as render
from automation.commands.context import command_group, echo_json, error_object, fail, handle_errors
from automation.commands.exit_codes import ExitStatus, exit_status_for
from automation.commands.factory import factory_of
from automation.commands.options import JsonOpt, complete_db_ids, duration_option
from automation.commands.progress import StatusLine
from sccos_backup import errors
from sccos_backup.defaults import DEFAULT_KEEP_HOURS, DEFAULT_MAX_HOURLY_AGE, DEFAULT_WAIT_TIMEOUT

if TYPE_CHECKING:
    from sccos_backup.backups import snapshots as backups

app = command_group(
    help="Manual snapshots, every restore point, the hourly rotation and the policy check.",
    add_completion=False,
)

DbId = Annotated[
    str,
    typer.Argument(
        metavar="DB_ID",
        help="DB instance identifier, e.g. shop.",
        show_default=False,
        autocompletion=complete_db_ids,
    ),
]
Json = JsonOpt
Timeout = Annotated[
    float, duration_option("--timeout", help="Give up waiting after this long.", default="4h")
]


def _err(line: str) -> None:
    sys.stderr.write(line + "\n")
    sys.stderr.flush()


@app.command()
@handle_errors
def create(
    ctx: typer.Context,
    db_id: DbId,
    name: Annotated[
        str | None,
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
        str | None,
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

    app_ctx = factory_of(ctx)
    rds = app_ctx.rds()
    request = backups.plan_manual_snapshot(rds, db_id, name, purpose=purpose, note=note)
    how = " (proposed name; pass NAME to choose another)" if request.proposed else ""
    _err(f"creating snapshot '{request.name}' of '{request.instance}'{how}")
    progress = StatusLine(enabled=wait)
    try:
        result = backups.take_snapshot(rds, request, wait=wait, timeout=timeout, on_poll=progress)
    except KeyboardInterrupt:
        raise errors.Interrupted(
            f"interrupted; RDS goes on with snapshot '{request.name}' if it was started (an "
            f"interrupt does not stop it); see it with `sccos-backup snapshot list "
            f"{request.instance}`"
        ) from None
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
    typer.echo(f"took:      {render.duration(result.seconds)} (m:ss)")
    typer.echo(f"status:    {status}")


KIND_NAMES = ("automated", "manual", "hourly", "awsbackup", "other")


def parse_since(value: str | None, now: datetime) -> datetime | None:
    """``--since``: an ISO 8601 time (UTC if no offset) or an age in the one duration grammar
    (6h, 90m, 2d; a bare number is seconds)."""
    from sccos_backup.identifiers import parse_duration

    if value is None:
        return None
    try:
        return now - timedelta(seconds=parse_duration(value, option="--since"))
    except errors.InvalidInput:
        pass
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise errors.InvalidInput(
            f"--since '{value}' is neither an ISO 8601 time (2026-11-25T13:00) nor an age "
            "(6h, 90m, 2d)"
        ) from None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed


def parse_kinds(values: Sequence[str]) -> tuple[backups.Kind, ...]:
    from sccos_backup.backups.naming import Kind

    wrong = [v for v in values if v not in KIND_NAMES]
    if wrong:
        raise errors.InvalidInput(
            f"--kind '{wrong[0]}' is unknown; use one of: {', '.join(KIND_NAMES)}"
        )
    return tuple(Kind(v) for v in values)


KeepHours = Annotated[
    int, typer.Option(help="Hourly snapshots are kept this many hours (the policy).")
]


@app.command("list")
@handle_errors
def list_(
    ctx: typer.Context,
    db_id: DbId,
    since: Annotated[
        str | None,
        typer.Option(
            metavar="TIME|AGE",
            help="Only restore points from this time on: ISO 8601 (UTC) or an age, 6h, 2d.",
        ),
    ] = None,
    kind: Annotated[
        list[str] | None,
        typer.Option(help=f"Only this kind (repeatable): {', '.join(KIND_NAMES)}."),
    ] = None,
    keep_hours: KeepHours = DEFAULT_KEEP_HOURS,
    as_json: Json = False,
) -> None:
    """Show every restore point of DB_ID, newest first, its point-in-time window, the gaps of
    its hourly series and the region's snapshot quota."""
    from sccos_backup.backups import snapshots as backups

    rds = factory_of(ctx).rds()
    kinds = parse_kinds(kind or [])
    found = backups.list_restore_points(
        rds, db_id, since=parse_since(since, rds.clock()), kinds=kinds, keep_hours=keep_hours
    )
    if found.note:
        _err(f"note: {found.note}")
    # An unreadable quota is said once: by the Quota line (or the JSON's quota.problem).
    if as_json:
        echo_json(found.as_dict())
        return
    render.restore_points(found)


@app.command()
@handle_errors
def rotate(
    ctx: typer.Context,
    db_id: DbId,
    *,
    keep_hours: KeepHours = DEFAULT_KEEP_HOURS,
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
    """Hourly tool (cron, Jenkins timer): take this hour's snapshot, delete expired hourly ones.

    Exits 3 after deleting when the instance's status allows no snapshot (stopped, modifying)."""
    from sccos_backup.backups import snapshots as backups

    rds = factory_of(ctx).rds()
    plan = backups.prepare_rotation(rds, db_id, keep_hours=keep_hours)
    if plan.blocked and not plan.delete:  # nothing to do at all: a refusal, one line
        raise fail(plan.blocked, ExitStatus.PRECONDITION)
    for warning in plan.warnings:
        _err(f"warning: {warning}")
    if dry_run:
        if as_json:
            echo_json({**plan.as_dict(), "dry_run": True})
        else:
            render.rotation_plan(plan, "dry run, nothing changed: would ")
        return
    progress = StatusLine(enabled=wait)
    try:
        result = backups.execute_rotation(rds, plan, wait=wait, timeout=timeout, on_poll=progress)
    finally:
        progress.done()
    if as_json:
        echo_json({**result.as_dict(), "dry_run": False})
    else:
        render.rotation(result)
    if plan.blocked:
        deleted = len(result.deleted) + len(result.gone)
        raise fail(
            f"{plan.blocked}; {deleted} expired snapshot(s) deleted", ExitStatus.PRECONDITION
        )


@app.command()
@handle_errors
def check(
    ctx: typer.Context,
    db_id: DbId,
    max_hourly_age: Annotated[
        float,
        duration_option(
            "--max-hourly-age",
            help="How old the newest hourly snapshot may be (a bare number is minutes).",
            default="75m",
            bare_unit="m",
        ),
    ] = DEFAULT_MAX_HOURLY_AGE.total_seconds(),
    keep_hours: KeepHours = DEFAULT_KEEP_HOURS,
    allow_unknown_quota: Annotated[
        bool,
        typer.Option(
            "--allow-unknown-quota",
            help="Pass the quota point when the quota cannot be read.",
        ),
    ] = False,
    as_json: Json = False,
) -> None:
    """Check the backup policy (a monitoring plugin): retention, PITR, the newest hourly
    snapshot, gaps in the hourly series, room in the snapshot quota. The first line is the
    verdict, OK, WARNING, CRITICAL or UNKNOWN with the unmet points; the exit code is 0, 1, 2
    or 3 as monitoring plugins use them."""
    from sccos_backup.backups import snapshots as backups

    try:
        report = backups.check_policy(
            factory_of(ctx).rds(),
            db_id,
            max_hourly_age=timedelta(seconds=max_hourly_age),
            keep_hours=keep_hours,
            allow_unknown_quota=allow_unknown_quota,
        )
    except errors.SccosBackupError as error:
        raise unknown_verdict(str(error), exit_status_for(error), as_json) from None
    for note in report.notes:
        _err(f"note: {note}")
    if as_json:
        echo_json(report.as_dict())
    else:
        typer.echo(report.verdict_line())
        for point in report.checks:
            if point.ok:
                typer.echo(f"ok  {point.detail}")
    raise typer.Exit(report.exit_code)


def unknown_verdict(message: str, status: ExitStatus, as_json: bool) -> typer.Exit:
    """A check that could not run: UNKNOWN first on stdout (where monitoring reads), the
    usual error line on stderr, exit 3."""
    text = " ".join(message.split())
    if as_json:
        echo_json({"verdict": "UNKNOWN", "exit_code": 3, "error": error_object(text, status)})
    else:
        typer.echo(f"UNKNOWN: {text}".replace("|", "/"))
    fail(text, status)
    return typer.Exit(3)


@app.command()
@handle_errors
def delete(
    ctx: typer.Context,
    db_id: DbId,
    name: Annotated[
        str, typer.Argument(metavar="NAME", help="Snapshot to delete.", show_default=False)
    ],
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask (for scripts).")] = False,
    as_json: Json = False,
) -> None:
    """Delete a manual or hourly snapshot of DB_ID (never automated or AWS Backup ones)."""
    from sccos_backup.backups import snapshots as backups

    app_ctx = factory_of(ctx)
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
            f"'{snapshot.instance_identifier}' ({render.time_text(snapshot.created)} UTC, "
            f"{snapshot.allocated_storage} GiB)? This cannot be undone"
        )
        if not typer.confirm(question, err=True):
            raise errors.Aborted(f"kept snapshot '{snapshot.identifier}'; nothing was deleted")
    backups.delete_snapshot(rds, snapshot)
    if as_json:
        echo_json({"deleted": snapshot.identifier, "instance": snapshot.instance_identifier})
        return
    typer.echo(f"deleted snapshot {snapshot.identifier}")


@app.command()
@handle_errors
def prune(
    ctx: typer.Context,
    keep_hours: KeepHours = DEFAULT_KEEP_HOURS,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show what would be deleted; change nothing.")
    ] = False,
    as_json: Json = False,
) -> None:
    """Delete expired hourly snapshots whose database is gone under every name (run it after
    `restore cleanup`); snapshots of existing databases are their rotation's business."""
    from sccos_backup.backups.prune import prune_orphans

    result = prune_orphans(factory_of(ctx).rds(), keep_hours=keep_hours, dry_run=dry_run)
    if as_json:
        echo_json({**result.as_dict(), "dry_run": dry_run})
    else:
        render.pruned(result, dry_run)
