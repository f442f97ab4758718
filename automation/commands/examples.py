"""One example per command, shown at the end of its ``--help`` (added by ``automation/cli.py``
to commands whose help has none of its own). ``tests/test_cli_conventions.py`` checks that every
command has one and that each parses against the real command tree."""

from __future__ import annotations

import re
from typing import Any

EXAMPLES: dict[str, str] = {
    "resync": "sccos-backup resync --copy-script-from DE-queue-worker-start --store DE",
    "restore plan": "sccos-backup restore plan shop --to-time 2026-11-25T10:00:00Z",
    "restore capture": "sccos-backup restore capture shop --snapshot shop-nightly --stack review",
    "restore run": "sccos-backup restore run shop --latest --strategy swap --maintenance prod",
    "restore resume": "sccos-backup restore resume shop",
    "restore status": "sccos-backup restore status shop --json",
    "restore rollback": "sccos-backup restore rollback shop",
    "restore cleanup": "sccos-backup restore cleanup shop",
    "restore unlock": "sccos-backup restore unlock shop",
    "restore rehearse": "sccos-backup restore rehearse shop --strategy swap",
    "snapshot create": "sccos-backup snapshot create shop --purpose before-release --note 2026.11",
    "snapshot list": "sccos-backup snapshot list shop --since 24h",
    "snapshot rotate": "sccos-backup snapshot rotate shop --keep-hours 60",
    "snapshot check": "sccos-backup snapshot check shop --max-hourly-age 75m",
    "snapshot delete": "sccos-backup snapshot delete shop shop-before-release-20261125-1319 -y",
    "snapshot prune": "sccos-backup snapshot prune --dry-run",
    "drill plan": "sccos-backup drill plan shop --hourly",
    "drill run": "sccos-backup drill run shop --hourly --check-command 'psql -c \"select 1\"'",
    "drill cleanup": "sccos-backup drill cleanup shop",
    "drill history": "sccos-backup drill history shop",
    "config show": "sccos-backup config show --shop de",
}


def add_examples(command: Any, path: tuple[str, ...] = ()) -> None:
    """End every leaf command's help with ``Example: ...`` on a line of its own: its own
    example (moved out of the wrapped text) or the one above."""
    for name, sub in getattr(command, "commands", {}).items():
        here = (*path, name)
        if getattr(sub, "commands", None):
            add_examples(sub, here)
            continue
        help_text = sub.help or ""
        example = EXAMPLES.get(" ".join(here))
        own = re.search(r"\bExample:\s+", help_text)
        if own and "\b\nExample:" not in help_text:
            help_text, example = help_text[: own.start()], " ".join(help_text[own.end() :].split())
        if example and "\b\nExample:" not in help_text:
            # On a paragraph of its own that Click does not re-wrap, the command on a line of
            # its own: copyable as one line, within 80 columns.
            sub.help = f"{help_text.rstrip()}\n\n\b\nExample:\n  {example}"
