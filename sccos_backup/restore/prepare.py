"""The restore, from request to plan: observe, check every precondition, plan."""

from __future__ import annotations

from datetime import datetime

from sccos_backup.aws.rds import RdsAdapter
from sccos_backup.restore.plan import Names, RestorePlan, RestoreRequest, build_plan
from sccos_backup.restore.preconditions import check, observe


def prepare(rds: RdsAdapter, request: RestoreRequest, now: datetime) -> RestorePlan:
    """Observe AWS once, check every precondition, and return the plan. Changes nothing."""
    names = Names.for_run(request.db_identifier, now)
    observed = observe(
        rds, request.db_identifier, request.choice, names.needed_free(request.strategy)
    )
    check(request.db_identifier, request.choice, observed)
    return build_plan(request, observed, now)
