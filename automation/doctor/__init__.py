"""``sccos-backup doctor``: every check a restore run needs, before the incident.

:mod:`.model` holds the result types, :mod:`.pulumi` the Pulumi CLI, plugin and passphrase
checks, :mod:`.checks` the AWS, backend and Jenkins checks and :func:`.checks.run_checks`.
"""
