"""What the ``restore run | resume | status | rollback | cleanup`` commands share: the re-sync
step, confirmations, the summary. Their options are :mod:`automation.commands.options`'s; the
engine, lock and runbook are built by :mod:`automation.commands.factory`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import typer

from automation.commands.context import echo_json
from automation.commands.progress import StatusLine
from sccos_backup import errors

if TYPE_CHECKING:
    from automation.commands.factory import Factory
    from automation.commands.options import RunSettings
    from automation.runbook.runbook import RunSummary


def resync_step(context: Factory, settings: RunSettings, job: str, *, attach: bool) -> Any:
    """The runbook's re-sync step of ``job``, its settings checked now. With ``attach`` (a
    resumed run) a build of the job already running is followed, not started again."""
    from automation.commands.resync import jenkins_config
    from sccos_backup.resync.job import ResyncRequest, run_resync

    config = jenkins_config(
        settings.jenkins_url,
        settings.jenkins_user,
        settings.jenkins_token,
        insecure=settings.allow_insecure_http,
    )
    request = ResyncRequest(job=job, store=settings.store)

    def step(on_output: Any) -> object:
        return run_resync(context.jenkins(config), request, on_output, attach=attach)

    return step


#: What a refused confirmation says by default: the restore commands' change.
CHANGES_DATABASES = "changes production databases"


def can_confirm(context: Factory, yes: bool, changes: str = CHANGES_DATABASES) -> None:
    """Refuse, before anything is contacted, where no confirmation can be asked; ``changes``
    says truly what the command changes."""
    if not yes and not context.is_interactive():
        raise errors.InvalidInput(
            f"this command {changes} and needs a confirmation: run it in a terminal, or pass --yes"
        )


def confirm(context: Factory, yes: bool, question: str, changes: str = CHANGES_DATABASES) -> None:
    can_confirm(context, yes, changes)
    if not yes and not typer.confirm(question, default=False, err=True):
        raise errors.Aborted("nothing was changed")


def show_summary(summary: RunSummary, status: StatusLine, json_output: bool) -> None:
    from automation.commands.render import render_summary

    status.done()
    if json_output:
        echo_json(summary.as_dict())
    else:
        render_summary(summary)
