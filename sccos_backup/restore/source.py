"""Where a restore takes its data from: a named snapshot or a point in time of the original."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sccos_backup.aws.rds import snapshot_identifier_from
from sccos_backup.errors import InvalidInput
from sccos_backup.identifiers import snapshot_identifier


def parse_time(text: str) -> datetime:
    """An ISO 8601 time; a time without offset is taken as UTC."""
    value = text.strip()
    if value.endswith(("Z", "z")):
        value = value[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise InvalidInput(
            f"'{text}' is not an ISO 8601 time; write e.g. 2026-11-25T09:30:00Z"
        ) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def parse_point_in_time(text: str, *, local_zone: str | None = None) -> datetime:
    """A point in time a person gave (``--to-time``): ISO 8601 with its UTC offset.

    Without an offset the time is ambiguous (UTC, or the person's own zone?), and a date alone
    more so; both are refused with the two readings written out, ``local_zone`` (an IANA name
    such as ``Europe/Berlin``, from the caller's TZ) giving the second one."""
    value = text.strip()
    parsed = parse_time(value)  # refuses what is not ISO 8601 at all
    written = value[:-1] + "+00:00" if value.endswith(("Z", "z")) else value
    date_alone = _DATE_ALONE.match(value) is not None
    if datetime.fromisoformat(written).tzinfo is not None and not date_alone:
        return parsed
    naive = parsed.replace(tzinfo=None)
    shown = naive.strftime("%Y-%m-%dT%H:%M:%S")
    zone = _zone(local_zone)
    if zone is not None:
        offset = naive.replace(tzinfo=zone).strftime("%z")
        local = f"{shown}{offset[:3]}:{offset[3:]} for {local_zone}"
    else:
        local = f"{shown}+HH:MM with your zone's offset"
    what = "a date alone" if date_alone else "a time without a UTC offset"
    raise InvalidInput(
        f"--to-time '{text}' is {what}: it could mean UTC or your own zone; write {shown}Z "
        f"for UTC or {local}"
    )


_DATE_ALONE = re.compile(r"^\d{4}-?\d{2}-?\d{2}$")


def _zone(name: str | None) -> ZoneInfo | None:
    if not name:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def iso(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def only_one(options: Sequence[tuple[str, object]], choices: str) -> None:
    """Refuse unless exactly one of ``options`` (name, value) is given; ``choices`` names
    them for the message."""
    given = [name for name, on in options if on]
    if len(given) != 1:
        raise InvalidInput(
            f"choose exactly one {choices}" + (f" (got {' and '.join(given)})" if given else "")
        )


@dataclass(frozen=True)
class SourceChoice:
    """What the user asked for, before anything is looked up."""

    snapshot: str | None = None
    to_time: datetime | None = None
    latest: bool = False

    @classmethod
    def from_options(
        cls,
        *,
        snapshot: str | None,
        to_time: str | None,
        latest: bool,
        local_zone: str | None = None,
    ) -> SourceChoice:
        only_one(
            (("--snapshot", snapshot), ("--to-time", to_time), ("--latest", latest)),
            "restore source: --snapshot ID, --to-time TIME or --latest",
        )
        if snapshot:
            return cls(snapshot=snapshot_identifier(snapshot_identifier_from(snapshot)))
        if to_time:
            return cls(to_time=parse_point_in_time(to_time, local_zone=local_zone))
        return cls(latest=True)


@dataclass(frozen=True)
class SnapshotSource:
    """Restore from a DB snapshot (manual, automated ``rds:...`` or hourly)."""

    snapshot_identifier: str

    def describe(self) -> str:
        return f"snapshot {self.snapshot_identifier}"

    def to_config(self) -> dict[str, Any]:
        return {"type": "snapshot", "snapshotIdentifier": self.snapshot_identifier}


@dataclass(frozen=True)
class PointInTimeSource:
    """Restore the original's data as of ``restore_time`` (None: the latest restorable time).

    Addressed by DbiResourceId, which survives the rename of the original.
    """

    source_dbi_resource_id: str
    restore_time: datetime | None

    def describe(self) -> str:
        if self.restore_time is None:  # read after "from": never "point in time the latest"
            return f"the latest restorable time of {self.source_dbi_resource_id}"
        return f"point in time {iso(self.restore_time)} of {self.source_dbi_resource_id}"

    def to_config(self) -> dict[str, Any]:
        return {
            "type": "point-in-time",
            "sourceDbiResourceId": self.source_dbi_resource_id,
            "restoreTime": iso(self.restore_time) if self.restore_time else None,
            "useLatestRestorableTime": self.restore_time is None,
        }


RestoreSource = SnapshotSource | PointInTimeSource


def source_from_config(data: Mapping[str, Any]) -> RestoreSource:
    kind = data.get("type")
    if kind == "snapshot":
        return SnapshotSource(snapshot_identifier=str(data["snapshotIdentifier"]))
    if kind == "point-in-time":
        raw_time = data.get("restoreTime")
        return PointInTimeSource(
            source_dbi_resource_id=str(data["sourceDbiResourceId"]),
            restore_time=parse_time(str(raw_time)) if raw_time else None,
        )
    raise InvalidInput(f"restore source type '{kind}' is unknown; use snapshot or point-in-time")
