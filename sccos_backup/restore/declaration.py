"""The Pulumi declaration of a restored instance: one component, one ``aws.rds.Instance``.

Used by the root ``__main__.py`` (``pulumi up`` on a restore stack) and by the driver's
inline program, so both declare the same thing.

Safety: the instance is ``protect``-ed and ``retain_on_delete``: neither ``pulumi destroy``
nor a replacement can delete it (a replacement would fail on the protect flag first). The
restore-source fields are in ``ignore_changes`` so that a later change of source never
forces a replacement (an adopted instance has no source in its state at all). The provider
deletes by the identifier it holds in state, which after a rename outside Pulumi may name
another instance; protect keeps that path closed.

Timeouts: pulumi-aws waits for a create only so long by default; the create and update
timeouts are the runbook's restore timeout.

Interrupted creates: pulumi-aws records the instance's id right after the restore call, so a
create that timed out, failed its follow-up modify or was cancelled gracefully leaves the
instance in the stack (with init errors) and the next ``up`` updates it. Only a killed CLI leaves
an instance the stack does not hold: it carries the run's tag (``RESTORED_BY_TAG``) and is
adopted with ``import_`` (``spec.adopt``). Pulumi refuses an import whose declared inputs differ
from the instance, so that one ``up`` ignores every declared input; the next ``up`` brings the
settings in line.

Role associations are declared only under the original's name (see
:attr:`RestoreSpec.declares_roles`) and are protected like the instance.

A throw-away copy (``spec.throwaway``, a restore drill under its own name and stack) is the one
exception: it is neither protected nor retained, skips the final snapshot and deletes its
automated backups, so that ``pulumi destroy`` on the drill's stack removes it. The drill checks
the instance's tags and DbiResourceId before it calls destroy.
"""

from __future__ import annotations

from typing import Any

import pulumi
import pulumi_aws as aws

from sccos_backup.defaults import DEFAULT_RESTORE_TIMEOUT
from sccos_backup.restore.fields import RESTORED_BY_TAG
from sccos_backup.restore.source import PointInTimeSource, SnapshotSource, iso
from sccos_backup.restore.spec import (
    OUTPUT_ADDRESS,
    OUTPUT_ARN,
    OUTPUT_IDENTIFIER,
    OUTPUT_PORT,
    OUTPUT_RESOURCE_ID,
    RestoreSpec,
)

COMPONENT_TYPE = "sccos-backup:rds:RestoredDatabase"
#: The logical name stays the same whatever the identifier, so a rename is an in-place update.
LOGICAL_NAME = "restored"
#: Engine property names (camelCase) of the restore-source inputs.
IGNORED_CHANGES = ["snapshotIdentifier", "restoreToPointInTime"]


def go_duration(seconds: float) -> str:
    """Seconds as the Go duration ``custom_timeouts`` take (``21600`` -> ``"360m"``)."""
    return f"{round(seconds / 60)}m"


#: The instance's create/update timeouts: the runbook's own restore timeout.
TIMEOUTS = pulumi.CustomTimeouts(
    create=go_duration(DEFAULT_RESTORE_TIMEOUT), update=go_duration(DEFAULT_RESTORE_TIMEOUT)
)


def _camel(snake: str) -> str:
    head, *rest = snake.split("_")
    return head + "".join(part.capitalize() for part in rest)


def instance_args(spec: RestoreSpec) -> dict[str, Any]:
    """Every ``aws.rds.Instance`` argument but the options."""
    args: dict[str, Any] = {
        "identifier": spec.target_identifier,
        "apply_immediately": True,
        "skip_final_snapshot": spec.throwaway,
        "final_snapshot_identifier": None if spec.throwaway else spec.final_snapshot_identifier,
        "delete_automated_backups": spec.throwaway,
        **spec.settings.pulumi_args(),
        **source_args(spec),
    }
    if spec.run_id:
        args["tags"] = {**args.get("tags", {}), RESTORED_BY_TAG: spec.run_id}
    return args


def instance_options(spec: RestoreSpec, args: dict[str, Any]) -> dict[str, Any]:
    """The instance's resource options (without parent)."""
    ignored = list(IGNORED_CHANGES)
    if spec.adopt:  # an import must match: ignore what is declared, converge on the next up
        ignored += sorted({_camel(name) for name in args} - set(ignored))
    return {
        "protect": not spec.throwaway,
        "retain_on_delete": not spec.throwaway,
        "ignore_changes": ignored,
        "custom_timeouts": TIMEOUTS,
        "import_": spec.adopt,
    }


def source_args(spec: RestoreSpec) -> dict[str, Any]:
    source = spec.source
    if isinstance(source, SnapshotSource):
        return {"snapshot_identifier": source.snapshot_identifier}
    assert isinstance(source, PointInTimeSource)
    pitr = aws.rds.InstanceRestoreToPointInTimeArgs(
        source_dbi_resource_id=source.source_dbi_resource_id,
        restore_time=iso(source.restore_time) if source.restore_time else None,
        use_latest_restorable_time=True if source.restore_time is None else None,
    )
    return {"restore_to_point_in_time": pitr}


class RestoredDatabase(pulumi.ComponentResource):
    """The restored RDS instance and its IAM role associations."""

    instance: aws.rds.Instance
    role_associations: list[aws.rds.RoleAssociation]

    def __init__(
        self, name: str, spec: RestoreSpec, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__(COMPONENT_TYPE, name, None, opts)
        args = instance_args(spec)
        self.instance = aws.rds.Instance(
            name,
            **args,
            opts=pulumi.ResourceOptions(parent=self, **instance_options(spec, args)),
        )
        roles = spec.settings.associated_roles if spec.declares_roles else ()
        self.role_associations = [
            aws.rds.RoleAssociation(
                f"{name}-role-{index}",
                db_instance_identifier=self.instance.identifier,
                role_arn=role_arn,
                feature_name=feature,
                opts=pulumi.ResourceOptions(
                    parent=self,
                    depends_on=[self.instance],
                    protect=not spec.throwaway,
                    retain_on_delete=not spec.throwaway,
                ),
            )
            for index, (role_arn, feature) in enumerate(roles)
        ]
        self.register_outputs(
            {
                OUTPUT_IDENTIFIER: self.instance.identifier,
                OUTPUT_ADDRESS: self.instance.address,
                OUTPUT_PORT: self.instance.port,
                OUTPUT_ARN: self.instance.arn,
                OUTPUT_RESOURCE_ID: self.instance.resource_id,
            }
        )


def declare(spec: RestoreSpec) -> RestoredDatabase:
    """Declare the restored instance and export the stack outputs the driver reads."""
    database = RestoredDatabase(LOGICAL_NAME, spec)
    pulumi.export(OUTPUT_IDENTIFIER, database.instance.identifier)
    pulumi.export(OUTPUT_ADDRESS, database.instance.address)
    pulumi.export(OUTPUT_PORT, database.instance.port)
    pulumi.export(OUTPUT_ARN, database.instance.arn)
    pulumi.export(OUTPUT_RESOURCE_ID, database.instance.resource_id)
    return database
