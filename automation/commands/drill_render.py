"""Human-readable rendering of drill plans, results and history."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from automation.commands.render import echo_steps
from sccos_backup.drill.plan import DrillPlan
from sccos_backup.drill.report import DrillReport


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    minutes, rest = divmod(round(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{rest:02d}"


def _echo_wrapped(first: str, text: str, indent: int) -> None:
    """``first`` then ``text`` wrapped at separators to the terminal (80 columns when not one),
    continuation lines indented by ``indent``."""
    from automation.commands.columns import width, wrap

    lines = wrap(text, max(20, width() - max(indent, len(first))))
    typer.echo(first + ("\n" + " " * indent).join(lines))


def render_drill_plan(plan: DrillPlan) -> None:
    data = plan.as_dict()
    source = data["source"]
    typer.echo(f"Drill plan for {plan.request.db_identifier} (the live database is only read)")
    reason = f" ({source['reason']})" if source["reason"] not in source["description"] else ""
    _echo_wrapped("  source:  ", f"{source['description']}{reason}", 11)
    typer.echo(f"  age:     {_duration(source['age_seconds'])} (h:mm:ss) now")
    typer.echo(f"  copy:    {plan.names.target}")
    typer.echo(f"  stack:   {plan.names.stack}")
    typer.echo("")
    echo_steps(plan.steps)
    typer.echo("")
    typer.echo("Every captured setting of the original, except (deliberately):")
    for item in data["differences"]:
        drill = item["drill"]
        shown = (
            ", ".join(f"{k}={v}" for k, v in drill.items()) if isinstance(drill, dict) else drill
        )
        _echo_wrapped("  ", f"{item['setting']}: {item['original']} -> {shown} ({item['why']})", 4)
    for warning in plan.warnings:
        _echo_wrapped("warning: ", warning, 2)


def render_report_summary(report: DrillReport, location: str, markdown: Path | None) -> None:
    state = "PASSED" if report.passed else "FAILED"
    typer.echo(f"Drill {report.run_id} of '{report.database}': {state}")
    typer.echo(f"  RPO (data age at the restore call): {_duration(report.rpo_seconds)}")
    typer.echo(f"  RTO (restore call to available):    {_duration(report.rto_seconds)}")
    typer.echo(f"  settings verified: {'all' if report.verified else 'DIFFERENCES'}")
    if report.check is not None:
        typer.echo(f"  check command: {'passed' if report.check.ok else 'FAILED'}")
    typer.echo(f"  copy existed: {report.minutes_run} min; total {_duration(report.total_seconds)}")
    for problem in report.problems:
        typer.echo(f"  problem: {problem}")
    for note in report.notes:
        typer.echo(f"  note: {note}")
    if report.kept:
        typer.echo(
            f"the copy '{report.target}' is kept; remove it with "
            f"`sccos-backup drill cleanup {report.database}`"
        )
    typer.echo(f"report: {location}" + (f" and {markdown}" if markdown else ""))


def render_history(db: str, rows: list[dict[str, Any]], where: str) -> None:
    if not rows:
        typer.echo(f"no drill report of '{db}' in {where}")
        return
    typer.echo(f"{'drill':<13} {'result':<7} {'RPO':>9} {'RTO':>9} {'min':>6}  source")
    for row in rows:
        typer.echo(
            f"{row['drill']:<13} {row['result']:<7} {_duration(row['rpoSeconds']):>9} "
            f"{_duration(row['rtoSeconds']):>9} {row['minutesRun']:>6}  {row['source']}"
        )
