"""Shared fixtures: one moto server per test session, reset before each test."""

from __future__ import annotations

import gc
import json
import logging
import os
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from moto.server import ThreadedMotoServer

from tests.support.botocore_models import share_models
from tests.support.in_process_aws import answered_in_process
from tests.support.moto_answers import share_moto_answers

share_models()
share_moto_answers()

# moto 5.2 builds its EC2 backends whenever RDS creates an instance (the default VPC), again
# after every reset, and with them about 1,300 default AMIs with random ids: a third of a
# runbook test's CPU. Nothing here uses an AMI. Set before any backend exists; subprocesses
# (the CLI, moto_server) inherit it.
os.environ["MOTO_EC2_LOAD_DEFAULT_AMIS"] = "false"

#: No secret in any output of the suite (tests/secret_guard.py); fixtures shared by several test
#: modules live in tests/support and are registered here, never imported from a test module.
pytest_plugins = [
    "tests.secret_guard",
    "tests.support.world",
    "tests.support.restore_cli",
    "tests.support.pulumi_cli",
]

REGION = "eu-central-1"
ACCOUNT = "123456789012"


def _freeze_what_lives() -> None:
    """Move every object alive now out of the cyclic garbage collector's reach (``gc.freeze``).

    A test process holds a few hundred thousand long-lived objects (modules, botocore's parsed
    service models, moto's and pulumi_aws's classes), and every full collection walked them all
    again: a fifth of the crash matrix's CPU. Objects still die by reference counting once
    frozen; only cyclic garbage among them is never collected, so this runs after a collection
    and only a few times: after collection and after the 1st, 10th and 100th test, by when most
    of what a worker loads lazily has been loaded.
    """
    gc.collect()
    gc.freeze()


def pytest_collection_finish(session: pytest.Session) -> None:
    _freeze_what_lives()


_FINISHED = [0]


def pytest_runtest_logfinish(nodeid: str, location: tuple[str, int | None, str]) -> None:
    _FINISHED[0] += 1
    if _FINISHED[0] in (1, 10, 100):
        _freeze_what_lives()


@pytest.fixture(scope="session")
def moto_server() -> Iterator[str]:
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    # Not stopped: werkzeug's serve_forever looks for a shutdown every 0.5 s (its default poll)
    # and stop() waits for that, at the end of every worker. The server's thread is a daemon and
    # ends with the worker process.


@pytest.fixture(autouse=True)
def _data_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """The CLI's per-user data folder (default state backend and its restore locks) per test."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path_factory.mktemp("data-home")))


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fake credentials and a region; nothing from the developer's own AWS setup leaks in."""
    for name in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_RDS", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("AWS_REGION", REGION)
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent/aws-config")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/aws-credentials")


@pytest.fixture
def moto(moto_server: str, aws_env: None, request: pytest.FixtureRequest) -> Iterator[str]:
    """The moto server's URL, with its backend emptied for this test.

    Tests marked ``aws_in_process`` get the same URL answered by ``moto.mock_aws`` in this
    process (tests/support/in_process_aws.py): no HTTP, about half the CPU per call; a test also
    marked ``aws_over_http`` keeps the server (an end-to-end run proven over real HTTP).
    """
    node = request.node
    if node.get_closest_marker("aws_in_process") and not node.get_closest_marker("aws_over_http"):
        with answered_in_process(moto_server):
            yield moto_server
        return
    reset = urllib.request.Request(f"{moto_server}/moto-api/reset", method="POST")
    with urllib.request.urlopen(reset, timeout=60):  # generous: the machine may be loaded
        pass
    yield moto_server


@pytest.fixture
def rds(moto: str) -> Any:
    """A plain boto3 RDS client on the moto server, for arranging and inspecting state."""
    return boto3.client("rds", region_name=REGION, endpoint_url=moto)


def make_instance(rds: Any, identifier: str = "shop", **overrides: Any) -> dict[str, Any]:
    """Create a postgres instance with typical production settings; overrides win."""
    params: dict[str, Any] = {
        "DBInstanceIdentifier": identifier,
        "DBInstanceClass": "db.t3.medium",
        "Engine": "postgres",
        "EngineVersion": "13.7",
        "AllocatedStorage": 50,
        "MasterUsername": "spryker",
        "MasterUserPassword": "not-a-real-password",
        "BackupRetentionPeriod": 5,
        "Tags": [{"Key": "Environment", "Value": "production"}],
    }
    params.update(overrides)
    created = dict(rds.create_db_instance(**params)["DBInstance"])
    created["DbiResourceId"] = give_resource_id(identifier)
    return created


def make_protected_shop(rds: Any, **overrides: Any) -> dict[str, Any]:
    """'shop' as production runs it: Multi-AZ, deletion-protected, with its own parameter group
    'shop-pg13' (created here); overrides win."""
    rds.create_db_parameter_group(
        DBParameterGroupName="shop-pg13", DBParameterGroupFamily="postgres13", Description="db"
    )
    settings = {"MultiAZ": True, "DBParameterGroupName": "shop-pg13", "DeletionProtection": True}
    return make_instance(rds, **{**settings, **overrides})


def give_resource_id(identifier: str, resource_id: str | None = None) -> str:
    """Give an instance of the in-process moto server a DbiResourceId of its own.

    moto gives every instance the same DbiResourceId, whereas AWS gives each its own; the
    restore logic tells instances apart by it (it survives renames), so tests must too. This
    reaches into moto's backend (the server runs in this process) and also fixes the snapshots
    already taken of the instance.
    """
    from moto.rds.models import rds_backends

    resource_id = resource_id or "db-" + identifier.upper().replace("-", "")[:26].ljust(26, "0")
    backend = rds_backends[ACCOUNT][REGION]
    database = backend.databases[identifier]
    database.dbi_resource_id = resource_id
    for taken in backend.database_snapshots.values():
        # Only snapshots of this very instance: an earlier instance under the same name (the
        # original a restore replaced) keeps its own id on its snapshots, as on AWS.
        if (
            taken.db_instance_identifier == identifier
            and taken.instance_create_time == database.created
        ):
            taken.dbi_resource_id = resource_id
    return resource_id


def aws_state(rds: Any) -> str:
    """Every instance and snapshot with the fields a change would touch, as one comparable text."""
    instances = [
        {
            k: d.get(k)
            for k in (
                "DBInstanceIdentifier",
                "DBInstanceStatus",
                "DbiResourceId",
                "DBInstanceClass",
                "MultiAZ",
                "TagList",
                "AllocatedStorage",
            )
        }
        for d in rds.describe_db_instances()["DBInstances"]
    ]
    snapshots = [
        {k: d.get(k) for k in ("DBSnapshotIdentifier", "Status", "SnapshotType", "TagList")}
        for d in rds.describe_db_snapshots()["DBSnapshots"]
    ]
    return json.dumps({"instances": instances, "snapshots": snapshots}, sort_keys=True, default=str)


class FakeClock:
    """A clock that only moves when told to (or when the injected sleep is called)."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
        self.slept: list[float] = []

    def __call__(self) -> datetime:
        return self.now

    def sleep(self, seconds: float) -> None:
        from datetime import timedelta

        self.slept.append(seconds)
        self.now += timedelta(seconds=seconds)


def one_error_line(result: Any, code: int, *needles: str, progress: bool = False) -> None:
    """A CLI result that failed with ``code`` and one ``error:`` line naming ``needles``.

    With ``progress``, status lines (waits, steps) may precede the error line on stderr.
    """
    assert result.exit_code == code, (result.exit_code, result.output)
    lines = result.stderr.strip().splitlines()
    if progress:
        assert [x for x in lines if x.startswith("error: ")] == lines[-1:], result.stderr
        lines = lines[-1:]
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert "Traceback" not in result.output
    for needle in needles:
        assert needle in lines[0], lines[0]


@pytest.fixture(scope="session", autouse=True)
def _every_aws_call_is_allowed() -> Iterator[None]:
    """Every AWS call a CLI command makes anywhere in the suite is allowed by that command
    group's `sccos-backup iam-policy` document (checked when this process's tests end)."""
    from tests.aws_calls import recording, uncovered

    with recording() as recorder:
        yield
    problems = uncovered(recorder.calls)
    assert not problems, "IAM policy misses calls:\n" + "\n".join(sorted(set(problems)))


@pytest.fixture
def distinct_resource_ids(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every DB instance the moto server creates from now on gets a DbiResourceId of its own,
    as on AWS (moto 5.2 gives all one): a snapshot keeps its instance's id, a restore gets a
    new one, a rename keeps it. Ids set with :func:`give_resource_id` still win."""
    import secrets

    from moto.rds.models import DBInstance

    real = DBInstance.__init__

    def init(self: Any, *args: Any, **kwargs: Any) -> None:
        real(self, *args, **kwargs)
        self.dbi_resource_id = "db-" + secrets.token_hex(13).upper()

    monkeypatch.setattr(DBInstance, "__init__", init)


@pytest.fixture(scope="session", autouse=True)
def _one_click_command_per_app() -> Iterator[None]:
    """CliRunner.invoke builds the Click command tree from the Typer app on every call (about
    30 ms of CPU for the whole CLI, read in typer 0.28.0 ``typer/testing.py``); the product's apps
    never change after import, so each is built once per process. Click commands are reusable
    across invocations (click's own CliRunner reuses one). Apps a test builds itself are still
    built on every call."""
    import typer.testing

    from automation.cli import app

    static: dict[int, Any] = {}

    def collect(typer_app: Any) -> None:
        static[id(typer_app)] = typer_app
        for group in typer_app.registered_groups:
            collect(group.typer_instance)

    collect(app)
    built: dict[int, Any] = {}
    real = typer.testing._get_command

    def get_command(typer_app: Any) -> Any:
        if id(typer_app) not in static:
            return real(typer_app)
        if id(typer_app) not in built:
            built[id(typer_app)] = real(typer_app)
        return built[id(typer_app)]

    typer.testing._get_command = get_command  # type: ignore[attr-defined]
    yield
    typer.testing._get_command = real  # type: ignore[attr-defined]
