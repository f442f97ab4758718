"""The schedule stack's Pulumi program, shared by every schedule project folder (the checkout's
``schedule/``, one made by ``sccos-backup init``, the packaged one in the user's data folder)."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def main(project_dir: Path) -> tuple[Any, Any]:
    """Read the stack configuration, build the function's zip under ``project_dir/build``,
    declare the schedule. Returns (artifact, schedule)."""
    import pulumi

    from sccos_backup.schedule.declaration import declare
    from sccos_backup.schedule.package import build
    from sccos_backup.schedule.spec import CONFIG_KEYS, OBJECT_KEYS, PROJECT, ScheduleSpec

    config = pulumi.Config(PROJECT)
    values = {
        key: config.get_object(key) if key in OBJECT_KEYS else config.get(key)
        for key in CONFIG_KEYS
    }
    artifact = build(project_dir / "build" / "function.zip")
    return artifact, declare(pulumi.get_stack(), ScheduleSpec.from_config(values), artifact)
