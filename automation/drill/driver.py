"""The restore drill: restore aside, wait, verify, check, destroy, report; resume and clean up.

Every step is safe to repeat and its completion is read from the copy's tags
(:mod:`automation.drill.record`), so ``drill run`` after a crash continues where it stopped and
``drill cleanup`` removes what an interrupted drill left. The live database is only described.

Destroy is the one place where this project lets Pulumi delete. It goes through the drill's own
stack and only after checking, right before, that the stack records this drill's copy: the
DbiResourceId in the stack's outputs is the copy's, the instance answering to the identifier
the provider would delete by has that DbiResourceId, it carries this drill's tags, and it is
not the live database.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime
from typing import Any

from automation.drill.check import check_environment, run_check
from automation.drill.destroy import destroy_copy
from automation.drill.record import DrillRecord
from automation.engine.base import DisposableEngine
from automation.engine.converge import apply_spec
from automation.engine.runs import check_fresh_start, recorded, the_open_one
from sccos_backup import errors
from sccos_backup.aws.rds import Instance, RdsAdapter
from sccos_backup.drill.history import ReportStore, report_name
from sccos_backup.drill.plan import (
    TAG_PROGRESS_AVAILABLE,
    TAG_PROGRESS_CHECK,
    TAG_PROGRESS_KEPT,
    TAG_PROGRESS_VERIFIED,
    DrillPlan,
    DrillRequest,
    drill_settings,
    drill_steps,
    source_from_text,
)
from sccos_backup.drill.report import CheckResult, DrillReport
from sccos_backup.restore.settings import InstanceSettings
from sccos_backup.restore.source import iso
from sccos_backup.restore.verify import SettingCheck, compare
from sccos_backup.waiting import Callbacks


@dataclass(frozen=True)
class DrillTimeouts:
    restore: float = 6 * 3600
    check: float = 3600


@dataclass
class DrillDriver:
    rds: RdsAdapter
    engine: DisposableEngine
    clock: Callable[[], datetime]
    store: ReportStore
    callbacks: Callbacks = field(default_factory=Callbacks)
    timeouts: DrillTimeouts = field(default_factory=DrillTimeouts)
    first_interval: float = 15.0
    check_runner: Callable[..., CheckResult] = run_check

    # -- finding drills ------------------------------------------------------------------------

    def drills(self, db_identifier: str) -> list[DrillRecord]:
        """Every copy a drill of ``db_identifier`` left, newest first (read from tags)."""
        return recorded(self.rds, DrillRecord.from_instance, db_identifier)

    def open_drill(self, db_identifier: str) -> DrillRecord | None:
        """The unfinished drill of ``db_identifier`` (kept copies are finished)."""

        def several(open_: Sequence[DrillRecord]) -> errors.SccosBackupError:
            return errors.RunInProgress(
                f"{len(open_)} drills of '{db_identifier}' are unfinished "
                f"({', '.join(r.run_id for r in open_)}); remove them with "
                f"`sccos-backup drill cleanup {db_identifier}`"
            )

        return the_open_one([r for r in self.drills(db_identifier) if not r.kept], several)

    def check_can_start(self, plan: DrillPlan) -> None:
        """No unfinished drill, a ready engine, an unused stack. Changes nothing."""
        db = plan.request.db_identifier

        def busy(active: DrillRecord) -> errors.SccosBackupError:
            return errors.RunInProgress(
                f"drill {active.run_id} of '{db}' is unfinished; continue it with the same "
                f"`sccos-backup drill run` or remove it with `sccos-backup drill cleanup {db}`"
            )

        check_fresh_start(
            self.engine,
            plan.names.stack,
            self.open_drill(db),
            busy=busy,
            taken=f"stack '{plan.names.stack}' already records a drill copy; run "
            f"`sccos-backup drill cleanup {db}` or wait a minute",
        )

    # -- running -------------------------------------------------------------------------------

    def start(self, plan: DrillPlan) -> DrillReport:
        """Create the copy (the first change), then run every other step."""
        request = plan.request
        self.callbacks.notify(f"-> {plan.steps[1].title}")
        started = self.clock()
        try:
            apply_spec(  # up until the preview is empty: a restore needs a second apply
                self.engine,
                self.rds,
                plan.names.stack,
                plan.spec_at(started),
                original_resource_id=plan.original_resource_id,
                on_output=self.callbacks.on_output,
                notify=self.callbacks.notify,
            )
            self.callbacks.after_step("up")
        except errors.SccosBackupError as error:
            raise type(error)(f"{error}; {self._cleanup_hint(request.db_identifier)}") from None
        copy = self.rds.find_instance(plan.names.target)
        record = DrillRecord.from_instance(copy) if copy is not None else None
        if record is None:
            raise errors.AwsError(
                f"pulumi up reported success but '{plan.names.target}' carries no drill tags; "
                f"{self._cleanup_hint(request.db_identifier)}"
            )
        source = {**plan.as_dict()["source"]}
        source.pop("data_time", None)
        source.pop("age_seconds", None)
        return self._continue(record, request, source, resumed=False)

    def resume(self, record: DrillRecord, request: DrillRequest) -> DrillReport:
        """Continue an unfinished drill with the user's check command and --keep."""
        if record.options.get("check") == "yes" and not request.check_command:
            raise errors.InvalidInput(
                f"drill {record.run_id} was started with a check command; give the same "
                "--check-command to continue it"
            )
        self.engine.ensure_ready()
        original = self.rds.find_instance(record.db_identifier)
        restored = source_from_text(record.source, original.resource_id if original else "")
        source = {
            "description": restored.describe(),
            **restored.to_config(),
            "choice": record.options.get("choice"),
            "reason": "as recorded in the copy's tags",
        }
        return self._continue(record, request, source, resumed=True)

    def _continue(
        self, record: DrillRecord, request: DrillRequest, source: dict[str, Any], *, resumed: bool
    ) -> DrillReport:
        db = record.db_identifier
        names = record.names
        steps = drill_steps(request, names, record.source)
        problems: list[str] = []
        notes: list[str] = []
        try:
            available_at = record.available_at
            if available_at is None and resumed:
                notes.append(
                    "the drill was interrupted before the copy was seen available: the RTO "
                    "includes the interruption"
                )
            if available_at is None:
                self.callbacks.notify(f"-> {_title(steps, 'wait')}")
                copy = self.rds.wait_instance(names.target, **self._wait(self.timeouts.restore))
                available_at = self.clock()
                self.callbacks.after_step("wait")
                self._tag(copy, {TAG_PROGRESS_AVAILABLE: iso(available_at)})
            self.callbacks.notify(f"-> {_title(steps, 'verify')}")
            copy = self.rds.describe_instance(names.target)
            checks, differences = self._verify(record, copy)
            wrong = [c for c in checks if not c.ok]
            if wrong:
                problems.append(
                    f"{len(wrong)} setting(s) differ: " + "; ".join(c.line() for c in wrong)
                )
            if record.verified is None:
                self.callbacks.after_step("verify")
                self._tag(
                    copy, {TAG_PROGRESS_VERIFIED: "ok" if not wrong else f"{len(wrong)}-differ"}
                )
            check = None
            if request.check_command:
                check = self._check(record, copy, request.check_command)
                if not check.ok:
                    state = "timed out" if check.timed_out else f"exited {check.exit_code}"
                    problems.append(f"the check command {state}")
            base = DrillReport(
                database=db,
                run_id=record.run_id,
                target=names.target,
                stack=record.stack,
                source=source,
                data_time=record.data_time,
                started_at=record.started or available_at,
                available_at=available_at,
                finished_at=self.clock(),
                destroyed_at=None,
                kept=request.keep,
                verification=tuple(checks),
                check=check,
                cost=cost_of(copy),
                differences=differences,
                problems=tuple(problems),
                notes=tuple(notes),
            )
            if request.keep:
                self._tag(copy, {TAG_PROGRESS_KEPT: iso(self.clock())})
                return self._write(replace(base, finished_at=self.clock()))
            # A report before the destroy, so that a crash there still leaves one.
            note = "written before the destroy; replaced when the drill ends"
            self._write(replace(base, notes=(*notes, note)))
            self.callbacks.notify(f"-> {_title(steps, 'destroy')}")
            self.destroy(record)
            destroyed_at = self.clock()
            self.callbacks.after_step("destroy")
            self.callbacks.notify("-> Write the drill report")
            return self._write(replace(base, finished_at=self.clock(), destroyed_at=destroyed_at))
        except errors.SccosBackupError as error:
            raise type(error)(f"{error}; {self._cleanup_hint(db)}") from None

    def _verify(
        self, record: DrillRecord, copy: Instance
    ) -> tuple[list[SettingCheck], tuple[dict[str, Any], ...]]:
        """Each declared setting against the copy; and the deliberate differences."""
        original = self.rds.find_instance(record.db_identifier)
        if original is None:
            raise errors.NotFound(
                f"'{record.db_identifier}' no longer exists; the drill cannot compare its copy"
            )
        captured = InstanceSettings.capture(original.raw)
        expected, differences = drill_settings(captured, record.declared_tags)
        return compare(expected, copy.raw), tuple(asdict(d) for d in differences)

    def _check(self, record: DrillRecord, copy: Instance, command: str) -> CheckResult:
        if record.check is not None:
            code, _, seconds = record.check.partition("-")
            return CheckResult(
                command,
                int(code) if code.lstrip("-").isdigit() else None,
                float(seconds or 0),
                "(run before the drill was interrupted; output not kept)",
                timed_out=code == "timeout",
            )
        self.callbacks.notify("-> Run the check command against the copy (DRILL_HOST ...)")
        env = check_environment(copy.raw)
        result = self.check_runner(command, env, timeout=self.timeouts.check, clock=self.clock)
        self.callbacks.on_output(result.output_tail + ("\n" if result.output_tail else ""))
        self.callbacks.after_step("check")
        code = "timeout" if result.timed_out else str(result.exit_code)
        self._tag(copy, {TAG_PROGRESS_CHECK: f"{code}-{result.seconds:.0f}"})
        return result

    # -- destroy and cleanup ---------------------------------------------------------------------

    def destroy(self, record: DrillRecord) -> None:
        """Delete the drill's copy through its own stack, after checking what it would delete."""
        destroy_copy(self.rds, self.engine, record, self.callbacks.on_output)

    def cleanup(self, db_identifier: str) -> list[str]:
        """Destroy every copy a drill of ``db_identifier`` left (kept or interrupted)."""
        records = self.drills(db_identifier)
        if not records:
            return [f"no drill copy of '{db_identifier}' exists; nothing to clean up"]
        self.engine.ensure_ready()
        done = []
        for record in records:
            self.callbacks.notify(f"-> destroy '{record.copy.identifier}' (stack {record.stack})")
            self.destroy(record)
            done.append(f"drill {record.run_id}: '{record.copy.identifier}' destroyed")
        return done

    # -- helpers -------------------------------------------------------------------------------

    def _write(self, report: DrillReport) -> DrillReport:
        self.store.write(report_name(report), report.to_text())
        return report

    def _tag(self, copy: Instance, tags: dict[str, str]) -> None:
        self.rds.add_tags(copy.arn, tags)

    def _wait(self, timeout: float) -> dict[str, Any]:
        return {
            "timeout": timeout,
            "on_poll": self.callbacks.on_poll,
            "first_interval": self.first_interval,
        }

    @staticmethod
    def _cleanup_hint(db: str) -> str:
        return (
            f"the drill's copy may exist: `sccos-backup drill run {db} ...` continues it, "
            f"`sccos-backup drill cleanup {db}` removes it"
        )


def _title(steps: tuple[Any, ...], key: str) -> str:
    return next((s.title for s in steps if s.key == key), key)


def cost_of(copy: Instance) -> dict[str, Any]:
    """What an instance's running costs depend on (its class, Multi-AZ and storage), for a
    report of what a copy of it costs."""
    raw = copy.raw
    return {
        "instanceClass": raw.get("DBInstanceClass"),
        "multiAZ": bool(raw.get("MultiAZ", False)),
        "storageType": raw.get("StorageType"),
        "allocatedStorageGiB": raw.get("AllocatedStorage"),
        "iops": raw.get("Iops"),
        "storageThroughput": raw.get("StorageThroughput"),
    }
