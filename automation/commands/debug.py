"""``--debug``: what sccos-backup says to AWS, Jenkins and the Pulumi CLI, logged on stderr.

The adapters log at DEBUG level, always through :mod:`logging` and never otherwise: every AWS
call (``sccos_backup.aws``: service, operation, the parameters that name a resource, HTTP
status, duration), every Jenkins request (``sccos_backup.jenkins``: method, URL, status) and
every line the Pulumi CLI prints (``automation.pulumi``). Without ``--debug`` those loggers stay
at the default WARNING level and nothing extra is printed.

One filter on the handler redacts every line (:func:`sccos_backup.redaction.redact`): the
Jenkins token, the stack passphrase, passwords and the values of secret environment variables
never reach stderr.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable

from sccos_backup.redaction import redact

#: The loggers ``--debug`` turns on.
LOGGERS = ("sccos_backup", "automation")


class RedactSecrets(logging.Filter):
    """Replace a record's message by its redacted text (before any handler formats it)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact(record.getMessage())
        record.args = None
        return True


class _Stderr(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever ``sys.stderr`` is when a line is logged (a test runner swaps it)."""

    @property
    def stream(self) -> object:
        return sys.stderr

    @stream.setter
    def stream(self, value: object) -> None:
        pass


def enable_debug_logging() -> Callable[[], None]:
    """Log the adapters' DEBUG lines on stderr, redacted; returns the function that undoes it."""
    handler = _Stderr()
    handler.setFormatter(logging.Formatter("debug: %(name)s: %(message)s"))
    handler.addFilter(RedactSecrets())
    loggers = [logging.getLogger(name) for name in LOGGERS]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.DEBUG)
        logger.addHandler(handler)

    def disable() -> None:
        for logger, level in zip(loggers, levels, strict=True):
            logger.removeHandler(handler)
            logger.setLevel(level)

    return disable
