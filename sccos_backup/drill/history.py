"""Where drill reports are kept and how past drills are listed: a folder, or an S3 prefix.

Each drill writes ``<DB_ID>-drill-<RUNID>-<UNIQUE>.json`` (and, with ``--report``, a Markdown page
wherever the user asks). ``drill history`` reads every JSON report of one database back.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from sccos_backup import errors
from sccos_backup.drill.report import DrillReport, read_report, report_time
from sccos_backup.files import write_private


class ReportStore(Protocol):
    """Somewhere reports are written and listed."""

    def location(self, name: str) -> str: ...  # pragma: no cover - protocol

    def write(self, name: str, text: str) -> str: ...  # pragma: no cover - protocol

    def read_all(self, prefix: str) -> list[tuple[str, str]]: ...  # pragma: no cover


class FolderStore:
    def __init__(self, folder: Path) -> None:
        self.folder = folder.expanduser()

    def location(self, name: str) -> str:
        return str(self.folder / name)

    def write(self, name: str, text: str) -> str:
        try:
            path = write_private(self.folder / name, text, narrow=False)
        except OSError as error:
            raise errors.InvalidInput(
                f"cannot write the drill report into '{self.folder}' ({error.strerror}); "
                "pass another --reports-url"
            ) from None
        return str(path)

    def read_all(self, prefix: str) -> list[tuple[str, str]]:
        if not self.folder.is_dir():
            return []
        return [
            (str(path), path.read_text(encoding="utf-8"))
            for path in sorted(self.folder.glob(f"{prefix}*.json"))
        ]


class S3Store:
    """Reports under ``s3://bucket/prefix/``; ``adapter`` is an :class:`S3Adapter`."""

    def __init__(self, adapter: Any, bucket: str, prefix: str) -> None:
        self.adapter = adapter
        self.bucket = bucket
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""

    def location(self, name: str) -> str:
        return f"s3://{self.bucket}/{self.prefix}{name}"

    def write(self, name: str, text: str) -> str:
        self.adapter.put_text(self.bucket, self.prefix + name, text, "application/json")
        return self.location(name)

    def read_all(self, prefix: str) -> list[tuple[str, str]]:
        keys = sorted(
            k
            for k in self.adapter.list_keys(self.bucket, self.prefix + prefix)
            if k.endswith(".json")
        )
        return [(f"s3://{self.bucket}/{k}", self.adapter.get_text(self.bucket, k)) for k in keys]


def parse_reports_url(url: str) -> tuple[str, str] | None:
    """(bucket, prefix) of an ``s3://`` URL, or None for a folder; any other URL is refused
    (it would be taken for a folder named ``https:``)."""
    if not url.startswith("s3://"):
        if re.match(r"[A-Za-z][A-Za-z0-9+.-]+:/", url):
            raise errors.InvalidInput(
                f"--reports-url '{url}' is neither a folder nor s3://BUCKET/PREFIX (lowercase "
                "s3://); for S3 write s3://BUCKET/PREFIX"
            )
        return None
    bucket, _, prefix = url.removeprefix("s3://").partition("/")
    if not bucket:
        raise errors.InvalidInput(f"'{url}' names no bucket; write s3://BUCKET/PREFIX")
    return bucket, prefix


def report_name(report: DrillReport) -> str:
    """``DB-drill-RUNID-UNIQUE.json``: two drills in one minute share a run id, not a name."""
    return f"{report.database}-drill-{report.run_id}-{report.unique}.json"


@dataclass(frozen=True)
class HistoryEntry:
    location: str
    report: dict[str, Any]

    def row(self) -> dict[str, Any]:
        report = self.report
        figures = report["figures"]
        return {
            "drill": report["drill"],
            "result": report["result"],
            "source": report["source"].get("description"),
            "rpoSeconds": figures["rpoSeconds"],
            "rtoSeconds": figures["rtoSeconds"],
            "minutesRun": figures["minutesRun"],
            "verified": report["verification"]["ok"],
            "check": None if report["check"] is None else report["check"]["ok"],
            "problems": report["problems"],
            "report": self.location,
        }


def history(
    store: ReportStore, db_identifier: str, on_skip: Callable[[str], None] | None = None
) -> list[HistoryEntry]:
    """Every readable report of ``db_identifier``, newest first; unreadable ones are skipped
    (``on_skip`` hears of each)."""
    found: list[HistoryEntry] = []
    for location, text in store.read_all(f"{db_identifier}-drill-"):
        try:
            report = read_report(text)
            if report.get("database") != db_identifier:
                continue
            report_time(report)
        except (ValueError, KeyError, TypeError):
            if on_skip is not None:
                on_skip(f"skipped '{location}': not a readable drill report")
            continue
        found.append(HistoryEntry(location, report))
    return sorted(found, key=lambda e: report_time(e.report), reverse=True)
