"""The engine interface's test implementation: the real program, under the SDK's mocks, applied
to a moto server.

It runs :func:`sccos_backup.restore.declaration.declare` exactly as ``pulumi up`` would, with
Pulumi's mocks in place of the engine. Its ``new_resource`` plays the aws provider: it restores
``aws:rds/instance:Instance`` from the snapshot or point in time, then modifies whatever the
restore call cannot take, renames in place when the identifier changes, and associates IAM roles.
State (one JSON file per stack) lives in a folder that stands for the shared state backend, so a
second engine on the same folder resumes like another machine would.

What it does on behalf of moto (each a documented moto gap, see
shared/reference/test-environment.md): PITR is addressed by ``SourceDbiResourceId`` which moto
ignores, so the id is resolved to the instance's current identifier first; moto copies the source's
DbiResourceId into a restored instance, so a fresh one is assigned; a restore into a name whose
automated snapshot of the same minute exists raises ``DBSnapshotAlreadyExists`` after creating
the instance, which is tolerated; moto reports a ``default:...`` option group that it cannot
find by name, so such a group is not passed (RDS assigns the default group anyway).
"""

from __future__ import annotations

import contextlib
import json
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import Any

import boto3
import botocore.exceptions
import botocore.parsers
import pulumi
from pulumi.runtime.mocks import MockMonitor

from sccos_backup.errors import EngineError, PulumiUnavailable
from sccos_backup.restore.settings import InstanceSettings
from sccos_backup.restore.spec import PROJECT, RestoreSpec
from tests.conftest import give_resource_id

INSTANCE = "aws:rds/instance:Instance"
#: The logical name of the instance (sccos_backup.restore.declaration.LOGICAL_NAME).
LOGICAL = "restored"
ROLE = "aws:rds/roleAssociation:RoleAssociation"
#: Inputs that never show as a diff (provider-side behaviour flags, restore sources).
NOT_DIFFED = {
    "applyImmediately",
    "skipFinalSnapshot",
    "finalSnapshotIdentifier",
    "deleteAutomatedBackups",
    "snapshotIdentifier",
    "restoreToPointInTime",
}
#: aws.rds.Instance input (camelCase) -> RDS request parameter, where the names differ.
REQUEST_NAME = {
    "instanceClass": "DBInstanceClass",
    "multiAz": "MultiAZ",
    "parameterGroupName": "DBParameterGroupName",
    "dbSubnetGroupName": "DBSubnetGroupName",
    "caCertIdentifier": "CACertificateIdentifier",
    "backupWindow": "PreferredBackupWindow",
    "maintenanceWindow": "PreferredMaintenanceWindow",
    "iamDatabaseAuthenticationEnabled": "EnableIAMDatabaseAuthentication",
    "enabledCloudwatchLogsExports": "EnableCloudwatchLogsExports",
    "performanceInsightsEnabled": "EnablePerformanceInsights",
    "performanceInsightsKmsKeyId": "PerformanceInsightsKMSKeyId",
    "masterUserSecretKmsKeyId": "MasterUserSecretKmsKeyId",
    "domainIamRoleName": "DomainIAMRoleName",
    "kmsKeyId": "KmsKeyId",
    "vpcSecurityGroupIds": "VpcSecurityGroupIds",
}


def camel(snake: str) -> str:
    head, *rest = snake.split("_")
    return head + "".join(part.capitalize() for part in rest)


def request_name(input_name: str) -> str:
    return REQUEST_NAME.get(input_name, input_name[0].upper() + input_name[1:])


def _plain(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, list):
        return sorted(_plain(v) for v in value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


class InProcessEngine:
    """Implements :class:`automation.engine.base.Engine` in-process, against moto."""

    def __init__(
        self,
        endpoint_url: str,
        state_dir: Path,
        *,
        region: str = "eu-central-1",
        available: bool = True,
    ) -> None:
        self.client = boto3.client("rds", region_name=region, endpoint_url=endpoint_url)
        self.state_dir = state_dir
        self.available = available
        self.operations: list[tuple[str, str]] = []
        self._shapes: dict[str, set[str]] = {}
        #: Resource options of the resources registered by the running program, by name.
        self._options: dict[str, dict[str, Any]] = {}

    # -- Engine ----------------------------------------------------------------------------

    def ensure_ready(self) -> None:
        if not self.available:
            raise PulumiUnavailable(
                "no Pulumi CLI on PATH and it could not be installed; install it from "
                "https://www.pulumi.com/docs/install/ and run again; nothing was changed"
            )

    def up(self, stack: str, spec: RestoreSpec, on_output: Callable[[str], None]) -> dict[str, Any]:
        self.operations.append(("up", stack))
        self.refresh(stack, on_output)
        state = self._load(stack) or {"resources": {}, "outputs": None}
        state["config"] = spec.to_config()
        on_output(f"Updating ({stack}):\n")
        self._run(stack, spec, state, preview=False)
        instance = state["resources"]["instance"]
        described = self._describe_by_resource_id(instance["resourceId"])
        assert described is not None
        state["outputs"] = {
            "identifier": described["DBInstanceIdentifier"],
            "address": described["Endpoint"]["Address"],
            "port": described["Endpoint"]["Port"],
            "arn": described["DBInstanceArn"],
            "resourceId": described["DbiResourceId"],
        }
        self._save(stack, state)
        on_output(f"Outputs: identifier {described['DBInstanceIdentifier']}\n")
        return dict(state["outputs"])

    def preview_changes(
        self, stack: str, spec: RestoreSpec, on_output: Callable[[str], None]
    ) -> int:
        self.operations.append(("preview", stack))
        self.refresh(stack, on_output)
        state = self._load(stack) or {"resources": {}, "outputs": None}
        changes = self._run(stack, spec, state, preview=True)
        for line in changes:
            on_output(f"  ~ {line}\n")
        return 1 if changes else 0

    def refresh(self, stack: str, on_output: Callable[[str], None]) -> None:
        self.operations.append(("refresh", stack))
        state = self._load(stack)
        if not state:
            return
        instance = state["resources"].get("instance")
        if instance:
            described = self._describe_by_resource_id(instance["resourceId"])
            if described is None:
                del state["resources"]["instance"]
                state["outputs"] = None
            else:
                instance["identifier"] = described["DBInstanceIdentifier"]
                instance["actual"] = self._actual(described)
        self._save(stack, state)

    def outputs(self, stack: str) -> dict[str, Any] | None:
        state = self._load(stack)
        return None if state is None else state.get("outputs")

    def destroy(self, stack: str, on_output: Callable[[str], None]) -> None:
        self.operations.append(("destroy", stack))
        state = self._load(stack)
        if state is None:
            raise EngineError(f"stack {stack} does not exist; nothing to destroy")
        self.refresh(stack, on_output)
        state = self._load(stack) or state
        instance = state["resources"].get("instance")
        if instance is not None and instance.get("options", {}).get("protect", True):
            raise EngineError(
                f"pulumi destroy on stack {stack} failed: resource 'restored' cannot be deleted "
                "because it is protected"
            )
        try:
            for role in state["resources"].get("roles", {}).values():
                found = self._describe_by_resource_id(instance["resourceId"]) if instance else None
                if found is not None:
                    # moto 5.2 lacks RemoveRoleFromDBInstance (HTTP 500, unparsable).
                    with contextlib.suppress(botocore.parsers.ResponseParserError):
                        self.client.remove_role_from_db_instance(
                            DBInstanceIdentifier=found["DBInstanceIdentifier"],
                            RoleArn=role["roleArn"],
                            FeatureName=role["featureName"],
                        )
            if instance is not None and not instance["options"].get("retainOnDelete", False):
                inputs = instance.get("inputs", {})
                skip = bool(inputs.get("skipFinalSnapshot", False))
                params: dict[str, Any] = {
                    "SkipFinalSnapshot": skip,
                    "DeleteAutomatedBackups": bool(inputs.get("deleteAutomatedBackups", True)),
                }
                if not skip:
                    params["FinalDBSnapshotIdentifier"] = inputs["finalSnapshotIdentifier"]
                # The provider deletes by the identifier held in state (refreshed above).
                self.client.delete_db_instance(
                    DBInstanceIdentifier=instance["identifier"], **params
                )
                self.operations.append(("delete", instance["identifier"]))
        except botocore.exceptions.ClientError as error:
            raise EngineError(f"pulumi destroy on stack {stack} failed: {error}") from None
        on_output(f"Destroying ({stack}):\n")
        self._path(stack).unlink()  # `pulumi stack rm`

    # -- state -----------------------------------------------------------------------------

    def _path(self, stack: str) -> Path:
        return self.state_dir / f"{stack}.json"

    def _load(self, stack: str) -> dict[str, Any] | None:
        path = self._path(stack)
        return json.loads(path.read_text()) if path.exists() else None

    def _save(self, stack: str, state: dict[str, Any]) -> None:
        self.state_dir.mkdir(parents=True, exist_ok=True)
        self._path(stack).write_text(json.dumps(state, indent=1, sort_keys=True, default=str))

    # -- the program under mocks ------------------------------------------------------------

    def _run(
        self, stack: str, spec: RestoreSpec, state: dict[str, Any], *, preview: bool
    ) -> list[str]:
        engine = self
        changes: list[str] = []

        options = self._options
        options.clear()

        class Monitor(MockMonitor):
            def RegisterResource(self, request: Any) -> Any:
                options[f"{request.type}::{request.name}"] = {
                    "protect": bool(request.protect),
                    "retainOnDelete": bool(request.retainOnDelete),
                }
                return super().RegisterResource(request)

        class Provider(pulumi.runtime.Mocks):
            def new_resource(
                self, args: pulumi.runtime.MockResourceArgs
            ) -> tuple[str, dict[str, Any]]:
                inputs = _plain(dict(args.inputs))
                if args.typ == INSTANCE:
                    if preview:
                        changes.extend(engine._diff(state, inputs))
                        return args.name, inputs
                    return engine._apply_instance(state, inputs)
                if args.typ == ROLE and not preview:
                    engine._associate(inputs)
                    state["resources"].setdefault("roles", {})[inputs["roleArn"]] = inputs
                return args.name, inputs

            def call(self, args: pulumi.runtime.MockCallArgs) -> dict[str, Any]:
                return {}

        mocks = Provider()
        pulumi.runtime.set_mocks(
            mocks, project=PROJECT, stack=stack, preview=preview, monitor=Monitor(mocks)
        )
        from sccos_backup.restore.declaration import declare

        def program() -> Any:
            database = declare(spec)
            return pulumi.Output.all(
                database.instance.urn, *[r.urn for r in database.role_associations]
            )

        try:
            pulumi.runtime.test(program)()
        except botocore.exceptions.ClientError as error:
            raise EngineError(f"pulumi up on stack '{stack}' failed: {error}") from None
        return changes

    def _shape(self, operation: str) -> set[str]:
        if operation not in self._shapes:
            model = self.client.meta.service_model.operation_model(operation)
            self._shapes[operation] = set(model.input_shape.members)
        return self._shapes[operation]

    def _params(self, inputs: dict[str, Any], operation: str) -> dict[str, Any]:
        allowed = self._shape(operation)
        params: dict[str, Any] = {}
        for name, value in inputs.items():
            if name in NOT_DIFFED or name in {"identifier", "tags", "engine"} or value is None:
                continue
            key = request_name(name)
            if operation == "ModifyDBInstance" and key == "Port":
                key = "DBPortNumber"
            if operation == "ModifyDBInstance" and key == "EnableCloudwatchLogsExports":
                continue  # a difference, not a value: see _modify
            if key == "OptionGroupName" and str(value).startswith("default:"):
                continue  # moto reports default option groups it cannot find by name
            if key in allowed:
                params[key] = value
        return params

    def _apply_instance(
        self, state: dict[str, Any], inputs: dict[str, Any]
    ) -> tuple[str, dict[str, Any]]:
        identifier = inputs["identifier"]
        existing = state["resources"].get("instance")
        if existing is None:
            resource_id = self._restore(inputs)
            state["resources"]["instance"] = {"resourceId": resource_id, "identifier": identifier}
            self.operations.append(("create", identifier))
        else:
            resource_id = existing["resourceId"]
            described = self._describe_by_resource_id(resource_id)
            if described is None:
                raise botocore.exceptions.ClientError(
                    {"Error": {"Code": "DBInstanceNotFound", "Message": resource_id}}, "Read"
                )
            current = described["DBInstanceIdentifier"]
            if current != identifier:
                self._check_free(identifier)
                self.client.modify_db_instance(
                    DBInstanceIdentifier=current,
                    NewDBInstanceIdentifier=identifier,
                    ApplyImmediately=True,
                )
                self.operations.append(("rename", f"{current}->{identifier}"))
            existing["identifier"] = identifier
        options = self._options.get(f"{INSTANCE}::{LOGICAL}", {})
        state["resources"]["instance"]["options"] = dict(options)
        state["resources"]["instance"]["inputs"] = {
            k: inputs.get(k)
            for k in ("skipFinalSnapshot", "finalSnapshotIdentifier", "deleteAutomatedBackups")
        }
        self._modify(identifier, inputs)
        self._set_tags(identifier, inputs.get("tags") or {})
        return resource_id, inputs

    def _check_free(self, identifier: str) -> None:
        try:
            self.client.describe_db_instances(DBInstanceIdentifier=identifier)
        except botocore.exceptions.ClientError:
            return
        raise botocore.exceptions.ClientError(
            {"Error": {"Code": "DBInstanceAlreadyExists", "Message": identifier}},
            "ModifyDBInstance",
        )

    def _restore(self, inputs: dict[str, Any]) -> str:
        identifier = inputs["identifier"]
        self._check_free(identifier)
        try:
            if "snapshotIdentifier" in inputs:
                params = self._params(inputs, "RestoreDBInstanceFromDBSnapshot")
                self.client.restore_db_instance_from_db_snapshot(
                    DBInstanceIdentifier=identifier,
                    DBSnapshotIdentifier=inputs["snapshotIdentifier"],
                    **params,
                )
            else:
                pitr = inputs["restoreToPointInTime"]
                source = self._describe_by_resource_id(pitr["sourceDbiResourceId"])
                if source is None:
                    raise botocore.exceptions.ClientError(
                        {
                            "Error": {
                                "Code": "DBInstanceNotFound",
                                "Message": pitr["sourceDbiResourceId"],
                            }
                        },
                        "RestoreDBInstanceToPointInTime",
                    )
                params = self._params(inputs, "RestoreDBInstanceToPointInTime")
                when = (
                    {"UseLatestRestorableTime": True}
                    if pitr.get("useLatestRestorableTime")
                    else {"RestoreTime": pitr["restoreTime"]}
                )
                self.client.restore_db_instance_to_point_in_time(
                    SourceDBInstanceIdentifier=source["DBInstanceIdentifier"],
                    TargetDBInstanceIdentifier=identifier,
                    **when,
                    **params,
                )
        except botocore.exceptions.ClientError as error:
            if error.response["Error"]["Code"] != "DBSnapshotAlreadyExists":
                raise
        return give_resource_id(identifier, "db-" + secrets.token_hex(13).upper())

    def _modify(self, identifier: str, inputs: dict[str, Any]) -> None:
        params = self._params(inputs, "ModifyDBInstance")
        described = self.client.describe_db_instances(DBInstanceIdentifier=identifier)
        current = set(described["DBInstances"][0].get("EnabledCloudwatchLogsExports") or ())
        wanted = set(inputs.get("enabledCloudwatchLogsExports") or ())
        if current != wanted:  # like the provider: enable and disable the difference only
            params["CloudwatchLogsExportConfiguration"] = {
                "EnableLogTypes": sorted(wanted - current),
                "DisableLogTypes": sorted(current - wanted),
            }
        if params:
            self.client.modify_db_instance(
                DBInstanceIdentifier=identifier, ApplyImmediately=True, **params
            )

    def _set_tags(self, identifier: str, tags: dict[str, str]) -> None:
        arn = self.client.describe_db_instances(DBInstanceIdentifier=identifier)["DBInstances"][0][
            "DBInstanceArn"
        ]
        current = {
            t["Key"]: t["Value"]
            for t in self.client.list_tags_for_resource(ResourceName=arn)["TagList"]
        }
        extra = [k for k in current if k not in tags]
        if extra:
            self.client.remove_tags_from_resource(ResourceName=arn, TagKeys=extra)
        if tags:
            self.client.add_tags_to_resource(
                ResourceName=arn, Tags=[{"Key": k, "Value": v} for k, v in tags.items()]
            )

    def _associate(self, inputs: dict[str, Any]) -> None:
        identifier = inputs["dbInstanceIdentifier"]
        found = self.client.describe_db_instances(DBInstanceIdentifier=identifier)["DBInstances"][0]
        if any(r["RoleArn"] == inputs["roleArn"] for r in found.get("AssociatedRoles") or ()):
            return
        self.client.add_role_to_db_instance(
            DBInstanceIdentifier=identifier,
            RoleArn=inputs["roleArn"],
            FeatureName=inputs["featureName"],
        )

    def _describe_by_resource_id(self, resource_id: str) -> dict[str, Any] | None:
        for found in self.client.describe_db_instances()["DBInstances"]:
            if found.get("DbiResourceId") == resource_id:
                return dict(found)
        return None

    def _actual(self, described: dict[str, Any]) -> dict[str, Any]:
        args = InstanceSettings.capture(described).pulumi_args()
        actual = {camel(k): _plain(v) for k, v in args.items()}
        actual["identifier"] = described["DBInstanceIdentifier"]
        return actual

    def _diff(self, state: dict[str, Any], inputs: dict[str, Any]) -> list[str]:
        instance = state["resources"].get("instance")
        if instance is None:
            return [f"create {inputs.get('identifier')}"]
        actual = instance.get("actual", {})
        out = []
        for name, value in inputs.items():
            if name in NOT_DIFFED or value is None or name not in actual:
                continue
            if actual[name] != value:
                out.append(f"{name}: {actual[name]!r} => {value!r}")
        return out
