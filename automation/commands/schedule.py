"""``sccos-backup schedule``: the backup schedule as a Pulumi stack (``schedule/`` project).

``capture`` writes the reviewable record ``schedule/Pulumi.<stack>.yaml`` after checking that
the databases exist; ``preview``, ``up`` and ``destroy`` drive the stack through the Automation
API with the restore's engine set-up (backend, passphrase, the same clean stop without a Pulumi
CLI).
"""

from __future__ import annotations

import shlex
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from automation.commands.context import command_group, echo_json, handle_errors
from automation.commands.factory import Factory, factory_of
from automation.commands.options import BackendOpt, JsonOpt, YesOpt
from automation.commands.runbook_wiring import confirm
from sccos_backup import errors
from sccos_backup.defaults import DEFAULT_KEEP_HOURS

if TYPE_CHECKING:
    from sccos_backup.schedule.spec import ScheduleSpec

app = command_group(
    help="The backup schedule as infrastructure: hourly rotation and policy checks run by "
    "EventBridge Scheduler and Lambda, for one shop or a fleet.",
    add_completion=False,
)

StackArg = Annotated[
    str,
    typer.Option(
        "--stack", metavar="NAME", help="The schedule stack, e.g. fleet.", show_default=False
    ),
]
ScheduleDirOpt = Annotated[
    Path | None,
    typer.Option(
        "--work-dir",
        metavar="DIR",
        help="The schedule project folder holding its Pulumi.yaml (default: ./schedule or the "
        "current folder if it is one, else the packaged project in "
        "~/.local/share/sccos-backup/projects/).",
        show_default=False,
    ),
]
DEFAULT_DIR = None
#: What a refused confirmation says the command changes.
CHANGES_SCHEDULE = "changes the backup schedule in AWS (function, schedules, alarms)"


def _out(line: str) -> None:
    sys.stdout.write(line + "\n")


def _databases(context: Factory, spec: ScheduleSpec) -> list[str]:
    """The databases the schedule covers today; refuses names that do not exist and a tag no
    database carries (the schedule would run on nothing)."""
    from sccos_backup.schedule.runner import select_databases

    rds = context.rds()
    found = list(select_databases(rds, spec.selection))
    if spec.selection.tag is not None and not found:
        raise errors.PreconditionFailed(
            f"no DB instance carries the tag {spec.selection.tag}; tag the databases first "
            "(aws rds add-tags-to-resource) or choose them with --db"
        )
    for name in found:
        rds.describe_instance(name)
    return found


@app.command("capture")
@handle_errors
def capture_command(
    ctx: typer.Context,
    stack: StackArg,
    db: Annotated[
        list[str] | None,
        typer.Option("--db", metavar="ID", help="A database to cover (repeat for several)."),
    ] = None,
    tag: Annotated[
        str | None,
        typer.Option("--tag", metavar="K=V", help="Cover every database with this tag."),
    ] = None,
    keep_hours: Annotated[
        int, typer.Option("--keep-hours", help="Hours an hourly snapshot is kept.")
    ] = DEFAULT_KEEP_HOURS,
    alarm_email: Annotated[
        str | None,
        typer.Option("--alarm-email", metavar="ADDR", help="Send alarms to this address (SNS)."),
    ] = None,
    alarm_topic_arn: Annotated[
        str | None,
        typer.Option(
            "--alarm-topic-arn", metavar="ARN", help="Send alarms to an existing SNS topic."
        ),
    ] = None,
    no_alarm_actions: Annotated[
        bool,
        typer.Option(
            "--no-alarm-actions",
            help="Deploy the alarms without any destination (they change state in CloudWatch "
            "and tell no one).",
        ),
    ] = False,
    rotate_shards: Annotated[
        int,
        typer.Option(
            "--rotate-shards",
            metavar="N",
            help="Split the hourly rotation into N invocations (for fleets of hundreds).",
        ),
    ] = 1,
    work_dir: ScheduleDirOpt = DEFAULT_DIR,
    json_output: JsonOpt = False,
) -> None:
    """Write schedule/Pulumi.<stack>.yaml for the databases (checked to exist). Example:
    sccos-backup schedule capture --stack fleet --tag sccos:project=shop
    """
    from sccos_backup.schedule.event import Selection
    from sccos_backup.schedule.spec import ScheduleSpec, check_stack_name
    from sccos_backup.schedule.stackfile import (
        check_schedule_project,
        stack_config,
        write_schedule_file,
    )

    check_stack_name(stack)
    spec = ScheduleSpec(
        Selection.of(db, tag),
        keep_hours=keep_hours,
        alarm_email=alarm_email,
        alarm_topic_arn=alarm_topic_arn,
        rotate_shards=rotate_shards,
    )
    if alarm_email and alarm_topic_arn:
        raise errors.InvalidInput("give --alarm-email or --alarm-topic-arn, not both")
    destination = bool(alarm_email or alarm_topic_arn)
    if destination and no_alarm_actions:
        raise errors.InvalidInput("--no-alarm-actions contradicts --alarm-email/--alarm-topic-arn")
    if not destination and not no_alarm_actions:
        raise errors.InvalidInput(
            "the schedule's alarms need someone to tell: give --alarm-email ADDR or "
            "--alarm-topic-arn ARN, or --no-alarm-actions to deploy alarms that notify no one"
        )
    from automation.commands.projects import SCHEDULE, resolve

    work_dir_given = work_dir is not None
    work_dir = resolve(SCHEDULE, work_dir)
    check_schedule_project(work_dir)
    context = factory_of(ctx)
    covered = _databases(context, spec)
    config = stack_config(spec, region=context.region, profile=context.profile)
    path = write_schedule_file(work_dir, stack, config)
    if json_output:
        echo_json({"stack": stack, "file": str(path), "databases": covered, "config": config})
        return
    _out(f"wrote {path}: {spec.selection.describe()} ({', '.join(covered)} today)")
    if no_alarm_actions:
        sys.stderr.write(
            "note: --no-alarm-actions: the alarms change state in CloudWatch but notify no one; "
            "a stopped rotation or a full quota is only seen by whoever looks\n"
        )
    # The hint repeats the options given, so that it previews the file just written.
    given = f" --work-dir {shlex.quote(str(work_dir))}" if work_dir_given else ""
    _out(f"review it, then: sccos-backup schedule preview --stack {stack}{given}")


def _spec(work_dir: Path | None, stack: str) -> ScheduleSpec:
    from automation.commands.projects import SCHEDULE, resolve
    from sccos_backup.schedule.spec import check_stack_name
    from sccos_backup.schedule.stackfile import check_schedule_project, read_schedule_spec

    check_stack_name(stack)
    work_dir = resolve(SCHEDULE, work_dir)
    check_schedule_project(work_dir)
    return read_schedule_spec(work_dir, stack)


def _on_output(json_output: bool) -> Any:
    stream = sys.stderr if json_output else sys.stdout

    def write(text: str) -> None:
        stream.write(text)
        stream.flush()

    return write


@app.command("preview")
@handle_errors
def preview_command(
    ctx: typer.Context,
    stack: StackArg,
    work_dir: ScheduleDirOpt = DEFAULT_DIR,
    backend_url: BackendOpt = None,
    json_output: JsonOpt = False,
) -> None:
    """Show what `up` would create or change on the stack. Changes nothing. Example:
    sccos-backup schedule preview --stack fleet
    """
    spec = _spec(work_dir, stack)
    driver = factory_of(ctx).schedule_engine(work_dir, backend_url)
    changes = driver.preview(stack, spec, _on_output(json_output))
    if json_output:
        echo_json({"stack": stack, "changes": changes})
    else:
        _out(f"{changes} resource(s) would change on stack {stack}")


@app.command("up")
@handle_errors
def up_command(
    ctx: typer.Context,
    stack: StackArg,
    work_dir: ScheduleDirOpt = DEFAULT_DIR,
    backend_url: BackendOpt = None,
    yes: YesOpt = False,
    json_output: JsonOpt = False,
) -> None:
    """Create or update the schedule (function, schedules, alarms). Example:
    sccos-backup schedule up --stack fleet --yes
    """
    spec = _spec(work_dir, stack)
    context = factory_of(ctx)
    driver = context.schedule_engine(work_dir, backend_url)
    confirm(
        context,
        yes,
        f"deploy the schedule stack {stack} ({spec.selection.describe()})?",
        changes=CHANGES_SCHEDULE,
    )
    outputs = driver.up(stack, spec, _on_output(json_output))
    if json_output:
        echo_json({"stack": stack, "outputs": outputs})
        return
    for key, value in outputs.items():
        _out(f"{key}: {value}")


@app.command("destroy")
@handle_errors
def destroy_command(
    ctx: typer.Context,
    stack: StackArg,
    work_dir: ScheduleDirOpt = DEFAULT_DIR,
    backend_url: BackendOpt = None,
    yes: YesOpt = False,
    json_output: JsonOpt = False,
) -> None:
    """Remove the schedule's resources; snapshots and databases stay. Example:
    sccos-backup schedule destroy --stack fleet --yes
    """
    _spec(work_dir, stack)
    context = factory_of(ctx)
    driver = context.schedule_engine(work_dir, backend_url)
    confirm(
        context,
        yes,
        f"remove the schedule stack {stack}? hourly snapshots stop being taken and rotated",
        changes=CHANGES_SCHEDULE,
    )
    driver.destroy(stack, _on_output(json_output))
    if json_output:
        echo_json({"stack": stack, "destroyed": True, "snapshots_kept": True})
        return
    _out(f"stack {stack} destroyed; existing snapshots are kept")
