"""The run driver (automation/runbook/driver.py) on its own, with the command's side (RunSetup) and
the runbook recorded: a new run is planned, checked, approved, then started; the open run of the
same request is continued, never started again; every problem found before the first change is
reported at once; an open run of another request, and a resume with no open run, are refused
before anything is asked for or changed."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from automation.commands.options import RestoreChoices
from automation.runbook.driver import resume, run_or_resume
from sccos_backup import errors
from sccos_backup.aws.rds import RdsAdapter, make_rds_client
from sccos_backup.restore.planfile import loads
from sccos_backup.restore.steps import DEFAULT_RESYNC_JOB
from sccos_backup.restore.strategy import Strategy
from sccos_backup.waiting import Callbacks
from tests.conftest import REGION, FakeClock, make_instance

pytestmark = pytest.mark.aws_in_process

GOLDEN = Path(__file__).resolve().parent / "golden"
#: What the restore commands ask for: shop from its nightly snapshot.
REQUEST = RestoreChoices(snapshot="shop-nightly").request("shop")


@dataclass
class Runbook:
    """What the driver asks of the runbook, recorded; ``active`` is the open run it finds."""

    active: Any = None
    calls: list[Any] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.callbacks = Callbacks(notify=self.notes.append)
        self.clock = FakeClock()

    def active_run(self, db: str) -> Any:
        return self.active

    def check_can_start(self, plan: Any) -> None:
        self.calls.append("check_can_start")

    def start(self, plan: Any) -> str:
        self.calls.append("start")
        return "started"

    def resume(self, db: str, *, resync: bool | None, maintenance_env: str | None) -> str:
        self.calls.append(("resume", db, resync, maintenance_env))
        return "resumed"


@dataclass
class Setup:
    """The command's side (RunSetup), recorded; each ``*_error`` makes that part refuse."""

    runbook_: Runbook
    resync_error: errors.SccosBackupError | None = None
    runbook_error: errors.SccosBackupError | None = None
    job: str = DEFAULT_RESYNC_JOB
    job_chosen: bool = False
    calls: list[Any] = field(default_factory=list)

    def resync(self, job: str, *, attach: bool) -> Any:
        self.calls.append(("resync", job, attach))
        if self.resync_error:
            raise self.resync_error
        return lambda on_output: None

    def runbook(self, resync: Any) -> Runbook:
        self.calls.append("runbook")
        if self.runbook_error:
            raise self.runbook_error
        return self.runbook_

    def check_ready(self, plan: Any, *, job: str, active_run: str | None) -> None:
        self.calls.append(("check_ready", job, active_run))

    def approve(self, plan: Any) -> None:
        self.calls.append("approve")


class Finder:
    """The run finder: the open run (or none), no earlier incarnations."""

    def __init__(self, rds: Any, active: Any = None) -> None:
        self.context = SimpleNamespace(rds=rds, clock=FakeClock())
        self.active = active

    def active_run(self, db: str) -> Any:
        return self.active

    def lineage(self, db: str) -> tuple[str, ...]:
        return ()


def open_run(request: Any = REQUEST) -> Any:
    """An open run of ``request``, stopped after the rename, with its approved plan."""
    plan = loads((GOLDEN / "plan-snapshot-in-place.json").read_text(), "golden plan")
    return SimpleNamespace(
        run_id="202611251200-ab12",
        step="rename-original",
        request=request,
        approved=plan,
        completed=lambda key: False,
    )


@pytest.fixture
def adapter(moto: str, rds: Any) -> RdsAdapter:
    """shop and its nightly snapshot, through the real adapter."""
    make_instance(rds)
    rds.create_db_snapshot(DBInstanceIdentifier="shop", DBSnapshotIdentifier="shop-nightly")
    client = make_rds_client(region=REGION, profile=None, endpoint_url=moto)
    clock = FakeClock()
    return RdsAdapter(client, clock=clock, sleep=clock.sleep)


def test_without_an_open_run_it_plans_checks_asks_then_starts(adapter: RdsAdapter) -> None:
    runbook = Runbook()
    setup = Setup(runbook)
    assert run_or_resume(Finder(adapter), REQUEST, setup) == "started"
    assert setup.calls == [
        ("resync", DEFAULT_RESYNC_JOB, False),
        "runbook",
        ("check_ready", DEFAULT_RESYNC_JOB, None),
        "approve",
    ]
    assert runbook.calls == ["check_can_start", "start"]


def test_the_open_run_of_the_same_request_is_continued_not_started_again() -> None:
    record = open_run()
    runbook = Runbook(active=record)
    setup = Setup(runbook)
    # No RDS: an open run is neither planned nor prepared again.
    assert run_or_resume(Finder(None, active=record), REQUEST, setup) == "resumed"
    assert setup.calls == [
        ("resync", DEFAULT_RESYNC_JOB, True),  # a build already running is followed
        "runbook",
        ("check_ready", DEFAULT_RESYNC_JOB, record.run_id),
    ]
    assert runbook.calls == [("resume", "shop", True, None)]
    assert runbook.notes == [f"continuing restore run {record.run_id} (step rename-original)"]


def test_every_problem_before_the_first_change_is_reported_at_once(moto: str, rds: Any) -> None:
    client = make_rds_client(region=REGION, profile=None, endpoint_url=moto)
    empty = RdsAdapter(client, clock=FakeClock(), sleep=lambda _: None)  # no 'shop'
    jenkins, engine = (
        errors.InvalidInput("JENKINS_URL is not set"),
        errors.InvalidInput("no passphrase"),
    )
    jenkins.details, engine.details = ("jenkins detail",), ("engine detail",)
    runbook = Runbook()
    setup = Setup(runbook, resync_error=jenkins, runbook_error=engine)
    with pytest.raises(errors.NotFound) as refused:  # the first problem's kind decides
        run_or_resume(Finder(empty), REQUEST, setup)
    text = str(refused.value)
    assert text.startswith("3 problems, nothing was changed: (1) "), text
    assert "'shop'" in text.split("(2)", maxsplit=1)[0]
    assert "(2) JENKINS_URL is not set; (3) no passphrase" in text
    assert refused.value.details[-2:] == ("jenkins detail", "engine detail")
    assert runbook.calls == []
    assert "approve" not in setup.calls


def test_an_open_run_of_another_request_is_refused_before_anything_changes() -> None:
    record = open_run(RestoreChoices(latest=True, strategy=Strategy.SWAP).request("shop"))
    runbook = Runbook(active=record)
    setup = Setup(runbook)
    with pytest.raises(errors.RunInProgress, match="from another source or strategy"):
        run_or_resume(Finder(None, active=record), REQUEST, setup)
    assert runbook.calls == []
    assert not [c for c in setup.calls if c[0] == "check_ready"]


def test_resume_without_an_open_run_is_refused_before_any_setting_is_asked_for() -> None:
    setup = Setup(Runbook())
    with pytest.raises(errors.NotFound, match="no run to resume"):
        resume(Finder(None), "shop", setup)
    assert setup.calls == []  # neither Jenkins nor the engine was asked for
