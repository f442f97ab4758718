"""Print a pip constraints file pinning every runtime dependency to its floor in pyproject.toml.

`.ci/run` installs the project with these constraints in a second environment and runs the
declaration tests there, so the lowest versions the project admits are proven to work.
"""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path

FLOOR = re.compile(r"^\s*([A-Za-z0-9_.\-]+)(?:\[[^\]]*\])?\s*[^>]*>=\s*([0-9][^,;\s]*)")


def floors(pyproject: Path) -> list[str]:
    dependencies = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]["dependencies"]
    out = []
    for requirement in dependencies:
        match = FLOOR.match(requirement)
        if match is None:
            sys.exit(f"no >= floor in dependency {requirement!r}; give it one")
        out.append(f"{match.group(1)}=={match.group(2)}")
    return out


if __name__ == "__main__":
    print("\n".join(floors(Path(__file__).resolve().parent.parent / "pyproject.toml")))
