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


#: No module over about 400 lines, no class over about 250, with a little slack.
MAX_MODULE_LINES = 420
MAX_CLASS_LINES = 260


def modules() -> list[Path]:
    return sorted(p for top in ("sccos_backup", "automation") for p in (ROOT / top).rglob("*.py"))


def test_no_module_or_class_outgrows_one_job() -> None:
    import ast

    too_big = []
    for path in modules():
        text = path.read_text(encoding="utf-8")
        name = path.relative_to(ROOT).as_posix()
        if (lines := len(text.splitlines())) > MAX_MODULE_LINES:
            too_big.append(f"{name}: {lines} lines")
        for node in ast.walk(ast.parse(text)):
            if not isinstance(node, ast.ClassDef) or node.end_lineno is None:
                continue
            if (size := node.end_lineno - node.lineno + 1) > MAX_CLASS_LINES:
                too_big.append(f"{name}: class {node.name} {size} lines")
    assert not too_big, "split along its jobs: " + "; ".join(too_big)
