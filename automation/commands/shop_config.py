"""``sccos-backup.toml``: a shop's settings in its project folder, so a command needs no options.

Found as git finds its folder (this folder, then each parent), or named with ``--config`` (or
``SCCOS_BACKUP_CONFIG``). Top-level keys apply to every shop; ``[shops.NAME]`` tables hold named
profiles chosen with ``--shop NAME`` (or ``SCCOS_BACKUP_SHOP``)::

    region = "eu-central-1"
    backend-url = "s3://acme-pulumi-state/sccos-backup"

    [shops.de]
    profile = "acme-prod"
    maintenance = "prod"
    store = "DE"

A key is an option's name without ``--``. Precedence is Click's own: a flag, then its
environment variable, then this file (Click's ``default_map``), then the default. Secrets never
go in it: a key that names one is refused with the way to give it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sccos_backup.errors import InvalidInput

FILE_NAME = "sccos-backup.toml"

#: The keys a shop may set: option names of the root (region, profile, endpoint-url) and of
#: the commands that take them.
ROOT_KEYS = ("region", "profile", "endpoint-url")
COMMAND_KEYS = (
    "maintenance",
    "store",
    "strategy",
    "jenkins-url",
    "jenkins-user",
    "job",
    "backend-url",
)
KEYS = ROOT_KEYS + COMMAND_KEYS
#: Fragments of a key that holds a secret; the message says where the secret goes instead.
SECRET_WORDS = ("token", "passphrase", "password", "secret")
REFUSED_KEY_HINT = (
    "secrets never go in the config file: the Jenkins token in JENKINS_API_TOKEN, the Pulumi "
    "passphrase in PULUMI_CONFIG_PASSPHRASE (or PULUMI_CONFIG_PASSPHRASE_FILE)"
)

TEMPLATE = """\
# sccos-backup settings of this shop: every command run in this folder (or below) reads them.
# A key is an option's name without "--"; a flag or its environment variable wins over it.
# Secrets never go here (JENKINS_API_TOKEN, PULUMI_CONFIG_PASSPHRASE stay in the environment).
# `sccos-backup config show` prints every value and where it came from.

# region = "eu-central-1"
# profile = "shop-prod"
# backend-url = "s3://my-pulumi-state/sccos-backup"
# jenkins-url = "https://jenkins.example.com/"
# jenkins-user = "deploy"
# job = "sccos-backup-sync-data"
# strategy = "in-place"

# [shops.de]              # sccos-backup --shop de ...
# maintenance = "prod"
# store = "DE"
"""


@dataclass(frozen=True)
class ShopConfig:
    """The values of one config file for one shop (or none: ``path`` None, no values)."""

    path: Path | None = None
    shop: str | None = None
    values: Mapping[str, Any] = field(default_factory=dict)
    #: Per key: ``"top level"`` or ``"[shops.NAME]"``, for ``config show``.
    where: Mapping[str, str] = field(default_factory=dict)

    def get(self, key: str) -> Any:
        return self.values.get(key)


def find(start: Path) -> Path | None:
    """``sccos-backup.toml`` in ``start`` or the nearest parent that has one."""
    for folder in (start, *start.parents):
        candidate = folder / FILE_NAME
        if candidate.is_file():
            return candidate
    return None


def _normal(key: str) -> str:
    return key.strip().lower().replace("_", "-")


def _checked(table: Mapping[str, Any], where: str, path: Path) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for raw, value in table.items():
        key = _normal(raw)
        if any(word in key for word in SECRET_WORDS):
            raise InvalidInput(f"{path}: '{raw}' ({where}) is refused; {REFUSED_KEY_HINT}")
        if key not in KEYS:
            raise InvalidInput(
                f"{path}: unknown key '{raw}' ({where}); known: {', '.join(KEYS)}, and "
                "[shops.NAME] tables"
            )
        if not isinstance(value, str):
            raise InvalidInput(f"{path}: '{raw}' ({where}) must be a string, e.g. {key} = \"...\"")
        values[key] = value
    return values


def load(explicit: Path | None, shop: str | None, cwd: Path | None = None) -> ShopConfig:
    """Read the config file (``explicit`` or found from ``cwd``) for ``shop``; raise
    InvalidInput naming the file for a missing or unreadable one, a secret or an unknown key."""
    import tomllib

    path = explicit.expanduser() if explicit is not None else find(cwd or Path.cwd())
    if path is None:
        if shop is not None:
            raise InvalidInput(
                f"--shop {shop}: no {FILE_NAME} in this folder or a parent; create one with "
                "`sccos-backup init DIR` or name it with --config"
            )
        return ShopConfig()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise InvalidInput(f"--config {path}: cannot read it ({error.strerror})") from None
    except tomllib.TOMLDecodeError as error:
        raise InvalidInput(f"{path} is not valid TOML: {error}") from None
    shops = data.pop("shops", {})
    if not isinstance(shops, dict) or not all(isinstance(t, dict) for t in shops.values()):
        raise InvalidInput(f"{path}: 'shops' must hold tables, e.g. [shops.de]")
    values = _checked(data, "top level", path)
    where = dict.fromkeys(values, "top level")
    for name, table in shops.items():  # every profile is checked, not only the chosen one
        _checked(table, f"[shops.{name}]", path)
    if shop is not None:
        if shop not in shops:
            known = ", ".join(sorted(shops)) or "none"
            raise InvalidInput(f"--shop {shop}: {path} has no [shops.{shop}] (shops: {known})")
        chosen = _checked(shops[shop], f"[shops.{shop}]", path)
        values.update(chosen)
        where.update(dict.fromkeys(chosen, f"[shops.{shop}]"))
    return ShopConfig(path=path.resolve(), shop=shop, values=values, where=where)


def _leaves(command: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any]]:
    for name, sub in getattr(command, "commands", {}).items():
        if getattr(sub, "commands", None):
            yield from _leaves(sub, (*path, name))
        else:
            yield (*path, name), sub


def default_map(root: Any, config: ShopConfig) -> dict[str, Any]:
    """Click's ``default_map`` for every command that has an option named like a key."""
    tree: dict[str, Any] = {}
    for path, command in _leaves(root):
        for param in command.params:
            for option in getattr(param, "opts", ()):
                key = option.removeprefix("--")
                if key in COMMAND_KEYS and config.get(key) is not None:
                    node = tree
                    for name in path:
                        node = node.setdefault(name, {})
                    node[param.name] = config.get(key)
    return tree


def _options(root: Any) -> dict[str, Any]:
    """Per key, the first option of that name (the root's, then the commands')."""
    found: dict[str, Any] = {}
    for command in [root, *(c for _, c in _leaves(root))]:
        for param in command.params:
            for option in getattr(param, "opts", ()):
                key = option.removeprefix("--")
                if key in KEYS:
                    found.setdefault(key, param)
    return found


def explain(root: Any, config: ShopConfig, flags: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Every key's value and where it came from: flag, environment, config file or default."""
    options = _options(root)
    rows = []
    for key in KEYS:
        option = options.get(key)
        env = option.envvar if option is not None and isinstance(option.envvar, str) else None
        if flags.get(key) is not None:
            value, source = flags[key], "flag"
        elif env and os.environ.get(env):
            value, source = os.environ[env], f"environment ({env})"
        elif config.get(key) is not None:
            value, source = config.get(key), f"config ({config.path} {config.where[key]})"
        else:
            default = getattr(option, "default", None)
            value, source = getattr(default, "value", default), "default"
        rows.append({"key": key, "value": value, "source": source})
    return rows
