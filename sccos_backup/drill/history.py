"""Where drill reports are kept and how past drills are listed: a folder, or an S3 prefix.

Each drill writes ``<DB_ID>-drill-<RUNID>-<UNIQUE>.json`` (and, with ``--report``, a Markdown page
wherever the user asks). ``drill history`` reads every JSON report of one database back.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sccos_backup import errors
from sccos_backup.drill.report import DrillReport, read_report, report_time
from sccos_backup.objects import ObjectStore, StoreUrl, parse_store_url


class ReportStore:
    """Reports as objects in a folder or under an S3 prefix (:mod:`sccos_backup.objects`)."""

    def __init__(self, objects: ObjectStore) -> None:
        self.objects = objects

    def location(self, name: str) -> str:
        return self.objects.where(name)

    def write(self, name: str, text: str) -> str:
        try:
            return self.objects.write(name, text.encode("utf-8"))
        except OSError as error:
            raise errors.InvalidInput(
                f"cannot write the drill report into '{self.objects.location}' "
                f"({error.strerror}); pass another --reports-url"
            ) from None

    def read_all(self, prefix: str) -> list[tuple[str, str]]:
        found = []
        for key in self.objects.keys(prefix):
            body = self.objects.read(key) if key.endswith(".json") and "/" not in key else None
            if body is not None:
                found.append((self.objects.where(key), body.decode("utf-8", errors="replace")))
        return found


def parse_reports_url(url: str) -> StoreUrl:
    """The folder or ``s3://BUCKET/PREFIX`` (with the state backend's ``?region=`` options)
    that ``--reports-url`` names; any other URL is refused (it would be taken for a folder
    named ``https:``)."""
    return parse_store_url(url, option="--reports-url", bare_folder=True)


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
