"""The one narrow interface through which the runbook reaches the Pulumi engine.

The real implementation is :class:`automation.engine.automation_api.AutomationEngine` (Pulumi's
Automation API with an inline program that calls :func:`sccos_backup.restore.declaration.declare`).
Tests use an in-process engine that runs the same program under the SDK's mocks and applies
the declared instance to a moto server (``tests/inprocess_engine.py``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from sccos_backup.restore.spec import RestoreSpec

OnOutput = Callable[[str], None]


@dataclass(frozen=True)
class Held:
    """What a stack's state holds of the restored instance (``pulumi stack export``).

    pulumi-aws saves the instance's id right after the restore call, before its wait for
    ``available`` and its follow-up modify: a create that timed out, whose modify failed or that
    was cancelled gracefully leaves the instance here with ``init_errors``; only a killed CLI
    leaves a pending create and nothing held.
    """

    #: The Pulumi ID of the instance (its DbiResourceId), None when the state holds none.
    instance_id: str | None = None
    init_errors: tuple[str, ...] = ()
    pending_creates: int = 0


class Engine(Protocol):
    """What the runbook needs from Pulumi. Every method raises ``EngineError`` on failure."""

    def ensure_ready(self) -> None:
        """Make sure the engine can run (CLI present or installable, plugin installed).

        Raises :class:`~sccos_backup.errors.PulumiUnavailable` with one clear sentence when it
        cannot. Called after every precondition and before the first change.
        """

    def up(self, stack: str, spec: RestoreSpec, on_output: OnOutput) -> dict[str, Any]:
        """Write ``spec`` into the stack's configuration, refresh, then update; return outputs."""

    def preview_changes(self, stack: str, spec: RestoreSpec, on_output: OnOutput) -> int:
        """Refresh, then preview ``spec``; return the number of resources that would change."""

    def changes(self, stack: str, spec: RestoreSpec, on_output: OnOutput) -> dict[str, int]:
        """Refresh, then preview ``spec``: resources per operation (``update``, ``replace``,
        ``create``, ``delete``...); unchanged ones are left out, so ``{}`` means converged."""

    def refresh(
        self, stack: str, on_output: OnOutput, *, clear_pending_creates: bool = False
    ) -> None:
        """Bring the stack's state in line with AWS (after renames outside Pulumi).

        A refresh keeps pending creates (operations an interrupted ``up`` left) unless
        ``clear_pending_creates``; the caller clears them only once it has found the instance
        that create made and is about to adopt it.
        """

    def outputs(self, stack: str) -> dict[str, Any] | None:
        """The stack's outputs, or None when the stack does not exist."""

    def held(self, stack: str) -> Held:
        """What the stack's state holds of the restored instance (empty when no stack)."""


class DisposableEngine(Engine, Protocol):
    """An engine that can also delete what a stack holds (only restore drills use it)."""

    def destroy(self, stack: str, on_output: OnOutput) -> None:
        """Refresh, then delete every resource the stack holds, then remove the stack.

        Like ``pulumi destroy``: a ``protect``-ed resource fails the destroy and a
        ``retain_on_delete`` one leaves the state without being deleted. The provider deletes
        by the identifier the state holds, so callers check the stack's outputs first.
        """
