"""The restore stack's Pulumi program: read the stack configuration, declare the instance.

``sccos-backup restore capture DB_ID ... --stack NAME`` writes ``Pulumi.NAME.yaml``; then
``pulumi preview --stack NAME`` and ``pulumi up --stack NAME`` run here. No AWS calls are made
by this file itself (the program is :func:`sccos_backup.restore.program.main`).
"""

from sccos_backup.restore.program import main

database = main()
