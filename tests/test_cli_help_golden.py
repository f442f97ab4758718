"""Every command's ``--help`` and its parameters stay exactly as the golden files say: a refactor
of how options are declared or shared changes neither what a user reads nor what a command
accepts. A deliberate change writes them again: ``python -m tests.support.cli_help``."""

from __future__ import annotations

from tests.support.cli_help import HELP, PARAMS, help_text, params_text

AGAIN = "a deliberate change? write the golden files again: python -m tests.support.cli_help"


def test_every_commands_help_is_its_golden_text() -> None:
    assert help_text() == HELP.read_text(encoding="utf-8"), AGAIN


def test_every_commands_parameters_are_their_golden_list() -> None:
    assert params_text() == PARAMS.read_text(encoding="utf-8"), AGAIN
