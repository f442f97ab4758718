"""The schedule stack's Pulumi program: read the stack configuration, build the function's zip,
declare the schedule.

``sccos-backup schedule capture --stack NAME ...`` writes ``schedule/Pulumi.NAME.yaml``; then
``pulumi preview --stack NAME`` and ``pulumi up --stack NAME`` run here (``sccos-backup schedule
preview/up`` do the same through the Automation API). No AWS call is made by this file itself.
"""

from pathlib import Path

from sccos_backup.schedule.program import main

artifact, schedule = main(Path(__file__).resolve().parent)
