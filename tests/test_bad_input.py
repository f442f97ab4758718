"""The bad-input suite: every command, every kind of mistake.

Each case must give one line on stderr, a non-zero exit, no traceback, and leave AWS (every
instance and snapshot) exactly as it was.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest
from typer.testing import CliRunner

from automation.cli import app
from tests.conftest import ACCOUNT, REGION, FakeClock, aws_state, make_instance
from tests.fake_jenkins import FakeJenkins
from tests.inprocess_engine import InProcessEngine
from tests.support.factory import FakeFactory
from tests.support.pipelines import create_pipelines

pytestmark = pytest.mark.aws_in_process

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Case:
    name: str
    args: tuple[str, ...]
    code: int
    needle: str
    jenkins: bool = True
    engine_available: bool = True
    credentials: str = "ok"  # "ok", "missing", "expired"
    #: The operator's AWS_MAX_ATTEMPTS; retrying a refused connection is test_network's to prove.
    aws_max_attempts: str | None = None


CASES = [
    # restore plan
    Case("plan-bad-instance-id", ("restore", "plan", "Shop_1", "--latest"), 2, "invalid"),
    Case("plan-bad-time", ("restore", "plan", "shop", "--to-time", "25/11/2026"), 2, "ISO 8601"),
    Case(
        "plan-bad-snapshot-id", ("restore", "plan", "shop", "--snapshot", "bad--name"), 2, "invalid"
    ),
    Case("plan-no-source", ("restore", "plan", "shop"), 2, "exactly one"),
    Case(
        "plan-two-sources",
        ("restore", "plan", "shop", "--latest", "--to-time", "2026-11-25T10:00:00Z"),
        2,
        "--to-time and --latest",
    ),
    Case("plan-missing-instance", ("restore", "plan", "ghost", "--latest"), 3, "does not exist"),
    Case(
        "plan-missing-snapshot",
        ("restore", "plan", "shop", "--snapshot", "ghost-snap"),
        3,
        "does not exist",
    ),
    Case(
        "plan-wrong-engine",
        ("restore", "plan", "shop", "--snapshot", "other-snap"),
        3,
        "same engine",
    ),
    Case(
        "plan-snapshot-not-available",
        ("restore", "plan", "shop", "--snapshot", "shop-creating"),
        3,
        "not available",
    ),
    Case("plan-instance-stopped", ("restore", "plan", "stopped", "--latest"), 3, "not available"),
    Case(
        "plan-outside-window",
        ("restore", "plan", "shop", "--to-time", "2001-01-01T00:00:00Z"),
        3,
        "outside the restorable window",
    ),
    Case(
        "plan-bad-strategy",
        ("restore", "plan", "shop", "--latest", "--strategy", "sideways"),
        2,
        "--strategy",
    ),
    Case("plan-target-taken", ("restore", "plan", "taken", "--latest"), 3, "already in use"),
    # restore capture
    Case(
        "capture-no-project",
        ("restore", "capture", "shop", "--latest", "--work-dir", "/nonexistent"),
        2,
        "no Pulumi.yaml",
    ),
    Case(
        "capture-missing-snapshot",
        ("restore", "capture", "shop", "--snapshot", "ghost-snap", "--work-dir", str(ROOT)),
        3,
        "does not exist",
    ),
    # restore run
    Case(
        "run-without-yes-or-terminal",
        ("restore", "run", "shop", "--snapshot", "shop-nightly"),
        2,
        "--yes",
    ),
    Case(
        "run-without-jenkins",
        ("restore", "run", "shop", "--snapshot", "shop-nightly", "--yes"),
        2,
        "Jenkins is not configured",
        jenkins=False,
    ),
    Case(
        "plan-bad-maintenance-env",
        ("restore", "plan", "shop", "--latest", "--maintenance", "bad env!"),
        2,
        "maintenance environment",
    ),
    Case(
        "run-bad-maintenance-env",
        ("restore", "run", "shop", "--latest", "--yes", "--no-resync", "--maintenance", "bad env!"),
        2,
        "maintenance environment",
    ),
    Case(
        "run-missing-pipelines",
        ("restore", "run", "shop", "--latest", "--yes", "--no-resync", "--maintenance", "staging"),
        3,
        "Maintenance_",
    ),
    Case(
        "run-no-pulumi",
        ("restore", "run", "shop", "--latest", "--yes", "--no-resync"),
        6,
        "no Pulumi CLI",
        engine_available=False,
    ),
    Case(
        "run-conflicting-sources",
        ("restore", "run", "shop", "--latest", "--snapshot", "shop-nightly", "--yes"),
        2,
        "exactly one",
    ),
    Case(
        "run-target-taken",
        ("restore", "run", "taken", "--latest", "--yes", "--no-resync"),
        3,
        "already in use",
    ),
    # resume, status, rollback, cleanup
    Case("resume-nothing", ("restore", "resume", "shop", "--no-resync"), 3, "no restore run"),
    # checked as `restore run` checks it, before the run is looked up or anything is recorded
    Case(
        "resume-bad-maintenance-env",
        ("restore", "resume", "shop", "--no-resync", "--maintenance", "bad env!"),
        2,
        "maintenance environment",
    ),
    Case("rollback-nothing", ("restore", "rollback", "shop", "--yes"), 3, "nothing to roll back"),
    Case("rollback-without-yes", ("restore", "rollback", "shop"), 2, "--yes"),
    Case("cleanup-nothing", ("restore", "cleanup", "shop", "--yes"), 3, "no finished restore"),
    Case("status-bad-id", ("restore", "status", "Shop_1"), 2, "invalid"),
    # snapshot
    Case("snapshot-create-bad-name", ("snapshot", "create", "shop", "bad--name"), 2, "invalid"),
    Case(
        "snapshot-create-name-taken",
        ("snapshot", "create", "shop", "shop-nightly"),
        3,
        "shop-nightly",
    ),
    Case("snapshot-create-stopped", ("snapshot", "create", "stopped"), 3, "is 'stopped'"),
    Case("snapshot-create-missing", ("snapshot", "create", "ghost"), 3, "ghost"),
    Case("snapshot-list-missing", ("snapshot", "list", "ghost"), 3, "ghost"),
    Case(
        "snapshot-list-keep-hours-0",
        ("snapshot", "list", "shop", "--keep-hours", "0"),
        2,
        "--keep-hours must be at least 1",
    ),
    Case(
        "snapshot-rotate-zero-hours", ("snapshot", "rotate", "shop", "--keep-hours", "0"), 2, "keep"
    ),
    Case(
        "snapshot-rotate-not-a-number",
        ("snapshot", "rotate", "shop", "--keep-hours", "x"),
        2,
        "--keep-hours",
    ),
    Case("snapshot-rotate-stopped", ("snapshot", "rotate", "stopped"), 3, "is 'stopped'"),
    Case(
        "snapshot-delete-other-db",
        ("snapshot", "delete", "shop", "other-snap", "--yes"),
        3,
        "other-snap",
    ),
    Case("snapshot-delete-without-yes", ("snapshot", "delete", "shop", "shop-nightly"), 2, "--yes"),
    Case("snapshot-check-missing", ("snapshot", "check", "ghost"), 3, "ghost"),
    # resync
    Case("resync-unconfigured", ("resync",), 2, "Jenkins is not configured", jenkins=False),
    Case(
        "resync-command-and-resource",
        ("resync", "--command", "vendor/bin/console x", "--resource", "url"),
        2,
        "do not go together",
    ),
    # global
    Case("unknown-command", ("restroe", "plan"), 2, "No such command"),
    Case(
        "unreachable-endpoint",
        ("--endpoint-url", "http://127.0.0.1:9", "restore", "plan", "shop", "--latest"),
        1,
        "cannot reach",
        aws_max_attempts="1",
    ),
    Case(
        "unknown-profile",
        ("--profile", "no-such-profile", "restore", "plan", "shop", "--latest"),
        2,
        "no-such-profile",
    ),
    Case(
        "missing-credentials",
        ("restore", "plan", "shop", "--latest"),
        2,
        "no AWS credentials",
        credentials="missing",
    ),
    Case(
        "expired-credentials",
        ("snapshot", "list", "shop"),
        1,
        "refused the credentials",
        credentials="expired",
    ),
    # --stack: Pulumi's stack name rule (pkg/backend/diy: ^[A-Za-z0-9_.-]{1,100}$, no slashes);
    # a slash or a space renamed the original, then crashed in the stack-file writer
    *(
        Case(
            f"{command}-stack-{label}",
            ("restore", command, "shop", "--latest", *extra, "--stack", stack),
            2,
            "stack name",
        )
        for command, extra in (("run", ("--yes", "--no-resync")), ("capture", ()), ("plan", ()))
        for label, stack in (("slash", "org/restore-shop"), ("escape", "../x"), ("space", "a b!"))
    ),
]


@pytest.fixture
def world(rds: Any, moto: str) -> Iterator[str]:
    rds.create_db_parameter_group(
        DBParameterGroupName="shop-pg13", DBParameterGroupFamily="postgres13", Description="db"
    )
    make_instance(rds, DBParameterGroupName="shop-pg13")
    rds.create_db_snapshot(DBInstanceIdentifier="shop", DBSnapshotIdentifier="shop-nightly")
    rds.create_db_snapshot(DBInstanceIdentifier="shop", DBSnapshotIdentifier="shop-creating")
    from moto.rds.models import rds_backends

    rds_backends[ACCOUNT][REGION].database_snapshots["shop-creating"].status = "creating"
    make_instance(rds, "other", Engine="mysql", EngineVersion="8.0.35")
    rds.create_db_snapshot(DBInstanceIdentifier="other", DBSnapshotIdentifier="other-snap")
    make_instance(rds, "stopped")
    rds.stop_db_instance(DBInstanceIdentifier="stopped")
    make_instance(rds, "taken")
    make_instance(rds, "taken-pre-restore-202611251200")
    codepipeline = boto3.client("codepipeline", region_name=REGION, endpoint_url=moto)
    create_pipelines(moto, codepipeline, "Maintenance_Enable_prod", "Maintenance_Disable_prod")
    yield moto


def _expired(request: Any, **kwargs: Any) -> Any:
    from botocore.awsrequest import AWSResponse

    class Raw:
        def stream(self, **_: Any) -> Iterator[bytes]:
            yield (
                b"<ErrorResponse><Error><Type>Sender</Type><Code>ExpiredToken</Code>"
                b"<Message>The security token included in the request is expired</Message>"
                b"</Error><RequestId>1</RequestId></ErrorResponse>"
            )

    return AWSResponse(request.url, 403, {}, Raw())


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_bad_input(
    case: Case, world: str, rds: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = FakeClock()
    engine = InProcessEngine(world, tmp_path / "state", available=case.engine_available)
    rds_adapter = None
    if case.credentials == "expired":
        from sccos_backup.aws.rds import RdsAdapter, make_rds_client

        client = make_rds_client(region=REGION, profile=None, endpoint_url=world)
        client.meta.events.register("before-send", _expired)
        rds_adapter = RdsAdapter(client, clock=clock, sleep=clock.sleep)
    context = FakeFactory(
        clock=clock, sleep=clock.sleep, interactive=False, engine=engine, rds=rds_adapter
    )
    env = {"JENKINS_URL": "", "JENKINS_USER": "", "JENKINS_API_TOKEN": ""}
    if case.credentials == "missing":
        for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
            monkeypatch.delenv(name)
        monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    if case.aws_max_attempts is not None:
        monkeypatch.setenv("AWS_MAX_ATTEMPTS", case.aws_max_attempts)
    before = aws_state(rds)
    with FakeJenkins() as jenkins:
        if case.jenkins:
            env = {
                "JENKINS_URL": jenkins.url,
                "JENKINS_USER": jenkins.user,
                "JENKINS_API_TOKEN": jenkins.token,
            }
        args = list(case.args)
        if "--endpoint-url" not in args:
            args = ["--endpoint-url", world, *args]
        result = CliRunner().invoke(app, ["--region", REGION, *args], obj=context, env=env)
        assert not [r for r in jenkins.requests if r.method == "POST"], "Jenkins was changed"
    assert result.exit_code == case.code, (result.exit_code, result.output)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: "), lines[0]
    assert case.needle in lines[0], lines[0]
    assert "Traceback" not in result.output
    assert aws_state(rds) == before
    assert not (tmp_path / "state").exists(), "no Pulumi state was written"


def test_the_suite_is_big_enough() -> None:
    assert len(CASES) >= 30
    commands = {c.args[0] if not c.args[0].startswith("-") else c.args[2] for c in CASES}
    assert {"restore", "snapshot", "resync"} <= commands
