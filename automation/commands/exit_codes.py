"""Documented exit codes of the ``sccos-backup`` command.

=====  ==========================  =====================================================
code   name                        meaning
=====  ==========================  =====================================================
0      OK                          the command did what it was asked
1      FAILURE                     an operation failed (AWS error, wait timed out, ...)
2      USAGE                       bad option, argument or value; nothing was contacted
3      PRECONDITION                the world is not in a state we may act on; nothing changed
4      VERIFICATION                the restored instance differs from the original
5      JENKINS                     Jenkins refused, was unreachable, or the build failed
6      ENGINE                      the Pulumi engine failed or is not installed
10     ABORTED                     the user declined a confirmation; nothing changed
130    INTERRUPTED                 interrupted (Ctrl-C); re-run or ``restore resume``
=====  ==========================  =====================================================

``snapshot check`` is a monitoring plugin and exits as one: 0 OK, 1 WARNING, 2 CRITICAL,
3 UNKNOWN (the check could not run, a bad option included).
"""

from __future__ import annotations

from enum import IntEnum

from sccos_backup import errors


class ExitStatus(IntEnum):
    OK = 0
    FAILURE = 1
    USAGE = 2
    PRECONDITION = 3
    VERIFICATION = 4
    JENKINS = 5
    ENGINE = 6
    ABORTED = 10
    INTERRUPTED = 130


# Most specific first: the first matching class wins.
_BY_ERROR: tuple[tuple[type[errors.SccosBackupError], ExitStatus], ...] = (
    (errors.InvalidInput, ExitStatus.USAGE),
    (errors.PreconditionFailed, ExitStatus.PRECONDITION),
    (errors.VerificationFailed, ExitStatus.VERIFICATION),
    (errors.JenkinsError, ExitStatus.JENKINS),
    (errors.EngineError, ExitStatus.ENGINE),
    (errors.Aborted, ExitStatus.ABORTED),
    (errors.Interrupted, ExitStatus.INTERRUPTED),
)


def exit_status_for(error: errors.SccosBackupError) -> ExitStatus:
    """The exit status the CLI uses for a library error."""
    for cls, status in _BY_ERROR:
        if isinstance(error, cls):
            return status
    return ExitStatus.FAILURE
