"""The drill's destroy: the one place where this project lets Pulumi delete, and how it is kept
to the drill's own copy.

Right before ``pulumi destroy`` on the drill's stack, after a refresh, the stack must record this
drill's copy: the DbiResourceId in its outputs is the copy's (as its tags found it), the instance
answering to the identifier the provider deletes by has that DbiResourceId, that instance carries
this drill's ``sccos-backup:drill`` and ``sccos-backup:drill-of`` tags, and it is not the live
database. Otherwise nothing is deleted and one line says why.
"""

from __future__ import annotations

import contextlib
from typing import Any

from automation.drill.record import DrillRecord
from automation.engine.base import DisposableEngine, OnOutput
from sccos_backup import errors
from sccos_backup.aws.rds import RdsAdapter
from sccos_backup.drill.plan import TAG_DRILL, TAG_DRILL_OF
from sccos_backup.restore.spec import OUTPUT_IDENTIFIER, OUTPUT_RESOURCE_ID


def destroy_copy(
    rds: RdsAdapter, engine: DisposableEngine, record: DrillRecord, on_output: OnOutput
) -> None:
    stack = record.stack
    if engine.outputs(stack) is None:
        raise errors.PreconditionFailed(
            f"stack '{stack}' does not record the drill copy '{record.copy.identifier}' (an "
            f"interrupted `pulumi up`?); in the project folder run `pulumi refresh --stack "
            f"{stack} --import-pending-creates`, then `sccos-backup drill cleanup "
            f"{record.db_identifier}`; nothing was deleted"
        )
    engine.refresh(stack, on_output)
    problems = refusals(rds, record, engine.outputs(stack) or {})
    if problems:
        raise errors.PreconditionFailed(
            f"refusing to destroy stack '{stack}': " + "; ".join(problems) + "; nothing "
            "was deleted: check the instances in the RDS console"
        )
    engine.destroy(stack, on_output)


def refusals(rds: RdsAdapter, record: DrillRecord, outputs: dict[str, Any]) -> list[str]:
    """One line per reason not to destroy what the stack records; empty when it is the copy."""
    recorded = str(outputs.get(OUTPUT_RESOURCE_ID) or "")
    name = str(outputs.get(OUTPUT_IDENTIFIER) or "")
    expected = record.copy.resource_id
    found: list[str] = []
    if recorded != expected:
        found.append(f"it records DbiResourceId '{recorded}', this drill's copy is '{expected}'")
    holder = rds.find_instance(name) if name else None
    if holder is None or holder.resource_id != recorded:
        found.append(
            f"the instance named '{name}' (what the provider deletes by) is not the one "
            "the stack records"
        )
    copy = None
    with contextlib.suppress(errors.NotFound):  # on an emulator: no single sharer is tagged
        if recorded:
            copy = rds.find_instance_by_resource_id(recorded, tagged=(TAG_DRILL, record.run_id))
    tags = dict(copy.tags) if copy is not None else {}
    if tags.get(TAG_DRILL) != record.run_id or tags.get(TAG_DRILL_OF) != record.db_identifier:
        found.append(
            f"the recorded instance does not carry this drill's tags ({TAG_DRILL}="
            f"{record.run_id}, {TAG_DRILL_OF}={record.db_identifier})"
        )
    live = rds.find_instance(record.db_identifier)
    if live is not None and recorded == live.resource_id:
        found.append(
            f"the recorded instance is the live database '{record.db_identifier}'"
            + (
                " (or shares its DbiResourceId on this emulator: remove a rehearsal's copy by hand)"
                if rds.emulator_identity
                else ""
            )
        )
    return found
