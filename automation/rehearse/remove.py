"""Deleting what a rehearsal created, known by identity and nothing else.

The instances are the DbiResourceIds the journal recorded and the stacks that created them
hold (the stand-in's stack, one stack per run): each is looked up by that id wherever its name
now is, and deleted through RDS (no final snapshot, its automated backups with it), never
through ``pulumi destroy``, whose provider deletes by the name it last saw. Production's id is
never deleted. Snapshots are only the final snapshots the runbook takes under names the journal
recorded, and only when taken of one of those ids. The stacks are then removed from the state
(``pulumi stack rm --force``: nothing they held is left to delete), the Jenkins job only when it
is the rehearsal's own (the ownership marker and the rehearsal's command), and last the plans
the runs recorded in the state backend.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from automation.engine.base import Engine, OnOutput
from sccos_backup import errors
from sccos_backup.aws.rds import RdsAdapter
from sccos_backup.restore.lock import LockStore
from sccos_backup.restore.spec import OUTPUT_RESOURCE_ID
from sccos_backup.waiting import Poll

#: How long a deletion is waited for.
DELETE_TIMEOUT = 6 * 3600


class ForgettingEngine(Engine, Protocol):
    """An engine that can also remove a stack from the state, leaving its resources alone."""

    def forget(self, stack: str, on_output: OnOutput) -> None:
        """``pulumi stack rm --force``; no error when the stack does not exist."""


class Jobs(Protocol):
    """What the rehearsal needs of Jenkins besides the re-sync: read and delete its job."""

    def job_config(self, name: str) -> str | None: ...  # pragma: no cover - protocol

    def delete_job(self, name: str) -> None: ...  # pragma: no cover - protocol


@dataclass
class Removal:
    rds: RdsAdapter
    engine: ForgettingEngine
    #: The state backend's store: the plans the runs recorded there are removed too.
    store: LockStore
    jobs: Jobs | None
    notify: Callable[[str], None]
    on_output: OnOutput
    on_poll: Callable[[Poll], None] | None
    first_interval: float

    def _stacks(self, facts: dict[str, Any]) -> list[str]:
        stacks = [facts.get("standInStack"), *facts.get("runStacks", ())]
        stacks += [run["stack"] for run in facts.get("runs", ())]
        return list(dict.fromkeys(s for s in stacks if s))

    def resource_ids(self, facts: dict[str, Any]) -> list[str]:
        """The recorded ids, and those the rehearsal's stacks hold; refuses a stack with an
        interrupted create (an instance it may have made is known to no one yet)."""
        ids: list[str] = list(facts.get("resourceIds", ()))
        for stack in self._stacks(facts):
            held = self.engine.held(stack)
            if held.pending_creates:
                raise errors.PreconditionFailed(
                    f"stack '{stack}' has an interrupted create: an instance it made is not "
                    f"recorded yet; run `pulumi refresh --stack {stack} --import-pending-creates`"
                    " in the project folder, then the cleanup again; nothing was deleted"
                )
            outputs = self.engine.outputs(stack) or {}
            for found in (held.instance_id, outputs.get(OUTPUT_RESOURCE_ID)):
                if found and str(found) not in ids:
                    ids.append(str(found))
        production = facts.get("productionResourceId")
        return [i for i in ids if i and i != production]

    def remove(self, facts: dict[str, Any]) -> list[str]:
        done: list[str] = []
        ids = self.resource_ids(facts)
        for resource_id in ids:
            done.extend(self._delete_instance(resource_id))
        for name in self._final_snapshots(facts):
            snapshot = self.rds.find_snapshot(name)
            if snapshot is not None and snapshot.resource_id in ids:
                self.notify(f"-> delete snapshot '{name}' (of {snapshot.resource_id})")
                self.rds.delete_snapshot(name)
                done.append(f"snapshot '{name}' deleted")
        for resource_id in ids:
            if self.rds.delete_retained_backups(resource_id):
                done.append(f"retained automated backups of {resource_id} deleted")
        for stack in self._stacks(facts):
            if self.engine.outputs(stack) is not None:
                self.engine.forget(stack, self.on_output)
                done.append(f"stack '{stack}' removed")
        done.extend(self._delete_job(facts))
        for run in facts.get("runs", ()):
            if run.get("planKey") and self.store.read(run["planKey"]) is not None:
                self.store.delete(run["planKey"])
                done.append(f"the recorded plan of run {run['runId']} removed")
        return done

    def _delete_instance(self, resource_id: str) -> list[str]:
        try:
            instance = self.rds.find_instance_by_resource_id(resource_id)
        except errors.NotFound as error:  # several answer to it (emulator identity)
            raise errors.PreconditionFailed(
                f"{error}; nothing more was deleted: remove the rehearsal's by hand"
            ) from None
        if instance is None:
            return []
        if instance.status != "deleting":
            if instance.raw.get("DeletionProtection"):
                self.rds.modify_instance(
                    instance.identifier, DeletionProtection=False, ApplyImmediately=True
                )
            self.notify(f"-> delete '{instance.identifier}' ({resource_id}), no final snapshot")
            self.rds.delete_instance(instance.identifier, final_snapshot=None)
        self.rds.wait_absent(
            instance.identifier,
            resource_id=resource_id,
            timeout=DELETE_TIMEOUT,
            on_poll=self.on_poll,
            first_interval=self.first_interval,
        )
        return [f"'{instance.identifier}' ({resource_id}) deleted"]

    @staticmethod
    def _final_snapshots(facts: dict[str, Any]) -> list[str]:
        return [name for run in facts.get("runs", ()) for name in run.get("finalSnapshots", ())]

    def _delete_job(self, facts: dict[str, Any]) -> list[str]:
        job = facts.get("job")
        if not job or self.jobs is None:
            return []
        from sccos_backup.jenkins.jobxml import OWNERSHIP_MARKER, read_shell_job

        config = self.jobs.job_config(job)
        if config is None:
            return []
        ours = OWNERSHIP_MARKER in config and str(facts.get("command", "")).strip() in (
            read_shell_job(config, what=f"job '{job}'").script
        )
        if not ours:
            return [f"Jenkins job '{job}' is not the rehearsal's (changed since?): left as it is"]
        self.notify(f"-> delete Jenkins job '{job}'")
        self.jobs.delete_job(job)
        return [f"Jenkins job '{job}' deleted"]
