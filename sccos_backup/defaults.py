"""Defaults the CLI shows in its options; kept in a module of their own so that building the
command line imports nothing heavier."""

from __future__ import annotations

from datetime import timedelta

#: Hourly snapshots are kept this long (Spryker's runbook: 60 hours).
DEFAULT_KEEP_HOURS = 60
#: ``snapshot check``: the newest hourly snapshot may be this old.
DEFAULT_MAX_HOURLY_AGE = timedelta(minutes=75)
#: Waiting for a snapshot to become available gives up after this many seconds.
DEFAULT_WAIT_TIMEOUT = 4 * 3600.0
#: The Jenkins job that runs ``vendor/bin/console sync:data``.
DEFAULT_JOB = "sccos-backup-sync-data"
#: Waiting for a Jenkins queue item / build gives up after this many seconds.
DEFAULT_QUEUE_TIMEOUT = 600.0
DEFAULT_BUILD_TIMEOUT = 3600.0
#: A restore (RDS restore call until ``available``) may take this long: the runbook waits this
#: long and the declaration gives pulumi-aws the same create/update timeouts (its own default,
#: 50 minutes, would fail a large restore, leaving the instance in the stack with an error).
DEFAULT_RESTORE_TIMEOUT = 6 * 3600.0


def follow_command(job: str) -> str:
    """The command that attaches to the running build of ``job`` (``resync --follow``), naming
    ``--job`` where it is not the default: without it a pasted hint follows, or starts, a build
    of the default job."""
    import shlex

    return "sccos-backup resync --follow" + (
        "" if job == DEFAULT_JOB else f" --job {shlex.quote(job)}"
    )
