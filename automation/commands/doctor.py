"""``sccos-backup doctor DB_ID``: every check ``restore run`` needs, with the way to fix each.

It takes the same options as ``restore run``; ``restore run`` refuses with the same table when
a check fails, and ``restore plan`` shows it under the plan.
"""

from __future__ import annotations

import os
from dataclasses import replace
from typing import TYPE_CHECKING

import typer

from automation.commands.context import echo_json, handle_errors
from automation.commands.factory import Factory, factory_of
from automation.commands.options import (
    DbId,
    JsonOpt,
    RestoreChoices,
    RunSettings,
    option_groups,
)
from sccos_backup import errors

if TYPE_CHECKING:
    from automation.doctor.checks import Setup
    from automation.doctor.model import Checks
    from sccos_backup.jenkins.client import JenkinsAdapter
    from sccos_backup.restore.plan import RestorePlan, RestoreRequest

#: Exit code of ``doctor`` when a check failed (docs/exit-codes.md).
NOT_READY = 3


def build_setup(
    context: Factory,
    request: RestoreRequest,
    settings: RunSettings,
    *,
    active_run: str | None = None,
    stack_prefix: str | None = None,
) -> Setup:
    """The checks' view of a run with these options; contacts nothing yet. ``stack_prefix``
    names the stacks the run makes (default: ``restore-DB-``, as :meth:`RestorePlan.stack_name`
    names them), whose passphrase is checked."""
    from automation.commands.factory import resolved_backend_url
    from automation.doctor.checks import Backend, JenkinsTarget, Setup
    from sccos_backup.resync.job import ResyncRequest

    backend_url = settings.backend_url
    url = resolved_backend_url(backend_url)

    def backend() -> Backend:
        store = context.lock_store(backend_url)
        return Backend(url=url, lock=context.lock(backend_url), store=store)

    prefix = stack_prefix or f"restore-{request.db_identifier}-"
    pulumi = context.pulumi_target(settings.work_dir, backend_url, prefix)
    if pulumi is not None and request.stack:
        pulumi = replace(pulumi, stacks=(request.stack,))
    jenkins = None
    if request.resync:

        def adapter() -> JenkinsAdapter:
            from automation.commands.resync import jenkins_config

            config = jenkins_config(
                settings.jenkins_url,
                settings.jenkins_user,
                settings.jenkins_token,
                insecure=settings.allow_insecure_http,
            )
            return context.jenkins(config)

        jenkins = JenkinsTarget(
            adapter=adapter,
            request=ResyncRequest(job=settings.jenkins_job, store=settings.store),
        )
    return Setup(
        request=request,
        rds=context.rds(),
        account=context.account,
        region=context.region or context.account().region,
        clock=context.clock,
        maintenance=context.maintenance(),
        backend=backend,
        pulumi=pulumi,
        env=dict(os.environ),
        jenkins=jenkins,
        active_run=active_run,
    )


def render_checks(checks: Checks) -> None:
    """One block per check: its result and title, then what was found and, for each that did
    not pass, the fix; wrapped to the terminal (after separators, as the plan is)."""
    from automation.commands.columns import width, wrap

    def wrapped(text: str) -> str:
        return "\n".join(" " * 11 + line for line in wrap(text, width() - 11))

    typer.echo("Checks (as `sccos-backup doctor`):")
    for check in checks.items:
        typer.echo(f"  {check.status.upper():<8} {check.title}")
        typer.echo(wrapped(check.detail))
        if check.fix and check.status != "ok":
            typer.echo(wrapped(f"fix: {check.fix}"))
    verdict = "ready" if checks.ready else f"NOT READY ({len(checks.failures)} failed)"
    typer.echo(f"Result: {verdict}")


@handle_errors
@option_groups
def doctor_command(
    ctx: typer.Context,
    db_id: DbId,
    *,
    choices: RestoreChoices,
    json_output: JsonOpt = False,
    settings: RunSettings,
) -> None:
    """Check everything `restore run` with these options needs; exit 0 when ready, 3 when not.
    Changes nothing. Example: sccos-backup doctor shop --latest --maintenance prod"""
    from automation.doctor.checks import run_checks

    request = choices.request(db_id, settings.jenkins_job)
    context = factory_of(ctx)
    setup = build_setup(context, request, settings)
    # The source is judged as `restore run` judges it: earlier incarnations count as the database.
    setup = replace(
        setup, lineage=context.run_finder(settings.backend_url).lineage(request.db_identifier)
    )
    checks, _ = run_checks(setup)
    if json_output:
        echo_json({"database": request.db_identifier, **checks.as_dict()})
    else:
        render_checks(checks)
    if not checks.ready:
        raise typer.Exit(NOT_READY)


def refuse_unless_ready(
    context: Factory,
    plan: RestorePlan,
    settings: RunSettings,
    *,
    json_output: bool,
    active_run: str | None = None,
    stack_prefix: str | None = None,
) -> None:
    """The doctor's checks of this run; on a failure, before any change, the table (stdout;
    not with --json) and one error line naming each failed check and its fix. The first failed
    check decides the exit code. ``active_run`` names the open run being continued;
    ``stack_prefix`` as :func:`build_setup`."""
    from automation.doctor.checks import run_checks

    setup = build_setup(
        context, plan.request, settings, active_run=active_run, stack_prefix=stack_prefix
    )
    checks, _ = run_checks(setup, plan)
    if checks.ready:
        return
    if not json_output:
        render_checks(checks)
    first = checks.failures[0].key
    kind: type[errors.SccosBackupError] = errors.PreconditionFailed
    if first in ("pulumi-cli", "aws-plugin"):
        kind = errors.PulumiUnavailable
    elif first.startswith("jenkins"):
        kind = errors.JenkinsError
    raise kind(checks.refusal())
