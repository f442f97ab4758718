"""Text rendering of the ``snapshot`` command group's results (tables on stdout)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    from sccos_backup.backups import prune
    from sccos_backup.backups import snapshots as backups
    from sccos_backup.backups.quota import QuotaProjection


def time_text(value: datetime | None) -> str:
    return f"{value:%Y-%m-%d %H:%M}" if value else "-"


def duration(seconds: float) -> str:
    minutes, secs = divmod(round(seconds), 60)
    return f"{minutes}:{secs:02d}"


def table(rows: Sequence[Sequence[str]]) -> list[str]:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return [
        "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in rows
    ]


def quota_line(quota: QuotaProjection) -> str:
    """``Quota: 64 of 100 manual snapshots used; the hourly policy needs ...``."""
    if quota.limit is None:
        return f"Quota: unknown ({quota.problem}); {quota.used} manual snapshots in the region"
    verdict = "fits" if quota.fits else "DOES NOT FIT"
    return f"Quota: {quota.used} of {quota.limit} manual snapshots used; {verdict}: " + (
        quota.arithmetic()
    )


def gaps_line(found: backups.RestorePoints) -> str:
    from sccos_backup.backups.gaps import describe_gaps, gaps_none_text

    gaps, keep_hours = found.gaps, found.keep_hours
    if found.gaps_since is None or found.now is None:
        return (
            f"Gaps: not counted: no hourly snapshot of {found.query} yet (hourly snapshots "
            f"start with `sccos-backup snapshot rotate {found.query}` or `schedule up`)"
        )
    if not gaps:
        return f"Gaps: none ({gaps_none_text(found.now, found.gaps_since, keep_hours)})"

    return f"Gaps: {len(gaps)} hour(s) of the last {keep_hours} without an hourly snapshot: " + (
        describe_gaps(gaps, limit=12)
    )


def restore_points(found: backups.RestorePoints) -> None:
    head = f"Restore points of {found.query}"
    if found.instance is not None:
        head += f" ({found.instance.resource_id}, {found.instance.status})"
    # The source column only when it varies (renames): the table then fits 80 columns.
    sources = {p.taken_from for p in found.points}
    same_source = len(sources) == 1 and next(iter(sources)) == found.query
    typer.echo(head + ", newest first, times in UTC:")
    rows: list[tuple[str, ...]] = [("KIND", "IDENTIFIER", "TIME", "SIZE", "STATUS", "TAKEN FROM")]
    rows += [
        (
            str(p.kind),
            p.identifier,
            time_text(p.created),
            f"{p.size_gib} GiB",
            p.status,
            p.taken_from,
        )
        for p in found.points
    ]
    if same_source:
        rows = [row[:-1] for row in rows]
    if found.points:
        for line in table(rows):
            typer.echo("  " + line)
    else:
        typer.echo("  (no snapshots)")
    if found.hidden:
        typer.echo(f"  ({found.hidden} more left out by --since/--kind)")
    if found.pitr is not None:
        estimated = " (earliest estimated from retention)" if found.pitr.estimated else ""
        typer.echo(
            f"Point-in-time recovery: {time_text(found.pitr.earliest)} to "
            f"{time_text(found.pitr.latest)}{estimated}"
        )
    elif found.instance is not None:
        typer.echo("Point-in-time recovery: off (backup retention is 0 days)")
    if found.instance is not None:
        typer.echo(gaps_line(found))
    if found.quota is not None:
        typer.echo(quota_line(found.quota))


def _head(plan: backups.RotationPlan) -> None:
    typer.echo(
        f"{plan.instance}: hourly snapshots kept {plan.keep_hours} h "
        f"(created before {time_text(plan.cutoff)} UTC: deleted)"
    )


def _this_hour(plan: backups.RotationPlan, prefix: str) -> None:
    if plan.create:
        typer.echo(f"  {prefix}create  {plan.create}")
    elif plan.blocked:
        typer.echo(f"  not created: {plan.blocked}")
    else:
        typer.echo(f"  this hour's snapshot {plan.existing} already exists; nothing to create")


def rotation_plan(plan: backups.RotationPlan, prefix: str) -> None:
    _head(plan)
    _this_hour(plan, prefix)
    for snapshot in plan.delete:
        typer.echo(
            f"  {prefix}delete  {snapshot.identifier}  (created {time_text(snapshot.created)})"
        )
    _footer(plan)


def rotation(result: backups.RotationResult) -> None:
    plan = result.plan
    _head(plan)
    if result.created is not None and result.raced:
        typer.echo(
            f"  created  {result.created.identifier}  (by another rotation at the same time)"
        )
    elif result.created is not None:
        typer.echo(f"  created  {result.created.identifier}  ({result.created.status})")
    else:
        _this_hour(plan, "")
    for name in result.deleted:
        typer.echo(f"  deleted  {name}")
    for name in result.gone:
        typer.echo(f"  gone     {name}  (already deleted by someone else)")
    _footer(plan)


def _footer(plan: backups.RotationPlan) -> None:
    for snapshot in plan.skipped:
        typer.echo(f"  kept     {snapshot.identifier}  (a copy of it is in progress)")
    typer.echo(f"  kept     {len(plan.keep)} hourly snapshot(s) younger than {plan.keep_hours} h")
    # A quota problem is already one warning on stderr: said once.
    if plan.quota is not None and plan.quota.problem_line() is None:
        typer.echo("  " + quota_line(plan.quota).replace("Quota: ", "quota    ", 1))


def pruned(result: prune.PruneResult, dry_run: bool) -> None:
    plan = result.plan
    typer.echo(
        f"Orphaned hourly snapshots (their database is gone), older than {plan.keep_hours} h "
        f"(created before {time_text(plan.cutoff)} UTC):"
    )
    for snapshot in plan.delete:
        if dry_run:
            what = "dry run, nothing changed: would delete"
        else:
            what = "gone    " if snapshot.identifier in result.gone else "deleted "
        typer.echo(f"  {what}  {snapshot.identifier}  (taken from {snapshot.instance_identifier})")
    if not plan.delete:
        typer.echo("  (none to delete)")
    for snapshot in plan.skipped:
        typer.echo(f"  kept      {snapshot.identifier}  (a copy of it is in progress)")
    if plan.waiting:
        typer.echo(f"  {len(plan.waiting)} younger orphan(s) wait until they expire")
