"""No code that does nothing: help panels that never render, false lint exemptions, names
nothing uses."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import typer

from automation.cli import app

ROOT = Path(__file__).resolve().parent.parent
LIBRARY = ("sccos_backup", "automation")


def commands(command: Any, path: str = "sccos-backup") -> Iterator[tuple[str, Any]]:
    """Every command under ``command`` (Typer 0.28 vendors its own click: duck-typed)."""
    yield path, command
    for name, sub in getattr(command, "commands", {}).items():
        yield from commands(sub, f"{path} {name}")


def test_no_help_panel_is_declared_where_help_is_plain_text() -> None:
    """Help panels render only with Typer's Rich help; ours is plain (rich_markup_mode=None)."""
    root = typer.main.get_command(app)
    assert app.rich_markup_mode is None
    declared = [
        f"{path} {param.name}"
        for path, command in commands(root)
        for param in command.params
        if getattr(param, "rich_help_panel", None)
    ]
    assert not declared, f"rich_help_panel that never renders: {declared}"


def test_options_are_written_x_or_none() -> None:
    """Typer (0.26, the floor, and later) reads ``X | None``; no exemption from ruff's UP045."""
    ruff = Path(sys.executable).with_name("ruff")
    result = subprocess.run(
        [str(ruff), "check", "--select", "UP045", "--ignore-noqa", "--no-cache", *LIBRARY],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:]


def test_every_name_the_library_defines_is_used() -> None:
    """A module-level name, function, class or method that no other line mentions is dead;
    commands registered by a decorator are used by it."""
    files = [p for top in (*LIBRARY, "tests") for p in (ROOT / top).rglob("*.py")]
    files.append(ROOT / "__main__.py")
    texts = {path: path.read_text(encoding="utf-8") for path in files}
    mentions = Counter(
        word for text in texts.values() for word in re.findall(r"[A-Za-z_]\w*", text)
    )
    unused = []
    for path, text in texts.items():
        if path.relative_to(ROOT).parts[0] not in LIBRARY:
            continue
        tree = ast.parse(text)
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                names = [] if node.decorator_list and node.col_offset == 0 else [node.name]
            elif isinstance(node, ast.Assign) and node in tree.body:
                names = [t.id for t in node.targets if isinstance(t, ast.Name)]
            else:
                continue
            unused += [
                f"{path.relative_to(ROOT)}: {name}"
                for name in names
                if not name.startswith("__") and mentions[name] < 2
            ]
    assert not unused, f"defined and never used: {unused}"


#: History told in code: the project's issue numbers, "split out of", the seed document's
#: nickname. Upstream references (CPython issue N, terraform-provider-aws issue N) say why.
HISTORY = re.compile(
    r"(?<!CPython )(?<!terraform-provider-aws )\bissues? \d+|\bissue's\b|split out of"
    r"|no behaviour change|\bthe seed\b|\bseed's\b|\(seed[: ]|\bseed runbook\b",
    re.IGNORECASE,
)


def test_no_comment_docstring_or_help_tells_history() -> None:
    files = [p for top in LIBRARY for p in (ROOT / top).rglob("*.py")]
    files += [ROOT / "__main__.py", ROOT / "README.md", *(ROOT / "docs").rglob("*.md")]
    told = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in files
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if HISTORY.search(line)
    ]
    assert not told, "say why, not when or which issue:\n" + "\n".join(told)


#: Constructor options whose removal belongs to a change in progress elsewhere.
KNOB_EXCEPTIONS = {"AutomationEngine.pulumi_version"}


def test_every_constructor_option_is_set_by_some_caller() -> None:
    """An ``__init__`` parameter with a default that no call anywhere passes (by keyword, or by
    position to the class) is a knob nothing turns: the default is its only value."""
    files = [p for top in (*LIBRARY, "tests", "bench") for p in (ROOT / top).rglob("*.py")]
    trees = {path: ast.parse(path.read_text(encoding="utf-8")) for path in files}
    calls = [
        node for tree in trees.values() for node in ast.walk(tree) if isinstance(node, ast.Call)
    ]
    by_keyword = {keyword.arg for call in calls for keyword in call.keywords}
    positional: Counter[str] = Counter()
    for call in calls:
        name = getattr(call.func, "id", None) or getattr(call.func, "attr", None)
        if name:
            positional[name] = max(positional[name], len(call.args))
    unset = []
    for path, tree in trees.items():
        if path.relative_to(ROOT).parts[0] not in LIBRARY:
            continue
        for cls in (n for n in ast.walk(tree) if isinstance(n, ast.ClassDef)):
            for init in cls.body:
                if not isinstance(init, ast.FunctionDef) or init.name != "__init__":
                    continue
                args = init.args
                first_optional = len(args.args) - len(args.defaults)
                optional = [
                    (arg.arg, index)
                    for index, arg in enumerate(args.args)
                    if index >= first_optional
                ] + [
                    (arg.arg, None)
                    for arg, default in zip(args.kwonlyargs, args.kw_defaults, strict=True)
                    if default
                ]
                unset += [
                    f"{cls.name}.{name}"
                    for name, index in optional
                    if name not in by_keyword
                    and (index is None or positional[cls.name] < index)
                    and f"{cls.name}.{name}" not in KNOB_EXCEPTIONS
                ]
    assert not unset, f"constructor options no caller sets: {unset}"
