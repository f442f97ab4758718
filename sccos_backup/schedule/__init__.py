"""The backup schedule as infrastructure: EventBridge Scheduler runs ``rotate`` and ``check`` in
a Lambda function, for one database or a fleet chosen by name or by tag.

- :mod:`~sccos_backup.schedule.event`: the event the function receives (pure);
- :mod:`~sccos_backup.schedule.runner`: one action over every selected database;
- :mod:`~sccos_backup.schedule.metrics`: the CloudWatch metrics the function publishes;
- :mod:`~sccos_backup.schedule.spec`: the schedule stack's configuration (pure);
- :mod:`~sccos_backup.schedule.package`: the function's reproducible zip;
- :mod:`~sccos_backup.schedule.declaration` and ``alarms``: the Pulumi declaration.

Only the declaration modules import Pulumi; the function imports the event, runner and metrics
modules alone (see :mod:`sccos_backup.lambda_handler`).
"""
