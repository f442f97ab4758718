"""Human-readable rendering of library results (rich is imported only here, lazily)."""

from __future__ import annotations

from typing import Any

from automation.runbook.runbook import RunSummary
from sccos_backup.restore.plan import RestorePlan
from sccos_backup.restore.settings import BY_API


def _show(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        if value and isinstance(value[0], dict):
            return "\n".join("=".join(str(v) for v in item.values()) for item in value) or "-"
        return ", ".join(str(v) for v in value) or "-"
    return str(value)


def render_plan(plan: RestorePlan) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console(highlight=False)
    if not console.is_terminal:
        console.width = 140
    request = plan.request
    console.print(f"Restore plan for [bold]{request.db_identifier}[/bold] ({request.strategy})")
    console.print(f"  source:      {plan.source.describe()}")
    console.print(f"  restored as: {plan.restore_as}  (ends as {plan.target})")
    console.print(f"  original to: {plan.names.aside}")
    console.print(f"  stack:       {plan.stack}")
    console.print()
    console.print("Steps:")
    for number, step in enumerate(plan.steps, 1):
        marker = "" if step.changes else "  (no change)"
        console.print(f"  {number:2d}. {step.title}{marker}")
    console.print()
    table = Table(title="Settings", title_justify="left")
    table.add_column("Setting", no_wrap=True)
    table.add_column("Original", overflow="fold")
    table.add_column("Declared", overflow="fold")
    table.add_column("")
    declared = plan.spec.settings.to_api()
    for key, value in declared.items():
        original = plan.original.get(key)
        if original is None and value is None and not BY_API[key].required:
            continue  # an optional extra that this instance does not use
        same = _show(original) == _show(value)
        note = "" if same else "differs"
        if not same and key in {"Iops", "StorageThroughput"} and value is None:
            note = "gp3 baseline, set by RDS"
        if not same and key == "AvailabilityZone" and value is None:
            note = "Multi-AZ: RDS places it"
        table.add_row(key, _show(original), _show(value), note)
    for key, value in plan.inherited.items():
        if value is not None:
            table.add_row(key, _show(value), _show(value), "from the snapshot")
    console.print(table)
    for warning in plan.warnings:
        console.print(f"warning: {warning}")


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes}:{rest:02d}"


def render_summary(summary: RunSummary) -> None:
    import typer

    typer.echo(
        f"Restore run {summary.run_id} of '{summary.db_identifier}' ({summary.strategy}): done"
    )
    for step in summary.steps:
        shown = "done earlier" if step.status == "skipped" else _duration(step.seconds)
        typer.echo(f"  {shown:>12}  {step.title}")
    typer.echo(
        f"downtime: {_duration(summary.downtime_seconds)} (m:ss) from the original name "
        "going away until the restored instance answered under it"
    )
    typer.echo(
        f"the original is kept as '{summary.original_now}'; remove it when satisfied with "
        f"`sccos-backup restore cleanup {summary.db_identifier}`"
    )


def render_status(report: dict[str, Any]) -> None:
    import typer

    if report.get("run") is None:
        typer.echo(f"no restore run of '{report['database']}' is recorded")
        return
    state = "finished" if report["finished"] else f"at step '{report['step']}'"
    typer.echo(
        f"Restore run {report['run']} of '{report['database']}' ({report['strategy']}, "
        f"{report['source']}, stack {report['stack']}): {state}"
    )
    marks = {"done": "[x]", "next": "[>]", "pending": "[ ]"}
    for step in report["steps"]:
        typer.echo(f"  {marks[step['state']]} {step['title']}")
    for name, seen in report["instances"].items():
        typer.echo(f"  {name}: {seen['role']}, {seen['status']}")
