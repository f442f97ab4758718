"""Observe the world a restore depends on, then check every precondition before anything changes.

:func:`observe` makes the describe calls; :func:`check` is pure and raises the first failed
precondition as one clear error. Nothing here modifies AWS.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sccos_backup import errors
from sccos_backup.aws.rds import Instance, RdsAdapter, RestoreWindow, Snapshot
from sccos_backup.restore.source import SourceChoice, iso

#: Engines this tool restores (DB instances, not Aurora clusters).
SUPPORTED_ENGINE = re.compile(r"^(postgres|mysql|mariadb|oracle-|sqlserver-|db2-)")


@dataclass(frozen=True)
class Observed:
    """What a restore found in AWS, once, before planning."""

    original: Instance
    snapshot: Snapshot | None
    window: RestoreWindow | None
    parameter_family: str | None
    #: Identifiers the plan needs free, mapped to whether an instance already uses them.
    taken: dict[str, bool]
    #: DbiResourceIds of earlier incarnations of the database (originals of finished restores
    #: this tool recorded), oldest first.
    lineage: tuple[str, ...] = ()


def parameter_family(engine: str, version: str) -> str | None:
    """The parameter group family of an engine version (``postgres13``), where it can be known."""
    parts = version.split(".")
    if not parts or not parts[0].isdigit():
        return None
    major = parts[0]
    if engine == "postgres":
        return f"postgres{major}" if int(major) >= 10 else f"postgres{'.'.join(parts[:2])}"
    if engine in {"mysql", "mariadb"}:
        return f"{engine}{'.'.join(parts[:2])}" if len(parts) >= 2 else None
    if engine.startswith("oracle-"):
        return f"{engine}-{major}"
    if engine.startswith("sqlserver-"):
        return f"{engine}-{major}.0"
    return None


def observe(
    rds: RdsAdapter, db_identifier: str, choice: SourceChoice, needed_free: tuple[str, ...]
) -> Observed:
    """Describe the original, the snapshot, the PITR window and the names the plan needs."""
    original = rds.describe_instance(db_identifier)
    snapshot = rds.describe_snapshot(choice.snapshot) if choice.snapshot else None
    window = rds.restore_window(original) if not choice.snapshot else None
    family = (
        rds.parameter_group_family(original.parameter_group) if original.parameter_group else None
    )
    taken = {name: rds.find_instance(name) is not None for name in needed_free}
    return Observed(original, snapshot, window, family, taken)


def _arn_place(arn: str) -> tuple[str, str] | None:
    """(region, account) of an ARN, None if it is not one."""
    parts = arn.split(":")
    return (parts[3], parts[4]) if len(parts) >= 6 and parts[0] == "arn" else None


def check_source_place(db_identifier: str, choice: SourceChoice, original: Instance) -> None:
    """A snapshot ARN must name the original's region and account: a restore reads snapshots
    of the target's region only (a same-named local snapshot would be restored instead)."""
    if not choice.snapshot or not choice.snapshot.startswith("arn:"):
        return
    given, target = _arn_place(choice.snapshot), _arn_place(original.arn)
    if given is not None and target is not None and given != target:
        raise errors.Incompatible(
            f"snapshot ARN '{choice.snapshot}' is in region {given[0]}, account {given[1]}, "
            f"but '{db_identifier}' is in region {target[0]}, account {target[1]}; copy the "
            "snapshot into the target's region and account first (`aws rds copy-db-snapshot`)"
        )


def check_lineage(db_identifier: str, observed: Observed, from_database: str | None) -> None:
    """A snapshot must be of the original or of an earlier incarnation of it (an original a
    finished restore replaced), unless the operator named its database (``--from-database``)."""
    snap = observed.snapshot
    original = observed.original
    if snap is None or not snap.resource_id:
        return
    if snap.resource_id == original.resource_id or snap.resource_id in observed.lineage:
        return
    if from_database in {snap.resource_id, snap.instance_identifier}:
        return
    raise errors.Incompatible(
        f"snapshot '{snap.identifier}' was taken of another database ('{snap.instance_identifier}'"
        f", {snap.resource_id}), not of '{db_identifier}' ({original.resource_id}) nor of an "
        "earlier incarnation of it; nothing was changed. If its data is meant to replace "
        f"'{db_identifier}', pass --from-database {snap.resource_id}"
    )


def check(db_identifier: str, choice: SourceChoice, observed: Observed) -> None:
    """Raise the first failed precondition; return quietly when the restore may proceed."""
    original = observed.original
    if not SUPPORTED_ENGINE.match(original.engine):
        raise errors.Incompatible(
            f"DB instance '{db_identifier}' runs {original.engine}; only RDS DB instances "
            "(not Aurora clusters) can be restored with this tool"
        )
    cluster = original.raw.get("DBClusterIdentifier")
    if cluster:
        raise errors.Incompatible(
            f"DB instance '{db_identifier}' is a member of DB cluster '{cluster}'; restore the "
            "cluster (RestoreDBClusterFromSnapshot), not one of its instances"
        )
    check_source_place(db_identifier, choice, original)
    if not original.available:
        raise errors.NotAvailable(
            f"DB instance '{db_identifier}' is '{original.status}', not available; "
            "wait until it is available (start it if it is stopped) and run again"
        )
    version = original.engine_version
    if observed.snapshot is not None:
        snap = observed.snapshot
        if not snap.available:
            raise errors.NotAvailable(
                f"snapshot '{snap.identifier}' is '{snap.status}', not available; "
                "wait until it is available"
            )
        if snap.engine != original.engine:
            raise errors.Incompatible(
                f"snapshot '{snap.identifier}' is of engine {snap.engine}, but '{db_identifier}' "
                f"runs {original.engine}; choose a snapshot of the same engine"
            )
        if original.allocated_storage < snap.allocated_storage:
            raise errors.Incompatible(
                f"snapshot '{snap.identifier}' holds {snap.allocated_storage} GiB but "
                f"'{db_identifier}' has {original.allocated_storage} GiB allocated; a restore "
                "needs at least the snapshot's size: grow the original's storage first"
            )
        encrypted = bool(original.raw.get("StorageEncrypted", False))
        if snap.encrypted != encrypted:
            raise errors.Incompatible(
                f"snapshot '{snap.identifier}' is {'' if snap.encrypted else 'not '}encrypted "
                f"but '{db_identifier}' is {'' if encrypted else 'not '}; copy the snapshot with "
                "the original's KMS key first"
            )
        key = str(original.raw.get("KmsKeyId") or "")
        if snap.encrypted and encrypted and snap.kms_key_id and key and snap.kms_key_id != key:
            raise errors.Incompatible(
                f"snapshot '{snap.identifier}' is encrypted with KMS key {snap.kms_key_id} but "
                f"'{db_identifier}' uses {key}; a restore keeps the snapshot's key: copy the "
                "snapshot with the original's key first (`aws rds copy-db-snapshot --kms-key-id`)"
            )
        version = snap.engine_version
    else:
        window = observed.window
        if window is None:
            raise errors.PreconditionFailed(
                f"DB instance '{db_identifier}' has no point-in-time recovery (backup retention "
                "is 0); restore from a snapshot with --snapshot instead"
            )
        if choice.to_time is not None and not window.earliest <= choice.to_time <= window.latest:
            raise errors.OutsideRestoreWindow(
                f"{iso(choice.to_time)} is outside the restorable window of '{db_identifier}' "
                f"({iso(window.earliest)} to {iso(window.latest)}); choose a time inside it "
                "or use --latest"
            )
    wanted = parameter_family(original.engine, version)
    if observed.parameter_family and wanted and observed.parameter_family != wanted:
        raise errors.Incompatible(
            f"the source is {original.engine} {version} (family {wanted}) but parameter group "
            f"'{original.parameter_group}' of '{db_identifier}' is for "
            f"{observed.parameter_family}; restore from a source of the same major version"
        )
    for name, taken in observed.taken.items():
        if taken:
            raise errors.IdentifierTaken(
                f"DB instance identifier '{name}' is already in use; rename or remove that "
                "instance, or wait a minute so that the generated name changes"
            )
