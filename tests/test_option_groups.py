"""option_groups: a command takes a dataclass of options whole; Typer sees the fields in their
order at the group's place, a field the command declares itself keeps its own place and still
reaches the group, and the command gets the group built from what was given."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

import typer
from typer.testing import CliRunner

from automation.commands.options import option_groups

First = Annotated[str, typer.Option("--first")]
Second = Annotated[int, typer.Option("--second")]
Third = Annotated[bool, typer.Option("--third")]
Own = Annotated[str, typer.Option("--own")]


@dataclass(frozen=True)
class Group:
    first: First = "a"
    second: Second = 1
    third: Third = False


def app_of(command: Any) -> typer.Typer:
    app = typer.Typer(rich_markup_mode=None)
    app.command()(command)
    app.command("other")(lambda: None)  # a group, so the command is called by its name
    return app


def test_the_group_arrives_built_from_the_options_given_and_its_defaults() -> None:
    seen: list[Any] = []

    @option_groups
    def command(*, group: Group, own: Own = "x") -> None:
        seen.append((group, own))

    result = CliRunner().invoke(app_of(command), ["command", "--second", "7", "--own", "y"])
    assert result.exit_code == 0, result.output
    assert seen == [(Group(first="a", second=7, third=False), "y")]


def test_a_field_declared_by_the_command_keeps_its_place_and_reaches_the_group() -> None:
    seen: list[Any] = []

    @option_groups
    def command(*, group: Group, own: Own = "x", first: First = "a") -> None:
        seen.append((group, first))

    app = app_of(command)
    shown = CliRunner().invoke(app, ["command", "--help"], env={"COLUMNS": "80"}).stdout
    order = [shown.index(name) for name in ("--second", "--third", "--own", "--first")]
    assert order == sorted(order), shown
    result = CliRunner().invoke(app, ["command", "--first", "b"])
    assert result.exit_code == 0, result.output
    assert seen == [(Group(first="b"), "b")]


def test_every_restore_choice_is_one_a_saved_plan_decides() -> None:
    """A choice added to RestoreChoices is refused beside ``restore run --plan`` too."""
    from dataclasses import fields

    from automation.commands.options import RestoreChoices
    from automation.commands.restore_run import _PLANNED

    assert set(_PLANNED) == {f.name for f in fields(RestoreChoices)} | {"jenkins_job"}
