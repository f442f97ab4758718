"""RDS identifier rules, checked before any call is made."""

from __future__ import annotations

import hashlib
import re

from sccos_backup.errors import InvalidInput

_RULE = re.compile(r"^[A-Za-z](?:[A-Za-z0-9]|-(?!-))*$")

INSTANCE_MAX = 63
SNAPSHOT_MAX = 255


def _check(value: str, kind: str, limit: int) -> str:
    if not value:
        raise InvalidInput(f"{kind} identifier is empty; give 1 to {limit} characters")
    if len(value) > limit:
        raise InvalidInput(
            f"{kind} identifier '{value}' has {len(value)} characters; at most {limit} are allowed"
        )
    if not _RULE.match(value) or value.endswith("-"):
        raise InvalidInput(
            f"{kind} identifier '{value}' is invalid: use letters, digits and single hyphens, "
            "start with a letter and do not end with a hyphen"
        )
    return value.lower()


def instance_identifier(value: str) -> str:
    """Validate a DB instance identifier and return it as RDS stores it (lowercase)."""
    return _check(value, "DB instance", INSTANCE_MAX)


def snapshot_identifier(value: str) -> str:
    """Validate a manual DB snapshot identifier and return it lowercased.

    Automated snapshots (``rds:NAME-YYYY-MM-DD-HH-MM``) and AWS Backup recovery points
    (``awsbackup:...``) carry a prefix RDS adds itself; they are accepted as sources.
    """
    prefix, sep, rest = value.partition(":")
    if sep and prefix in {"rds", "awsbackup"}:
        _check(rest, "DB snapshot", SNAPSHOT_MAX - len(prefix) - 1)
        return value.lower()
    return _check(value, "DB snapshot", SNAPSHOT_MAX)


#: Hex digits of the whole identifier's digest in a name whose identifier had to be cut.
DIGEST_LENGTH = 6


def truncate_identifier(stem: str, suffix: str, limit: int = INSTANCE_MAX) -> str:
    """``stem-suffix``, or, where that passes ``limit``, ``cut-DIGEST-suffix``: ``stem`` cut to
    fit, followed by a short digest of the whole ``stem``, so that identifiers sharing their
    first characters (``...-database-eu``, ``...-database-us``) never share a name. Always a
    valid identifier (no double or trailing hyphen) when ``stem`` is one."""
    if len(stem) + 1 + len(suffix) <= limit:
        return f"{stem}-{suffix}"
    digest = hashlib.sha256(stem.encode()).hexdigest()[:DIGEST_LENGTH]
    room = limit - len(suffix) - len(digest) - 2
    head = stem[:room].rstrip("-")
    return f"{head}-{digest}-{suffix}"


_DURATION = re.compile(r"^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$")


def parse_duration(text: str, *, bare_unit: str = "s", option: str) -> float:
    """Seconds in ``75m``, ``1h15m``, ``90s``, ``4h`` or ``2d``: the one grammar of every time
    option. A bare number is in ``bare_unit``: seconds, except where an option's older form
    counted minutes (``--max-hourly-age``)."""
    value = text.strip().lower()
    scale = {"s": 1, "m": 60, "h": 3600, "d": 86400}
    if re.fullmatch(r"\d+(\.\d+)?", value):
        return float(value) * scale[bare_unit]
    match = _DURATION.match(value)
    if not value or not match or not any(match.groups()):
        raise InvalidInput(
            f"{option} '{text}' is not a duration; write it with a unit, e.g. 75m, 1h30m or 90s"
        )
    days, hours, minutes, seconds = (int(g or 0) for g in match.groups())
    return float(days * 86400 + hours * 3600 + minutes * 60 + seconds)
