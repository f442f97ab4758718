"""The actions and resources one restore run will use, for checking them before it starts.

Built from the same per-call rules (:mod:`.requirements`) that the tests hold the printed policy
to: the run's calls with the parameters it will send (the rename, the restore with the
original's settings, the settings the provider applies afterwards, the swap's second rename,
the tags, the maintenance pipelines), each turned into its (action, resource) needs.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sccos_backup.permissions.requirements import Need, Where, needs


@dataclass(frozen=True)
class RunShape:
    """What a run does, in names: enough to know every ARN it touches."""

    original: str
    aside: str
    restore_as: str
    target: str
    #: The snapshot restored from, or None for a point in time (of the renamed original).
    snapshot: str | None
    #: The original's settings by request-parameter name (``InstanceSettings.to_api()``).
    settings: Mapping[str, Any]
    safety_snapshot: str | None = None
    maintenance_env: str | None = None


def run_needs(shape: RunShape, where: Where) -> list[Need]:
    """Every (action, resource) the run needs, each once, in call order."""
    settings = {k: v for k, v in shape.settings.items() if v not in (None, [], "")}
    arn = where.rds("db", shape.original)
    calls: list[tuple[str, str, dict[str, Any]]] = [
        ("rds", "DescribeDBInstances", {}),
        ("rds", "DescribeDBSnapshots", {}),
        ("rds", "ListTagsForResource", {"ResourceName": arn}),
        ("rds", "AddTagsToResource", {"ResourceName": arn}),
    ]
    if shape.safety_snapshot:
        calls.append(
            (
                "rds",
                "CreateDBSnapshot",
                {
                    "DBInstanceIdentifier": shape.original,
                    "DBSnapshotIdentifier": shape.safety_snapshot,
                    "Tags": [{"Key": "sccos-backup:run", "Value": "x"}],
                },
            )
        )
    calls.append(
        (
            "rds",
            "ModifyDBInstance",
            {"DBInstanceIdentifier": shape.original, "NewDBInstanceIdentifier": shape.aside},
        )
    )
    restore: dict[str, Any] = {
        k: settings[k]
        for k in ("DBSubnetGroupName", "DBParameterGroupName", "OptionGroupName", "Tags")
        if k in settings
    }
    if settings.get("StorageEncrypted") and settings.get("KmsKeyId"):
        restore["KmsKeyId"] = settings["KmsKeyId"]
    if shape.snapshot is not None:
        restore |= {
            "DBInstanceIdentifier": shape.restore_as,
            "DBSnapshotIdentifier": shape.snapshot,
        }
        calls.append(("rds", "RestoreDBInstanceFromDBSnapshot", restore))
    else:
        restore |= {
            "TargetDBInstanceIdentifier": shape.restore_as,
            "SourceDBInstanceIdentifier": shape.aside,
        }
        calls.append(("rds", "RestoreDBInstanceToPointInTime", restore))
    modify: dict[str, Any] = {"DBInstanceIdentifier": shape.restore_as}
    modify |= {k: settings[k] for k in ("MonitoringRoleArn",) if k in settings}
    calls.append(("rds", "ModifyDBInstance", modify))
    for role in settings.get("AssociatedRoles") or ():
        calls.append(
            (
                "rds",
                "AddRoleToDBInstance",
                {"DBInstanceIdentifier": shape.restore_as, "RoleArn": role.get("RoleArn")},
            )
        )
    if shape.restore_as != shape.target:
        calls.append(
            (
                "rds",
                "ModifyDBInstance",
                {
                    "DBInstanceIdentifier": shape.restore_as,
                    "NewDBInstanceIdentifier": shape.target,
                },
            )
        )
    if shape.maintenance_env:
        for side in ("Enable", "Disable"):
            name = f"Maintenance_{side}_{shape.maintenance_env}"
            calls += [
                ("codepipeline", "GetPipeline", {"name": name}),
                ("codepipeline", "StartPipelineExecution", {"name": name}),
                ("codepipeline", "GetPipelineExecution", {"pipelineName": name}),
            ]
    out: list[Need] = []
    for service, operation, params in calls:
        for need in needs(service, operation, params, where):
            if need not in out:
                out.append(need)
    return out
