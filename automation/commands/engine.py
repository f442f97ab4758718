"""``sccos-backup engine install``: the pinned Pulumi CLI and aws plugin, verified, before the
incident (commands that run Pulumi never download; they name this command)."""

from __future__ import annotations

from typing import Annotated

import typer

from automation.commands.context import command_group, echo_json, handle_errors
from automation.commands.options import JsonOpt

app = command_group(
    help="The Pulumi engine the restore, drill and schedule commands run.",
)


@app.command("install")
@handle_errors
def install_command(
    mirror: Annotated[
        str | None,
        typer.Option(
            "--mirror",
            envvar="SCCOS_BACKUP_ENGINE_MIRROR",
            metavar="URL",
            help="Download from this copy of https://get.pulumi.com/releases (sdk/, plugins/).",
        ),
    ] = None,
    json_output: JsonOpt = False,
) -> None:
    """Install the pinned Pulumi CLI and aws plugin into the data folder, checksums verified.
    Example: sccos-backup engine install"""
    import sys

    from automation.commands.projects import data_dir
    from automation.doctor.pulumi import pinned_aws_plugin
    from automation.engine.install import install_engine
    from sccos_backup.errors import PulumiUnavailable

    plugin = pinned_aws_plugin()
    if plugin is None:
        raise PulumiUnavailable("the pulumi-aws package is not installed; reinstall sccos-backup")

    def notice(line: str) -> None:
        sys.stderr.write(line + "\n")

    installed = install_engine(data_dir(), plugin_version=plugin, mirror=mirror, notice=notice)
    if json_output:
        echo_json(
            {
                "cli": str(installed.cli),
                "cliVersion": installed.cli_version,
                "awsPlugin": installed.plugin_version,
            }
        )
        return
    typer.echo(
        f"installed Pulumi v{installed.cli_version} ({installed.cli}) and the aws plugin "
        f"v{installed.plugin_version}"
    )
