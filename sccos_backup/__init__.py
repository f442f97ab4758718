"""sccos-backup: back up and restore Spryker Cloud Commerce OS databases on Amazon RDS.

The library never prints and never reads the environment; ``automation/`` is the
CLI and the Pulumi driver that wrap it.
"""

__version__ = "0.1.0"
