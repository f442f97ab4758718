"""One stack brought to its spec (a restore's, or a drill's copy) from whatever an interrupted
``up`` left: ``up`` until the preview is empty, importing only an instance the stack does not hold.

Why more than one ``pulumi up``: pulumi-aws sends only part of the declared settings on a
restore and in its follow-up modify (the CA certificate on the snapshot path; windows,
retention and Performance Insights on the point-in-time path; Database Insights mode on
neither), so the first ``up`` leaves in-place updates that only a second one applies ("restores
need two applies"). Anything but in-place updates after an ``up`` (a replacement, a create) is
not convergence and stops the run.

What an interrupted ``up`` leaves (terraform-provider-aws ``resourceInstanceCreate`` sets the id
right after the restore call, PR 38252, in every pulumi-aws the project admits):

* **the instance in the stack with init errors**: the create timed out, its follow-up modify
  failed, or the CLI was cancelled gracefully (Ctrl-C, SIGTERM). ``up`` refreshes first (which
  reads the instance, settings AWS does not report as their zero value, and clears the init
  errors) and updates in place; it is never imported: Pulumi compares an import id with the id
  it holds (the DbiResourceId), so importing by identifier would plan an import-replacement
  and a delete of the held entry (pulumi/pulumi ``pkg/resource/deploy/step_generator.go``).
* **a pending create and no instance in the stack**: the CLI was killed during the wait. The
  next ``up`` would create again and fail with ``DBInstanceAlreadyExists``, so the instance is
  recognised by the run's tag (which the original never carries: capture strips it), the
  pending create is cleared and the instance imported.
* **nothing**: the restore call itself never ran; ``up`` creates.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from automation.engine.base import Engine, Held, OnOutput
from sccos_backup import errors
from sccos_backup.aws.rds import Instance, RdsAdapter
from sccos_backup.restore.fields import RESTORED_BY_TAG
from sccos_backup.restore.spec import OUTPUT_RESOURCE_ID, RestoreSpec

#: ``pulumi up`` runs at most this often for one step (the first and the converging ones).
MAX_UPS = 3


def adoptable(
    engine: Engine,
    rds: RdsAdapter,
    stack: str,
    spec: RestoreSpec,
    original_resource_id: str,
    held: Held | None = None,
) -> Instance | None:
    """The instance this run created that the stack does not hold, if there is one.

    Without a run id (a drill's copy) nothing can be recognised, so nothing is adopted.
    ``held``: what the stack holds, when the caller has read it already.
    """
    if not spec.run_id:
        return None
    found = rds.find_instance(spec.target_identifier)
    if found is None:
        return None
    if (held or engine.held(stack)).instance_id == found.resource_id:
        return None  # the stack holds it (init errors or not): up updates it, no import
    outputs = engine.outputs(stack) or {}
    if outputs.get(OUTPUT_RESOURCE_ID) == found.resource_id:
        return None
    if found.tag(RESTORED_BY_TAG) == spec.run_id:  # never on the original: capture strips it
        return found
    if found.resource_id == original_resource_id:
        return None
    raise errors.IdentifierTaken(
        f"'{spec.target_identifier}' exists ({found.resource_id}) but was not restored by "
        f"run {spec.run_id} (tag {RESTORED_BY_TAG}: {found.tag(RESTORED_BY_TAG)!r}); "
        "nothing was changed; check the RDS console, then roll back"
    )


def apply_spec(
    engine: Engine,
    rds: RdsAdapter,
    stack: str,
    spec: RestoreSpec,
    *,
    original_resource_id: str,
    on_output: OnOutput,
    notify: Callable[[str], None],
) -> None:
    """Adopt if needed, then ``up`` until the preview shows no change (at most ``MAX_UPS``).

    Stops with :class:`VerificationFailed` as soon as the preview shows anything but in-place
    updates; after ``MAX_UPS`` it returns and lets verification name what still differs.
    """
    held = engine.held(stack)
    if held.init_errors:
        notify(
            f"   the stack holds the instance ({held.instance_id}) with an error from an "
            f"interrupted `pulumi up` ({held.init_errors[0]}); refreshing and updating it"
        )
    found = adoptable(engine, rds, stack, spec, original_resource_id, held)
    if found is not None:
        notify(
            f"   adopting '{found.identifier}' ({found.resource_id}), created by an interrupted "
            "`pulumi up` of this run: clearing the pending create and importing it"
        )
        engine.refresh(stack, on_output, clear_pending_creates=True)
        engine.up(stack, dataclasses.replace(spec, adopt=found.identifier), on_output)
    engine.up(stack, spec, on_output)
    for _ in range(MAX_UPS - 1):
        changes = engine.changes(stack, spec, on_output)
        if not changes:
            return
        described = ", ".join(f"{n} {op}" for op, n in sorted(changes.items()))
        if set(changes) != {"update"}:
            raise errors.VerificationFailed(
                f"after `pulumi up` the preview of stack '{stack}' still shows {described}; "
                f"inspect it with `pulumi preview --diff --stack {stack}`, then run "
                "`sccos-backup restore resume` or roll back with `restore rollback`"
            )
        notify(f"   the preview shows {described} (a restore needs a second apply); up again")
        engine.up(stack, spec, on_output)
