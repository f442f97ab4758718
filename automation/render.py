"""Human-readable rendering of library results (rich is imported only here, lazily)."""

from __future__ import annotations

from typing import Any

from sccos_backup.plan import RestorePlan
from sccos_backup.settings import BY_API


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
