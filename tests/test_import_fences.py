"""The import fences have no holes: every part of the library is in an import-linter layer, an
adapter importing a capability breaks `lint-imports`, and no two modules import each other, not
even from inside a function (grimp 3.20 and import-linter 2.17 read)."""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TOPS = ("sccos_backup", "automation")
ADAPTERS = {"aws", "jenkins"}
SHARED = {
    "errors",
    "waiting",
    "defaults",
    "identifiers",
    "files",
    "redaction",
    "jsonkeys",
    "objects",
}


def contracts() -> list[dict[str, object]]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    found: list[dict[str, object]] = config["tool"]["importlinter"]["contracts"]
    return found


def layered_names() -> set[str]:
    """Every module a layers contract names, with its container prefixed."""
    names = set()
    for contract in contracts():
        containers = contract.get("containers") or [""]
        assert isinstance(containers, list)
        for layer in contract.get("layers", []):  # type: ignore[attr-defined]
            for part in str(layer).replace("|", ":").split(":"):
                for container in containers:
                    names.add(f"{container}.{part.strip()}".lstrip("."))
    return names


def children(top: str) -> list[str]:
    """The subpackages and modules directly inside ``top``."""
    folder = ROOT / top
    return sorted(
        [f"{top}.{p.parent.name}" for p in folder.glob("*/__init__.py")]
        + [f"{top}.{p.stem}" for p in folder.glob("*.py") if p.stem != "__init__"]
    )


def test_every_part_of_the_library_and_the_driver_is_in_a_layer() -> None:
    named = layered_names()
    missing = [
        name for name in children("sccos_backup") + children("automation") if name not in named
    ]
    assert not missing, f"not in any import-linter layer of pyproject.toml: {missing}"


def capabilities() -> list[str]:
    """Every part of the library above the adapters."""
    return [
        name
        for name in children("sccos_backup")
        if name.rpartition(".")[2] not in ADAPTERS | SHARED
    ]


def test_an_adapter_importing_any_capability_breaks_lint_imports(tmp_path: Path) -> None:
    for top in TOPS:
        shutil.copytree(ROOT / top, tmp_path / top, ignore=shutil.ignore_patterns("__pycache__"))
    adapter = tmp_path / "sccos_backup" / "aws" / "rds.py"
    with adapter.open("a", encoding="utf-8") as out:
        out.writelines(f"import {name}  # noqa\n" for name in capabilities())
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    result = subprocess.run(
        [
            str(Path(sys.executable).with_name("lint-imports")),
            "--no-cache",
            str(ROOT / "pyproject.toml"),
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 1, output[-3000:]
    unreported = [
        name for name in capabilities() if f"sccos_backup.aws.rds -> {name} (l." not in output
    ]
    assert not unreported, f"lint-imports let the adapter import {unreported}:\n{output[-3000:]}"


def modules() -> dict[str, Path]:
    found = {}
    for top in TOPS:
        for path in (ROOT / top).rglob("*.py"):
            parts = path.relative_to(ROOT).with_suffix("").parts
            found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def imported(name: str, path: Path, known: dict[str, Path]) -> set[str]:
    """The project's modules ``name`` imports anywhere in its file, functions included."""
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    targets: list[str] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                kept = package[: len(package) - node.level + 1]
                base = ".".join([*kept, *([node.module] if node.module else [])])
            targets += [
                f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base
                for alias in node.names
            ]
    found = set()
    for target in targets:
        module = target
        while module and module not in known:
            module = module.rpartition(".")[0]
        if module and module != name:
            found.add(module)
    return found


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, edges = work[-1]
            for nxt in edges:
                if nxt not in index:
                    index[nxt] = low[nxt] = len(index)
                    stack.append(nxt)
                    on_stack.add(nxt)
                    work.append((nxt, iter(sorted(graph[nxt]))))
                    break
                if nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    group = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        group.append(member)
                        if member == node:
                            break
                    if len(group) > 1:
                        found.append(sorted(group))
    return found


def test_a_cycle_through_a_function_level_import_is_found(tmp_path: Path) -> None:
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "__init__.py").write_text("")
    (tmp_path / "pkg" / "a.py").write_text("from pkg.b import B\n")
    (tmp_path / "pkg" / "b.py").write_text("def f():\n    from . import c\n")
    (tmp_path / "pkg" / "c.py").write_text("import os\n\ndef g():\n    import pkg.a\n")
    (tmp_path / "pkg" / "d.py").write_text("from pkg import a\n")
    known = {f"pkg.{n}": tmp_path / "pkg" / f"{n}.py" for n in "abcd"}
    known["pkg"] = tmp_path / "pkg" / "__init__.py"
    graph = {name: imported(name, path, known) for name, path in known.items()}
    assert graph["pkg.b"] == {"pkg.c"}
    assert cycles(graph) == [["pkg.a", "pkg.b", "pkg.c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_no_module_imports_one_that_imports_it_back() -> None:
    known = modules()
    graph = {name: imported(name, path, known) for name, path in known.items()}
    assert not cycles(graph), f"import cycles (function-level imports count): {cycles(graph)}"
