"""The rehearsal: a stand-in original restored from production's snapshot, the real runbook
against it (run, rollback, run again to the end, cleanup), then everything it created removed.

Production is only described. Everything the rehearsal creates is recorded in its journal
(:mod:`automation.rehearse.journal`) before it is created, and known afterwards by identity:
the stand-in's and the restored instances' DbiResourceIds, from the stacks that created them
(:mod:`automation.rehearse.remove` deletes only those). A crash anywhere leaves a journal that
``restore rehearse --cleanup`` reads.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from automation.engine.converge import apply_spec
from automation.rehearse.journal import Journal
from automation.rehearse.plan import RehearsalPlan
from automation.rehearse.remove import ForgettingEngine, Jobs, Removal
from automation.rehearse.report import RehearsalReport, StepTiming
from automation.runbook.runbook import Runbook, RunFinder, RunSummary
from sccos_backup import errors
from sccos_backup.identifiers import truncate_identifier
from sccos_backup.restore.lock import LockStore
from sccos_backup.restore.plan import RestorePlan, RestoreRequest
from sccos_backup.restore.planfile import PlanStore
from sccos_backup.restore.prepare import prepare
from sccos_backup.restore.source import SourceChoice
from sccos_backup.restore.spec import OUTPUT_RESOURCE_ID
from sccos_backup.waiting import Poll


def refuse_open_run(finder: RunFinder | Runbook, db: str) -> None:
    """A rehearsal waits until no restore run of production is open (its runbook would find
    production renamed, and the stand-in's lineage would be another than planned)."""
    active = finder.active_run(db)
    if active is not None:
        raise errors.RunInProgress(
            f"restore run {active.run_id} of '{db}' is in progress (step {active.step}); "
            f"rehearse once it is finished (`sccos-backup restore status {db}`); nothing was "
            "created"
        )


@dataclass
class RehearsalCallbacks:
    notify: Callable[[str], None] = lambda line: None
    on_output: Callable[[str], None] = lambda text: None
    on_poll: Callable[[Poll], None] | None = None
    #: Called after each step's action (tests inject crashes here).
    after_step: Callable[[str], None] = lambda key: None


@dataclass
class Rehearsal:
    runbook: Runbook
    engine: ForgettingEngine
    store: LockStore
    clock: Callable[[], datetime]
    jobs: Jobs | None = None
    callbacks: RehearsalCallbacks = field(default_factory=RehearsalCallbacks)
    restore_timeout: float = 6 * 3600
    first_interval: float = 15.0
    _timings: list[StepTiming] = field(default_factory=list, repr=False)

    @property
    def rds(self) -> Any:
        return self.runbook.rds

    def journal(self, db: str, production_arn: str) -> Journal:
        return Journal(self.store, db, production_arn)

    def removal(self) -> Removal:
        return Removal(
            rds=self.rds,
            engine=self.engine,
            store=self.store,
            jobs=self.jobs,
            notify=self.callbacks.notify,
            on_output=self.callbacks.on_output,
            on_poll=self.callbacks.on_poll,
            first_interval=self.first_interval,
        )

    # -- before any change ----------------------------------------------------------------------

    def check_can_start(self, plan: RehearsalPlan) -> None:
        """No restore run of production, no unfinished rehearsal, a ready engine, unused stacks,
        no job of the rehearsal's name, the maintenance pipelines. Changes nothing."""
        db = plan.request.db_identifier
        refuse_open_run(self.runbook, db)
        open_ = self.journal(db, plan.production.arn).open_rehearsal()
        if open_ is not None:
            raise errors.RunInProgress(
                f"rehearsal {open_} of '{db}' is unfinished; remove what it left with "
                f"`sccos-backup restore rehearse {db} --cleanup`; nothing was created"
            )
        self.engine.ensure_ready()
        for stack in (plan.names.stand_in_stack, *plan.names.run_stacks):
            if self.engine.outputs(stack) is not None:
                raise errors.IdentifierTaken(
                    f"stack '{stack}' exists already; wait a minute for another rehearsal id; "
                    "nothing was created"
                )
        if plan.request.resync:
            if self.jobs is None:
                raise errors.InvalidInput(
                    "the rehearsal's re-sync needs Jenkins settings (JENKINS_URL, JENKINS_USER, "
                    "JENKINS_API_TOKEN); set them or pass --no-resync"
                )
            if self.jobs.job_config(plan.names.job) is not None:
                raise errors.IdentifierTaken(
                    f"Jenkins job '{plan.names.job}' exists; the rehearsal creates its own job "
                    "and deletes it afterwards: name a new one with --job; nothing was created"
                )
        if plan.request.maintenance_env:
            if self.runbook.maintenance is None:  # pragma: no cover - the CLI always gives one
                raise errors.InvalidInput("maintenance mode was requested but is not configured")
            self.runbook.maintenance.check_pipelines_exist(plan.request.maintenance_env)

    # -- the rehearsal --------------------------------------------------------------------------

    @contextmanager
    def _step(self, key: str, title: str) -> Iterator[None]:
        self.callbacks.notify(f"== {title}")
        started = self.clock()
        yield
        self._timings.append(StepTiming(key, title, started, self.clock()))
        self.callbacks.after_step(key)

    def run(self, plan: RehearsalPlan) -> RehearsalReport:
        db = plan.request.db_identifier
        names = plan.names
        journal = self.journal(db, plan.production.arn)
        rid = names.rehearsal_id
        self._timings = []
        journal.begin(
            rid,
            {
                "rehearsal": rid,
                "database": db,
                "productionResourceId": plan.production.resource_id,
                "standIn": names.stand_in,
                "standInStack": names.stand_in_stack,
                "runStacks": list(names.run_stacks),
                "job": names.job if plan.request.resync else None,
                "command": plan.request.command,
            },
        )
        titles = dict(plan.steps())
        try:
            with self._step("stand-in", titles["stand-in"]):
                stand_in = self._create_stand_in(plan, journal)
            runs: list[RunSummary] = []
            with self._step("run", titles["run"]):
                runs.append(self._run(plan, journal, 0))
            with self._step("rollback", titles["rollback"]):
                rollback = self.runbook.rollback(names.stand_in, force=True)
            with self._step("run-again", titles["run-again"]):
                runs.append(self._run(plan, journal, 1))
            with self._step("cleanup", titles["cleanup"]):
                approved = self.runbook.cleanup_plan(names.stand_in)
                self.runbook.cleanup(names.stand_in, approved)
            with self._step("delete", titles["delete"]):
                removed = self.removal().remove(journal.facts(rid))
        except errors.SccosBackupError as error:
            raise type(error)(
                f"{error}; the rehearsal's stand-in and copies may exist: remove them with "
                f"`sccos-backup restore rehearse {db} --cleanup`"
            ) from None
        journal.finish(rid)
        return RehearsalReport(
            database=db,
            rehearsal_id=rid,
            strategy=plan.request.strategy,
            stand_in=names.stand_in,
            source={
                **plan.restore_point(),
                "stand_in_resource_id": stand_in,
            },
            steps=tuple(self._timings),
            runs=tuple(runs),
            rollback=tuple(rollback),
            removed=tuple(removed),
            cost=plan.cost(),
        )

    def _create_stand_in(self, plan: RehearsalPlan, journal: Journal) -> str:
        names = plan.names
        apply_spec(
            self.engine,
            self.rds,
            names.stand_in_stack,
            plan.spec,
            original_resource_id=plan.production.resource_id,
            on_output=self.callbacks.on_output,
            notify=self.callbacks.notify,
        )
        outputs = self.engine.outputs(names.stand_in_stack) or {}
        resource_id = str(outputs.get(OUTPUT_RESOURCE_ID) or "")
        journal.add(names.rehearsal_id, {"resourceIds": [resource_id] if resource_id else []})
        if not resource_id or resource_id == plan.production.resource_id:
            raise errors.PreconditionFailed(
                f"the stand-in '{names.stand_in}' cannot be told apart from "
                f"'{plan.request.db_identifier}' (stack '{names.stand_in_stack}' records "
                f"DbiResourceId '{resource_id}', as every instance of an emulator shares "
                "one); nothing of the runbook was run"
            )
        self.rds.wait_instance(
            names.stand_in,
            timeout=self.restore_timeout,
            on_poll=self.callbacks.on_poll,
            first_interval=self.first_interval,
        )
        return resource_id

    def _run_plan(self, plan: RehearsalPlan, index: int) -> RestorePlan:
        """The runbook's plan for the stand-in: production's snapshot, named as the snapshot of
        another database on purpose; a run id of its own even within the first run's minute."""
        request = RestoreRequest(
            db_identifier=plan.names.stand_in,
            choice=SourceChoice(snapshot=plan.snapshot.identifier),
            strategy=plan.request.strategy,
            stack=plan.names.run_stacks[index],
            maintenance_env=plan.request.maintenance_env,
            resync=plan.request.resync,
            resync_job=plan.names.job,
            resync_command=plan.request.command,
            from_database=plan.production.resource_id,
        )
        now = max(self.clock(), plan.planned_at + timedelta(minutes=index))
        return prepare(self.rds, request, now)

    def _run(self, plan: RehearsalPlan, journal: Journal, index: int) -> RunSummary:
        run_plan = self._run_plan(plan, index)
        run_names = run_plan.names
        finals = [
            truncate_identifier(name, "final", 255)
            for name in (run_names.aside, run_names.rolled_back)
        ]
        journal.add(
            plan.names.rehearsal_id,
            {
                "runs": [
                    {
                        "stack": run_plan.stack,
                        "runId": run_names.run_id,
                        "finalSnapshots": [*finals, run_names.final_snapshot],
                        "planKey": PlanStore.key(
                            run_plan.request.db_identifier, run_plan.original_arn, run_names.run_id
                        ),
                    }
                ]
            },
        )
        self.runbook.check_can_start(run_plan)
        summary = self.runbook.start(run_plan)
        restored = str((self.engine.outputs(run_plan.stack) or {}).get(OUTPUT_RESOURCE_ID) or "")
        if restored:
            journal.add(plan.names.rehearsal_id, {"resourceIds": [restored]})
        return summary

    # -- after a crash ----------------------------------------------------------------------------

    def cleanup(self, db: str, production_arn: str) -> list[str]:
        """Remove what the database's unfinished rehearsal recorded creating."""
        journal = self.journal(db, production_arn)
        rid = journal.open_rehearsal()
        if rid is None:
            return [f"no unfinished rehearsal of '{db}' is recorded; nothing to clean up"]
        self.engine.ensure_ready()
        removed = self.removal().remove(journal.facts(rid)) or ["nothing it created was left"]
        journal.finish(rid)
        return [f"rehearsal {rid}: {line}" for line in removed]
