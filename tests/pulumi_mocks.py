"""Pulumi SDK mocks that record every registered resource with its inputs and options.

Pitfalls (see shared/reference/test-environment.md): ``set_mocks`` must run before the code that
declares resources; a ``@pulumi.runtime.test`` function must RETURN the Output whose ``apply``
asserts, or a failing assertion is swallowed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pulumi
from pulumi.runtime.mocks import MockMonitor


@dataclass
class Registered:
    type: str
    name: str
    inputs: dict[str, Any]
    options: dict[str, Any] = field(default_factory=dict)


class RecordingMocks(pulumi.runtime.Mocks):
    """Returns inputs as outputs, plus the computed outputs a real instance has."""

    def __init__(self) -> None:
        self.resources: dict[str, Registered] = {}

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        outputs = dict(args.inputs)
        if args.typ == "aws:rds/instance:Instance":
            ident = outputs.get("identifier", args.name)
            outputs.setdefault("port", 5432)
            outputs["address"] = f"{ident}.abc123.eu-central-1.rds.amazonaws.com"
            outputs["arn"] = f"arn:aws:rds:eu-central-1:123456789012:db:{ident}"
            outputs["resourceId"] = "db-MOCKRESOURCEID"
        existing = self.resources.get(args.name)
        options = existing.options if existing else {}
        self.resources[args.name] = Registered(args.typ, args.name, dict(args.inputs), options)
        return f"{args.name}-id", outputs

    def call(self, args: pulumi.runtime.MockCallArgs) -> dict[str, Any]:
        return {}

    def of_type(self, typ: str) -> list[Registered]:
        return [r for r in self.resources.values() if r.type == typ]


class RecordingMonitor(MockMonitor):
    """Records resource options, which never reach ``Mocks.new_resource``."""

    def __init__(self, mocks: RecordingMocks) -> None:
        super().__init__(mocks)
        self.options: dict[str, dict[str, Any]] = {}

    def RegisterResource(self, request: Any) -> Any:
        self.options[request.name] = {
            "protect": request.protect,
            "retainOnDelete": request.retainOnDelete,
            "ignoreChanges": list(request.ignoreChanges),
            "deleteBeforeReplace": request.deleteBeforeReplace,
            "type": request.type,
        }
        return super().RegisterResource(request)


def install(
    project: str = "sccos-backup", stack: str = "test"
) -> tuple[RecordingMocks, RecordingMonitor]:
    mocks = RecordingMocks()
    monitor = RecordingMonitor(mocks)
    pulumi.runtime.set_mocks(mocks, project=project, stack=stack, preview=False, monitor=monitor)
    return mocks, monitor
