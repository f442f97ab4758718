"""The documentation starts where a user starts: a getting-started page as the site's home,
the user guide and the contributor pages in separate sections, code blocks that wrap instead of
clipping, and a README task list that reads as it is used."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from tests.support.docs import MkdocsLoader
from tests.support.docs import nav_files as _files

ROOT = Path(__file__).resolve().parent.parent
CONFIG = yaml.load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"), Loader=MkdocsLoader)
CONTRIBUTOR_PAGES = {"development.md", "architecture.md", "benchmarks.md"}


def test_the_home_page_gets_a_user_started() -> None:
    home = _files(CONFIG["nav"][0])
    assert home == ["index.md"], "the home page is the first entry"
    text = (ROOT / "docs" / "index.md").read_text(encoding="utf-8")
    assert text.startswith("# Getting started")
    for needle in (
        "pipx install",
        "AWS_PROFILE",
        "sccos-backup snapshot list",
        "sccos-backup restore plan",
        "sccos-backup.toml",
    ):
        assert needle in text, needle
    assert "Start with the README" not in text


def test_user_guide_and_contributor_pages_are_separate_sections() -> None:
    sections = {
        name: set(_files(entries)) for entry in CONFIG["nav"] for name, entries in entry.items()
    }
    assert "User guide" in sections and "Contributing" in sections, sections.keys()
    assert sections["Contributing"] == CONTRIBUTOR_PAGES
    assert not sections["User guide"] & CONTRIBUTOR_PAGES


def test_code_blocks_wrap_instead_of_clipping() -> None:
    sheets = CONFIG.get("extra_css", [])
    assert sheets, "mkdocs.yml names no stylesheet"
    css = "".join((ROOT / "docs" / sheet).read_text(encoding="utf-8") for sheet in sheets)
    rule = re.search(r"\.md-typeset pre > code\s*\{([^}]*)\}", css)
    assert rule and "white-space: pre-wrap" in rule.group(1), css


def _task(number: int) -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    start = readme.index(f"**{number}. ")
    end = readme.index(f"**{number + 1}. ") if f"**{number + 1}. " in readme else len(readme)
    return readme[start:end]


def test_readme_task_3_previews_the_schedule_before_up() -> None:
    block = _task(3)
    assert "sccos-backup schedule preview" in block
    assert block.index("schedule preview") < block.index("schedule up")


def test_readme_task_4_is_not_one_sequence_of_run_resume_rollback_cleanup() -> None:
    """The console block listed plan, run, status, resume, rollback, cleanup one after the
    other, as if each were run in turn."""
    block = _task(4)
    first = re.search(r"```console\n(.*?)```", block, re.S)
    assert first is not None
    commands = re.findall(r"restore (\w+)", first.group(1))
    assert commands == ["plan", "run"], commands
    for when in ("resume", "rollback", "cleanup"):
        assert f"restore {when}" in block, when
