"""`restore rehearse` end to end against moto, the in-process engine and the fake Jenkins: each
strategy completes with figures from the injected clock, production is only read (whole describe
and tag answers, and no changing call names it), nothing created is left, a crash after any step
is cleaned up by recorded identity only, and bad input changes nothing."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import boto3
import pytest

from automation.commands.factory import Factory
from automation.rehearse.driver import Rehearsal, RehearsalCallbacks
from automation.rehearse.plan import (
    DEFAULT_COMMAND,
    TAG_REHEARSAL,
    RehearsalRequest,
    prepare_rehearsal,
)
from automation.rehearse.report import downtime, run_seconds
from automation.runbook.runbook import Callbacks, Runbook
from sccos_backup.aws.rds import RdsAdapter, make_rds_client
from sccos_backup.jenkins.jobxml import read_shell_job
from sccos_backup.objects import FolderStore
from sccos_backup.restore.lock import DatabaseLock, backend_identity
from sccos_backup.restore.strategy import Strategy
from tests.aws_calls import recording
from tests.conftest import (
    REGION,
    FakeClock,
    aws_state,
    make_instance,
    make_protected_shop,
    one_error_line,
)
from tests.fake_jenkins import FakeJenkins
from tests.inprocess_engine import InProcessEngine
from tests.support.drill import TimedEngine as DrillEngine
from tests.support.pipelines import create_pipelines
from tests.support.restore_cli import Cli

#: moto answered in process, except the swap rehearsal (aws_over_http): one rehearsal of the
#: whole runbook still goes over real HTTP.
pytestmark = pytest.mark.aws_in_process

#: How long creating the stand-in and a run's restored instance take on the injected clock.
STAND_IN_TIME = timedelta(minutes=31)
RESTORE_TIME = timedelta(minutes=23)


class Crash(BaseException):
    """A simulated crash: not an Exception, so nothing on the way catches it."""


class TimedEngine(DrillEngine):
    """The in-process engine taking a restore's time (the stand-in's or a run's), and removing
    a stack from the state as ``pulumi stack rm --force`` does."""

    def up(self, stack: str, spec: Any, on_output: Any) -> dict[str, Any]:
        creates = self.inner.outputs(stack) is None  # a second up only modifies in place
        result = self.inner.up(stack, spec, on_output)
        if creates:
            self.clock.now += RESTORE_TIME if "-run-" in stack else STAND_IN_TIME
        return result

    def forget(self, stack: str, on_output: Any) -> None:
        self.inner.forget(stack, on_output)


@pytest.fixture
def jenkins() -> Iterator[FakeJenkins]:
    with FakeJenkins(lifetime=900) as server:
        yield server


@pytest.fixture
def shop(rds: Any, moto: str, distinct_resource_ids: None) -> dict[str, Any]:
    """Production: deletion-protected, Multi-AZ, its own parameter group, a nightly snapshot."""
    created = make_protected_shop(
        rds,
        CopyTagsToSnapshot=True,
        Tags=[{"Key": "Environment", "Value": "production"}, {"Key": "team", "Value": "a&b"}],
    )
    rds.create_db_snapshot(DBInstanceIdentifier="shop", DBSnapshotIdentifier="shop-nightly")
    codepipeline = boto3.client("codepipeline", region_name=REGION, endpoint_url=moto)
    create_pipelines(moto, codepipeline, "Maintenance_Enable_test", "Maintenance_Disable_test")
    return created


def production_view(rds: Any) -> dict[str, Any]:
    """Production as RDS describes it and its tags (moto recomputes LatestRestorableTime at
    every describe, so that one field is left out)."""
    [found] = rds.describe_db_instances(DBInstanceIdentifier="shop")["DBInstances"]
    found.pop("LatestRestorableTime", None)
    tags = rds.list_tags_for_resource(ResourceName=found["DBInstanceArn"])
    tags.pop("ResponseMetadata", None)
    return {"describe": found, "tags": tags}


def rehearsal_cli(moto: str, tmp_path: Path, jenkins: FakeJenkins | None) -> Cli:
    """The restore CLI on the rehearsal's timed engine, its reports in ``tmp_path/reports``."""
    cli = Cli(moto, tmp_path, jenkins, env={"SCCOS_BACKUP_REPORTS_URL": str(tmp_path / "reports")})
    cli.engine = TimedEngine(cli.engine, cli.clock)
    return cli


def identifiers(rds: Any) -> set[str]:
    return {d["DBInstanceIdentifier"] for d in rds.describe_db_instances()["DBInstances"]}


def manual_snapshots(rds: Any) -> set[str]:
    found = rds.describe_db_snapshots(SnapshotType="manual")["DBSnapshots"]
    return {s["DBSnapshotIdentifier"] for s in found}


def changing_calls_naming(calls: list[Any], production: dict[str, Any]) -> list[str]:
    """Every recorded call that is not a read and names production as a resource it acts on
    (an identifier, ARN or resource id parameter; tag values may mention it)."""
    names = {
        production["DBInstanceIdentifier"],
        production["DBInstanceArn"],
        production["DbiResourceId"],
    }
    found = []
    for call in calls:
        if call.operation.startswith(("Describe", "List")):
            continue
        for key, value in call.params.items():
            if key.endswith(("Identifier", "ResourceName", "ResourceId", "Arn")) and (
                str(value).lower() in names
            ):
                found.append(f"{call.operation} {key}={value}")
    return found


@pytest.mark.parametrize(
    "strategy", [Strategy.IN_PLACE, pytest.param(Strategy.SWAP, marks=pytest.mark.aws_over_http)]
)
def test_a_rehearsal_runs_the_whole_runbook_leaves_nothing_and_reports_the_clock(
    moto: str, rds: Any, shop: dict[str, Any], tmp_path: Path, jenkins: FakeJenkins, strategy: Any
) -> None:
    cli = rehearsal_cli(moto, tmp_path, jenkins)
    before = production_view(rds)
    snapshots = manual_snapshots(rds)
    started = cli.clock()
    with recording() as recorder:
        result = cli(
            "restore",
            "rehearse",
            "shop",
            "--strategy",
            str(strategy),
            "--maintenance",
            "test",
            "--yes",
            "--json",
        )
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert next(iter(report)) == "schemaVersion"

    # Production only read: the same answers, and no changing call named it.
    assert production_view(rds) == before
    assert changing_calls_naming(recorder.calls, shop) == []
    # Nothing the rehearsal created is left: instances, final snapshots, stacks, the job.
    assert identifiers(rds) == {"shop"}
    assert manual_snapshots(rds) == snapshots
    assert cli.stacks() == []
    assert set(jenkins.jobs) == set(), jenkins.jobs
    job = f"sccos-backup-rehearsal-shop-{report['rehearsal']}"
    built = [r.path for r in jenkins.requests if r.method == "POST" and "/build" in r.path]
    assert built == [f"/job/{job}/build"] * 2, "only the rehearsal's job was built"
    # The checks probe Job/Create with a nameless createItem (refused as bad input, so allowed)
    [created] = [r for r in jenkins.requests if r.path == "/createItem" and "name" in r.query]
    assert created.query["name"] == job
    script = read_shell_job(created.body.decode()).script
    assert "echo 'sccos-backup rehearsal: no sync:data'" in script
    assert "vendor/bin/console" not in script, "the job runs the harmless command"
    titles = [s["title"] for r in report["runs"] for s in r["steps"] if s["key"] == "resync"]
    assert titles == [f"Run `{DEFAULT_COMMAND}` in Jenkins (job '{job}')"] * 2, titles
    # The runbook ran on the stand-in, twice, with a rollback between.
    stand_in = report["standIn"]
    assert stand_in == f"shop-rehearsal-{report['rehearsal']}"
    assert [s["key"] for s in report["steps"]] == [
        "stand-in",
        "run",
        "rollback",
        "run-again",
        "cleanup",
        "delete",
    ]
    assert [run["database"] for run in report["runs"]] == [stand_in, stand_in]
    assert any("renamed back" in line for line in report["rollback"])

    # Figures from the injected clock.
    steps = {s["key"]: s for s in report["steps"]}
    assert steps["stand-in"]["seconds"] >= STAND_IN_TIME.total_seconds()
    assert steps["stand-in"]["startedAt"] == started.strftime("%Y-%m-%dT%H:%M:%SZ")
    total = (cli.clock() - started).total_seconds()
    figures = report["figures"]
    assert figures["totalSeconds"] == pytest.approx(total, abs=1)
    assert sum(s["seconds"] for s in report["steps"]) == pytest.approx(total, abs=1)
    runs = report["runs"]
    run_totals = [sum(s["seconds"] for s in run["steps"]) for run in runs]
    assert figures["rtoSeconds"] == pytest.approx(max(run_totals), abs=1)
    assert figures["rtoSeconds"] >= RESTORE_TIME.total_seconds()
    rehearsed = figures["downtimeSeconds"][str(strategy)]
    assert len(rehearsed["measured"]) == 2
    if strategy is Strategy.IN_PLACE:  # the restore happens while production would be down
        assert min(rehearsed["measured"]) >= RESTORE_TIME.total_seconds()
        estimated = figures["downtimeSeconds"]["swap"]["estimated"]
        assert estimated < RESTORE_TIME.total_seconds()
    else:  # the restore happens aside, before the rename
        assert max(rehearsed["measured"]) < RESTORE_TIME.total_seconds()
        estimated = figures["downtimeSeconds"]["in-place"]["estimated"]
        assert estimated >= RESTORE_TIME.total_seconds()
    data = Path(os.environ["XDG_DATA_HOME"])
    left = sorted(str(p.relative_to(data)) for p in data.rglob("*") if p.is_file())
    assert left == [], "no lock, journal or recorded plan is left in the state backend"
    stored = json.loads(
        (tmp_path / "reports" / f"shop-rehearsal-{report['rehearsal']}.json").read_text()
    )
    assert stored["figures"] == figures


def test_downtime_counts_from_maintenance_on_to_maintenance_off() -> None:
    from automation.runbook.record import RunSummary, StepResult

    def run(*steps: tuple[str, float]) -> RunSummary:
        return RunSummary(
            run_id="r",
            db_identifier="x",
            strategy="in-place",
            stack="s",
            steps=tuple(StepResult(k, k, "done", s) for k, s in steps),
            downtime_seconds=None,
            original_now="x-pre",
            restored="x",
        )

    in_place = run(
        ("maintenance-on", 60),
        ("rename-original", 120),
        ("up", 1500),
        ("wait", 30),
        ("verify", 20),
        ("resync", 300),
        ("maintenance-off", 60),
    )
    assert downtime(in_place, Strategy.IN_PLACE) == 2090
    assert downtime(in_place, Strategy.SWAP) == 60 + 120 + 120 + 20 + 300 + 60
    assert run_seconds(in_place) == 2090
    swap = run(
        ("up", 1500),
        ("wait", 30),
        ("verify", 20),
        ("rename-original", 120),
        ("cut-over", 140),
        ("verify-final", 25),
        ("resync", 300),
    )
    assert downtime(swap, Strategy.SWAP) == 120 + 140 + 25 + 300
    assert downtime(swap, Strategy.IN_PLACE) == 120 + 1500 + 30 + 20 + 300


# -- crashes: cleanup by recorded identity ------------------------------------------------------


class World:
    """The rehearsal driver with the runbook, as one process builds them."""

    def __init__(self, moto: str, tmp_path: Path, clock: FakeClock, jenkins: FakeJenkins) -> None:
        from automation.commands.rehearse import _jobs, _resync

        self.clock = clock
        client = make_rds_client(region=REGION, profile=None, endpoint_url=moto)
        self.rds = RdsAdapter(client, clock=clock, sleep=clock.sleep)
        self.state = tmp_path / "state"
        self.engine = TimedEngine(InProcessEngine(moto, self.state), clock)
        backend = tmp_path / "backend"
        self.lock = DatabaseLock(
            FolderStore(backend), backend=backend_identity(f"file://{backend}"), clock=clock
        )
        self.crash_at: str | None = None
        context = Factory(clock=clock, sleep=clock.sleep)
        self.jobs = _jobs(context, jenkins.url, jenkins.user, _token_file(tmp_path, jenkins))

        def after_step(key: str) -> None:
            if key == self.crash_at:
                raise Crash(key)

        self.job = "sccos-backup-rehearsal-shop-202611251200"
        self.runbook = Runbook(
            rds=self.rds,
            engine=self.engine,
            clock=clock,
            resync=_resync(self.jobs, self.job, "echo rehearsal"),
            callbacks=Callbacks(after_step=after_step),
            first_interval=1.0,
            backend=self.lock.backend,
            lock=self.lock,
        )
        self.rehearsal = Rehearsal(
            runbook=self.runbook,
            engine=self.engine,
            store=self.lock.store,
            clock=clock,
            jobs=self.jobs,
            callbacks=RehearsalCallbacks(after_step=after_step),
            first_interval=1.0,
        )

    def plan(self, strategy: Strategy = Strategy.IN_PLACE) -> Any:
        request = RehearsalRequest("shop", strategy, command="echo rehearsal")
        return prepare_rehearsal(self.rds, request, self.clock())


def _token_file(tmp_path: Path, jenkins: FakeJenkins) -> Path:
    path = tmp_path / "jenkins-token"
    path.write_text(jenkins.token)
    path.chmod(0o600)
    return path


@pytest.mark.parametrize(
    "crash_at",
    ["stand-in", "rename-original", "up", "run", "rollback", "run-again", "cleanup", "delete"],
)
def test_a_crash_after_any_step_is_cleaned_up_by_identity_and_spares_a_look_alike(
    moto: str,
    rds: Any,
    shop: dict[str, Any],
    tmp_path: Path,
    jenkins: FakeJenkins,
    crash_at: str,
) -> None:
    clock = FakeClock()
    world = World(moto, tmp_path, clock, jenkins)
    before = production_view(rds)
    snapshots = manual_snapshots(rds)
    plan = world.plan()
    world.rehearsal.check_can_start(plan)
    world.crash_at = crash_at
    with pytest.raises(Crash):
        world.rehearsal.run(plan)
    # A stranger carrying the rehearsal's tags (as a restore from its snapshot would), with a
    # DbiResourceId of its own.
    tags = [
        {"Key": TAG_REHEARSAL, "Value": plan.names.rehearsal_id},
        {"Key": "sccos-backup:rehearsal-of", "Value": "shop"},
    ]
    make_instance(rds, f"{plan.names.stand_in}-copy", Tags=tags)
    lookalike = rds.describe_db_instances(DBInstanceIdentifier=f"{plan.names.stand_in}-copy")
    lookalike_id = lookalike["DBInstances"][0]["DbiResourceId"]

    again = World(moto, tmp_path, clock, jenkins)  # another process
    done = again.rehearsal.cleanup("shop", shop["DBInstanceArn"])
    assert done, done

    assert identifiers(rds) == {"shop", f"{plan.names.stand_in}-copy"}
    found = rds.describe_db_instances(DBInstanceIdentifier=f"{plan.names.stand_in}-copy")
    assert found["DBInstances"][0]["DbiResourceId"] == lookalike_id
    assert manual_snapshots(rds) == snapshots
    assert sorted(p.name for p in world.state.rglob("*.json")) == []
    assert [p.name for p in (tmp_path / "backend").rglob("*") if p.is_file()] == []
    assert world.job not in jenkins.jobs
    assert production_view(rds) == before
    assert again.rehearsal.cleanup("shop", shop["DBInstanceArn"]) == [
        "no unfinished rehearsal of 'shop' is recorded; nothing to clean up"
    ]


def test_cleanup_through_the_cli_after_an_interrupted_rehearsal(
    moto: str, rds: Any, shop: dict[str, Any], tmp_path: Path, jenkins: FakeJenkins
) -> None:
    cli = rehearsal_cli(moto, tmp_path, jenkins)
    real_up = cli.engine.inner.up
    calls = []

    def interrupted(stack: str, spec: Any, on_output: Any) -> Any:
        calls.append(stack)
        if "run-2" in stack:
            raise KeyboardInterrupt
        return real_up(stack, spec, on_output)

    cli.engine.inner.up = interrupted  # type: ignore[method-assign]
    first = cli("restore", "rehearse", "shop", "--yes")
    one_error_line(first, 130, "restore rehearse shop --cleanup", progress=True)
    again = cli("restore", "rehearse", "shop", "--yes")
    one_error_line(again, 3, "unfinished", "--cleanup")
    cleaned = cli("restore", "rehearse", "shop", "--cleanup", "--yes")
    assert cleaned.exit_code == 0, cleaned.output
    assert identifiers(rds) == {"shop"}
    assert cli.stacks() == []
    assert set(jenkins.jobs) == set()


# -- bad input: one line, nothing created --------------------------------------------------------


def test_bad_input_is_one_line_and_creates_nothing(
    moto: str, rds: Any, shop: dict[str, Any], tmp_path: Path, jenkins: FakeJenkins
) -> None:
    cli = rehearsal_cli(moto, tmp_path, jenkins)
    before = aws_state(rds)
    unknown = cli("restore", "rehearse", "nope", "--yes")
    one_error_line(unknown, 3, "'nope' does not exist")
    production_job = cli("restore", "rehearse", "shop", "--job", "sccos-backup-sync-data", "--yes")
    one_error_line(production_job, 2, "production re-sync job")
    snapshot = cli("restore", "rehearse", "shop", "--snapshot", "gone", "--yes")
    one_error_line(snapshot, 3, "'gone' does not exist")
    assert aws_state(rds) == before
    assert cli.stacks() == []
    assert jenkins.jobs == {}


def test_no_restorable_point_is_one_line(
    moto: str, rds: Any, tmp_path: Path, jenkins: FakeJenkins, distinct_resource_ids: None
) -> None:
    make_instance(rds, "blog")
    for snap in rds.describe_db_snapshots()["DBSnapshots"]:
        rds.delete_db_snapshot(DBSnapshotIdentifier=snap["DBSnapshotIdentifier"])
    cli = rehearsal_cli(moto, tmp_path, jenkins)
    before = aws_state(rds)
    result = cli("restore", "rehearse", "blog", "--yes")
    one_error_line(result, 3, "'blog' has no available snapshot", "snapshot create blog")
    assert aws_state(rds) == before
    assert cli.stacks() == []


def test_a_restore_run_in_progress_is_refused_before_anything_is_created(
    moto: str, rds: Any, shop: dict[str, Any], tmp_path: Path, jenkins: FakeJenkins
) -> None:
    cli = rehearsal_cli(moto, tmp_path, jenkins)
    real_up = cli.engine.inner.up

    def interrupted(*args: Any, **kwargs: Any) -> Any:
        raise KeyboardInterrupt

    cli.engine.inner.up = interrupted  # type: ignore[method-assign]
    started = cli("restore", "run", "shop", "--snapshot", "shop-nightly", "--no-resync", "--yes")
    assert started.exit_code == 130, started.output
    cli.engine.inner.up = real_up  # type: ignore[method-assign]
    before = aws_state(rds)
    stacks = cli.stacks()
    result = cli("restore", "rehearse", "shop", "--yes")
    one_error_line(result, 3, "restore run", "in progress", "nothing was created")
    assert aws_state(rds) == before
    assert cli.stacks() == stacks
    assert jenkins.jobs == {}
