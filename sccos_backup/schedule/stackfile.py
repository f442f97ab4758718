"""The reviewable record of a schedule stack: ``schedule/Pulumi.<stack>.yaml``.

``schedule capture`` writes the spec here under the ``sccos-backup-schedule:`` namespace (and the
aws provider's region and profile); ``schedule/__main__.py`` and the driver's inline program
declare exactly what it says. Keys outside the namespace (``encryptionsalt``, other config) are
kept. The file holds no secret.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sccos_backup.errors import InvalidInput
from sccos_backup.restore.stackfile import check_project, stack_file, write_stack_file
from sccos_backup.schedule.spec import CONFIG_KEYS, PROJECT, ScheduleSpec

#: The schedule project's folder inside the sccos-backup checkout.
FOLDER = "schedule"


def check_schedule_project(work_dir: Path) -> None:
    """Refuse a folder that is not the schedule project (one line naming what to do)."""
    check_project(work_dir, PROJECT, where=f"the sccos-backup checkout (its '{FOLDER}/' folder)")


def stack_config(
    spec: ScheduleSpec, *, region: str | None = None, profile: str | None = None
) -> dict[str, Any]:
    """Every key the stack file gets: the provider's region/profile and the spec."""
    config: dict[str, Any] = {}
    if region:
        config["aws:region"] = region
    if profile:
        config["aws:profile"] = profile
    config.update({f"{PROJECT}:{key}": value for key, value in spec.to_config().items()})
    return config


def write_schedule_file(work_dir: Path, stack: str, config: dict[str, Any]) -> Path:
    check_schedule_project(work_dir)
    ours = [f"{PROJECT}:{key}" for key in CONFIG_KEYS]
    return write_stack_file(work_dir, stack, config, project=PROJECT, ours=ours)


def read_schedule_spec(work_dir: Path, stack: str) -> ScheduleSpec:
    """The spec recorded in ``Pulumi.<stack>.yaml`` (what the program will declare)."""
    import yaml

    path = stack_file(work_dir, stack)
    if not path.exists():
        raise InvalidInput(
            f"'{path}' does not exist; write it with `sccos-backup schedule capture --stack "
            f"{stack} --db ID | --tag K=V`"
        )
    config = (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("config") or {}
    return ScheduleSpec.from_config({key: config.get(f"{PROJECT}:{key}") for key in CONFIG_KEYS})
