"""Options shared by the commands, defined once; the restore commands' options in two groups
(:class:`RestoreChoices`, :class:`RunSettings`) that a command takes whole (:func:`option_groups`),
and the request they build."""

from __future__ import annotations

import dataclasses
import functools
import inspect
import typing
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer

from sccos_backup.restore.steps import DEFAULT_RESYNC_JOB
from sccos_backup.restore.strategy import Strategy

if TYPE_CHECKING:
    from sccos_backup.restore.plan import RestoreRequest

R = TypeVar("R")


def duration_option(
    *names: str, help: str, default: str | None = None, bare_unit: str = "s"
) -> Any:
    """A time option: 4h, 90m, 1h30m, 30s, 2d (one grammar, ``parse_duration``); a bare number
    is seconds (``bare_unit`` keeps an older option's minutes). The value arrives as seconds;
    ``default`` is how the default is shown (``1h``, not ``3600.0``)."""
    from sccos_backup.errors import InvalidInput
    from sccos_backup.identifiers import parse_duration

    def seconds(value: str | float) -> float:
        if isinstance(value, int | float):
            return float(value)
        try:
            return parse_duration(value, bare_unit=bare_unit, option=names[0])
        except InvalidInput as error:
            raise typer.BadParameter(str(error).removeprefix(f"{names[0]} ")) from None

    shown = f"  [default: {default}]" if default is not None else ""
    return typer.Option(
        *names, parser=seconds, metavar="DURATION", help=help + shown, show_default=False
    )


def reports_url_option(what: str, default: str) -> Any:
    """``--reports-url``: where ``what`` (``"JSON reports are"``) kept, by default ``default``
    (a folder) in the user's data directory."""
    return typer.Option(
        "--reports-url",
        metavar="URL",
        envvar="SCCOS_BACKUP_REPORTS_URL",
        help=f"Where {what} kept: a folder or s3://BUCKET/PREFIX (default: {default} in the "
        "user's data directory).",
    )


def complete_db_ids(ctx: typer.Context, incomplete: str) -> list[str]:
    """Shell completion of DB_ID: one DescribeDBInstances in the region the command line names
    (--region, --profile, --endpoint-url or their environment variables); nothing when AWS
    cannot be asked, never an error in the shell. One attempt: the shell waits on a Tab press,
    and botocore's retries of a refused connection would hold it for seconds."""
    from sccos_backup.aws.clients import make_client
    from sccos_backup.aws.rds import RdsAdapter
    from sccos_backup.errors import SccosBackupError

    given = ctx.find_root().params
    try:
        client = make_client(
            "rds",
            region=given.get("region"),
            profile=given.get("profile"),
            endpoint_url=given.get("endpoint_url"),
            attempts=1,
        )
        found = RdsAdapter(client, clock=_now, sleep=lambda _: None).list_instances()
    except SccosBackupError:
        return []
    return sorted(i.identifier for i in found if i.identifier.startswith(incomplete))


def _now() -> Any:
    from datetime import UTC, datetime

    return datetime.now(UTC)


DbId = Annotated[
    str,
    typer.Argument(
        metavar="DB_ID",
        help="Identifier of the original DB instance.",
        autocompletion=complete_db_ids,
    ),
]
SnapshotOpt = Annotated[
    str | None,
    typer.Option(
        "--snapshot", metavar="ID", help="Restore from this snapshot (identifier or ARN)."
    ),
]
ToTimeOpt = Annotated[
    str | None,
    typer.Option(
        "--to-time",
        metavar="TIME",
        help="Restore the original as of this ISO 8601 time with its UTC offset "
        "(2026-11-25T09:30:00Z or ...+01:00).",
    ),
]
LatestOpt = Annotated[
    bool, typer.Option("--latest", help="Restore the original as of its latest restorable time.")
]
StrategyOpt = Annotated[
    Strategy,
    typer.Option(
        "--strategy",
        help="in-place: rename, then restore under the name (the order of Spryker's runbook). "
        "swap: restore aside while the original serves, then two renames.",
    ),
]
StackOpt = Annotated[
    str | None,
    typer.Option(
        "--stack", metavar="NAME", help="Pulumi stack (default: restore-DB_ID-RUNID, one per run)."
    ),
]
MaintenanceOpt = Annotated[
    str | None,
    typer.Option(
        "--maintenance",
        metavar="ENV",
        help="Turn SCCOS maintenance mode on for ENV around the change.",
    ),
]
SafetyOpt = Annotated[
    bool, typer.Option("--safety-snapshot", help="Snapshot the original before changing it.")
]
NoResyncOpt = Annotated[bool, typer.Option("--no-resync", help="Skip the Jenkins sync:data step.")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON object (an error too).")]
WorkDirOpt = Annotated[
    Path | None,
    typer.Option(
        "--work-dir",
        metavar="DIR",
        help="Project folder holding Pulumi.yaml (default: the current folder if it is one, "
        "else the packaged project in ~/.local/share/sccos-backup/projects/).",
        show_default=False,
    ),
]
YesOpt = Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation (scripts).")]
FromDatabaseOpt = Annotated[
    str | None,
    typer.Option(
        "--from-database",
        metavar="OTHER_ID",
        help="Restore a snapshot of another database (its DbiResourceId or identifier) over "
        "DB_ID; refused without it.",
        show_default=False,
    ),
]
OutOpt = Annotated[
    Path | None,
    typer.Option(
        "--out",
        metavar="PLAN.json",
        help="Also write the plan to this file, for review and `restore run --plan`.",
        show_default=False,
    ),
]
PlanFileOpt = Annotated[
    Path | None,
    typer.Option(
        "--plan",
        metavar="PLAN.json",
        help="Carry out this saved plan (`restore plan --out`); refused if the original or the "
        "source changed since.",
        show_default=False,
    ),
]


def local_zone() -> str | None:
    """The IANA name of the caller's zone (``Europe/Berlin``): TZ, else /etc/localtime's link;
    None when neither names one. Only to spell out a time's local reading."""
    import os
    from pathlib import Path

    name = os.environ.get("TZ", "").lstrip(":")
    if not name:
        link = Path("/etc/localtime")
        name = str(link.resolve()).partition("/zoneinfo/")[2] if link.is_symlink() else ""
    return name or None


def stack_name(stack: str) -> str:
    """``--stack``: Pulumi's rule for a stack name (pkg/backend/diy ``validateStackName``:
    1 to 100 letters, digits, '-', '_' or '.', no slash), checked before any change."""
    import re

    if not re.fullmatch(r"[A-Za-z0-9_.-]{1,100}", stack) or stack.strip(".") == "":
        from sccos_backup.errors import InvalidInput

        raise InvalidInput(
            f"stack name '{stack}' is invalid: use 1 to 100 letters, digits, '-', '_' or '.' "
            "(Pulumi's rule; no org/project/ prefix: choose the backend with --backend-url)"
        )
    return stack


def maintenance_env(env: str | None) -> str | None:
    """``--maintenance ENV``: a name its pipelines can have, checked before any change (also by
    ``restore plan``, which showed a plan that ``run`` refuses, and ``resume``, which records
    it on the run); None when not given."""
    from sccos_backup.aws.maintenance import maintenance_pipeline_name

    if env is not None:
        maintenance_pipeline_name(env, on=True)
    return env


InsecureHttpOpt = Annotated[
    bool,
    typer.Option(
        "--allow-insecure-http",
        help="Accept a plain http:// Jenkins URL of another host (the API token then crosses "
        "the network unencrypted); loopback addresses need no flag.",
    ),
]
BackendOpt = Annotated[
    str | None,
    typer.Option(
        "--backend-url",
        envvar="PULUMI_BACKEND_URL",
        help="Pulumi state backend, e.g. s3://bucket/prefix to share runs (default: a local "
        "folder in the user's data directory).",
    ),
]
JenkinsUrlOpt = Annotated[
    str | None,
    typer.Option("--jenkins-url", envvar="JENKINS_URL", help="Jenkins URL."),
]
JenkinsUserOpt = Annotated[
    str | None,
    typer.Option("--jenkins-user", envvar="JENKINS_USER", help="Jenkins user."),
]
JenkinsTokenOpt = Annotated[
    Path | None,
    typer.Option(
        "--jenkins-token-file",
        metavar="FILE",
        show_default=False,
        help="Read the Jenkins API token from FILE (default: JENKINS_API_TOKEN; never on the "
        "command line, where `ps` shows it).",
    ),
]
JenkinsJobOpt = Annotated[
    str,
    typer.Option(
        "--job",
        "--jenkins-job",
        metavar="NAME",
        help="The sync:data Jenkins job (as `resync --job`).",
    ),
]
StoreOpt = Annotated[
    str | None,
    typer.Option("--store", help="APPLICATION_STORE for sync:data."),
]


@dataclass(frozen=True)
class RestoreChoices:
    """What a restore does, as ``doctor``, ``restore plan`` and ``restore run`` are told: the
    source, the strategy, the stack, maintenance mode, the safety snapshot, the re-sync and the
    database a snapshot may come from."""

    snapshot: SnapshotOpt = None
    to_time: ToTimeOpt = None
    latest: LatestOpt = False
    strategy: StrategyOpt = Strategy.IN_PLACE
    stack: StackOpt = None
    maintenance: MaintenanceOpt = None
    safety_snapshot: SafetyOpt = False
    no_resync: NoResyncOpt = False
    from_database: FromDatabaseOpt = None

    def request(self, db_id: str, resync_job: str | None = None) -> RestoreRequest:
        """The typed, validated request of DB_ID; raises InvalidInput before any AWS call."""
        from sccos_backup.identifiers import instance_identifier
        from sccos_backup.restore.plan import RestoreRequest
        from sccos_backup.restore.source import SourceChoice

        return RestoreRequest(
            db_identifier=instance_identifier(db_id),
            choice=SourceChoice.from_options(
                snapshot=self.snapshot,
                to_time=self.to_time,
                latest=self.latest,
                local_zone=local_zone(),
            ),
            strategy=self.strategy,
            stack=None if self.stack is None else stack_name(self.stack),
            maintenance_env=maintenance_env(self.maintenance),
            safety_snapshot=self.safety_snapshot,
            resync=not self.no_resync,
            **({"resync_job": resync_job} if resync_job else {}),
            from_database=self.from_database or None,
        )


@dataclass(frozen=True)
class RunSettings:
    """Where a restore keeps its state and finds its Pulumi project and Jenkins, as ``doctor``
    and ``restore plan | run | resume`` are told."""

    backend_url: BackendOpt = None
    work_dir: WorkDirOpt = None
    jenkins_url: JenkinsUrlOpt = None
    jenkins_user: JenkinsUserOpt = None
    jenkins_token: JenkinsTokenOpt = None
    jenkins_job: JenkinsJobOpt = DEFAULT_RESYNC_JOB
    store: StoreOpt = None
    allow_insecure_http: InsecureHttpOpt = False


def option_groups(command: Callable[..., R]) -> Callable[..., R]:
    """Let a command take a group of options as one object, so that an option added to a group
    is one edit: a group is a frozen dataclass whose fields are Typer options with their
    defaults (:class:`RestoreChoices`, :class:`RunSettings`, the drill's ``DrillChoices``).

    Typer reads a command's options from its signature. In the signature it is shown, a
    parameter annotated with a group stands for the group's fields, in their order and at its
    place; a field the command declares itself keeps its own place (its ``--help`` keeps the
    order it has) and goes into the group too. The command is called with the group built.
    """
    declared = inspect.signature(command, eval_str=True).parameters
    groups: dict[str, type[Any]] = {
        name: param.annotation
        for name, param in declared.items()
        if isinstance(param.annotation, type) and dataclasses.is_dataclass(param.annotation)
    }
    shown: list[inspect.Parameter] = []
    for name, param in declared.items():
        if name not in groups:
            shown.append(param.replace(kind=inspect.Parameter.KEYWORD_ONLY))
            continue
        types = typing.get_type_hints(groups[name], include_extras=True)
        shown += [
            inspect.Parameter(
                field.name,
                inspect.Parameter.KEYWORD_ONLY,
                default=field.default,
                annotation=types[field.name],
            )
            for field in dataclasses.fields(groups[name])
            if field.name not in declared
        ]

    @functools.wraps(command)
    def grouped(**given: Any) -> R:
        for name, group in groups.items():
            values = {field.name: given[field.name] for field in dataclasses.fields(group)}
            for field in values.keys() - declared.keys():
                del given[field]
            given[name] = group(**values)
        return command(**given)

    grouped.__signature__ = inspect.Signature(shown)  # type: ignore[attr-defined]
    return grouped
