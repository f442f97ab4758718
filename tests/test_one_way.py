"""One way for each kind of value: one callbacks type, one Pulumi project check, one object
store, one JSON convention, and no emulator branches in production code."""

from __future__ import annotations

from dataclasses import fields

from automation.drill.driver import DrillDriver
from automation.runbook.context import RunContext


def test_the_runbook_and_the_drill_report_through_one_callbacks_type() -> None:
    runbook = {f.name: f.type for f in fields(RunContext)}["callbacks"]
    drill = {f.name: f.type for f in fields(DrillDriver)}["callbacks"]
    assert runbook == drill == "Callbacks"
    import automation.drill.driver as driver
    import automation.runbook.context as core

    assert core.Callbacks is driver.Callbacks
