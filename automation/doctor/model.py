"""A check's result as data: what was checked, what was found, and how to fix it."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from enum import StrEnum
from typing import Any

from sccos_backup import errors


class Status(StrEnum):
    OK = "ok"
    FAILED = "failed"
    #: Could not be told (the caller may not simulate IAM, the endpoint lists nothing).
    UNKNOWN = "unknown"
    #: Not needed for this run (no --maintenance, --no-resync, an unencrypted database).
    SKIPPED = "skipped"


@dataclass(frozen=True)
class Check:
    key: str
    title: str
    status: Status
    detail: str
    fix: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "status": str(self.status)}


def ok(key: str, title: str, detail: str) -> Check:
    return Check(key, title, Status.OK, detail)


def failed(key: str, title: str, detail: str, fix: str) -> Check:
    return Check(key, title, Status.FAILED, detail, fix)


def unknown(key: str, title: str, detail: str, fix: str = "") -> Check:
    return Check(key, title, Status.UNKNOWN, detail, fix)


def skipped(key: str, title: str, detail: str) -> Check:
    return Check(key, title, Status.SKIPPED, detail)


def guarded(key: str, title: str, fix: str, check: Callable[[], Check]) -> Check:
    """``check()``, or a failed check carrying the project error it raised."""
    try:
        return check()
    except errors.SccosBackupError as error:
        return failed(key, title, str(error), fix)


@dataclass(frozen=True)
class Checks:
    items: tuple[Check, ...]

    @classmethod
    def of(cls, items: Iterable[Check]) -> Checks:
        return cls(tuple(items))

    @property
    def ready(self) -> bool:
        return not self.failures

    @property
    def failures(self) -> tuple[Check, ...]:
        return tuple(c for c in self.items if c.status is Status.FAILED)

    def as_dict(self) -> dict[str, Any]:
        return {"ready": self.ready, "checks": [c.as_dict() for c in self.items]}

    def failed_text(self) -> str:
        """Each failed check and its fix, on one line."""
        return "; ".join(f"{c.title}: {c.detail} (fix: {c.fix})" for c in self.failures)

    def refusal(self) -> str:
        """One line for a run that refuses: each failed check and its fix."""
        return (
            f"{len(self.failures)} check(s) failed, nothing was changed: "
            f"{self.failed_text()}; see `sccos-backup doctor`"
        )
