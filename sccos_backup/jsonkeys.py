"""One JSON convention: values are dataclasses, ``dataclasses.asdict`` (or an ``as_dict`` of
snake_case keys where the JSON is a view of the object) gives their dict, and :func:`camel_keys`
turns it into the camelCase keys of every ``--json`` output and every stored record (plan
files, drill reports)."""

from __future__ import annotations

import re
from typing import Any

#: Keys whose values are data keyed by names we do not choose (stack config, tags, RDS setting
#: names, stack outputs): their keys are printed as they are.
DATA_KEYS = frozenset(
    {"config", "tags", "Tags", "settings", "outputs", "original", "declared", "policy"}
)
_SNAKE = re.compile(r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)+$")


def camel_name(key: str) -> str:
    """``dry_run`` -> ``dryRun``; a key that is not snake_case stays as it is."""
    if not _SNAKE.match(key):
        return key
    head, *rest = key.split("_")
    return head + "".join(part.capitalize() for part in rest)


def camel_keys(value: Any, data_keys: frozenset[str] = DATA_KEYS) -> Any:
    """``dry_run`` -> ``dryRun`` in every mapping key, except below ``data_keys``."""
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            name = camel_name(key) if isinstance(key, str) else key
            out[name] = item if key in data_keys else camel_keys(item, data_keys)
        return out
    if isinstance(value, list | tuple):
        return [camel_keys(item, data_keys) for item in value]
    return value
