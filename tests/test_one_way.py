"""One way for each kind of value: one callbacks type, one Pulumi project check, one object
store, one JSON convention, and no emulator branches in production code."""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path

from automation.drill.driver import DrillDriver
from automation.runbook.context import RunContext

ROOT = Path(__file__).resolve().parent.parent


def test_the_runbook_and_the_drill_report_through_one_callbacks_type() -> None:
    runbook = {f.name: f.type for f in fields(RunContext)}["callbacks"]
    drill = {f.name: f.type for f in fields(DrillDriver)}["callbacks"]
    assert runbook == drill == "Callbacks"
    import automation.drill.driver as driver
    import automation.runbook.context as core

    assert core.Callbacks is driver.Callbacks


def production_sources() -> dict[str, str]:
    return {
        path.relative_to(ROOT).as_posix(): path.read_text(encoding="utf-8")
        for top in ("sccos_backup", "automation")
        for path in sorted((ROOT / top).rglob("*.py"))
    }


def test_one_function_reads_a_pulumi_project_folder() -> None:
    readers = sorted(
        name
        for name, text in production_sources().items()
        if '"Pulumi.yaml"' in text and "yaml.safe_load(" in text
    )
    assert readers == ["sccos_backup/restore/stackfile.py"]


def test_the_lock_and_the_drill_reports_use_one_object_store(tmp_path: Path) -> None:
    from automation.commands.factory import Factory
    from sccos_backup.objects import FolderStore

    factory = Factory()
    lock = factory.lock_store(f"file://{tmp_path}")
    reports = factory.report_store(f"file://{tmp_path}")
    assert type(lock) is type(reports.objects) is FolderStore
    assert lock.location == reports.objects.location == str(tmp_path)
