"""The event the scheduled function receives, parsed once into a typed request (pure).

EventBridge Scheduler sends the schedule's input as the event, with its context attributes
filled in (``<aws.scheduler.execution-id>`` and ``<aws.scheduler.attempt-number>``)::

    {"action": "rotate", "tag": "sccos:project=shop", "keep_hours": 60,
     "stack": "fleet", "execution_id": "d32c5kddcf5bb8c3", "attempt": "1"}

``databases`` (a list of DB instance identifiers) or ``tag`` (``KEY=VALUE``) chooses the
databases; exactly one of them. ``shard`` (``"I/N"``) narrows them to the databases whose
name hashes to shard I of N: a large fleet's hourly rotation runs as N invocations.
``keep_hours`` (rotate) and ``max_hourly_age_minutes`` (check)
are optional. ``stack`` names the schedule stack in the published metrics.
"""

from __future__ import annotations

import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from typing import Any

from sccos_backup import identifiers
from sccos_backup.defaults import DEFAULT_KEEP_HOURS, DEFAULT_MAX_HOURLY_AGE
from sccos_backup.errors import InvalidInput

#: Longest tag key and value AWS accepts.
TAG_KEY_MAX = 128
TAG_VALUE_MAX = 256
#: Keys an event may carry; anything else is refused (a typo would otherwise be ignored).
EVENT_KEYS = frozenset(
    {
        "action",
        "databases",
        "tag",
        "keep_hours",
        "max_hourly_age_minutes",
        "stack",
        "execution_id",
        "attempt",
        "shard",
    }
)
#: Most shards a rotation may be split into (one Scheduler schedule each).
SHARDS_MAX = 24


class Action(StrEnum):
    ROTATE = "rotate"
    CHECK = "check"


@dataclass(frozen=True)
class TagSelector:
    """Databases carrying the tag ``key=value``."""

    key: str
    value: str

    def __str__(self) -> str:
        return f"{self.key}={self.value}"

    def matches(self, tags: Mapping[str, str]) -> bool:
        return tags.get(self.key) == self.value


def parse_tag(text: str) -> TagSelector:
    """``KEY=VALUE`` as a :class:`TagSelector`; the value may be empty, the key may not."""
    key, sep, value = text.partition("=")
    key = key.strip()
    if not sep or not key:
        raise InvalidInput(f"tag '{text}' is not KEY=VALUE (e.g. sccos:project=shop)")
    if len(key) > TAG_KEY_MAX or len(value) > TAG_VALUE_MAX or key.lower().startswith("aws:"):
        raise InvalidInput(
            f"tag '{text}' is invalid: keys have 1 to {TAG_KEY_MAX} characters and do not start "
            f"with 'aws:', values at most {TAG_VALUE_MAX}"
        )
    return TagSelector(key, value)


@dataclass(frozen=True)
class Selection:
    """Which databases an action runs on: a list of identifiers, or a tag."""

    databases: tuple[str, ...] = ()
    tag: TagSelector | None = None

    def __post_init__(self) -> None:
        if bool(self.databases) == (self.tag is not None):
            raise InvalidInput("choose the databases by name or by tag, exactly one of them")

    @classmethod
    def of(cls, databases: Any = None, tag: Any = None) -> Selection:
        if tag not in (None, ""):
            if databases:
                raise InvalidInput("choose the databases by name or by tag, not both")
            if not isinstance(tag, str):
                raise InvalidInput(f"tag must be a string KEY=VALUE, not {type(tag).__name__}")
            return cls(tag=parse_tag(tag))
        if isinstance(databases, str) or not isinstance(databases, list | tuple) or not databases:
            raise InvalidInput(
                "no databases chosen: give a list of DB instance identifiers or a tag KEY=VALUE"
            )
        names: list[str] = []
        for name in databases:
            if not isinstance(name, str):
                raise InvalidInput(f"database {name!r} is not an identifier")
            checked = identifiers.instance_identifier(name)
            if checked not in names:
                names.append(checked)
        return cls(databases=tuple(names))

    def describe(self) -> str:
        if self.tag is not None:
            return f"databases tagged {self.tag}"
        return "databases " + ", ".join(self.databases)

    def to_event(self) -> dict[str, Any]:
        if self.tag is not None:
            return {"tag": str(self.tag)}
        return {"databases": list(self.databases)}


@dataclass(frozen=True)
class Shard:
    """Shard ``index`` (1-based) of ``count``: the databases whose name hashes to it. The hash
    (CRC-32 of the name) never changes, so a database stays in its shard as the fleet grows."""

    index: int
    count: int

    def __post_init__(self) -> None:
        if not 1 <= self.index <= self.count <= SHARDS_MAX:
            raise InvalidInput(
                f"shard '{self}' is invalid: I/N with 1 <= I <= N <= {SHARDS_MAX}, e.g. 1/4"
            )

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"

    def holds(self, database: str) -> bool:
        return zlib.crc32(database.encode()) % self.count == self.index - 1

    @classmethod
    def parse(cls, value: Any) -> Shard:
        text = str(value)
        index, sep, count = text.partition("/")
        if not sep or not index.isdigit() or not count.isdigit():
            raise InvalidInput(f"shard {value!r} is not I/N (e.g. 1/4)")
        return cls(int(index), int(count))


def _positive_int(value: Any, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise InvalidInput(f"{what} must be a whole number, not {value!r}")
    try:
        number = int(value)
    except ValueError:
        raise InvalidInput(f"{what} must be a whole number, not {value!r}") from None
    if number != float(value) or number < 1:
        raise InvalidInput(f"{what} must be a whole number of at least 1, not {value!r}")
    return number


@dataclass(frozen=True)
class ScheduleEvent:
    """One scheduled run: an action over a selection of databases."""

    action: Action
    selection: Selection
    keep_hours: int = DEFAULT_KEEP_HOURS
    max_hourly_age: timedelta = DEFAULT_MAX_HOURLY_AGE
    stack: str | None = None
    execution_id: str | None = None
    attempt: str | None = None
    shard: Shard | None = None


#: The function's environment variable holding the stack's retention, the least an event may ask.
MIN_KEEP_HOURS_ENV = "SCCOS_BACKUP_MIN_KEEP_HOURS"


def parse_event(event: Any, *, min_keep_hours: int = DEFAULT_KEEP_HOURS) -> ScheduleEvent:
    """The typed request of a raw event; :class:`InvalidInput` names what is wrong.

    ``keep_hours`` may not be below ``min_keep_hours`` (the stack's retention): whoever may
    invoke the function could otherwise have it delete every hourly snapshot but one."""
    if not isinstance(event, Mapping):
        raise InvalidInput(f"the event must be a JSON object, not {type(event).__name__}")
    unknown = sorted(set(event) - EVENT_KEYS)
    if unknown:
        known = ", ".join(sorted(EVENT_KEYS))
        raise InvalidInput(f"the event has unknown key(s) {', '.join(unknown)}; known: {known}")
    try:
        action = Action(str(event.get("action")))
    except ValueError:
        raise InvalidInput(
            f"the event's action is {event.get('action')!r}; use 'rotate' or 'check'"
        ) from None
    selection = Selection.of(event.get("databases"), event.get("tag"))
    keep_hours = DEFAULT_KEEP_HOURS
    if event.get("keep_hours") is not None:
        keep_hours = _positive_int(event["keep_hours"], "keep_hours")
        if keep_hours < min_keep_hours:
            raise InvalidInput(
                f"keep_hours {keep_hours} is below this stack's retention of {min_keep_hours} "
                "hours; change the stack (`sccos-backup schedule capture --keep-hours`), not the "
                "event"
            )
    max_age = DEFAULT_MAX_HOURLY_AGE
    if event.get("max_hourly_age_minutes") is not None:
        minutes = _positive_int(event["max_hourly_age_minutes"], "max_hourly_age_minutes")
        max_age = timedelta(minutes=minutes)
    return ScheduleEvent(
        action=action,
        selection=selection,
        keep_hours=keep_hours,
        max_hourly_age=max_age,
        stack=_optional_text(event.get("stack")),
        execution_id=_optional_text(event.get("execution_id")),
        attempt=_optional_text(event.get("attempt")),
        shard=None if event.get("shard") in (None, "") else Shard.parse(event["shard"]),
    )


def _optional_text(value: Any) -> str | None:
    return None if value in (None, "") else str(value)
