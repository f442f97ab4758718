"""The documentation's diagrams are drawn in a real browser, offline: the built site is opened in
headless Chromium (Debian's `chromium`) with every host name unresolvable, and each ```mermaid
block of docs/ must have become an SVG with shapes in it.

Skipped where Chromium or MkDocs is missing locally; CI (.ci/run) installs both and sets
SCCOS_BACKUP_REQUIRE_BROWSER=1, which turns the skip into a failure.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
BROWSERS = ("chromium", "chromium-browser")


def _missing(reason: str) -> None:
    if os.environ.get("SCCOS_BACKUP_REQUIRE_BROWSER") == "1":
        pytest.fail(f"{reason} (SCCOS_BACKUP_REQUIRE_BROWSER=1)")
    pytest.skip(reason)


def _pages_with_diagrams() -> dict[str, int]:
    found = {}
    for page in sorted(DOCS.glob("*.md")):
        count = len(re.findall(r"^```mermaid\s*$", page.read_text(encoding="utf-8"), re.M))
        if count:
            found[page.stem] = count
    return found


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if shutil.which("mkdocs") is None and not (ROOT / ".venv" / "bin" / "mkdocs").exists():
        _missing("MkDocs is not installed (pip install -e '.[docs]')")
    mkdocs = shutil.which("mkdocs") or str(ROOT / ".venv" / "bin" / "mkdocs")
    out = tmp_path_factory.mktemp("site")
    done = subprocess.run(
        [mkdocs, "build", "--strict", "-q", "-d", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return out


def test_the_diagrams_exist_where_the_docs_promise_them() -> None:
    pages = _pages_with_diagrams()
    assert pages.get("restore", 0) >= 1, "the in-place and swap timelines"
    assert pages.get("restore-crash-matrix", 0) >= 1, "the crash states and ways on"
    assert pages.get("schedule", 0) >= 1, "the schedule architecture"


def test_the_site_loads_nothing_from_another_host(site: Path) -> None:
    for page in _pages_with_diagrams():
        html = (site / page / "index.html").read_text(encoding="utf-8")
        remote = re.findall(r'<(?:script|link)[^>]+(?:src|href)="(https?://[^"]+)"', html)
        assert remote == [], (page, remote)


def test_each_diagram_is_drawn_in_headless_chromium_offline(site: Path) -> None:
    browser = next((b for b in BROWSERS if shutil.which(b)), None)
    if browser is None:
        _missing("Chromium is not installed (apt-get install chromium)")
    for page, expected in _pages_with_diagrams().items():
        done = subprocess.run(
            [
                str(browser),
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--host-resolver-rules=MAP * ~NOTFOUND",
                "--virtual-time-budget=20000",
                "--dump-dom",
                (site / page / "index.html").as_uri(),
            ],
            capture_output=True,
            text=True,
            timeout=180,
            check=False,
        )
        assert done.returncode == 0, done.stderr[-2000:]
        blocks = done.stdout.split('<div class="sccos-diagram"')[1:]
        assert len(blocks) == expected, (page, len(blocks), expected)
        for block in blocks:
            assert block.startswith(' data-processed="true">'), (page, block[:300])
            svg = re.search(r"<svg[^>]*>(.*?)</svg>", block, re.S)
            assert svg is not None, (page, block[:300])
            role = re.search(r'aria-roledescription="([^"]*)"', svg.group(0))
            # mermaid draws a bomb with the role "error" for a diagram it cannot parse.
            assert role is not None and role.group(1) != "error", (page, svg.group(0)[:300])
            assert svg.group(1).count("<g") >= 3, (page, svg.group(1)[:500])
