"""The schedule stack's specification: what ``schedule/__main__.py`` declares, as plain data.

``sccos-backup schedule capture`` writes it into ``schedule/Pulumi.<stack>.yaml`` under the
``sccos-backup-schedule:`` namespace; the program reads it back with :meth:`from_config`, so the
file a reviewer reads is exactly what is declared. Nothing here imports Pulumi.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sccos_backup.defaults import DEFAULT_KEEP_HOURS, DEFAULT_MAX_HOURLY_AGE
from sccos_backup.errors import InvalidInput
from sccos_backup.schedule.event import SHARDS_MAX, Action, Selection, Shard

#: The schedule's Pulumi project name, also the namespace of its configuration keys.
PROJECT = "sccos-backup-schedule"

CONFIG_DATABASES = "databases"
CONFIG_TAG = "tag"
CONFIG_KEEP_HOURS = "keepHours"
CONFIG_MAX_AGE = "maxHourlyAgeMinutes"
CONFIG_EMAIL = "alarmEmail"
CONFIG_TOPIC = "alarmTopicArn"
CONFIG_SHARDS = "rotateShards"
CONFIG_KEYS = (
    CONFIG_DATABASES,
    CONFIG_TAG,
    CONFIG_KEEP_HOURS,
    CONFIG_MAX_AGE,
    CONFIG_EMAIL,
    CONFIG_TOPIC,
    CONFIG_SHARDS,
)
OBJECT_KEYS = frozenset({CONFIG_DATABASES})

#: Stack outputs, named once for the program and the driver.
OUTPUT_FUNCTION = "functionName"
OUTPUT_ROTATE = "rotateSchedule"
OUTPUT_CHECK = "checkSchedule"
OUTPUT_QUEUE = "deadLetterQueueUrl"
OUTPUT_TOPIC = "alarmTopicArn"

#: EventBridge Scheduler expressions, evaluated in UTC: rotate at minute 0 of every hour (the
#: snapshot is named after the UTC hour), check every 15 minutes.
ROTATE_EXPRESSION = "cron(0 * * * ? *)"
CHECK_EXPRESSION = "cron(0/15 * * * ? *)"
TIMEZONE = "UTC"
#: The longest a stack name may be: it prefixes names that AWS limits to 64 characters.
STACK_MAX = 40

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_TOPIC = re.compile(r"^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$")
_STACK = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")


def check_stack_name(stack: str) -> str:
    if not _STACK.match(stack) or len(stack) > STACK_MAX:
        raise InvalidInput(
            f"stack name '{stack}' is invalid: use 1 to {STACK_MAX} letters, digits, '-' or '_' "
            "(it prefixes the names of the function, role and schedules)"
        )
    return stack


def _minutes(value: Any, what: str) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise InvalidInput(f"{what} must be a whole number, not {value!r}") from None
    if number < 1 or number != float(value):
        raise InvalidInput(f"{what} must be a whole number of at least 1, not {value!r}")
    return number


@dataclass(frozen=True)
class ScheduleSpec:
    """One schedule stack: which databases, how long hourly snapshots live, who is alerted."""

    selection: Selection
    keep_hours: int = DEFAULT_KEEP_HOURS
    max_hourly_age_minutes: int = int(DEFAULT_MAX_HOURLY_AGE.total_seconds() // 60)
    alarm_email: str | None = None
    alarm_topic_arn: str | None = None
    #: The hourly rotation runs as this many invocations (shards) at minute 0.
    rotate_shards: int = 1

    def __post_init__(self) -> None:
        _minutes(self.keep_hours, "--keep-hours")
        if not 1 <= _minutes(self.rotate_shards, "--rotate-shards") <= SHARDS_MAX:
            raise InvalidInput(
                f"--rotate-shards must be 1 to {SHARDS_MAX}, not {self.rotate_shards}"
            )
        _minutes(self.max_hourly_age_minutes, "the maximum hourly snapshot age")
        if self.alarm_email is not None and not _EMAIL.match(self.alarm_email):
            raise InvalidInput(f"'{self.alarm_email}' is not an e-mail address")
        if self.alarm_topic_arn is not None and not _TOPIC.match(self.alarm_topic_arn):
            raise InvalidInput(
                f"'{self.alarm_topic_arn}' is not an SNS topic ARN "
                "(arn:aws:sns:REGION:ACCOUNT:NAME)"
            )

    def shards(self, action: Action) -> tuple[Shard | None, ...]:
        """The shards of ``action``'s schedules: the rotation's when split, else one whole."""
        if action is not Action.ROTATE or self.rotate_shards == 1:
            return (None,)
        return tuple(Shard(i, self.rotate_shards) for i in range(1, self.rotate_shards + 1))

    def event(self, action: Action, stack: str, shard: Shard | None = None) -> dict[str, Any]:
        """The input each schedule sends to the function (with Scheduler's context keywords)."""
        return {
            "action": str(action),
            **({"shard": str(shard)} if shard is not None else {}),
            **self.selection.to_event(),
            "keep_hours": self.keep_hours,
            "max_hourly_age_minutes": self.max_hourly_age_minutes,
            "stack": stack,
            "execution_id": "<aws.scheduler.execution-id>",
            "attempt": "<aws.scheduler.attempt-number>",
        }

    def to_config(self) -> dict[str, Any]:
        """Configuration values by key (without namespace); unset keys are left out."""
        values: dict[str, Any] = {}
        if self.selection.tag is not None:
            values[CONFIG_TAG] = str(self.selection.tag)
        else:
            values[CONFIG_DATABASES] = list(self.selection.databases)
        values[CONFIG_KEEP_HOURS] = self.keep_hours
        values[CONFIG_MAX_AGE] = self.max_hourly_age_minutes
        if self.alarm_email:
            values[CONFIG_EMAIL] = self.alarm_email
        if self.alarm_topic_arn:
            values[CONFIG_TOPIC] = self.alarm_topic_arn
        if self.rotate_shards != 1:
            values[CONFIG_SHARDS] = self.rotate_shards
        return values

    @classmethod
    def from_config(cls, values: Mapping[str, Any]) -> ScheduleSpec:
        if values.get(CONFIG_DATABASES) in (None, "", []) and values.get(CONFIG_TAG) in (None, ""):
            raise InvalidInput(
                f"stack configuration lacks {PROJECT}:{CONFIG_DATABASES} or "
                f"{PROJECT}:{CONFIG_TAG}; "
                "write it with `sccos-backup schedule capture --stack NAME --db ID | --tag K=V`"
            )
        selection = Selection.of(values.get(CONFIG_DATABASES), values.get(CONFIG_TAG))
        keep = values.get(CONFIG_KEEP_HOURS)
        age = values.get(CONFIG_MAX_AGE)
        return cls(
            selection=selection,
            keep_hours=DEFAULT_KEEP_HOURS if keep is None else _minutes(keep, CONFIG_KEEP_HOURS),
            max_hourly_age_minutes=(
                cls.max_hourly_age_minutes if age is None else _minutes(age, CONFIG_MAX_AGE)
            ),
            alarm_email=values.get(CONFIG_EMAIL) or None,
            alarm_topic_arn=values.get(CONFIG_TOPIC) or None,
            rotate_shards=_minutes(values.get(CONFIG_SHARDS) or 1, CONFIG_SHARDS),
        )
