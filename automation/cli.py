"""The ``sccos-backup`` command: global options and the command groups."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from automation.commands.context import handle_errors
from automation.commands.doctor import doctor_command
from automation.commands.drill import app as drill_app
from automation.commands.engine import app as engine_app
from automation.commands.factory import Factory
from automation.commands.iam_policy import iam_policy
from automation.commands.init import init
from automation.commands.options import JsonOpt
from automation.commands.restore import app as restore_app
from automation.commands.resync import resync
from automation.commands.schedule import app as schedule_app
from automation.commands.shop_config import FILE_NAME
from automation.commands.snapshot import app as snapshot_app


def _is_usage_error(error: BaseException) -> bool:
    # Typer vendors Click; its exceptions are matched by name rather than imported.
    return any(cls.__name__ == "ClickException" for cls in type(error).__mro__)


#: Commands read by monitoring: a bad option there is UNKNOWN (exit 3), as plugins report it.
MONITORING_COMMANDS = frozenset({"snapshot check"})

#: The root's options that take a value; accepted before or after the subcommand.
GLOBAL_OPTIONS = ("--region", "--profile", "--endpoint-url", "--config", "--shop")
#: The root's flags; accepted before or after the subcommand too.
GLOBAL_FLAGS = ("--debug",)


#: What the removed ``--jenkins-token`` says instead of Click's "No such option" (its value,
#: already in ``ps``, is never repeated).
RETIRED_OPTION_LINE = (
    "--jenkins-token is no longer accepted: a token on the command line shows in `ps` to every "
    "user of this host; set JENKINS_API_TOKEN or pass --jenkins-token-file FILE"
)


def hoist_global_options(args: Sequence[str]) -> list[str]:
    """Move global options written after the subcommand (``snapshot list shop --region x``)
    to the front, where Click expects them. Stops at ``--``."""
    front: list[str] = []
    rest: list[str] = []
    words = list(args)
    i = 0
    while i < len(words):
        word = words[i]
        if word == "--":
            rest.extend(words[i:])
            break
        if word in GLOBAL_FLAGS:
            front.append(word)
            i += 1
            continue
        name = word.split("=", 1)[0]
        if name in GLOBAL_OPTIONS:
            if "=" in word or i + 1 == len(words):
                front.append(word)
                i += 1
            else:
                front.extend(words[i : i + 2])
                i += 2
            continue
        rest.append(word)
        i += 1
    return front + rest


def uniform_metavars(command: Any) -> None:
    """One metavar style across commands: an option without its own metavar shows its value
    as N (numbers) or its name in capitals (BACKEND_URL), never Typer's ``<int>``/``<str>``."""
    for param in getattr(command, "params", ()):
        if param.param_type_name == "argument" and param.metavar is not None:
            # Typer shows a required argument as {DB_ID} in the usage line; DB_ID is what
            # the help text and every other tool's usage says.
            param.make_metavar = lambda *_, _name=param.metavar, **__: _name
            continue
        if getattr(param, "is_flag", True) or param.metavar is not None or param.nargs != 1:
            continue
        kind = getattr(param.type, "name", "")
        param.metavar = "N" if kind in {"integer", "int", "float"} else str(param.name).upper()
    for sub in getattr(command, "commands", {}).values():
        uniform_metavars(sub)


def usage_error(message: str, error: Any, args: Sequence[str]) -> int:
    """Say a bad option or argument: one line on stderr, under ``--json`` the error object on
    stdout, in a monitoring command ``UNKNOWN`` first; the exit code."""
    from automation.commands.context import echo_json, error_object
    from automation.commands.exit_codes import ExitStatus

    code = int(error.exit_code)
    command = getattr(getattr(error, "ctx", None), "command_path", "")
    monitoring = command.partition(" ")[2] in MONITORING_COMMANDS
    words = list(args)[: list(args).index("--")] if "--" in args else list(args)
    if "--json" in words:
        extra = {"verdict": "UNKNOWN", "exit_code": 3} if monitoring else {}
        echo_json({**extra, "error": error_object(message, ExitStatus(code))})
    elif monitoring:
        sys.stdout.write(f"UNKNOWN: {message}\n")
    sys.stderr.write(f"error: {message}\n")
    return 3 if monitoring else code


class OneLineErrors(TyperGroup):
    """The root command: a bad option or argument is one line on stderr and exit 2."""

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        windows_expand_args: bool = True,
        **extra: Any,
    ) -> Any:
        if args is None:
            args = sys.argv[1:]
        words = list(args)[: list(args).index("--")] if "--" in args else list(args)
        self.asks_help = any(word in ("-h", "--help") for word in words)
        uniform_metavars(self)
        from automation.commands.examples import add_examples

        add_examples(self)
        try:
            result = super().main(
                hoist_global_options(args),
                prog_name,
                complete_var,
                False,
                windows_expand_args,
                **extra,
            )
        except Exception as error:
            if not standalone_mode or not _is_usage_error(error):
                raise
            if type(error).__name__ == "NoArgsIsHelpError":
                sys.stdout.write(error.ctx.get_help() + "\n")  # type: ignore[attr-defined]
                sys.exit(0)
            if getattr(error, "option_name", None) == "--jenkins-token":
                sys.exit(usage_error(RETIRED_OPTION_LINE, error, args))
            message = " ".join(error.format_message().split()).rstrip(".")  # type: ignore[attr-defined]
            sys.exit(usage_error(message + "; see --help", error, args))
        if not standalone_mode:
            return result
        sys.exit(result if isinstance(result, int) else 0)


app = typer.Typer(
    cls=OneLineErrors,
    name="sccos-backup",
    help="Back up and restore Spryker Cloud Commerce OS databases on Amazon RDS.\n\n"
    "The options below (--region, --profile, --endpoint-url, --config, --shop, --debug) "
    "are accepted before or after the command: sccos-backup snapshot list shop --region "
    "eu-central-1",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)
app.add_typer(restore_app, name="restore")
app.add_typer(snapshot_app, name="snapshot")
app.add_typer(drill_app, name="drill")
app.add_typer(schedule_app, name="schedule")
app.add_typer(engine_app, name="engine")
app.command(
    "resync",
    help="Re-sync Elasticsearch and Redis: create or update the sync:data Jenkins job, run it, "
    "stream its console and exit by its result.",
)(resync)
app.command("doctor")(doctor_command)
app.command("iam-policy")(iam_policy)
app.command("init")(init)
config_app = typer.Typer(
    help=f"The shop's settings file ({FILE_NAME}): what each value is and where it came from.",
    no_args_is_help=True,
    rich_markup_mode=None,
)


@config_app.command("show")
@handle_errors
def config_show(ctx: typer.Context, json_output: JsonOpt = False) -> None:
    """Show every setting a command would use, its value and where it came from: a flag, the
    environment, the config file (which table) or the default."""
    from automation.commands.context import echo_json
    from automation.commands.factory import factory_of
    from automation.commands.shop_config import ROOT_KEYS, explain

    config = factory_of(ctx).config
    root = ctx.find_root()
    flags = {
        key: root.params.get(key.replace("-", "_"))
        for key in ROOT_KEYS
        if root.get_parameter_source(key.replace("-", "_")).name == "COMMANDLINE"  # type: ignore[union-attr]
    }
    rows = explain(root.command, config, flags)
    if json_output:
        echo_json({"config_file": config.path, "shop": config.shop, "settings": rows})
        return
    shop = f", shop {config.shop}" if config.shop else ""
    typer.echo(f"config file: {config.path or f'none ({FILE_NAME} not found)'}{shop}")
    width = max(len(row["key"]) for row in rows)
    for row in rows:
        value = "-" if row["value"] is None else str(row["value"])
        typer.echo(f"  {row['key']:<{width}}  {value}")
        typer.echo(f"  {'':<{width}}  from {row['source']}")


app.add_typer(config_app, name="config")


def _print_version(value: bool) -> None:
    if value:
        from importlib.metadata import PackageNotFoundError, version

        try:
            installed = version("sccos-backup")
        except PackageNotFoundError:  # pragma: no cover - running from a bare checkout
            installed = "unknown"
        sys.stdout.write(f"sccos-backup {installed}\n")
        raise typer.Exit(0)


@app.callback()
def main_options(
    ctx: typer.Context,
    version: Annotated[
        bool,
        typer.Option(
            "--version",
            help="Print the version and exit.",
            is_eager=True,
            callback=_print_version,
        ),
    ] = False,
    region: Annotated[
        str | None,
        typer.Option(
            help="AWS region (default: the profile's or AWS_REGION).", envvar="AWS_REGION"
        ),
    ] = None,
    profile: Annotated[
        str | None,
        typer.Option(help="AWS named profile (default: AWS_PROFILE).", envvar="AWS_PROFILE"),
    ] = None,
    endpoint_url: Annotated[
        str | None,
        typer.Option(
            help="AWS endpoint, e.g. a local moto_server (default: AWS_ENDPOINT_URL).",
            envvar="AWS_ENDPOINT_URL",
        ),
    ] = None,
    config: Annotated[
        Path | None,
        typer.Option(
            "--config",
            metavar="FILE",
            envvar="SCCOS_BACKUP_CONFIG",
            help=f"Settings file (default: {FILE_NAME} here or in a parent folder).",
            show_default=False,
        ),
    ] = None,
    shop: Annotated[
        str | None,
        typer.Option(
            "--shop",
            metavar="NAME",
            envvar="SCCOS_BACKUP_SHOP",
            help="Use the [shops.NAME] table of the settings file.",
        ),
    ] = None,
    debug: Annotated[
        bool,
        typer.Option(
            "--debug",
            help="Log every AWS call, Jenkins request and Pulumi CLI line on stderr (secrets "
            "redacted).",
        ),
    ] = False,
) -> None:
    """Back up and restore Spryker Cloud Commerce OS databases on Amazon RDS."""
    base = ctx.obj if isinstance(ctx.obj, Factory) else Factory()
    if debug and not ctx.resilient_parsing:
        from automation.commands.debug import enable_debug_logging

        ctx.call_on_close(enable_debug_logging())
    # Shell completion and --help read no settings file: they work in any folder.
    if not ctx.resilient_parsing and not getattr(ctx.command, "asks_help", False):
        from automation.commands.shop_config import default_map, load
        from sccos_backup.errors import InvalidInput

        try:
            base.config = load(config, shop)
        except InvalidInput as error:
            raise typer.BadParameter(str(error), param_hint="--config") from None
        region = region or base.config.get("region")
        profile = profile or base.config.get("profile")
        endpoint_url = endpoint_url or base.config.get("endpoint-url")
        ctx.default_map = default_map(ctx.command, base.config)
    if endpoint_url:
        from sccos_backup.aws.network import check_endpoint_url
        from sccos_backup.errors import InvalidInput

        try:
            check_endpoint_url(endpoint_url)
        except InvalidInput as error:
            raise typer.BadParameter(str(error), param_hint="--endpoint-url") from None
    base.region = region or base.region
    base.profile = profile or base.profile
    base.endpoint_url = endpoint_url or base.endpoint_url
    ctx.obj = base


def main() -> None:
    """Console-script entry point. SIGTERM (a cancelled CI job, ``systemctl stop``) ends a
    command as Ctrl-C does: its interrupt message and exit 130, not a silent kill. Commands
    that forward or handle signals themselves (Pulumi operations, resync) install their own
    handlers for their duration."""
    import signal

    signal.signal(signal.SIGTERM, signal.default_int_handler)
    app()
