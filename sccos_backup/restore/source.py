"""Where a restore takes its data from: a named snapshot or a point in time of the original."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

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


def iso(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class SourceChoice:
    """What the user asked for, before anything is looked up."""

    snapshot: str | None = None
    to_time: datetime | None = None
    latest: bool = False

    @classmethod
    def from_options(
        cls, *, snapshot: str | None, to_time: str | None, latest: bool
    ) -> SourceChoice:
        chosen = [
            name
            for name, on in (("--snapshot", snapshot), ("--to-time", to_time), ("--latest", latest))
            if on
        ]
        if len(chosen) != 1:
            raise InvalidInput(
                "choose exactly one restore source: --snapshot ID, --to-time TIME or --latest"
                + (f" (got {' and '.join(chosen)})" if chosen else "")
            )
        if snapshot:
            return cls(snapshot=snapshot_identifier(snapshot_identifier_from(snapshot)))
        if to_time:
            return cls(to_time=parse_time(to_time))
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
        when = iso(self.restore_time) if self.restore_time else "the latest restorable time"
        return f"point in time {when} of {self.source_dbi_resource_id}"

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
