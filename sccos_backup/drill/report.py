"""The drill report: the figures an audit asks for, as JSON (always) and Markdown.

- RPO: how old the restored data was when the restore started (``startedAt - dataTime``):
  the snapshot's creation time, the point in time, or the latest restorable time.
- RTO (the restore part): from the restore API call (``pulumi up``) until the copy was seen
  ``available`` (``availableAt - startedAt``).
- Cost-relevant facts: instance class, Multi-AZ, storage, and the minutes the copy existed
  (until it was destroyed, or until the report if it was kept).
- Total: from the restore call until the report.

All times come from the injected clock, so tests check every figure exactly.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sccos_backup.jsonkeys import camel_keys
from sccos_backup.redaction import redact
from sccos_backup.restore.source import iso, parse_time
from sccos_backup.restore.verify import SettingCheck

REPORT_KIND = "sccos-backup/drill-report"
REPORT_VERSION = 1


@dataclass(frozen=True)
class CheckResult:
    """What the check command did."""

    command: str
    exit_code: int | None
    seconds: float
    output_tail: str
    timed_out: bool = False

    @property
    def ok(self) -> bool:
        return self.exit_code == 0 and not self.timed_out

    def as_dict(self) -> dict[str, Any]:
        """The fields as stored: the command and its output redacted, seconds rounded."""
        return {
            "command": redact(self.command),
            "exit_code": self.exit_code,
            "timed_out": self.timed_out,
            "seconds": round(self.seconds, 1),
            "ok": self.ok,
            "output_tail": redact(self.output_tail),
        }


def _seconds(start: datetime | None, end: datetime | None) -> float | None:
    if start is None or end is None:
        return None
    return round((end - start).total_seconds(), 1)


@dataclass(frozen=True)
class DrillReport:
    database: str
    run_id: str
    target: str
    stack: str
    source: Mapping[str, Any]
    #: The time of the restored data (for the RPO), or None where it cannot be known.
    data_time: datetime | None
    #: The restore API call (the start of ``pulumi up``).
    started_at: datetime
    available_at: datetime | None
    finished_at: datetime
    destroyed_at: datetime | None
    kept: bool
    verification: tuple[SettingCheck, ...]
    check: CheckResult | None
    cost: Mapping[str, Any]
    differences: tuple[Mapping[str, Any], ...] = ()
    problems: tuple[str, ...] = ()
    notes: tuple[str, ...] = field(default=())
    #: Tells apart the reports of two drills that started in the same minute (same run id);
    #: kept by ``replace``, so every rewrite of one drill's report keeps its name.
    unique: str = field(default_factory=lambda: uuid.uuid4().hex[:8])

    @property
    def passed(self) -> bool:
        return not self.problems

    @property
    def rpo_seconds(self) -> float | None:
        return _seconds(self.data_time, self.started_at)

    @property
    def rto_seconds(self) -> float | None:
        return _seconds(self.started_at, self.available_at)

    @property
    def minutes_run(self) -> float:
        end = self.destroyed_at or self.finished_at
        return round((end - self.started_at).total_seconds() / 60, 1)

    @property
    def total_seconds(self) -> float:
        return round((self.finished_at - self.started_at).total_seconds(), 1)

    @property
    def verified(self) -> bool:
        return bool(self.verification) and all(c.ok for c in self.verification)

    def as_dict(self) -> dict[str, Any]:
        """The report's fields (snake_case); :meth:`to_text` stores them with camelCase keys."""
        return {
            "kind": REPORT_KIND,
            "version": REPORT_VERSION,
            "database": self.database,
            "drill": self.run_id,
            "result": "passed" if self.passed else "failed",
            "problems": list(self.problems),
            "target": self.target,
            "stack": self.stack,
            "source": {**self.source, "data_time": iso(self.data_time) if self.data_time else None},
            "figures": {
                "rpo_seconds": self.rpo_seconds,
                "rto_seconds": self.rto_seconds,
                "minutes_run": self.minutes_run,
                "total_seconds": self.total_seconds,
            },
            "times": {
                "restore_called_at": iso(self.started_at),
                "available_at": iso(self.available_at) if self.available_at else None,
                "destroyed_at": iso(self.destroyed_at) if self.destroyed_at else None,
                "finished_at": iso(self.finished_at),
            },
            "verification": {
                "ok": self.verified,
                "settings": [
                    {
                        "setting": c.setting,
                        "declared": _ordered(c.declared),
                        "found": _ordered(c.found),
                        "ok": c.ok,
                    }
                    for c in self.verification
                ],
            },
            "check": self.check.as_dict() if self.check else None,
            "cost": dict(self.cost),
            "kept": self.kept,
            "differences": [dict(d) for d in self.differences],
            "notes": list(self.notes),
        }

    def to_text(self) -> str:
        return json.dumps(camel_keys(self.as_dict()), indent=2, default=_plain) + "\n"

    def to_markdown(self) -> str:
        return render_markdown(camel_keys(self.as_dict()))


def _ordered(value: Any) -> Any:
    """Lists (tags, security groups, log types) in a stable order for reading and diffing."""
    return sorted(value) if isinstance(value, tuple | list) else value


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return iso(value)
    if isinstance(value, tuple):
        return list(value)
    return str(value)


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    total = round(seconds)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours} h {minutes:02d} min {secs:02d} s" if hours else f"{minutes} min {secs:02d} s"


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list | tuple):
        if value and isinstance(value[0], list | tuple):
            return "<br>".join("=".join(str(v) for v in item) for item in value) or "-"
        return ", ".join(str(v) for v in value) or "-"
    return str(value).replace("|", "\\|")


def render_markdown(report: Mapping[str, Any]) -> str:
    """The Markdown page of a report (from its JSON, so history can render old ones too)."""
    figures = report["figures"]
    times = report["times"]
    source = report["source"]
    lines = [
        f"# Restore drill {report['drill']} of `{report['database']}`: {report['result'].upper()}",
        "",
        "| Figure | Value |",
        "|---|---|",
        f"| RPO (age of the restored data at the restore call) | "
        f"{_duration(figures['rpoSeconds'])} |",
        f"| RTO (restore call until `available`) | {_duration(figures['rtoSeconds'])} |",
        f"| Copy existed | {figures['minutesRun']} min |",
        f"| Total (restore call until this report) | {_duration(figures['totalSeconds'])} |",
        "",
        f"- Source: {source.get('description')} ({source.get('reason')}); data as of "
        f"{source.get('dataTime') or 'unknown'}",
        f"- Copy: `{report['target']}` in stack `{report['stack']}`; "
        + (
            "kept: remove it with `sccos-backup drill cleanup " + report["database"] + "`"
            if report["kept"]
            else f"destroyed at {times['destroyedAt'] or '-'}"
        ),
        f"- Restore called at {times['restoreCalledAt']}, available at "
        f"{times['availableAt'] or '-'}, report at {times['finishedAt']}",
    ]
    cost = report["cost"]
    lines += [
        f"- Cost-relevant: {cost.get('instanceClass')}, Multi-AZ {_cell(cost.get('multiAZ'))}, "
        f"{cost.get('allocatedStorageGiB')} GiB {cost.get('storageType')}"
        + (f" ({cost['iops']} IOPS)" if cost.get("iops") else "")
        + f", {figures['minutesRun']} min",
    ]
    for problem in report["problems"]:
        lines.append(f"- **Problem:** {problem}")
    check = report["check"]
    lines += ["", "## Check command", ""]
    if check is None:
        lines.append("No check command was given.")
    else:
        state = "timed out" if check["timedOut"] else f"exit code {check['exitCode']}"
        lines += [
            f"`{check['command']}`: {state} after {check['seconds']} s "
            f"({'passed' if check['ok'] else 'FAILED'})",
        ]
        if check["outputTail"]:
            lines += ["", "```", check["outputTail"].rstrip(), "```"]
    verification = report["verification"]
    lines += [
        "",
        f"## Settings ({'all as declared' if verification['ok'] else 'DIFFERENCES FOUND'})",
        "",
        "| Setting | Declared | Found | |",
        "|---|---|---|---|",
    ]
    for item in verification["settings"]:
        lines.append(
            f"| {item['setting']} | {_cell(item['declared'])} | {_cell(item['found'])} | "
            f"{'ok' if item['ok'] else '**differs**'} |"
        )
    lines += [
        "",
        "## Deliberate differences from the original",
        "",
        "| Setting | Original | Drill copy | Why |",
        "|---|---|---|---|",
    ]
    for item in report["differences"]:
        drill = item["drill"]
        shown = (
            "<br>".join(f"{k}={v}" for k, v in drill.items())
            if isinstance(drill, dict)
            else _cell(drill)
        )
        lines.append(f"| {item['setting']} | {_cell(item['original'])} | {shown} | {item['why']} |")
    for note in report.get("notes", []):
        lines += ["", f"Note: {note}"]
    return "\n".join(lines) + "\n"


def read_report(text: str) -> dict[str, Any]:
    """A stored report, checked for its kind; ValueError when it is not one."""
    data = json.loads(text)
    if not isinstance(data, dict) or data.get("kind") != REPORT_KIND:
        raise ValueError("not a sccos-backup drill report")
    return data


def report_time(report: Mapping[str, Any]) -> datetime:
    return parse_time(str(report["times"]["restoreCalledAt"]))
