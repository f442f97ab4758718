"""``sccos-backup iam-policy``: print the least-privilege IAM policy of a command group."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from automation.commands.context import echo_json, handle_errors

_CHOICES = "restore|rehearse|snapshot|schedule|schedule-deploy|resync|drill|all"


@handle_errors
def iam_policy(
    command: Annotated[
        str,
        typer.Argument(
            metavar="[" + _CHOICES + "]",
            help="The command group whose AWS calls the policy allows; `all` for every one.",
        ),
    ] = "all",
    db: Annotated[
        list[str] | None,
        typer.Option(
            "--db",
            metavar="DB_ID",
            help="Allow changes only to this database and the names this tool gives its "
            "instances and snapshots (DB_ID-pre-restore-..., DB_ID-hourly-..., never another "
            "DB_ID-... database); repeatable. Default: any database.",
        ),
    ] = None,
    tag: Annotated[
        str | None,
        typer.Option(
            "--tag",
            metavar="K=V",
            help="Allow changes to DB instances only where they carry this tag (a Deny on "
            "instances whose aws:ResourceTag differs), as the schedule stack of a fleet chosen "
            "by tag does.",
        ),
    ] = None,
    account: Annotated[
        str, typer.Option(metavar="ACCOUNT_ID", help="12-digit AWS account id, or *.")
    ] = "*",
    policy_region: Annotated[
        str,
        typer.Option(
            "--policy-region", metavar="REGION", help="Region in the ARNs (eu-central-1), or *."
        ),
    ] = "*",
    partition: Annotated[
        str, typer.Option(metavar="PARTITION", help="aws, aws-cn or aws-us-gov.")
    ] = "aws",
    backend_url: Annotated[
        str | None,
        typer.Option(
            "--backend-url",
            metavar="URL",
            help="The Pulumi state backend the commands use: with s3://BUCKET/PREFIX, the "
            "state, lock and plan objects under that prefix only (restore, drill, "
            "schedule-deploy); a file:// backend needs no AWS right.",
        ),
    ] = None,
    reports_url: Annotated[
        str | None,
        typer.Option(
            "--reports-url",
            metavar="URL",
            help="Where `drill` keeps its reports: with s3://BUCKET/PREFIX, that prefix only; "
            "a folder needs no AWS right.",
        ),
    ] = None,
    stack: Annotated[
        str | None,
        typer.Option(
            "--stack",
            metavar="STACK",
            help="schedule-deploy: the schedule stack (its resources are named "
            "sccos-backup-STACK-...); default: any stack of this tool.",
        ),
    ] = None,
    json_output: Annotated[
        bool,
        typer.Option(
            "--json",
            help="Print the policy inside the common JSON object ({schemaVersion, group, "
            "policy}); without it the policy document is printed as IAM takes it.",
        ),
    ] = False,
) -> None:
    """Print the IAM policy (JSON) that allows exactly the AWS calls of a command group.

    Read-only calls are allowed region-wide; every change only on the databases named with
    --db (or any, without it). Nothing is contacted. Each statement is explained in
    docs/permissions.md.

    Example: sccos-backup iam-policy snapshot --db shop --account 123456789012
    """
    from sccos_backup.permissions import policy_document

    if partition not in {"aws", "aws-cn", "aws-us-gov"}:
        from sccos_backup.errors import InvalidInput

        raise InvalidInput(f"partition '{partition}' is not one of aws, aws-cn, aws-us-gov")
    db_tag = None
    if tag is not None:
        from sccos_backup.schedule.event import parse_tag

        parsed = parse_tag(tag)
        db_tag = (parsed.key, parsed.value)
    document = policy_document(
        command,
        partition=partition,
        region=policy_region,
        account=account,
        databases=db or (),
        db_tag=db_tag,
        backend_url=backend_url,
        reports_url=reports_url,
        stack=stack,
    )
    if not document["Statement"]:
        sys.stderr.write(
            f"note: `{command}` makes no AWS call; it needs no AWS permission "
            "(the Jenkins user needs Job/Build, Job/Read, Job/Configure and Job/Create)\n"
        )
    if json_output:
        echo_json({"group": command, "policy": document})
        return
    echo_json(document, envelope=False)  # an IAM policy document, attachable as printed
