"""The README cannot go stale: its two set-up commands are CI's, and it names every command."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from automation.cli import app
from tests.support.commands import command_paths

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
CI = (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def _block_after(marker: str) -> str:
    match = re.search(rf"<!-- {marker} -->\s*```(?:sh|bash|console)?\n(.+?)\n```", README, re.S)
    assert match, f"README has no code block after <!-- {marker} -->"
    return match.group(1).strip()


@pytest.mark.parametrize("marker", ["install", "test"])
def test_readme_setup_commands_are_the_ones_ci_runs(marker: str) -> None:
    command = _block_after(marker)
    assert "\n" not in command, "one command per block"
    assert f"# {marker} (README)\n{command}\n" in CI


def test_every_command_has_help_and_is_in_the_readme() -> None:
    commands = command_paths(app)
    assert ("restore", "plan") in commands
    runner = CliRunner()
    for path in commands:
        result = runner.invoke(app, [*path, "--help"])
        assert result.exit_code == 0, path
        assert len(result.output.strip().splitlines()) > 3, path
        assert f"sccos-backup {' '.join(path)}" in README, f"README does not show {path}"
