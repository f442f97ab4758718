"""The scheduled function in-process against moto: rotate and check for databases chosen by tag,
one of them failing, and the same event delivered twice (EventBridge Scheduler delivers at least
once)."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs

import boto3
import botocore.config
import pytest
from botocore.awsrequest import AWSResponse

from sccos_backup import lambda_handler
from sccos_backup.aws.cloudwatch import MetricsAdapter
from sccos_backup.aws.rds import RdsAdapter
from sccos_backup.errors import InvalidInput
from sccos_backup.schedule import metrics
from tests.conftest import REGION, FakeClock, aws_state, make_instance
from tests.faults import record_backoff  # noqa: F401 - fixture

pytestmark = pytest.mark.aws_in_process

TAG = {"Key": "sccos:project", "Value": "shop"}
ROTATE = {"action": "rotate", "tag": "sccos:project=shop", "keep_hours": 60, "stack": "fleet"}
CHECK = {**ROTATE, "action": "check"}

_DENIED = (
    "<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>not authorized"
    "</Message></Error><RequestId>fault</RequestId></ErrorResponse>"
)


class _Raw:
    def __init__(self, body: bytes) -> None:
        self.body = body

    def stream(self, **_: Any) -> Any:
        yield self.body


def deny_for(client: Any, database: str, operations: set[str]) -> list[str]:
    """AWS's AccessDenied for ``operations`` on ``database`` (as an IAM tag condition would)."""
    denied: list[str] = []

    def before_send(request: Any, event_name: str, **_: Any) -> AWSResponse | None:
        operation = event_name.split(".")[2]
        body = request.body.decode() if isinstance(request.body, bytes) else request.body or ""
        if operation in operations and database in parse_qs(body).get("DBInstanceIdentifier", []):
            denied.append(operation)
            return AWSResponse(request.url, 403, {}, _Raw(_DENIED.encode()))
        return None

    client.meta.events.register("before-send", before_send)
    return denied


class RecordingPublisher:
    def __init__(self, inner: MetricsAdapter) -> None:
        self.inner = inner
        self.published: list[Any] = []

    def publish(self, data: Any) -> None:
        self.published.extend(data)
        self.inner.publish(data)

    def values(self, name: str, **dims: str) -> list[float]:
        wanted = tuple(sorted(dims.items()))
        return [
            d.value
            for d in self.published
            if d.name == name and tuple(sorted(d.dimensions)) == wanted
        ]


@pytest.fixture
def clock() -> FakeClock:
    """moto stamps snapshots with the real time: start there."""
    return FakeClock(datetime.now(UTC))


@pytest.fixture
def fleet(moto: str, rds: Any, clock: FakeClock) -> dict[str, Any]:
    """Three shops tagged sccos:project=shop (shop-b is denied), one untagged database."""
    for name in ("shop-a", "shop-b", "shop-c"):
        make_instance(rds, name, Tags=[TAG, {"Key": "Environment", "Value": "production"}])
    make_instance(rds, "other")
    config = botocore.config.Config(retries={"mode": "standard", "max_attempts": 1})
    client = boto3.client("rds", region_name=REGION, endpoint_url=moto, config=config)
    denied = deny_for(client, "shop-b", {"CreateDBSnapshot"})
    cloudwatch = boto3.client("cloudwatch", region_name=REGION, endpoint_url=moto)
    publisher = RecordingPublisher(MetricsAdapter(cloudwatch, metrics.NAMESPACE))
    services = lambda_handler.Services(
        rds=RdsAdapter(client, clock=clock, sleep=clock.sleep), publisher=publisher
    )
    return {
        "services": services,
        "publisher": publisher,
        "denied": denied,
        "cw": cloudwatch,
        "client": client,
    }


def snapshot_names(rds: Any) -> set[str]:
    return {s["DBSnapshotIdentifier"] for s in rds.describe_db_snapshots()["DBSnapshots"]}


def by_database(result: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {d["database"]: d for d in result["databases"]}


def test_rotate_by_tag_one_failing_and_delivered_twice(
    rds: Any, fleet: dict[str, Any], clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    hour = f"{clock.now:%Y-%m-%d-%H}"
    caplog.set_level("INFO", logger="sccos_backup.schedule")
    result = lambda_handler.handle(ROTATE, fleet["services"])
    json.dumps(result)  # Lambda serialises the return value: it must be plain JSON

    outcome = by_database(result)
    assert sorted(outcome) == ["shop-a", "shop-b", "shop-c"]  # `other` is not tagged
    assert result["failed"] == ["shop-b"]
    assert not outcome["shop-b"]["ok"] and "access denied" in outcome["shop-b"]["error"]
    for name in ("shop-a", "shop-c"):
        assert outcome[name]["ok"] and outcome[name]["created"] == f"{name}-hourly-{hour}"
    assert snapshot_names(rds) >= {f"shop-a-hourly-{hour}", f"shop-c-hourly-{hour}"}
    assert not any(n.startswith(("shop-b-hourly", "other-hourly")) for n in snapshot_names(rds))

    # one JSON line per database in the log, the failing one at ERROR
    ours = [r for r in caplog.records if r.name == "sccos_backup.schedule"]
    lines = [json.loads(r.getMessage()) for r in ours]
    assert sorted(line["database"] for line in lines) == ["shop-a", "shop-b", "shop-c"]
    assert [
        r.levelname for r, line in zip(ours, lines, strict=True) if line["database"] == "shop-b"
    ] == ["ERROR"]
    assert fleet["denied"] == ["CreateDBSnapshot"]

    publisher = fleet["publisher"]
    assert publisher.values(metrics.FAILED, Stack="fleet", Action="rotate") == [0.0, 1.0, 0.0]
    assert publisher.values(metrics.SELECTED, Stack="fleet", Action="rotate") == [3.0]

    # the same event again, late in the same hour: nothing new is created, nothing deleted
    before = aws_state(rds)
    clock.now = max(clock.now, clock.now.replace(minute=59, second=59, microsecond=0))
    again = by_database(lambda_handler.handle(ROTATE, fleet["services"]))
    assert aws_state(rds) == before
    for name in ("shop-a", "shop-c"):
        assert again[name]["ok"] and again[name]["created"] is None
        assert again[name]["existing"] == f"{name}-hourly-{hour}"
    assert not again["shop-b"]["ok"]


def test_check_by_tag_publishes_age_gaps_and_policy_per_database(
    rds: Any, fleet: dict[str, Any], clock: FakeClock
) -> None:
    lambda_handler.handle(ROTATE, fleet["services"])
    deny_for(fleet["client"], "shop-b", {"DescribeDBInstances"})
    clock.now += timedelta(minutes=10)
    result = lambda_handler.handle(CHECK, fleet["services"])
    outcome = by_database(result)
    assert result["failed"] == ["shop-b"]
    assert "access denied" in outcome["shop-b"]["error"]
    for name in ("shop-a", "shop-c"):
        assert outcome[name]["ok"], outcome[name]
        hourly = next(c for c in outcome[name]["checks"] if c["name"] == "hourly")
        assert hourly["ok"], hourly
        measured = outcome[name]["metrics"]
        assert measured["gaps"] == 0
        assert 9 * 60 <= measured["hourly_age_seconds"] <= 11 * 60
        # moto does not implement DescribeAccountAttributes: the headroom is unknown, not 0
        assert measured["quota_headroom"] is None
    publisher = fleet["publisher"]
    ages = publisher.values(metrics.HOURLY_AGE, Stack="fleet", DBInstanceIdentifier="shop-a")
    assert len(ages) == 1 and 540 <= ages[0] <= 660
    stack_ages = publisher.values(metrics.HOURLY_AGE, Stack="fleet")
    assert len(stack_ages) == 2 and ages[0] in stack_ages  # shop-a and shop-c
    assert publisher.values(metrics.FAILED, Stack="fleet", Action="check") == [0.0, 1.0, 0.0]
    assert publisher.values(
        metrics.FAILED, Stack="fleet", Action="check", DBInstanceIdentifier="shop-b"
    ) == [1.0]

    # the metrics reached CloudWatch (moto's), per database and per stack
    listed = fleet["cw"].list_metrics(Namespace=metrics.NAMESPACE)["Metrics"]
    dims = {
        (m["MetricName"], tuple(sorted((d["Name"], d["Value"]) for d in m["Dimensions"])))
        for m in listed
    }
    assert (metrics.HOURLY_AGE, (("DBInstanceIdentifier", "shop-c"), ("Stack", "fleet"))) in dims
    assert (metrics.POLICY_UNMET, (("Stack", "fleet"),)) in dims

    # repeated delivery of a check changes nothing in AWS
    before = aws_state(rds)
    lambda_handler.handle(CHECK, fleet["services"])
    assert aws_state(rds) == before


def test_check_counts_the_hours_without_a_snapshot(
    rds: Any, fleet: dict[str, Any], clock: FakeClock
) -> None:
    lambda_handler.handle(ROTATE, fleet["services"])
    clock.now += timedelta(hours=3)  # three rotations missed
    outcome = by_database(lambda_handler.handle(CHECK, fleet["services"]))
    assert outcome["shop-a"]["metrics"]["gaps"] == 2  # the last two full hours; this one runs
    assert outcome["shop-a"]["metrics"]["policy_met"] is False
    unmet = fleet["publisher"].values(
        metrics.POLICY_UNMET, Stack="fleet", DBInstanceIdentifier="shop-a"
    )
    assert unmet == [0.0, 1.0] or unmet == [1.0]


def test_databases_by_name_a_missing_one_fails_alone(rds: Any, fleet: dict[str, Any]) -> None:
    event = {"action": "rotate", "databases": ["shop-a", "gone"]}
    outcome = by_database(lambda_handler.handle(event, fleet["services"]))
    assert outcome["shop-a"]["ok"]
    assert not outcome["gone"]["ok"] and "does not exist" in outcome["gone"]["error"]


@pytest.mark.parametrize(
    ("event", "needle"),
    [
        ({"action": "rotate"}, "no databases chosen"),
        ({"action": "rotate", "databases": ["a"], "tag": "k=v"}, "not both"),
        ({"action": "prune", "databases": ["a"]}, "'prune'"),
        ({"action": "rotate", "tag": "novalue"}, "KEY=VALUE"),
        ({"action": "rotate", "databases": ["bad--name"]}, "bad--name"),
        ({"action": "rotate", "databases": ["a"], "keep_hours": 0}, "keep_hours"),
        ({"action": "rotate", "databases": ["a"], "keephours": 5}, "unknown key(s) keephours"),
        (["rotate"], "JSON object"),
    ],
)
def test_a_bad_event_raises_before_any_call(
    rds: Any, fleet: dict[str, Any], event: Any, needle: str
) -> None:
    before = aws_state(rds)
    with pytest.raises(InvalidInput, match=None) as raised:
        lambda_handler.handle(event, fleet["services"])
    assert needle in str(raised.value)
    assert fleet["publisher"].published == []
    assert aws_state(rds) == before


def test_the_entry_point_builds_its_clients_from_the_environment(
    moto: str,
    rds: Any,
    monkeypatch: pytest.MonkeyPatch,
    record_backoff: list[float],  # noqa: F811
) -> None:
    make_instance(rds, "shop-a", Tags=[TAG])
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto)
    monkeypatch.setattr(lambda_handler, "_services", None)
    result = lambda_handler.handler(dict(ROTATE), None)
    assert [d["database"] for d in result["databases"]] == ["shop-a"]
    assert result["databases"][0]["ok"]
    monkeypatch.setattr(lambda_handler, "_services", None)


def test_the_entry_point_imports_neither_typer_nor_pulumi_nor_yaml() -> None:
    code = (
        "import sys, sccos_backup.lambda_handler as h; "
        "print(sorted({m.split('.')[0] for m in sys.modules}))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], check=True, capture_output=True, text=True
    ).stdout
    loaded = set(json.loads(out.replace("'", '"')))
    assert not loaded & {"typer", "click", "pulumi", "pulumi_aws", "yaml", "jenkins", "automation"}


def test_two_deliveries_at_the_same_moment_both_succeed(
    rds: Any, fleet: dict[str, Any], clock: FakeClock
) -> None:
    """The racing delivery creates this hour's snapshot between our plan and our create (a
    ``before-call`` hook plays it); moto then answers DBSnapshotAlreadyExists, as AWS does."""
    raced: list[str] = []

    def other_delivery(params: Any, model: Any, **_: Any) -> None:
        ours = model.name == "CreateDBSnapshot" and params["DBInstanceIdentifier"] == "shop-a"
        if ours and not raced:
            raced.append(params["DBSnapshotIdentifier"])
            rds.create_db_snapshot(
                DBInstanceIdentifier="shop-a",
                DBSnapshotIdentifier=params["DBSnapshotIdentifier"],
                Tags=params["Tags"],
            )

    fleet["client"].meta.events.register("before-parameter-build.rds", other_delivery)
    outcome = by_database(lambda_handler.handle(ROTATE, fleet["services"]))
    hour = f"{clock.now:%Y-%m-%d-%H}"
    assert raced == [f"shop-a-hourly-{hour}"]
    assert outcome["shop-a"]["ok"], outcome["shop-a"]
    assert outcome["shop-a"]["raced"] is True
    assert outcome["shop-c"]["ok"] and outcome["shop-c"]["raced"] is False
    names = [n for n in snapshot_names(rds) if n.startswith("shop-a-hourly")]
    assert names == [f"shop-a-hourly-{hour}"]


@pytest.mark.parametrize(
    ("floor", "asked", "refused"), [(60, 1, True), (60, 59, True), (48, 48, False)]
)
def test_an_event_cannot_lower_the_stacks_retention(
    rds: Any, fleet: dict[str, Any], floor: int, asked: int, refused: bool
) -> None:
    """Whoever may invoke the function could otherwise pass keep_hours 1 and have every hourly
    snapshot but this hour's deleted."""
    services = lambda_handler.Services(
        fleet["services"].rds, fleet["services"].publisher, min_keep_hours=floor
    )
    event = {"action": "rotate", "databases": ["shop-a"], "keep_hours": asked}
    before = aws_state(rds)
    if refused:
        with pytest.raises(InvalidInput, match=f"below this stack's retention of {floor} hours"):
            lambda_handler.handle(event, services)
        assert aws_state(rds) == before
    else:
        assert lambda_handler.handle(event, services)["failed"] == []


def test_the_functions_floor_comes_from_its_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(lambda_handler, "_services", None)
    monkeypatch.setenv("SCCOS_BACKUP_MIN_KEEP_HOURS", "72")
    monkeypatch.setenv("AWS_REGION", REGION)
    assert lambda_handler.default_services().min_keep_hours == 72
    monkeypatch.setattr(lambda_handler, "_services", None)
    monkeypatch.delenv("SCCOS_BACKUP_MIN_KEEP_HOURS")
    assert lambda_handler.default_services().min_keep_hours == 60


def test_a_sharded_rotation_covers_every_database_once(rds: Any, fleet: dict[str, Any]) -> None:
    """Three shards of the tagged fleet: each database is rotated by exactly one of them."""
    rotated: list[str] = []
    for index in (1, 2, 3):
        result = lambda_handler.handle({**ROTATE, "shard": f"{index}/3"}, fleet["services"])
        assert result["shard"] == f"{index}/3"
        rotated += [d["database"] for d in result["databases"]]
    assert sorted(rotated) == ["shop-a", "shop-b", "shop-c"]


@pytest.mark.parametrize("shard", ["0/3", "4/3", "1/25", "x", "1-3"])
def test_a_bad_shard_is_refused(shard: str) -> None:
    from sccos_backup.schedule.event import parse_event

    with pytest.raises(InvalidInput, match="shard"):
        parse_event({**ROTATE, "shard": shard})


def test_a_fleet_by_tag_leaves_out_what_restores_and_drills_made(
    rds: Any, fleet: dict[str, Any]
) -> None:
    """A restore's renamed original and a drill's copy carry the shop's tags (copied); they
    never get an hourly series of their own."""
    shop = [TAG, {"Key": "Environment", "Value": "production"}]
    make_instance(rds, "shop-a-pre-restore-202611251200", Tags=shop)
    make_instance(
        rds, "shop-c-parked", Tags=[*shop, {"Key": "sccos-backup:run-original", "Value": "shop-c"}]
    )
    make_instance(rds, "shop-c-copy", Tags=[*shop, {"Key": "sccos-backup:drill", "Value": "1"}])
    result = lambda_handler.handle(ROTATE, fleet["services"])
    assert sorted(d["database"] for d in result["databases"]) == ["shop-a", "shop-b", "shop-c"]
    hourly = {n.split("-hourly-")[0] for n in snapshot_names(rds) if "-hourly-" in n}
    assert hourly == {"shop-a", "shop-c"}  # shop-b is denied CreateDBSnapshot
