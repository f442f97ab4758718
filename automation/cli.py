"""The ``sccos-backup`` command: global options and the command groups."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from automation.context import AppContext
from automation.restore_cmd import app as restore_app
from automation.resync_cmd import resync
from automation.snapshot_cmd import app as snapshot_app

app = typer.Typer(
    name="sccos-backup",
    help="Back up and restore Spryker Cloud Commerce OS databases on Amazon RDS.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
    add_completion=False,
)
app.add_typer(restore_app, name="restore")
app.add_typer(snapshot_app, name="snapshot")
app.command(
    "resync",
    help="Re-sync Elasticsearch and Redis: create or update the sync:data Jenkins job, run it, "
    "stream its console and exit by its result.",
)(resync)


@app.callback()
def main_options(
    ctx: typer.Context,
    region: Annotated[
        Optional[str],  # noqa: UP045 - Typer needs Optional on 3.11
        typer.Option(
            help="AWS region (default: the profile's or AWS_REGION).", envvar="AWS_REGION"
        ),
    ] = None,
    profile: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option(help="AWS named profile (default: AWS_PROFILE).", envvar="AWS_PROFILE"),
    ] = None,
    endpoint_url: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option(
            help="AWS endpoint, e.g. a local moto_server (default: AWS_ENDPOINT_URL).",
            envvar="AWS_ENDPOINT_URL",
        ),
    ] = None,
) -> None:
    """Back up and restore Spryker Cloud Commerce OS databases on Amazon RDS."""
    base = ctx.obj if isinstance(ctx.obj, AppContext) else AppContext()
    base.region = region or base.region
    base.profile = profile or base.profile
    base.endpoint_url = endpoint_url or base.endpoint_url
    ctx.obj = base


def main() -> None:
    """Console-script entry point."""
    app()
