"""The fake Jenkins' data: build plans, builds, queue items, recorded requests, and helpers.

See :mod:`tests.fake_jenkins` for what is modelled on which Jenkins source.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

CRUMB_SALT = "fake-salt-0123456789abcdef"
FOLDER_CLASS = "com.cloudbees.hudson.plugins.folder.Folder"
SESSION_COOKIE = "JSESSIONID.fake1234"
_CHAR_REF = re.compile(rb"&#(?:x([0-9a-fA-F]+)|([0-9]+));")
PERMISSION_IMPLIED_BY = {
    "hudson.model.Item.Read": ["hudson.model.Hudson.Administer"],
    "hudson.model.Item.Create": ["hudson.model.Hudson.Administer"],
    "hudson.model.Item.Configure": ["hudson.model.Hudson.Administer"],
    "hudson.model.Item.Build": ["hudson.model.Hudson.Administer"],
    "hudson.model.Item.Cancel": ["hudson.model.Hudson.Administer"],
    "hudson.model.Item.Delete": ["hudson.model.Hudson.Administer"],
}


@dataclass
class BuildPlan:
    """How the next triggered build behaves."""

    result: str = "SUCCESS"
    chunks: Sequence[str | bytes] = (
        "Started by user jenkins-admin\n",
        "+ vendor/bin/console sync:data\n",
        "Store: DE | Resource: url\nFinished: {result}\n",
    )
    queue_waits: int = 0
    queue_outcome: str = "start"  # "start", "cancel" or "expire"
    #: Polls answered with a quiet-period WaitingItem before the item is buildable.
    quiet_polls: int = 0
    #: Polls answered with a LeftItem whose executable is still null (the start race).
    left_without_executable: int = 0
    never_ends: bool = False
    duration_ms: int = 42_000


@dataclass
class FakeBuild:
    job: str
    number: int
    plan: BuildPlan
    revealed: int = 0
    stopped: bool = False
    queue_id: int = 0

    @property
    def chunks(self) -> list[bytes]:
        out = []
        for chunk in self.plan.chunks:
            data = chunk.encode() if isinstance(chunk, str) else chunk
            out.append(data.replace(b"{result}", self.plan.result.encode()))
        return out

    @property
    def building(self) -> bool:
        if self.stopped:
            return False
        return self.plan.never_ends or self.revealed < len(self.chunks)

    @property
    def result(self) -> str | None:
        if self.stopped:
            return "ABORTED"
        return None if self.building else self.plan.result

    @property
    def log(self) -> bytes:
        text = b"".join(self.chunks[: self.revealed])
        if self.stopped:
            text += b"Aborted by jenkins-admin\nFinished: ABORTED\n"
        return text


@dataclass
class QueueItem:
    id: int
    job: str
    plan: BuildPlan
    polls: int = 0
    build: FakeBuild | None = None
    cancelled: bool = False


@dataclass(frozen=True)
class Recorded:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes


def parse_config(body: bytes) -> ET.Element:
    """Parse a job configuration the way XStream would accept it (XML 1.1 char refs allowed)."""

    def neutral(match: re.Match[bytes]) -> bytes:
        value = int(match.group(1), 16) if match.group(1) else int(match.group(2))
        return b"?" if 0 < value < 32 else match.group(0)

    return ET.fromstring(_CHAR_REF.sub(neutral, body))


def is_queued(item: QueueItem) -> bool:
    return item.build is None and not item.cancelled


def left_item(*, cancelled: bool) -> dict[str, Any]:
    return {
        "_class": "hudson.model.Queue$LeftItem",
        "blocked": False,
        "buildable": False,
        "cancelled": cancelled,
        "executable": None,
        "why": None,
    }


def job_path(name: str) -> str:
    return "".join(f"job/{segment}/" for segment in name.split("/"))


class FakeTime:
    """An injected clock and sleep: sleeping only moves the clock."""

    def __init__(self) -> None:
        self.now = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
        self.slept: list[float] = []

    def clock(self) -> datetime:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += timedelta(seconds=seconds)
