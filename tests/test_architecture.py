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
