"""The layout stays what docs/architecture.md and the import-linter contracts say it is."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ARCHITECTURE = (ROOT / "docs" / "architecture.md").read_text()


def subpackages() -> list[str]:
    return sorted(
        f"{init.parent.relative_to(ROOT).as_posix()}/"
        for top in ("sccos_backup", "automation")
        for init in (ROOT / top).glob("*/__init__.py")
    )


@pytest.mark.parametrize("folder", subpackages())
def test_every_subpackage_is_on_the_architecture_page(folder: str) -> None:
    assert f"`{folder}`" in ARCHITECTURE or f" {folder} " in ARCHITECTURE, (
        f"docs/architecture.md does not describe {folder}"
    )


def test_import_contracts_are_kept() -> None:
    lint_imports = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run(
        [str(lint_imports), "--no-cache"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]


#: No module over about 400 lines, no class over about 250, with a little slack. A class counts
#: with every base class of the project it inherits from: splitting a class into mixins (or a
#: chain of bases) does not make it smaller.
MAX_MODULE_LINES = 420
MAX_CLASS_LINES = 260


def modules() -> list[Path]:
    return sorted(p for top in ("sccos_backup", "automation") for p in (ROOT / top).rglob("*.py"))


def module_name(path: Path, root: Path = ROOT) -> str:
    parts = path.relative_to(root).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


class ClassSizes:
    """Every class of the project with its own lines, and its bases resolved through each
    module's imports (a base from outside the project counts nothing)."""

    def __init__(self, paths: list[Path], root: Path = ROOT) -> None:
        import ast

        self.classes: dict[str, tuple[int, list[ast.expr], str]] = {}
        self.imports: dict[str, dict[str, str]] = {}
        for path in paths:
            module = module_name(path, root)
            tree = ast.parse(path.read_text(encoding="utf-8"))
            names = self.imports.setdefault(module, {})
            for node in ast.walk(tree):
                if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                    for alias in node.names:
                        names[alias.asname or alias.name] = f"{node.module}.{alias.name}"
                elif isinstance(node, ast.Import):
                    for alias in node.names:
                        names[alias.asname or alias.name] = alias.name
                elif isinstance(node, ast.ClassDef) and node.end_lineno is not None:
                    lines = node.end_lineno - node.lineno + 1
                    self.classes[f"{module}.{node.name}"] = (lines, node.bases, module)

    def resolve(self, module: str, name: str, seen: frozenset[str] = frozenset()) -> str | None:
        """The project class ``name`` means in ``module``, following imports and re-exports."""
        if f"{module}.{name}" in self.classes:
            return f"{module}.{name}"
        target = self.imports.get(module, {}).get(name)
        if target is None or target in seen:
            return None
        where, _, real = target.rpartition(".")
        return self.resolve(where, real, seen | {target})

    def bases(self, qualified: str) -> set[str]:
        """The project classes ``qualified`` inherits from, directly or not."""
        import ast

        found: set[str] = set()
        todo = [qualified]
        while todo:
            _, nodes, module = self.classes[todo.pop()]
            for node in nodes:
                base = None
                if isinstance(node, ast.Name):
                    base = self.resolve(module, node.id)
                elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
                    where = self.imports.get(module, {}).get(node.value.id)
                    base = self.resolve(where, node.attr) if where else None
                if base is not None and base not in found and base != qualified:
                    found.add(base)
                    todo.append(base)
        return found

    def size(self, qualified: str) -> int:
        """Lines of the class and of every project class it inherits from."""
        return sum(self.classes[c][0] for c in {qualified} | self.bases(qualified))


def test_no_module_or_class_outgrows_one_job() -> None:
    too_big = []
    for path in modules():
        text = path.read_text(encoding="utf-8")
        name = path.relative_to(ROOT).as_posix()
        if (lines := len(text.splitlines())) > MAX_MODULE_LINES:
            too_big.append(f"{name}: {lines} lines")
    sizes = ClassSizes(modules())
    for qualified in sorted(sizes.classes):
        if (size := sizes.size(qualified)) > MAX_CLASS_LINES:
            bases = sorted(b.rpartition(".")[2] for b in sizes.bases(qualified))
            counted = f" (with its bases {', '.join(bases)})" if bases else ""
            too_big.append(f"{qualified}: {size} lines{counted}")
    assert not too_big, "split along its jobs, into parts it holds: " + "; ".join(too_big)


def test_a_class_is_measured_with_its_bases(tmp_path: Path) -> None:
    """Mixins in other modules, re-exported or aliased, still count towards the class."""
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "core.py").write_text("class Core:\n" + "    x = 1\n" * 199)
    (pkg / "again.py").write_text("from pkg.core import Core as Base\n")
    (pkg / "part.py").write_text(
        "from pkg.again import Base\n\n\nclass Part(Base):\n" + "    y = 1\n" * 99
    )
    (pkg / "whole.py").write_text(
        "import enum\nfrom pkg import part\n\n\nclass Whole(part.Part, enum.Enum):\n    z = 1\n"
    )
    sizes = ClassSizes(sorted(pkg.glob("*.py")), tmp_path)
    assert sizes.size("pkg.core.Core") == 200
    assert sizes.size("pkg.part.Part") == 300
    assert sizes.bases("pkg.whole.Whole") == {"pkg.part.Part", "pkg.core.Core"}
    assert sizes.size("pkg.whole.Whole") == 302
