"""Human-readable rendering of library results: plain text that fits 80 columns."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from automation.runbook.runbook import RunSummary
from sccos_backup.restore.fields import BY_API
from sccos_backup.restore.plan import RestorePlan


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


def echo_steps(steps: Iterable[Any]) -> None:
    """A plan's numbered steps (restore or drill), each wrapped to the terminal; a step that
    changes nothing says so."""
    import typer

    from automation.commands.columns import width, wrap

    typer.echo("Steps:")
    for number, step in enumerate(steps, 1):
        marker = "" if step.changes else "  (no change)"
        lines = wrap(f"{step.title}{marker}", width() - 6)
        typer.echo(f"  {number:2d}. " + "\n      ".join(lines))


def render_plan(plan: RestorePlan) -> None:
    import typer

    from automation.commands.columns import two_columns

    request = plan.request
    typer.echo(f"Restore plan for {request.db_identifier} ({request.strategy})")
    typer.echo(f"  source:      {plan.source.describe()}")
    typer.echo(f"  restored as: {plan.restore_as}  (ends as {plan.target})")
    typer.echo(f"  original to: {plan.names.aside}")
    typer.echo(f"  stack:       {plan.stack}")
    typer.echo("")
    echo_steps(plan.steps)
    typer.echo("")
    typer.echo("Settings (declared as the original unless a line says otherwise):")
    rows: list[tuple[str, str]] = [("SETTING", "ORIGINAL")]
    declared = plan.spec.settings.to_api()
    for key, value in declared.items():
        original = plan.original.get(key)
        if original is None and value is None and not BY_API[key].required:
            continue  # an optional extra that this instance does not use
        shown = _show(original)
        if shown != _show(value):
            note = "differs"
            if key in {"Iops", "StorageThroughput"} and value is None:
                note = "gp3 baseline, set by RDS"
            if key == "AvailabilityZone" and value is None:
                note = "Multi-AZ: RDS places it"
            shown = f"{shown}\ndeclared: {_show(value)}  ({note})"
        rows.append((key, shown))
    origin = (
        "from the snapshot" if hasattr(plan.source, "snapshot_identifier") else "from the backup"
    )
    for key, value in plan.inherited.items():
        if value is not None:
            rows.append((key, f"{_show(value)}  ({origin})"))
    typer.echo(two_columns(rows))
    for warning in plan.warnings:
        typer.echo(f"warning: {warning}")


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
    if report["finished"]:
        state = "finished"
    elif report.get("currentStep"):
        state = f"at step '{report['currentStep']}' (last done: '{report['step']}')"
    else:
        state = f"at step '{report['step']}'"
    typer.echo(
        f"Restore run {report['run']} of '{report['database']}' ({report['strategy']}, "
        f"{report['source']}, stack {report['stack']}): {state}"
    )
    marks = {"done": "[x]", "next": "[>]", "pending": "[ ]"}
    for step in report["steps"]:
        typer.echo(f"  {marks[step['state']]} {step['title']}")
    for name, seen in report["instances"].items():
        typer.echo(f"  {name}: {seen['role']}, {seen['status']}")
    if report.get("downtimeSeconds") is not None:
        still = "" if report.get("upSince") else " so far"
        typer.echo(
            f"downtime: {report['downtimeSeconds'] / 60:.0f} min{still} "
            f"(down since {report['downSince']})"
        )
    if report.get("next"):
        typer.echo(report["next"])
