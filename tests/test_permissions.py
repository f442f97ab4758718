"""`sccos-backup iam-policy` and the policy source in `sccos_backup/permissions/`."""

from __future__ import annotations

import fcntl
import json
import os
import pickle
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import pytest
from typer.testing import CliRunner

from automation.cli import app
from sccos_backup import errors
from sccos_backup.permissions import COMMANDS, allows, policy_document
from tests.aws_calls import Call, recording, uncovered
from tests.conftest import REGION, give_resource_id, one_error_line
from tests.support.factory import FakeFactory
from tests.support.in_process_aws import answered_in_process


@pytest.mark.parametrize("command", [*COMMANDS, "all"])
def test_every_document_is_a_valid_iam_policy(command: str) -> None:
    document = policy_document(command, region="eu-central-1", account="123456789012")
    assert document["Version"] == "2012-10-17"
    sids = [s["Sid"] for s in document["Statement"]]
    assert len(sids) == len(set(sids)), "statement ids are unique"
    for statement in document["Statement"]:
        # a Deny only narrows: it never names a resource an Allow does not cover
        assert statement["Effect"] == "Allow" or statement["Sid"].startswith("Deny")
        assert statement["Action"] and all(":" in a and "*" not in a for a in statement["Action"])
        resources = statement.get("Resource", statement.get("NotResource"))
        for resource in [resources] if isinstance(resources, str) else resources:
            assert resource == "*" or resource.startswith("arn:aws:")
            regional = ":eu-central-1:" in resource or ":iam::" in resource
            assert resource == "*" or regional or resource.startswith("arn:aws:s3:::")  # no region


def test_changes_are_scoped_to_the_named_databases() -> None:
    document = policy_document("all", databases=["shop"])
    prefix = "arn:aws:rds:eu-central-1:123456789012"
    assert allows(document, "rds:ModifyDBInstance", f"{prefix}:db:shop")
    assert allows(document, "rds:ModifyDBInstance", f"{prefix}:db:shop-pre-restore-202611251200")
    assert not allows(document, "rds:ModifyDBInstance", f"{prefix}:db:blog")
    assert allows(document, "rds:DeleteDBSnapshot", f"{prefix}:snapshot:shop-hourly-2026-11-25-13")
    assert not allows(document, "rds:DeleteDBSnapshot", f"{prefix}:snapshot:blog-hourly-1")
    assert allows(document, "rds:DescribeDBInstances", f"{prefix}:db:blog"), "reads stay wide"
    assert not allows(document, "rds:DeleteDBInstance", f"{prefix}:db:blog")


def test_the_evaluator_matches_like_iam() -> None:
    document = {
        "Statement": [
            {"Effect": "Allow", "Action": "rds:Describe*", "Resource": "arn:aws:rds:*:1:db:a?"},
            {"Effect": "Deny", "Action": "rds:DeleteDBInstance", "Resource": "*"},
        ]
    }
    assert allows(document, "RDS:DescribeDBInstances", "arn:aws:rds:eu-west-1:1:db:ab")
    assert not allows(document, "rds:DescribeDBInstances", "arn:aws:rds:eu-west-1:1:db:abc")
    assert not allows(document, "rds:ModifyDBInstance", "arn:aws:rds:eu-west-1:1:db:ab")
    assert not allows(document, "rds:DeleteDBInstance", "arn:aws:rds:eu-west-1:1:db:ab")


@pytest.mark.parametrize(
    ("kwargs", "needle"),
    [
        ({"databases": ["1shop"]}, "'1shop'"),
        ({"account": "12345"}, "'12345'"),
        ({"region": "Frankfurt"}, "'Frankfurt'"),
    ],
)
def test_bad_scoping_is_refused(kwargs: dict[str, object], needle: str) -> None:
    with pytest.raises(errors.InvalidInput, match=needle):
        policy_document("snapshot", **kwargs)  # type: ignore[arg-type]


def test_cli_prints_the_document() -> None:
    result = CliRunner().invoke(
        app, ["iam-policy", "snapshot", "--db", "shop", "--account", "123456789012"]
    )
    assert result.exit_code == 0, result.output
    printed = json.loads(result.stdout)
    assert printed == policy_document("snapshot", databases=["shop"], account="123456789012")


def test_cli_resync_needs_no_aws_permission() -> None:
    result = CliRunner().invoke(app, ["iam-policy", "resync"])
    assert result.exit_code == 0
    assert json.loads(result.stdout)["Statement"] == []
    assert "no AWS permission" in result.stderr


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["iam-policy", "backup"], "'backup'"),
        (["iam-policy", "snapshot", "--partition", "aws-eu"], "'aws-eu'"),
        (["iam-policy", "snapshot", "--db", "shop_1"], "'shop_1'"),
    ],
)
def test_cli_bad_input_is_one_line(args: list[str], needle: str) -> None:
    one_error_line(CliRunner().invoke(app, args), 2, needle)


# -- every call each command makes is allowed, and every action is needed ----------------------
#
# One module-scoped run of every command group against moto (the in-process engine stands in
# for the Pulumi aws provider), recorded with a botocore hook (tests/aws_calls.py). The same
# check runs over the whole suite (tests/conftest.py); here the scenarios are chosen so that
# each action of each policy is exercised, and removing any one action turns the check red.


def _scenarios(moto: str, tmp: Path) -> list[Call]:
    from tests.conftest import FakeClock, make_instance
    from tests.fake_jenkins import FakeJenkins
    from tests.inprocess_engine import InProcessEngine
    from tests.originals import make_full_original
    from tests.support.pipelines import create_pipelines

    rds = boto3.client("rds", region_name=REGION, endpoint_url=moto)
    codepipeline = boto3.client("codepipeline", region_name=REGION, endpoint_url=moto)
    create_pipelines(moto, codepipeline, "Maintenance_Enable_prod", "Maintenance_Disable_prod")
    rds.create_db_parameter_group(
        DBParameterGroupName="blog-pg13", DBParameterGroupFamily="postgres13", Description="db"
    )
    make_instance(rds, "blog", DBParameterGroupName="blog-pg13")
    rds.create_db_snapshot(DBInstanceIdentifier="blog", DBSnapshotIdentifier="blog-nightly")
    make_full_original(moto, multi_az=True)
    give_resource_id("shop")
    rds.create_db_snapshot(DBInstanceIdentifier="shop", DBSnapshotIdentifier="shop-nightly")
    clock = FakeClock(datetime.now(UTC))
    engine = InProcessEngine(moto, tmp / "state")

    def cli(*args: str) -> Any:
        context = FakeFactory(clock=clock, sleep=clock.sleep, interactive=False, engine=engine)
        return CliRunner().invoke(
            app, ["--endpoint-url", moto, "--region", REGION, *args], obj=context, env=env
        )

    with FakeJenkins(lifetime=600) as jenkins, recording() as recorder:
        env = {
            "JENKINS_URL": jenkins.url,
            "JENKINS_USER": jenkins.user,
            "JENKINS_API_TOKEN": jenkins.token,
        }
        for args in (
            ("snapshot", "create", "blog", "blog-manual", "--note", "n"),
            ("snapshot", "list", "blog"),
            ("snapshot", "rotate", "blog"),
            ("snapshot", "check", "blog", "--allow-unknown-quota"),  # moto: no quota call
            ("snapshot", "delete", "blog", "blog-nightly", "--yes"),
        ):
            assert cli(*args).exit_code in (0, 1, 2), args
        clock.now += timedelta(hours=61)
        assert cli("snapshot", "rotate", "blog").exit_code == 0, "deletes the expired hourly"
        # Every setting of a full original: KMS key, managed master password, monitoring
        # role, IAM role association.
        done = cli(
            "restore",
            "run",
            "shop",
            "--latest",
            "--strategy",
            "swap",
            "--safety-snapshot",
            "--maintenance",
            "prod",
            "--yes",
        )
        assert done.exit_code == 0, done.output
        assert cli("restore", "cleanup", "shop", "--yes").exit_code == 0
        # A rehearsal of the restored full `shop`: a stand-in with every setting, the runbook
        # on it twice with maintenance, and everything it created deleted.
        clock.now += timedelta(minutes=1)
        rehearsed = cli(
            "restore", "rehearse", "shop", "--strategy", "swap", "--maintenance", "prod", "--yes"
        )
        assert rehearsed.exit_code == 0, rehearsed.output
        blog = cli("restore", "run", "blog", "--snapshot", "blog-manual", "--yes", "--no-resync")
        assert blog.exit_code == 0, blog.output
        assert cli("resync").exit_code == 0
        # Drills of the restored full `shop` (KMS key, managed password, monitoring and
        # associated roles): point in time and snapshot, destroy, cleanup, reports in S3.
        s3 = boto3.client("s3", region_name=REGION, endpoint_url=moto)
        s3.create_bucket(Bucket="drills", CreateBucketConfiguration={"LocationConstraint": REGION})
        reports = ("--reports-url", "s3://drills/reports")
        for args in (
            ("drill", "run", "shop", "--latest", *reports, "--yes"),
            ("drill", "run", "shop", "--snapshot", "shop-nightly", "--keep", *reports, "--yes"),
            ("drill", "cleanup", "shop", "--yes"),
            ("drill", "history", "shop", *reports),
        ):
            clock.now += timedelta(minutes=1)
            drill = cli(*args)
            assert drill.exit_code == 0, (args, drill.output)
        # A restore and a drill whose new instance fails: the wait reads its events.
        _fail_what_up_creates(engine)
        for args in (
            ("drill", "run", "blog", "--snapshot", "blog-manual", "--yes"),
            ("restore", "rehearse", "blog", "--snapshot", "blog-manual", "--yes", "--no-resync"),
            ("restore", "run", "blog", "--snapshot", "blog-manual", "--yes", "--no-resync"),
        ):
            clock.now += timedelta(minutes=1)
            failed = cli(*args)
            assert failed.exit_code == 1 and "incompatible-parameters" in failed.stderr, (
                args,
                failed.output,
            )
            if args[1] == "rehearse":  # what the failed rehearsal left, by its identities
                cleaned = cli("restore", "rehearse", "blog", "--cleanup", "--yes")
                assert cleaned.exit_code == 0, cleaned.output
    return recorder.calls


def _fail_what_up_creates(engine: Any) -> None:
    """Every instance a later ``up`` declares ends ``incompatible-parameters``."""
    from tests.support.failures import fail_instance

    real_up = engine.up

    def up(stack: str, spec: Any, on_output: Any) -> Any:
        result = real_up(stack, spec, on_output)
        fail_instance(spec.target_identifier, "incompatible-parameters", "parameters invalid")
        return result

    engine.up = up


#: One worker runs every test of this group (pytest-xdist; pyproject keeps pytest below 9.2 for
#: it), so the other goes on with the rest of the suite meanwhile.
pytestmark = pytest.mark.xdist_group("permissions")


@pytest.fixture(scope="session")
def recorded(moto_server: str, tmp_path_factory: pytest.TempPathFactory) -> list[Call]:
    """The scenarios' calls, recorded once per test run.

    Under xdist the first worker to ask records them and the others read its pickle: a module
    fixture ran again on every worker that got a test of this module, and again whenever a
    worker's tests of it were interleaved with others' (with pytest 9.2, xdist 3.8's loadgroup
    no longer keeps an ``xdist_group`` on one worker: pytest-xdist issue 1386).
    """
    run = os.environ.get("PYTEST_XDIST_TESTRUNUID")
    if run is None:
        return _record(moto_server, tmp_path_factory)
    shared = tmp_path_factory.getbasetemp().parent / f"permissions-{run}.pickle"
    with shared.with_suffix(".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # the others wait for the first worker's recording
        if shared.exists():
            calls: list[Call] = pickle.loads(shared.read_bytes())
            return calls
        calls = _record(moto_server, tmp_path_factory)
        shared.write_bytes(pickle.dumps(calls))
        return calls


def _record(moto_server: str, tmp_path_factory: pytest.TempPathFactory) -> list[Call]:
    with pytest.MonkeyPatch.context() as patch:
        for name in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_SESSION_TOKEN"):
            patch.delenv(name, raising=False)
        for name, value in (
            ("AWS_ACCESS_KEY_ID", "testing"),
            ("AWS_SECRET_ACCESS_KEY", "testing"),
            ("AWS_DEFAULT_REGION", REGION),
            ("AWS_CONFIG_FILE", "/nonexistent/aws-config"),
            ("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/aws-credentials"),
            # Session-scoped: conftest's per-test data folder is not set up yet.
            ("XDG_DATA_HOME", str(tmp_path_factory.mktemp("data-home"))),
        ):
            patch.setenv(name, value)
        # The server's URL answered by moto in this process: the same backends, half the CPU.
        with answered_in_process(moto_server):
            return _scenarios(moto_server, tmp_path_factory.mktemp("permissions"))


def test_every_recorded_call_is_allowed(recorded: list[Call]) -> None:
    groups = {c.group for c in recorded}
    assert groups == {"snapshot", "restore", "rehearse", "drill"}, "resync makes no AWS call"
    assert uncovered(recorded) == []


#: The scenarios keep drill reports in S3: the drill policy is printed with that place.
SCOPE: dict[str, dict[str, str]] = {"drill": {"reports_url": "s3://drills/reports"}}


def _without(command: str, sid: str, action: str) -> dict[str, Any]:
    document = policy_document(command, **SCOPE.get(command, {}))
    for statement in document["Statement"]:
        if statement["Sid"] == sid:
            statement["Action"] = [a for a in statement["Action"] if a != action]
    document["Statement"] = [s for s in document["Statement"] if s["Action"]]
    return document


@pytest.mark.parametrize(
    ("command", "sid", "action"),
    [
        (command, statement["Sid"], action)
        # `schedule` (the scheduled function's role): tests/test_schedule_permissions.py.
        for command in ("snapshot", "restore", "rehearse", "drill")
        for statement in policy_document(command, **SCOPE.get(command, {}))["Statement"]
        for action in statement["Action"]
        # moto keeps no retained automated backups (DescribeDBInstanceAutomatedBackups answers
        # only identifier and status), so no recorded call deletes one.
        if action != "rds:DeleteDBInstanceAutomatedBackup"
    ],
)
def test_removing_any_action_leaves_a_call_uncovered(
    recorded: list[Call], command: str, sid: str, action: str
) -> None:
    calls = [c for c in recorded if c.group == command]
    assert uncovered(calls, {command: _without(command, sid, action)}), (
        f"{action} in {sid} of the {command} policy is never needed by a recorded call"
    )
