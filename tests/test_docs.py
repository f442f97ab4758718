"""The documentation site cannot go stale: every page is in the nav, every `sccos-backup` example
in a console block parses against the real command tree, and the exit codes and permission
statements are the code's."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from automation.cli import app
from automation.commands.exit_codes import ExitStatus
from sccos_backup.permissions import statements_for
from tests.support.docs import MkdocsLoader, console_argv, is_ours, nav_files

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
PAGES = sorted(p.name for p in DOCS.glob("*.md"))


MkdocsLoader.add_multi_constructor(
    "tag:yaml.org,2002:python/name:", lambda loader, suffix, node: suffix
)


def test_every_page_is_in_the_nav_and_every_nav_entry_exists() -> None:
    config = yaml.load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"), Loader=MkdocsLoader)
    nav = nav_files(config["nav"])
    assert sorted(nav) == PAGES
    for name in (
        "restore.md",
        "backups.md",
        "resync.md",
        "schedule.md",
        "drills.md",
        "restore-crash-matrix.md",
        "permissions.md",
        "exit-codes.md",
        "benchmarks.md",
        "development.md",
        "architecture.md",
    ):
        assert name in nav, name


def examples() -> list[tuple[str, str]]:
    """(source, command line) for every `$ ... sccos-backup ...` line in a console block."""
    found: list[tuple[str, str]] = []
    for path in [ROOT / "README.md", *sorted(DOCS.glob("*.md"))]:
        text = path.read_text(encoding="utf-8")
        for block in re.findall(r"```console\n(.*?)```", text, re.S):
            for line in block.replace("\\\n", " ").splitlines():
                if line.startswith("$ ") and is_ours(line[2:]):
                    found.append((path.name, line[2:]))
    return found


def test_there_are_examples_to_check() -> None:
    sources = {source for source, _ in examples()}
    assert {"README.md", "restore.md", "backups.md", "permissions.md"} <= sources


@pytest.mark.parametrize(("source", "line"), examples())
def test_every_console_example_parses(source: str, line: str) -> None:
    # `--help` after the example: Click parses every word of the line (an unknown command or
    # option fails) and then prints help instead of running, so nothing is contacted.
    argv = console_argv(line)
    result = CliRunner().invoke(app, [*argv, "--help"], env={"AWS_ENDPOINT_URL": ""})
    assert result.exit_code == 0, f"{source}: `{line}`\n{result.output}"
    assert "Usage:" in result.output


def test_exit_codes_are_documented_once_and_match_the_code() -> None:
    page = (DOCS / "exit-codes.md").read_text(encoding="utf-8")
    rows = dict(re.findall(r"^\| (\d+) \| ([A-Z]+) \|", page, re.M))
    assert rows == {str(int(s)): s.name for s in ExitStatus}
    for name in PAGES:
        if name != "exit-codes.md":
            text = (DOCS / name).read_text(encoding="utf-8")
            assert "| 130 |" not in text, f"{name} repeats the exit-code table"
    assert "| 130 |" not in (ROOT / "README.md").read_text(encoding="utf-8")


_STATEMENTS = "## The statements\n"


def render_statements() -> str:
    """The statements section of docs/permissions.md, from the policy source."""
    import json

    from sccos_backup.permissions.groups import BY_COMMAND

    out = [
        _STATEMENTS,
        "`…rds` stands for `arn:aws:rds:REGION:ACCOUNT`, `{db}` for the `--db` patterns (`*`",
        "without `--db`), `{name}` for each `--db` name exactly (`*` without `--db`). `all` is",
        "the union of the groups, each statement once.",
    ]
    seen: set[str] = set()
    for group, statements in BY_COMMAND.items():
        out += ["", f"### `{group}`", ""]
        if not statements:
            out.append("No statement: this command group makes no AWS call.")
        for st in statements:
            if st.sid in seen:
                out.append(f"- `{st.sid}`: as above.")
                continue
            seen.add(st.sid)
            arns = ", ".join(
                "`" + r.replace("arn:{partition}:rds:{region}:{account}", "…rds") + "`"
                for r in st.resources
            ).replace("{partition}", "aws")
            condition = f" Condition: `{json.dumps(dict(st.condition))}`." if st.condition else ""
            actions = ", ".join(f"`{a}`" for a in st.actions)
            effect = "**Deny** " if st.effect == "Deny" else ""
            where = "on every resource but" if st.not_resources else "on"
            out.append(f"- `{st.sid}`: {effect}{actions} {where} {arns}.{condition}\n  {st.why}")
    return "\n".join(out) + "\n"


def test_every_permission_statement_is_explained() -> None:
    """Regenerate with `.venv/bin/python -m tests.test_docs` after changing a statement."""
    page = (DOCS / "permissions.md").read_text(encoding="utf-8")
    assert _STATEMENTS in page
    assert page[page.index(_STATEMENTS) :] == render_statements()
    for statement in statements_for("all"):
        assert f"`{statement.sid}`" in page, statement.sid


if __name__ == "__main__":
    path = DOCS / "permissions.md"
    text = path.read_text(encoding="utf-8")
    path.write_text(text[: text.index(_STATEMENTS)] + render_statements(), encoding="utf-8")


@pytest.mark.parametrize(
    "argv",
    [
        ["restore", "run", "shop", "--latest"],
        ["restore", "rollback", "shop"],
        ["drill", "run", "shop", "--latest"],
        ["drill", "cleanup", "shop"],
    ],
    ids=" ".join,
)
def test_a_confirmation_refused_without_a_terminal_exits_as_documented(argv: list[str]) -> None:
    """docs/exit-codes.md gave 10 for a confirmation refused without a terminal; it is 2."""
    page = (DOCS / "exit-codes.md").read_text(encoding="utf-8")
    [documented] = re.findall(r"^\| (\d+) \| [A-Z]+ \|[^\n]*without a terminal", page, re.M)
    result = CliRunner().invoke(app, ["--endpoint-url", "http://127.0.0.1:1", *argv])
    assert "needs a confirmation" in result.stderr, result.output
    assert result.exit_code == int(documented), result.output
