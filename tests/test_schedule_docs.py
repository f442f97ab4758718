"""docs/schedule.md shows the preview of a three-shop fleet exactly as the program declares it
(rendered under the SDK's mocks by tests/schedule_preview.py; no Pulumi CLI runs here)."""

from __future__ import annotations

import re
from pathlib import Path

from tests.schedule_preview import preview_text

PAGE = Path(__file__).resolve().parent.parent / "docs" / "schedule.md"


def test_the_page_shows_the_current_preview() -> None:
    text = PAGE.read_text()
    found = re.search(
        r"<!-- preview:start -->\n```text\n(.*?)\n```\n<!-- preview:end -->", text, re.S
    )
    assert found, "docs/schedule.md lost its preview block"
    assert found.group(1) == preview_text(), (
        "docs/schedule.md is stale: regenerate the block with `.venv/bin/python -m "
        "tests.schedule_preview`"
    )
    assert "not the output of a real `pulumi preview`" in text
