"""``--to-time`` needs its UTC offset: a time without one (or a date alone) could mean UTC or
the operator's own zone, an hour or two apart, possibly after the corruption the restore is
meant to undo. It is refused before anything is contacted, with both readings written out."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from automation.cli import app
from sccos_backup import errors
from sccos_backup.restore.source import parse_point_in_time
from tests.conftest import REGION, FakeClock, aws_state, make_instance, one_error_line
from tests.inprocess_engine import InProcessEngine
from tests.support.factory import FakeFactory

pytestmark = pytest.mark.aws_in_process

COMMANDS = [
    ("restore", "plan"),
    ("restore", "run", "--yes", "--no-resync"),
    ("restore", "capture"),
    ("drill", "plan"),
    ("drill", "run", "--yes"),
]


@pytest.mark.parametrize(
    ("given", "utc", "berlin"),
    [
        ("2026-11-25T10:00:00", "2026-11-25T10:00:00Z", "2026-11-25T10:00:00+01:00"),
        ("2026-07-01T10:00", "2026-07-01T10:00:00Z", "2026-07-01T10:00:00+02:00"),
        ("2026-11-25", "2026-11-25T00:00:00Z", "2026-11-25T00:00:00+01:00"),
    ],
    ids=["no-offset", "summer-time", "date-alone"],
)
@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c[:2]))
def test_a_time_without_offset_is_refused_with_both_readings(
    moto: str,
    rds: Any,
    tmp_path: Path,
    command: tuple[str, ...],
    given: str,
    utc: str,
    berlin: str,
) -> None:
    make_instance(rds)
    before = aws_state(rds)
    clock = FakeClock()
    engine = InProcessEngine(moto, tmp_path / "state")
    context = FakeFactory(clock=clock, sleep=clock.sleep, interactive=False, engine=engine)
    group, verb, *extra = command
    result = CliRunner().invoke(
        app,
        [
            "--endpoint-url",
            moto,
            "--region",
            REGION,
            group,
            verb,
            "shop",
            "--to-time",
            given,
            *extra,
        ],
        obj=context,
        env={"TZ": "Europe/Berlin"},
    )
    one_error_line(result, 2, f"'{given}'", f"{utc} for UTC", f"{berlin} for Europe/Berlin")
    assert aws_state(rds) == before
    assert not (tmp_path / "state").exists()


def test_a_time_with_its_offset_is_read_as_written() -> None:
    assert parse_point_in_time("2026-11-25T10:00:00+01:00").isoformat() == (
        "2026-11-25T09:00:00+00:00"
    )
    assert parse_point_in_time("2026-11-25T10:00:00Z").isoformat() == "2026-11-25T10:00:00+00:00"


def test_without_a_known_zone_the_local_reading_is_a_pattern() -> None:
    with pytest.raises(errors.InvalidInput, match=r"2026-11-25T10:00:00\+HH:MM with your zone"):
        parse_point_in_time("2026-11-25T10:00:00", local_zone=None)
    with pytest.raises(errors.InvalidInput, match=r"\+HH:MM with your zone"):
        parse_point_in_time("2026-11-25T10:00:00", local_zone="Not/AZone")
