"""The schedule stack's Pulumi program: read the stack configuration, build the function's zip,
declare the schedule.

``sccos-backup schedule capture --stack NAME ...`` writes ``schedule/Pulumi.NAME.yaml``; then
``pulumi preview --stack NAME`` and ``pulumi up --stack NAME`` run here (``sccos-backup schedule
preview/up`` do the same through the Automation API). No AWS call is made by this file itself.
"""

from pathlib import Path

import pulumi

from sccos_backup.schedule.declaration import declare
from sccos_backup.schedule.package import build
from sccos_backup.schedule.spec import CONFIG_KEYS, OBJECT_KEYS, PROJECT, ScheduleSpec

_config = pulumi.Config(PROJECT)
_values = {
    key: _config.get_object(key) if key in OBJECT_KEYS else _config.get(key) for key in CONFIG_KEYS
}
artifact = build(Path(__file__).resolve().parent / "build" / "function.zip")
schedule = declare(pulumi.get_stack(), ScheduleSpec.from_config(_values), artifact)
