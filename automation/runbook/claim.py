"""The second guard against two runs on one database: a claim tag on the original, read back.

The backend lock (:mod:`sccos_backup.restore.lock`) only excludes runs that share a backend.
Before a run writes its run tags, it checks that the instance named DB_ID is still the one the
plan observed (same DbiResourceId) and carries neither run tags nor another run's claim, adds a
claim tag of its own (``sccos-backup:run-claim-<token>``, a key no other run writes), reads the
tags back, and goes on only if its claim is the only one and no run tags appeared. Tag keys
are distinct per claimant, so neither write overwrites the other: of two runs that race, the
later reader always sees the earlier claim (or the run tags written before it is removed), so at
most one proceeds; both may refuse, and then neither changed anything but its own claim tag,
which it removes.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Mapping

from automation.runbook.record import TAG_RUN
from sccos_backup import errors
from sccos_backup.aws.rds import Instance, RdsAdapter
from sccos_backup.restore.lock import tag_safe
from sccos_backup.restore.plan import RestorePlan
from sccos_backup.restore.prepare import refuse_drift

TAG_CLAIM_PREFIX = "sccos-backup:run-claim-"


def claims(instance: Instance) -> dict[str, str]:
    return {k: v for k, v in instance.tags if k.startswith(TAG_CLAIM_PREFIX)}


def _busy(instance: Instance, mine: str | None) -> str | None:
    """Why ``instance`` cannot be claimed, or None."""
    run = instance.tag(TAG_RUN)
    if run:
        return f"it carries the tags of restore run {run}"
    others = {k: v for k, v in claims(instance).items() if k != mine}
    if others:
        return "another run is claiming it right now (" + "; ".join(others.values()) + ")"
    return None


def check_unchanged(rds: RdsAdapter, plan: RestorePlan) -> Instance:
    """The instance named DB_ID, if it is still the one the plan observed and unclaimed."""
    db = plan.request.db_identifier
    found = rds.find_instance(db)
    expected = plan.original_resource_id
    if found is None:
        raise errors.RunInProgress(
            f"no instance is named '{db}' any more (another run may have renamed it); nothing "
            f"was changed. See `sccos-backup restore status {db}`"
        )
    if found.resource_id != expected:
        raise errors.RunInProgress(
            f"'{db}' is no longer the instance the plan observed (DbiResourceId "
            f"{found.resource_id}, planned {expected}); another run may have restored it. "
            f"Nothing was changed; see `sccos-backup restore status {db}` and plan again"
        )
    reason = _busy(found, None)
    if reason is not None:
        raise errors.RunInProgress(
            f"'{db}' cannot be claimed: {reason}; nothing was changed. See `sccos-backup restore "
            f"status {db}`"
        )
    refuse_drift(plan, found)
    return found


def claim_and_tag(
    rds: RdsAdapter, plan: RestorePlan, run_tags: Mapping[str, str], holder: str
) -> Instance:
    """Claim the original, read back, write ``run_tags``, drop the claim; or refuse."""
    db = plan.request.db_identifier
    original = check_unchanged(rds, plan)
    key = TAG_CLAIM_PREFIX + uuid.uuid4().hex[:16]
    rds.add_tags(original.arn, {key: tag_safe(holder)})
    try:
        back = rds.describe_instance(db)
        reason = None if back.arn == original.arn else "it was renamed meanwhile"
        reason = reason or _busy(back, key)
        if reason is not None:
            raise errors.RunInProgress(
                f"'{db}' cannot be claimed: {reason}; nothing was changed. Wait for the other "
                f"run (`sccos-backup restore status {db}`); a claim left by a crashed command is "
                f"removed by `sccos-backup restore unlock {db}`"
            )
        rds.add_tags(original.arn, run_tags)
    except BaseException:
        with contextlib.suppress(errors.SccosBackupError):  # the first error is the one to show
            rds.remove_tags(original.arn, [key])
        raise
    rds.remove_tags(original.arn, [key])
    return original
