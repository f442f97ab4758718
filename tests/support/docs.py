"""Reading the docs site: mkdocs.yml's nav and the console examples of the pages."""

from __future__ import annotations

import re
import shlex

import yaml

_SHELL_END = {"|", "||", "&&", ";", ">", ">>", "2>&1", "&", "#"}


def nav_files(entries: object) -> list[str]:
    if isinstance(entries, str):
        return [entries]
    if isinstance(entries, list):
        return [f for entry in entries for f in nav_files(entry)]
    if isinstance(entries, dict):
        return [f for value in entries.values() for f in nav_files(value)]
    return []


class MkdocsLoader(yaml.SafeLoader):
    """mkdocs.yml names a Python function (the diagram fence's format) with a !!python/name
    tag; read it as its name, import nothing."""


def is_ours(line: str) -> bool:
    words = [w for w in line.split() if not re.match(r"^[A-Z_]+=", w)]
    return bool(words) and words[0].endswith("sccos-backup")


def console_argv(line: str) -> list[str]:
    words = shlex.split(line, comments=True, posix=True)
    while words and "=" in words[0] and not words[0].startswith("-"):
        words.pop(0)  # VAR=value before the command
    assert words and words[0].endswith("sccos-backup"), line
    out: list[str] = []
    for word in words[1:]:
        if word in _SHELL_END or word.startswith((">", "2>")):
            break
        out.append(word)
    return out
