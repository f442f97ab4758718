"""The names this tool gives a database's instances and snapshots, as IAM ARN name patterns.

IAM matches ARNs with two wildcards only (``*`` any run of characters, ``?`` exactly one), so
every generated name is written with ``?`` for each character that varies (the run id
``YYYYMMDDHHMM``, the hour ``YYYY-MM-DD-HH``) and nothing else: ``shop-pre-restore-????????????``
is never ``shop-staging-pre-restore-...``, and ``shop`` never ``shopx``. A name cut to 63
characters (:func:`~sccos_backup.identifiers.truncate_identifier`) carries the digest of the
whole identifier, which is known here, so cut names are exact too.

Broader than a generated name, and said so in docs/permissions.md: a proposed manual snapshot
name ``DB-PURPOSE-YYYYMMDD-HHMM`` takes any PURPOSE, so its pattern ``DB-*-????????-????`` also
matches that shape for another database whose name starts with ``DB-``; and ``?`` stands for
any character, not only a digit, so a database named exactly like a generated name
(``shop-drill-abcdefghijkl``) is indistinguishable from one.

The tests build each name with the generators themselves (``restore.plan.Names``,
``drill.plan.DrillNames``, ``backups.naming``) and check that each pattern here matches it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from sccos_backup.identifiers import truncate_identifier

#: A run id (``%Y%m%d%H%M``, UTC) of a restore or a drill.
RUN = "?" * 12
#: The hour an hourly snapshot stands for (``%Y-%m-%d-%H``, UTC).
HOUR = "????-??-??-??"
#: The time in a proposed manual snapshot name (``%Y%m%d-%H%M``, UTC).
MINUTE = "????????-????"


def database(db: str) -> list[str]:
    return [db]


def restore_instances(db: str) -> list[str]:
    """The database and the names a restore gives its instances: the parked original, the
    swap's temporary name, the rolled-back restore."""
    words = ("pre-restore", "restored", "rolled-back")
    return [db, *(truncate_identifier(db, f"{word}-{RUN}") for word in words)]


def drill_copies(db: str) -> list[str]:
    return [truncate_identifier(db, f"drill-{RUN}")]


def hourly_snapshots(db: str) -> list[str]:
    """This hour's name and its second (when a look-alike holds the first)."""
    return [f"{db}-hourly-{HOUR}", f"{db}-hourly-{HOUR}-2"]


def snapshots(db: str) -> list[str]:
    """Every snapshot name the tool gives: hourly, proposed manual, the safety snapshot of a
    restore, and the final snapshots of `restore cleanup` and `rollback --delete-restored`."""
    aside = truncate_identifier(db, f"pre-restore-{RUN}")
    rolled_back = truncate_identifier(db, f"rolled-back-{RUN}")
    return [
        *hourly_snapshots(db),
        f"{db}-*-{MINUTE}",
        truncate_identifier(db, f"before-restore-{RUN}", 255),
        truncate_identifier(aside, "final", 255),
        truncate_identifier(rolled_back, "final", 255),
    ]


#: Placeholder in a statement's resource template → (patterns per database, pattern when the
#: policy names no database).
PLACEHOLDERS: dict[str, tuple[Callable[[str], list[str]], str]] = {
    "{db}": (database, "*"),
    "{instances}": (restore_instances, "*"),
    "{drill}": (drill_copies, "*-drill-*"),
    "{snapshots}": (snapshots, "*"),
    "{hourly}": (hourly_snapshots, "*-hourly-*"),
}


def patterns(placeholder: str, databases: Sequence[str]) -> list[str]:
    """The name patterns one placeholder stands for, each once, in order."""
    names, anything = PLACEHOLDERS[placeholder]
    if not databases:
        return [anything]
    out: list[str] = []
    for db in databases:
        out += [n for n in names(db) if n not in out]
    return out


def names_databases(template: str) -> bool:
    """Whether a resource template is scoped to the named databases (a placeholder in it)."""
    return any(placeholder in template for placeholder in PLACEHOLDERS)
