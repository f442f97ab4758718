"""`--db shop` names exactly `shop` and the names this tool generates for it, never another
database that shares its first characters (`shop-staging`, `shopx`, ...).

The names come from the generators themselves (restore and drill run names, hourly and proposed
snapshot names, the final snapshots of cleanup and rollback), also for identifiers long enough
to be cut to 63 characters with a digest, and are checked with the project's evaluator, which
matches ARNs with IAM's wildcards (`*` any run, `?` one character; tests/test_permissions.py).
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from sccos_backup.backups.naming import alternate_hourly_name, hourly_name, propose_name
from sccos_backup.drill.plan import DrillNames
from sccos_backup.identifiers import truncate_identifier
from sccos_backup.permissions import allows, policy_document
from sccos_backup.restore.plan import Names

RDS = "arn:aws:rds:eu-central-1:123456789012"
TIMES = (datetime(2026, 11, 25, 13, 5, tzinfo=UTC), datetime(2099, 12, 31, 23, 59, tzinfo=UTC))
LONG = "shop-" + "x" * 55  # 60 characters: every run name is cut and carries a digest
#: Shares LONG's first 59 characters, so its cut names differ from LONG's only by the digest.
LONG_TWIN = "shop-" + "x" * 54 + "y"


def instances(db: str) -> list[str]:
    out = [db]
    for now in TIMES:
        names = Names.for_run(db, now)
        out += [names.aside, names.temporary, names.rolled_back]
    return out


def drills(db: str) -> list[str]:
    return [DrillNames.for_run(db, now.strftime("%Y%m%d%H%M")).target for now in TIMES]


def snapshots(db: str) -> list[str]:
    out = []
    for now in TIMES:
        names = Names.for_run(db, now)
        hourly = hourly_name(db, now)
        out += [hourly, alternate_hourly_name(hourly), names.safety_snapshot]
        out += [propose_name(db, now), propose_name(db, now, "before-release")]
        # `restore cleanup` and `restore rollback --delete-restored` name the final snapshot
        out += [truncate_identifier(names.aside, "final", 255)]
        out += [truncate_identifier(names.rolled_back, "final", 255)]
    return out


def proposed(db: str) -> list[str]:
    return [propose_name(db, now, p) for now in TIMES for p in ("manual", "before-release")]


CHANGES = {
    "instance": ("rds:ModifyDBInstance", "rds:DeleteDBInstance", "rds:AddTagsToResource"),
    "drill": ("rds:RestoreDBInstanceFromDBSnapshot", "rds:ModifyDBInstance"),
    "snapshot": ("rds:CreateDBSnapshot", "rds:DeleteDBSnapshot", "rds:AddTagsToResource"),
}


def _allowed(document: dict[str, object], kind: str, name: str) -> list[str]:
    arn = f"{RDS}:{'snapshot' if kind == 'snapshot' else 'db'}:{name}"
    return [a for a in CHANGES[kind] if allows(document, a, arn)]


def _names(db: str) -> dict[str, list[str]]:
    return {"instance": instances(db), "drill": drills(db), "snapshot": snapshots(db)}


@pytest.mark.parametrize("db", ["shop", LONG])
def test_every_generated_name_is_allowed(db: str) -> None:
    document = policy_document("all", region="eu-central-1", account="123456789012", databases=[db])
    for kind, names in _names(db).items():
        for name in names:
            assert _allowed(document, kind, name) == list(CHANGES[kind]), (kind, name)


@pytest.mark.parametrize(
    ("db", "others"),
    [
        ("shop", ["shop-staging", "shop-production", "shopx", "shop-pre-restore", "sho"]),
        (LONG, [LONG_TWIN, LONG[:-1], LONG + "z"]),
    ],
)
def test_no_name_of_another_database_is_allowed(db: str, others: list[str]) -> None:
    """Except a proposed manual snapshot name of a database whose name starts with `DB-`:
    `DB-PURPOSE-YYYYMMDD-HHMM` takes any PURPOSE, so `shop-staging-manual-...` is also a name
    `shop`'s proposal can take (docs/permissions.md says so)."""
    document = policy_document("all", region="eu-central-1", account="123456789012", databases=[db])
    for other in others:
        for kind, names in _names(other).items():
            for name in names:
                if kind == "snapshot" and name in proposed(other) and other.startswith(db + "-"):
                    continue
                assert _allowed(document, kind, name) == [], (other, kind, name)
        assert not allows(document, "rds:ModifyDBInstance", f"{RDS}:db:{other}")


def test_only_the_documented_look_alikes_remain() -> None:
    document = policy_document("snapshot", databases=["shop"])
    staging = proposed("shop-staging")[0]
    assert allows(document, "rds:DeleteDBSnapshot", f"arn:aws:rds:r:1:snapshot:{staging}")
    assert "`shop-*-????????-????`" in _doc()


def _doc() -> str:
    from pathlib import Path

    return (Path(__file__).parent.parent / "docs" / "permissions.md").read_text(encoding="utf-8")


def test_a_tag_limits_every_change_on_an_instance_of_every_group() -> None:
    """--tag: no changing call on an instance without the tag, in any group; with it, the same
    calls as without --tag."""
    document = policy_document("all", databases=["shop"], db_tag=("env", "prod"))
    plain = policy_document("all", databases=["shop"])
    tagged = {"rds:db-tag/env": "prod"}
    changes = {
        a
        for s in plain["Statement"]
        if s["Effect"] == "Allow" and "Describe" not in str(s["Action"])
        for a in s["Action"]
        if a.startswith("rds:")
    }
    for kind, names in _names("shop").items():
        for name in names if kind != "snapshot" else ():
            arn = f"arn:aws:rds:r:1:db:{name}"
            for action in sorted(changes):
                if allows(plain, action, arn, tagged):
                    assert allows(document, action, arn, tagged), (action, name)
                    assert not allows(document, action, arn, {}), (action, name)
                    assert not allows(document, action, arn, {"rds:db-tag/env": "dev"})
