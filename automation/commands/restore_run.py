"""``restore run | resume``: the runbook, through the engine.

Each command parses its options, hands what the run driver asks for (:class:`CommandSetup`,
built with :mod:`automation.commands.runbook_wiring`) to one call of
:mod:`automation.runbook.driver`, and renders the summary. Registered on the ``restore`` group
by ``automation/commands/restore.py``; ``status``, ``rollback`` and ``cleanup`` are in
:mod:`automation.commands.restore_recover`.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from automation.commands.context import handle_errors
from automation.commands.factory import Factory, factory_of
from automation.commands.options import (
    BackendOpt,
    DbId,
    JsonOpt,
    MaintenanceOpt,
    NoResyncOpt,
    PlanFileOpt,
    RestoreChoices,
    RunSettings,
    WorkDirOpt,
    YesOpt,
    maintenance_env,
    option_groups,
)
from automation.commands.runbook_wiring import can_confirm, show_summary
from sccos_backup import errors

if TYPE_CHECKING:
    from automation.commands.progress import StatusLine
    from automation.runbook.driver import ResyncStep
    from automation.runbook.runbook import Runbook, RunSummary
    from sccos_backup.restore.plan import RestorePlan


OptionalDbId = Annotated[
    str | None,
    typer.Argument(
        metavar="[DB_ID]",
        help="Identifier of the original DB instance (with --plan: the plan's, may be left out).",
        show_default=False,
    ),
]
#: Options a saved plan decides; given with --plan they are refused.
_PLANNED = (
    "snapshot",
    "to_time",
    "latest",
    "strategy",
    "stack",
    "maintenance",
    "safety_snapshot",
    "no_resync",
    "jenkins_job",
    "from_database",
)


_DEFAULTS = ("DEFAULT", "DEFAULT_MAP")


def _saved_plan(ctx: typer.Context, db_id: str | None, path: Path) -> RestorePlan:
    """The plan a file holds, for DB_ID if given; options the plan decides are refused."""
    from sccos_backup.identifiers import instance_identifier
    from sccos_backup.restore.planfile import loads

    given = [
        "--" + name.replace("_", "-")
        for name in _PLANNED
        if getattr(ctx.get_parameter_source(name), "name", "DEFAULT") not in _DEFAULTS
    ]
    if given:
        raise errors.InvalidInput(
            f"{', '.join(given)} cannot be combined with --plan: the saved plan decides them; "
            "make a new plan with `sccos-backup restore plan ... --out PLAN.json`"
        )
    try:
        text = path.expanduser().read_text()
    except OSError as error:
        raise errors.InvalidInput(
            f"cannot read the plan '{path}' ({error.strerror}); write one with "
            "`sccos-backup restore plan DB_ID ... --out PLAN.json`"
        ) from None
    plan = loads(text, f"plan '{path}'")
    if db_id is not None and instance_identifier(db_id) != plan.request.db_identifier:
        raise errors.InvalidInput(
            f"plan '{path}' restores '{plan.request.db_identifier}', not '{db_id}'; nothing was "
            "changed"
        )
    return plan


class CommandSetup:
    """What the run driver (:mod:`automation.runbook.driver`) asks of ``restore run | resume``:
    the re-sync step, the runbook, the doctor's checks and the go-ahead, from their options."""

    def __init__(
        self, ctx: typer.Context, settings: RunSettings, *, json_output: bool, yes: bool = False
    ) -> None:
        self.context: Factory = factory_of(ctx)
        self.settings = settings
        self.json_output = json_output
        self.yes = yes
        self.job = settings.jenkins_job
        self.job_chosen = (
            getattr(ctx.get_parameter_source("jenkins_job"), "name", "DEFAULT") not in _DEFAULTS
        )
        self.status: StatusLine | None = None

    def resync(self, job: str, *, attach: bool) -> ResyncStep:
        from automation.commands.runbook_wiring import resync_step

        step: ResyncStep = resync_step(self.context, self.settings, job, attach=attach)
        return step

    def runbook(self, resync: ResyncStep | None) -> Runbook:
        runbook, self.status, _ = self.context.runbook(
            work_dir=self.settings.work_dir,
            backend_url=self.settings.backend_url,
            json_output=self.json_output,
            resync=resync,
        )
        return runbook

    def check_ready(self, plan: RestorePlan, *, job: str, active_run: str | None) -> None:
        from automation.commands.doctor import refuse_unless_ready

        settings = replace(self.settings, jenkins_job=job)
        refuse_unless_ready(
            self.context, plan, settings, active_run=active_run, json_output=self.json_output
        )

    def approve(self, plan: RestorePlan) -> None:
        from automation.commands.render import render_plan
        from automation.commands.runbook_wiring import confirm

        if not self.json_output:
            render_plan(plan)
        confirm(self.context, self.yes, f"Restore '{plan.request.db_identifier}' now?")

    def show(self, summary: RunSummary) -> None:
        assert self.status is not None  # the driver built the runbook
        show_summary(summary, self.status, self.json_output)


@handle_errors
@option_groups
def run_command(
    ctx: typer.Context,
    db_id: OptionalDbId = None,
    *,
    choices: RestoreChoices,
    plan_file: PlanFileOpt = None,
    yes: YesOpt = False,
    json_output: JsonOpt = False,
    settings: RunSettings,
) -> None:
    """Run the whole restore: rename, pulumi up, verify, re-sync; or carry out a saved plan
    (--plan). Re-run it to continue."""
    from automation.runbook.driver import run_or_resume

    saved = None
    if plan_file is not None:
        saved = _saved_plan(ctx, db_id, plan_file)
        request = saved.request
    else:
        if db_id is None:
            raise errors.InvalidInput(
                "name the database (DB_ID) and a source, or a saved plan with --plan PLAN.json"
            )
        request = choices.request(db_id, settings.jenkins_job)
    setup = CommandSetup(ctx, settings, json_output=json_output, yes=yes)
    can_confirm(setup.context, yes)
    finder = setup.context.run_finder(settings.backend_url)
    setup.show(run_or_resume(finder, request, setup, saved=saved))


@handle_errors
@option_groups
def resume_command(
    ctx: typer.Context,
    db_id: DbId,
    *,
    json_output: JsonOpt = False,
    # Declared here for their place in --help; option_groups puts them in settings too.
    backend_url: BackendOpt = None,
    work_dir: WorkDirOpt = None,
    no_resync: NoResyncOpt = False,
    maintenance: MaintenanceOpt = None,
    settings: RunSettings,
) -> None:
    """Continue an interrupted restore run where it stopped (also from another machine), with
    the plan it recorded; --no-resync and --maintenance given here are recorded on the run."""
    from automation.runbook.driver import resume
    from automation.runbook.runbook import NO_ENGINE, RunContext, RunFinder
    from sccos_backup.identifiers import instance_identifier

    db = instance_identifier(db_id)
    maintenance = maintenance_env(maintenance)
    setup = CommandSetup(ctx, settings, json_output=json_output)
    context = setup.context
    finder = RunFinder(RunContext(rds=context.rds(), engine=NO_ENGINE, clock=context.clock))
    summary = resume(
        finder,
        db,
        setup,
        resync=False if no_resync else None,
        maintenance_env=maintenance,
    )
    setup.show(summary)
