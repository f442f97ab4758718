"""The dependency floors: every runtime dependency has one, and this environment meets them.

`.ci/run` installs the floors themselves (`.ci/floors.py`) in a second environment and runs this
file with `tests/test_declaration.py` there; SCCOS_BACKUP_FLOORS=1 then also checks that the
floors, not newer versions, are what got installed.
"""

from __future__ import annotations

import importlib.metadata
import os
import runpy
from pathlib import Path

from packaging.version import Version

ROOT = Path(__file__).resolve().parent.parent


def _floors() -> dict[str, str]:
    floors = runpy.run_path(str(ROOT / ".ci" / "floors.py"))["floors"]
    return dict(line.split("==") for line in floors(ROOT / "pyproject.toml"))


def test_every_runtime_dependency_has_a_floor() -> None:
    import tomllib

    deps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    assert len(_floors()) == len(deps)
    assert _floors()["pulumi-aws"] == "6.74", "6.74 is the first with database_insights_mode"


def test_installed_versions_meet_the_floors() -> None:
    exact = os.environ.get("SCCOS_BACKUP_FLOORS") == "1"
    for name, floor in _floors().items():
        installed = Version(importlib.metadata.version(name))
        assert installed >= Version(floor), (name, str(installed), floor)
        if exact:
            assert installed == Version(floor), (name, str(installed), floor)


def test_every_command_s_options_are_read_by_the_installed_typer() -> None:
    """Typer turns every option's annotation (``str | None``, ``list[str] | None``) into its
    parameter: in the floors environment this is Typer 0.26."""
    import typer
    from typer.testing import CliRunner

    from automation.cli import app

    def paths(command: object, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
        found = [path]
        for name, sub in getattr(command, "commands", {}).items():
            found += paths(sub, (*path, name))
        return found

    for path in paths(typer.main.get_command(app)):
        result = CliRunner().invoke(app, [*path, "--help"])
        assert result.exit_code == 0, (path, result.output)
        assert "Usage:" in result.output
