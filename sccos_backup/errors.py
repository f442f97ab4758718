"""The one exception tree of sccos-backup.

Every error the library raises on purpose derives from :class:`SccosBackupError`.
The CLI catches only that base class, prints ``str(error)`` as one line on stderr
and exits with the code that :data:`automation.commands.exit_codes` maps the class to. Any
other exception is a bug and keeps its traceback.

Messages say what failed, about which resource, and what to do next. They never
contain secrets (Jenkins token, Pulumi passphrase, database passwords).

::

    SccosBackupError
    ├── InvalidInput                 bad option or argument; nothing was contacted
    ├── PreconditionFailed           the world is not in a state we may act on
    │   ├── NotFound                 an instance, snapshot or job does not exist
    │   ├── NotAvailable             it exists but is not in the state we need
    │   ├── Incompatible             engine, storage or parameter family mismatch
    │   ├── OutsideRestoreWindow     point in time outside the restorable window
    │   ├── IdentifierTaken          a target identifier is already in use
    │   ├── RunInProgress            another restore run owns this database
    │   └── OriginalChanged          the original differs from the approved plan (``details``)
    ├── AwsError                     an AWS call failed (credentials, endpoint, throttling)
    ├── WaitTimeout                  a bounded wait ran out
    ├── VerificationFailed           the restored instance differs from the capture
    ├── PolicyUnmet                  the backup policy check found unmet points
    ├── EngineError                  the Pulumi engine failed
    │   └── PulumiUnavailable        no Pulumi CLI and no way to install one
    ├── JenkinsError                 any failure talking to Jenkins
    │   ├── JenkinsUnreachable       connection refused, DNS, timeout
    │   ├── JenkinsAuthError         401/403: user or API token refused
    │   ├── JenkinsCrumbError        the CSRF crumb was refused
    │   ├── JenkinsJobMissing        job or folder does not exist
    │   ├── JenkinsQueueError        queue item cancelled or expired
    │   └── JenkinsBuildFailed       the build ended FAILURE, ABORTED or UNSTABLE
    ├── Interrupted                  Ctrl-C or SIGTERM; says what was stopped or left running
    └── Aborted                      the user declined a confirmation
"""

from __future__ import annotations


class SccosBackupError(Exception):
    """Base of every deliberate error of sccos-backup."""

    #: Lines printed after the one-line message (e.g. one per setting that differs).
    details: tuple[str, ...] = ()


class InvalidInput(SccosBackupError):
    """An option or argument is malformed or options conflict."""


class PreconditionFailed(SccosBackupError):
    """The observed state does not allow the requested action."""


class NotFound(PreconditionFailed):
    """A named resource does not exist."""


class NotAvailable(PreconditionFailed):
    """A resource exists but is not in the state the action needs."""


class Incompatible(PreconditionFailed):
    """Source and target do not fit (engine, storage size, parameter family)."""


class OutsideRestoreWindow(PreconditionFailed):
    """A point in time lies outside the instance's restorable window."""


class IdentifierTaken(PreconditionFailed):
    """An identifier we must create or rename to is already used."""


class RunInProgress(PreconditionFailed):
    """Another restore run is in progress on the same database."""


class OriginalChanged(PreconditionFailed):
    """The original no longer matches the plan's fingerprint. ``details`` holds one line per
    differing setting; the CLI prints them after the one-line message."""

    def __init__(self, message: str, details: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.details = details


class AwsError(SccosBackupError):
    """An AWS API call failed for a reason other than a checked precondition."""


class WaitTimeout(SccosBackupError):
    """A bounded wait ended before the awaited state was reached."""


class VerificationFailed(SccosBackupError):
    """The restored instance does not match the captured settings."""


class PolicyUnmet(SccosBackupError):
    """The backup policy is not met; ``problems`` holds one line per point."""

    def __init__(self, message: str, problems: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.problems = problems


class EngineError(SccosBackupError):
    """The Pulumi engine (preview, up, refresh) failed."""


class PulumiUnavailable(EngineError):
    """No Pulumi CLI is on PATH and none could be installed."""


class JenkinsError(SccosBackupError):
    """A Jenkins request or build failed."""


class JenkinsUnreachable(JenkinsError):
    """The Jenkins server could not be reached."""


class JenkinsAuthError(JenkinsError):
    """Jenkins refused the user or API token."""


class JenkinsCrumbError(JenkinsError):
    """Jenkins refused the CSRF crumb."""


class JenkinsJobMissing(JenkinsError):
    """The named job or folder does not exist."""


class JenkinsQueueError(JenkinsError):
    """The queue item was cancelled or expired before a build started."""


class JenkinsBuildFailed(JenkinsError):
    """The build finished with a result other than SUCCESS."""

    def __init__(self, message: str, result: str, console_tail: str = "") -> None:
        super().__init__(message)
        self.result = result
        self.console_tail = console_tail


class Interrupted(SccosBackupError):
    """The user interrupted (Ctrl-C, SIGTERM); the message says what was stopped or left running."""


class Aborted(SccosBackupError):
    """The user declined a confirmation; nothing was changed."""
