"""A rehearsal as data: production (only described), the restore point both restores share, the
stand-in original and every name the rehearsal creates. Computed once, before any change.

The restore point is a snapshot of production: the stand-in is restored from it, and the
runbook restores the stand-in from it again, naming production as the snapshot's database on
purpose (the runbook's ``--from-database``). A point in time cannot serve both: the runbook
restores a point in time only of the database it restores, and the stand-in has no history.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from automation.drill.driver import cost_of
from sccos_backup import errors
from sccos_backup.aws.rds import Instance, RdsAdapter, Snapshot
from sccos_backup.backups.listing import observe_snapshots
from sccos_backup.backups.ownership import Owner
from sccos_backup.identifiers import truncate_identifier
from sccos_backup.restore.preconditions import Observed, check
from sccos_backup.restore.settings import InstanceSettings
from sccos_backup.restore.source import SnapshotSource, SourceChoice, iso
from sccos_backup.restore.spec import RestoreSpec
from sccos_backup.restore.strategy import Strategy

#: Tags declared on the stand-in (and copied by the runbook onto what it restores from it).
TAG_REHEARSAL = "sccos-backup:rehearsal"
TAG_REHEARSAL_OF = "sccos-backup:rehearsal-of"
#: What the rehearsal's re-sync job runs instead of ``sync:data``.
DEFAULT_COMMAND = "echo 'sccos-backup rehearsal: no sync:data'"


@dataclass(frozen=True)
class RehearsalRequest:
    db_identifier: str
    strategy: Strategy = Strategy.IN_PLACE
    snapshot: str | None = None
    maintenance_env: str | None = None
    resync: bool = True
    job: str | None = None
    command: str = DEFAULT_COMMAND
    store: str | None = None


@dataclass(frozen=True)
class RehearsalNames:
    rehearsal_id: str
    stand_in: str
    stand_in_stack: str
    job: str
    #: One stack per run of the runbook: the first (rolled back) and the second (to the end).
    run_stacks: tuple[str, str]

    @staticmethod
    def stack_prefix(db: str) -> str:
        """What every stack of a rehearsal of ``db`` starts with (the stand-in's and both runs')."""
        return f"rehearsal-{db}-"

    @classmethod
    def for_id(cls, db: str, rehearsal_id: str, job: str | None = None) -> RehearsalNames:
        base = f"{cls.stack_prefix(db)}{rehearsal_id}"
        return cls(
            rehearsal_id=rehearsal_id,
            stand_in=truncate_identifier(db, f"rehearsal-{rehearsal_id}"),
            stand_in_stack=base,
            job=job or f"sccos-backup-{base}",
            run_stacks=(f"{base}-run-1", f"{base}-run-2"),
        )


@dataclass(frozen=True)
class RehearsalPlan:
    request: RehearsalRequest
    names: RehearsalNames
    production: Instance
    snapshot: Snapshot
    #: The stand-in's declaration: production's settings, its tags plus the rehearsal's.
    spec: RestoreSpec
    planned_at: datetime

    @property
    def stand_in_tags(self) -> dict[str, str]:
        return {
            TAG_REHEARSAL: self.names.rehearsal_id,
            TAG_REHEARSAL_OF: self.request.db_identifier,
        }

    def steps(self) -> list[tuple[str, str]]:
        names = self.names
        db = self.request.db_identifier
        maintenance = (
            f", maintenance mode of '{self.request.maintenance_env}'"
            if self.request.maintenance_env
            else ", no maintenance mode"
        )
        resync = (
            f"re-sync on Jenkins job '{names.job}' (`{self.request.command}`)"
            if self.request.resync
            else "no re-sync"
        )
        return [
            (
                "stand-in",
                f"pulumi up on stack '{names.stand_in_stack}': restore '{names.stand_in}' from "
                f"snapshot {self.snapshot.identifier} with the settings of '{db}' (only read)",
            ),
            (
                "run",
                f"restore run on '{names.stand_in}' ({self.request.strategy}, stack "
                f"'{names.run_stacks[0]}'): rename, up, verify, {resync}{maintenance}",
            ),
            ("rollback", f"restore rollback --force on '{names.stand_in}'"),
            (
                "run-again",
                f"restore run on '{names.stand_in}' again to the end (stack "
                f"'{names.run_stacks[1]}')",
            ),
            ("cleanup", f"restore cleanup on '{names.stand_in}' (deletes the parked stand-in)"),
            (
                "delete",
                "delete what the rehearsal created, by the DbiResourceIds it recorded: the "
                "restored instances, the final snapshot, the stacks and the Jenkins job",
            ),
        ]

    def cost(self) -> dict[str, Any]:
        at_once = 2 if self.request.strategy is Strategy.IN_PLACE else 3
        return {**cost_of(self.production), "instancesAtOnce": at_once}

    def restore_point(self) -> dict[str, Any]:
        """The snapshot both restores start from (snake_case keys)."""
        created = self.snapshot.created
        return {
            "snapshot_identifier": self.snapshot.identifier,
            "snapshot_create_time": iso(created) if created else None,
        }

    def as_dict(self) -> dict[str, Any]:
        """The plan's fields (snake_case) for rendering; ``cost`` holds the figures under the
        names the drill report stores them by."""
        return {
            "database": self.request.db_identifier,
            "rehearsal": self.names.rehearsal_id,
            "strategy": str(self.request.strategy),
            "stand_in": self.names.stand_in,
            "stand_in_stack": self.names.stand_in_stack,
            "run_stacks": list(self.names.run_stacks),
            "jenkins_job": self.names.job if self.request.resync else None,
            "maintenance": self.request.maintenance_env,
            "source": self.restore_point(),
            "cost": self.cost(),
            "steps": [{"key": k, "title": t} for k, t in self.steps()],
        }


def newest_snapshot(rds: RdsAdapter, production: Instance) -> Snapshot:
    """Production's newest available snapshot (its own, by DbiResourceId where that is not
    shared): the latest restore point that both restores of a rehearsal can use."""
    owner = Owner.of(production, rds.shared_resource_ids(rds.list_instances()))
    snapshots = observe_snapshots(rds, production.identifier, production.resource_id, owner)
    available = [s for s in snapshots if s.available]
    if not available:
        raise errors.NotFound(
            f"'{production.identifier}' has no available snapshot to rehearse from; take one "
            f"with `sccos-backup snapshot create {production.identifier}` or name one with "
            "--snapshot"
        )
    return available[0]


def prepare_rehearsal(rds: RdsAdapter, request: RehearsalRequest, now: datetime) -> RehearsalPlan:
    """Describe production and the snapshot, check the stand-in's restore, plan. Changes
    nothing."""
    db = request.db_identifier
    rehearsal_id = now.strftime("%Y%m%d%H%M")
    names = RehearsalNames.for_id(db, rehearsal_id, request.job)
    production = rds.describe_instance(db)
    if request.snapshot:
        snapshot = rds.describe_snapshot(request.snapshot)
    else:
        snapshot = newest_snapshot(rds, production)
    family = (
        rds.parameter_group_family(production.parameter_group)
        if production.parameter_group
        else None
    )
    taken = {names.stand_in: rds.find_instance(names.stand_in) is not None}
    choice = SourceChoice(snapshot=snapshot.identifier)
    check(db, choice, Observed(production, snapshot, None, family, taken))
    captured = InstanceSettings.capture(production.raw)
    plan = RehearsalPlan(
        request=request,
        names=names,
        production=production,
        snapshot=snapshot,
        spec=RestoreSpec(
            target_identifier=names.stand_in,
            original_identifier=names.stand_in,
            source=SnapshotSource(snapshot.identifier),
            settings=captured,
            final_snapshot_identifier="",
            throwaway=True,
            run_id=f"rehearsal-{rehearsal_id}",
        ),
        planned_at=now,
    )
    tags = {**dict(captured.tags), **plan.stand_in_tags}
    settings = dataclasses.replace(captured, tags=tuple(tags.items()))
    return dataclasses.replace(plan, spec=dataclasses.replace(plan.spec, settings=settings))
