"""The restore, from request to plan: observe, check every precondition, plan; and the check a
saved plan passes again before it is carried out."""

from __future__ import annotations

from datetime import datetime

from sccos_backup import errors
from sccos_backup.aws.rds import Instance, RdsAdapter
from sccos_backup.restore.plan import (
    Names,
    RestorePlan,
    RestoreRequest,
    SnapshotFingerprint,
    build_plan,
)
from sccos_backup.restore.planfile import diff_lines, settings_diff
from sccos_backup.restore.preconditions import Observed, check, check_lineage, observe
from sccos_backup.restore.settings import InstanceSettings
from sccos_backup.restore.source import PointInTimeSource


def prepare(
    rds: RdsAdapter, request: RestoreRequest, now: datetime, lineage: tuple[str, ...] = ()
) -> RestorePlan:
    """Observe AWS once, check every precondition, and return the plan. Changes nothing.
    ``lineage``: DbiResourceIds of earlier incarnations of the database."""
    names = Names.for_run(request.db_identifier, now)
    observed = observe(
        rds, request.db_identifier, request.choice, names.needed_free(request.strategy)
    )
    observed = Observed(**{**vars(observed), "lineage": lineage})
    check(request.db_identifier, request.choice, observed)
    check_lineage(request.db_identifier, observed, request.from_database)
    return build_plan(request, observed, now)


def recheck(rds: RdsAdapter, plan: RestorePlan, lineage: tuple[str, ...] = ()) -> None:
    """Check a saved plan against AWS now: every precondition again, the same original with the
    approved settings, the same source of the same database. Changes nothing; raises the first
    problem."""
    request = plan.request
    db = request.db_identifier
    observed = observe(rds, db, request.choice, plan.names.needed_free(request.strategy))
    observed = Observed(**{**vars(observed), "lineage": lineage})
    check(db, request.choice, observed)
    check_lineage(db, observed, request.from_database)
    original = observed.original
    if original.resource_id != plan.original_resource_id:
        raise errors.PreconditionFailed(
            f"'{db}' is no longer the instance the plan was made for (DbiResourceId "
            f"{original.resource_id}, planned {plan.original_resource_id}); nothing was changed. "
            "Plan again"
        )
    refuse_drift(plan, original)
    source = plan.spec.source
    if isinstance(source, PointInTimeSource) and source.source_dbi_resource_id != (
        original.resource_id
    ):
        raise errors.PreconditionFailed(
            f"the plan restores a point in time of {source.source_dbi_resource_id}, but "
            f"'{db}' is {original.resource_id}; nothing was changed. Plan again"
        )
    snap = observed.snapshot
    planned = plan.source_fingerprint
    planned_arn = planned.snapshot_arn if isinstance(planned, SnapshotFingerprint) else None
    planned_id = planned.database_resource_id if planned else None
    if snap is not None and (snap.arn, snap.resource_id) != (planned_arn, planned_id):
        raise errors.PreconditionFailed(
            f"snapshot '{snap.identifier}' is not the one the plan was made with (now {snap.arn} "
            f"of {snap.resource_id}, planned {planned_arn} of {planned_id}); nothing was "
            "changed. Plan again"
        )


def refuse_drift(plan: RestorePlan, original: Instance) -> None:
    """Refuse, before the rename, an original whose settings are no longer the approved ones:
    one line naming them, and one detail line per setting."""
    diff = settings_diff(plan.spec.settings, InstanceSettings.capture(original.raw))
    if diff:
        raise errors.OriginalChanged(
            f"'{plan.request.db_identifier}' changed since the plan was approved ({len(diff)} "
            f"setting(s): {', '.join(key for key, _, _ in diff)}); nothing was changed. Review "
            "the change and plan again",
            tuple(diff_lines(diff)),
        )
