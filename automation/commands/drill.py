"""``sccos-backup drill plan | run | cleanup | history``: prove that a backup restores.

Each command builds its collaborators, calls the drill driver or the library, renders.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from automation.commands.context import command_group, echo_done, echo_json, fail, handle_errors
from automation.commands.exit_codes import ExitStatus
from automation.commands.factory import Factory, factory_of
from automation.commands.options import (
    BackendOpt,
    DbId,
    JsonOpt,
    LatestOpt,
    SnapshotOpt,
    ToTimeOpt,
    WorkDirOpt,
    YesOpt,
    duration_option,
    local_zone,
    option_groups,
    reports_url_option,
)
from automation.commands.projects import data_dir
from automation.commands.runbook_wiring import can_confirm, confirm
from sccos_backup import errors
from sccos_backup.files import write_private

if TYPE_CHECKING:
    from automation.commands.progress import StatusLine
    from automation.drill.driver import DrillDriver
    from automation.drill.record import DrillRecord
    from sccos_backup.drill.history import ReportStore
    from sccos_backup.drill.plan import DrillRequest

app = command_group(
    help="Restore drills: restore a backup aside, verify it, check its data, measure RPO and "
    "RTO, remove it.",
)

HourlyOpt = Annotated[bool, typer.Option("--hourly", help="Drill the newest hourly snapshot.")]
RandomOpt = Annotated[
    bool,
    typer.Option(
        "--random",
        help="Drill a restore point drawn at random from the retention window (snapshots and "
        "the point-in-time window).",
    ),
]
CheckOpt = Annotated[
    str | None,
    typer.Option(
        "--check-command",
        metavar="CMD",
        help="Shell command run against the copy with DRILL_HOST, DRILL_PORT, DRILL_DB_NAME, "
        "DRILL_USER (and DRILL_SECRET_ARN) set; a non-zero exit fails the drill.",
    ),
]
CheckTimeoutOpt = Annotated[
    float, duration_option("--check-timeout", help="Stop the check after this.", default="1h")
]
#: What a refused confirmation says a drill changes (the original is only read).
DRILL_CHANGES = "creates a drill copy of a database and deletes it afterwards"
KeepOpt = Annotated[
    bool, typer.Option("--keep", help="Keep the copy (remove it later with `drill cleanup`).")
]
ReportOpt = Annotated[
    Path | None,
    typer.Option("--report", metavar="PATH", help="Also write the report as Markdown here."),
]
ReportsUrlOpt = Annotated[str | None, reports_url_option("JSON reports are", "a folder")]


@dataclass(frozen=True)
class DrillChoices:
    """What a drill restores and how its copy is checked and kept, as ``drill plan`` and
    ``drill run`` are told (taken whole through :func:`option_groups`)."""

    snapshot: SnapshotOpt = None
    to_time: ToTimeOpt = None
    latest: LatestOpt = False
    hourly: HourlyOpt = False
    random: RandomOpt = False
    check_command: CheckOpt = None
    keep: KeepOpt = False

    def request(self, db_id: str) -> DrillRequest:
        """The typed, validated drill of DB_ID; raises InvalidInput before any AWS call."""
        from sccos_backup.drill.plan import DrillChoice, DrillRequest
        from sccos_backup.identifiers import instance_identifier

        command = self.check_command
        if command is not None and not command.strip():
            raise errors.InvalidInput(
                "--check-command is empty; give a shell command or leave it out"
            )
        return DrillRequest(
            db_identifier=instance_identifier(db_id),
            choice=DrillChoice.from_options(
                snapshot=self.snapshot,
                to_time=self.to_time,
                latest=self.latest,
                hourly=self.hourly,
                random=self.random,
                local_zone=local_zone(),
            ),
            check_command=command,
            keep=self.keep,
        )


def _driver(
    context: Factory,
    *,
    work_dir: Path | None,
    backend_url: str | None,
    json_output: bool,
    store: ReportStore,
    check_timeout: float = 3600.0,
) -> tuple[DrillDriver, StatusLine]:
    from automation.commands.progress import progress_streams
    from sccos_backup.waiting import Callbacks

    notify, on_output, status = progress_streams(json_output)
    driver = context.drill_driver(
        work_dir=work_dir,
        backend_url=backend_url,
        store=store,
        callbacks=Callbacks(notify=notify, on_output=on_output, on_poll=status),
        check_timeout=check_timeout,
    )
    return driver, status


def _interrupted(db: str) -> typer.Exit:
    return fail(
        f"interrupted; the drill's copy may exist: run the same `sccos-backup drill run {db} ...` "
        f"to continue it or `sccos-backup drill cleanup {db}` to remove it",
        ExitStatus.INTERRUPTED,
    )


@app.command("plan")
@handle_errors
@option_groups
def plan_command(
    ctx: typer.Context, db_id: DbId, *, choices: DrillChoices, json_output: JsonOpt = False
) -> None:
    """Show the drill: its copy, source, steps, settings and deliberate differences. Changes
    nothing."""
    from sccos_backup.drill.prepare import prepare_drill

    request = choices.request(db_id)
    context = factory_of(ctx)
    plan = prepare_drill(context.rds(), request, context.clock())
    if json_output:
        echo_json(plan.as_dict())
        return
    from automation.commands.drill_render import render_drill_plan

    render_drill_plan(plan)


def _compatible(record: DrillRecord, request: DrillRequest) -> bool:
    """Whether an unfinished drill answers this request, so that `drill run` continues it."""
    from sccos_backup.restore.source import iso

    choice = request.choice
    if record.options.get("choice") != choice.kind:
        return False
    if choice.snapshot:
        return record.source == f"snapshot:{choice.snapshot}"
    if choice.to_time:
        return record.source == f"time:{iso(choice.to_time)}"
    return True


@app.command("run")
@handle_errors
@option_groups
def run_command(
    ctx: typer.Context,
    db_id: DbId,
    *,
    choices: DrillChoices,
    check_timeout: CheckTimeoutOpt = 3600.0,
    # Declared here for its place in --help; option_groups puts it in choices too.
    keep: KeepOpt = False,
    report: ReportOpt = None,
    reports_url: ReportsUrlOpt = None,
    yes: YesOpt = False,
    json_output: JsonOpt = False,
    backend_url: BackendOpt = None,
    work_dir: WorkDirOpt = None,
) -> None:
    """Run a drill: restore aside, wait, verify, check, destroy, report. Re-run to continue."""
    from automation.commands.drill_render import render_drill_plan, render_report_summary
    from automation.commands.progress import stream_for
    from sccos_backup.drill.history import report_name
    from sccos_backup.drill.prepare import prepare_drill

    request = choices.request(db_id)
    if report is not None and not report.parent.expanduser().is_dir():
        raise errors.InvalidInput(f"--report: folder '{report.parent}' does not exist")
    if report is not None and report.expanduser().is_dir():
        raise errors.InvalidInput(f"--report: '{report}' is a folder; name the Markdown file")
    if check_timeout <= 0:
        raise errors.InvalidInput("--check-timeout must be longer than 0s (e.g. 10m)")
    context = factory_of(ctx)
    can_confirm(context, yes, DRILL_CHANGES)
    store = context.report_store(reports_url)
    driver, status = _driver(
        context,
        work_dir=work_dir,
        backend_url=backend_url,
        json_output=json_output,
        store=store,
        check_timeout=check_timeout,
    )
    db = request.db_identifier
    try:
        active = driver.open_drill(db)
        if active is not None:
            if not _compatible(active, request):
                raise errors.RunInProgress(
                    f"drill {active.run_id} of '{db}' from {active.source} is unfinished; "
                    f"continue it with the same source or remove it with "
                    f"`sccos-backup drill cleanup {db}`"
                )
            stream_for(json_output).write(f"continuing drill {active.run_id} of '{db}'\n")
            result = driver.resume(active, request)
        else:
            plan = prepare_drill(context.rds(), request, context.clock())
            driver.check_can_start(plan)
            if not json_output:
                render_drill_plan(plan)
            confirm(
                context, yes, f"Create the drill copy '{plan.names.target}' now?", DRILL_CHANGES
            )
            result = driver.start(plan)
    except KeyboardInterrupt:
        raise _interrupted(db) from None
    status.done()
    location = store.location(report_name(result))
    if report is not None:
        write_private(report.expanduser(), result.to_markdown(), narrow=False)
    if json_output:
        echo_json(result.as_dict())
    else:
        render_report_summary(result, location, report)
    if not result.passed:
        raise errors.VerificationFailed(
            f"drill {result.run_id} of '{db}' failed: {'; '.join(result.problems)}; "
            f"report: {location}"
        )


@app.command("cleanup")
@handle_errors
def cleanup_command(
    ctx: typer.Context,
    db_id: DbId,
    yes: YesOpt = False,
    json_output: JsonOpt = False,
    backend_url: BackendOpt = None,
    work_dir: WorkDirOpt = None,
) -> None:
    """Remove every copy a drill of DB_ID left (kept or interrupted), through its own stack."""
    from sccos_backup.identifiers import instance_identifier

    db = instance_identifier(db_id)
    context = factory_of(ctx)
    can_confirm(context, yes, "deletes drill copies")
    driver, status = _driver(
        context,
        work_dir=work_dir,
        backend_url=backend_url,
        json_output=json_output,
        store=context.report_store(None),
    )
    records = driver.drills(db)
    if records:
        names = ", ".join(f"'{r.copy.identifier}'" for r in records)
        confirm(
            context,
            yes,
            f"DELETE the drill copies {names} (no final snapshot)?",
            "deletes drill copies",
        )
    try:
        done = driver.cleanup(db)
    except KeyboardInterrupt:
        raise _interrupted(db) from None
    status.done()
    echo_done({"database": db}, done, json_output)


@app.command("history")
@handle_errors
def history_command(
    ctx: typer.Context,
    db_id: DbId,
    reports_url: ReportsUrlOpt = None,
    json_output: JsonOpt = False,
) -> None:
    """List past drills of DB_ID from their reports: result, source, RPO, RTO."""
    import sys

    from automation.commands.drill_render import render_history
    from sccos_backup.drill.history import history
    from sccos_backup.identifiers import instance_identifier

    db = instance_identifier(db_id)
    context = factory_of(ctx)
    store = context.report_store(reports_url)

    def warn(line: str) -> None:
        sys.stderr.write(f"warning: {line}\n")

    entries = history(store, db, warn)
    rows = [e.row() for e in entries]
    if json_output:
        echo_json({"database": db, "drills": rows})
    else:
        render_history(db, rows, reports_url or os.fspath(data_dir() / "drills"))
