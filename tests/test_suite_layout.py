"""The suite's own layout: helpers and shared fixtures live in tests/support (or conftest), never
in a test module another module imports (importing one runs its module-level code, can collect
its tests twice and ties unrelated modules together)."""

from __future__ import annotations

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parent


def _is_test_module(dotted: str) -> bool:
    return dotted.rpartition(".")[2].startswith("test_")


def imports_of_test_modules(tests: Path) -> list[str]:
    """Every import of a test module (``test_*.py``) by any module under ``tests``, as
    ``path:line imported-module``; imports inside functions count too."""
    found = []
    for path in sorted(tests.rglob("*.py")):
        package = ".".join(path.relative_to(tests.parent).parent.parts)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            imported: list[str] = []
            if isinstance(node, ast.Import):
                imported = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join([*parent, *([base] if base else [])])
                imported = [base, *(f"{base}.{alias.name}" for alias in node.names)]
            where = f"{path.relative_to(tests.parent).as_posix()}:{node.lineno}" if imported else ""
            found += [f"{where} {name}" for name in imported if _is_test_module(name)]
    return found


def test_no_module_imports_a_test_module() -> None:
    found = imports_of_test_modules(TESTS)
    assert not found, "move what is shared into tests/support or conftest: " + "; ".join(found)


def test_every_kind_of_import_of_a_test_module_is_found(tmp_path: Path) -> None:
    tests = tmp_path / "tests"
    (tests / "support").mkdir(parents=True)
    (tests / "test_a.py").write_text("X = 1\n")
    (tests / "support" / "helpers.py").write_text("from tests.conftest import REGION\n")
    (tests / "test_b.py").write_text(
        "import tests.test_a\n"
        "from tests.test_a import X\n"
        "from tests import test_a\n"
        "from . import test_a as again\n"
        "from .test_a import X as Y\n"
        "from tests.support.helpers import REGION\n"
        "def f():\n"
        "    from tests.test_a import X\n"
    )
    found = imports_of_test_modules(tests)
    assert [line.split()[0] for line in found] == [
        "tests/test_b.py:1",
        "tests/test_b.py:2",
        "tests/test_b.py:3",
        "tests/test_b.py:4",
        "tests/test_b.py:5",
        "tests/test_b.py:8",
    ], found
