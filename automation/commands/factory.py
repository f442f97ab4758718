"""One factory builds every collaborator a command needs, from the global options.

The root callback makes one :class:`Factory` from ``--region``, ``--profile``,
``--endpoint-url`` and the settings file and puts it on Typer's context; each command takes it
with :func:`factory_of` and asks it for what it uses: the RDS, account, CodePipeline, S3 and
Jenkins adapters, the Pulumi engines, the lock and plan store of a backend, the runbook, the
drill driver. Tests hand the CLI a subclass that returns stand-ins (``tests/support/factory.py``),
as chalice's ``CLIFactory`` is replaced in its tests.

Every heavy library (boto3, python-jenkins, the Pulumi SDK) is imported inside the method that
needs it, so that ``--help`` and commands that use none of them start fast.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import typer

from automation.commands.projects import data_dir
from sccos_backup import errors

if TYPE_CHECKING:
    from automation.commands.progress import StatusLine
    from automation.commands.shop_config import ShopConfig
    from automation.doctor.pulumi import PulumiTarget
    from automation.drill.driver import DrillDriver
    from automation.engine.base import Engine
    from automation.engine.schedule import ScheduleDriver
    from automation.runbook.runbook import Maintenance, Runbook, RunFinder
    from sccos_backup.aws.account import AccountAdapter
    from sccos_backup.aws.rds import RdsAdapter
    from sccos_backup.drill.history import ReportStore
    from sccos_backup.jenkins.client import JenkinsAdapter
    from sccos_backup.jenkins.config import JenkinsConfig
    from sccos_backup.restore.lock import DatabaseLock, LockStore
    from sccos_backup.restore.planfile import PlanStore
    from sccos_backup.restore.stackfile import AwsTarget
    from sccos_backup.waiting import Callbacks


def _no_config() -> ShopConfig:
    from automation.commands.shop_config import ShopConfig

    return ShopConfig()


def _utcnow() -> datetime:
    return datetime.now(UTC)


def resolved_backend_url(backend_url: str | None) -> str:
    """The backend this command uses: --backend-url / PULUMI_BACKEND_URL, else the per-user
    folder the engine defaults to."""
    if backend_url:
        return backend_url
    from automation.engine.workspace import STATE_FOLDER, file_backend_url

    return file_backend_url((data_dir() / STATE_FOLDER).expanduser().absolute())


def notice(line: str) -> None:
    sys.stderr.write(line + "\n")


def passphrase() -> str | None:
    """The stack passphrase from the environment; refused when neither variable is set."""
    value = os.environ.get("PULUMI_CONFIG_PASSPHRASE")
    file = os.environ.get("PULUMI_CONFIG_PASSPHRASE_FILE")
    if value is None and not file:
        raise errors.InvalidInput(
            "the stack's secrets need a passphrase: set PULUMI_CONFIG_PASSPHRASE (or "
            "PULUMI_CONFIG_PASSPHRASE_FILE); use the same one on every machine"
        )
    from automation.doctor.pulumi import empty_file

    empty = value == "" if value is not None else empty_file(str(file))
    if not empty and value is None:
        _hide_file_contents(str(file))
    if empty:
        where = "PULUMI_CONFIG_PASSPHRASE" if value is not None else f"the file {file}"
        raise errors.InvalidInput(
            f"the stack passphrase in {where} is empty: it would encrypt the stack's secrets "
            "with nothing; set a real one (the same on every machine)"
        )
    return value


def _hide_file_contents(path: str) -> None:
    """A passphrase the Pulumi CLI reads from its file is a secret of this process too: hide it
    from ``--debug``'s log and every other redacted text."""
    import contextlib

    from sccos_backup.redaction import hide

    # An unreadable file is the passphrase check's to report.
    with contextlib.suppress(OSError, UnicodeDecodeError):
        hide(Path(path).read_text(encoding="utf-8"))


def _aws_session(factory: Factory) -> Any:
    """The AWS session a command's RDS, account and CodePipeline clients share: the profile's
    credentials are resolved once per command."""
    from sccos_backup.aws.clients import make_session

    def build() -> Any:
        return make_session(region=factory.region, profile=factory.profile)

    return factory._once("session", build)


@dataclass
class Factory:
    """The global options, a clock and a sleep, and a method per collaborator built on them.

    Adapters are built once per command, on first use.
    """

    region: str | None = None
    profile: str | None = None
    endpoint_url: str | None = None
    clock: Callable[[], datetime] = _utcnow
    sleep: Callable[[float], None] = time.sleep
    interactive: bool | None = None
    #: The shop's settings file as read by the root callback (empty when there is none).
    config: ShopConfig = field(default_factory=_no_config)
    _built: dict[str, Any] = field(default_factory=dict, init=False, repr=False)

    def is_interactive(self) -> bool:
        if self.interactive is not None:
            return self.interactive
        return sys.stdin.isatty()

    def aws(self) -> dict[str, str | None]:
        """Where every AWS client of this command goes: the region, profile and endpoint."""
        return {"region": self.region, "profile": self.profile, "endpoint_url": self.endpoint_url}

    def _once(self, name: str, build: Callable[[], Any]) -> Any:
        if name not in self._built:
            self._built[name] = build()
        return self._built[name]

    # -- adapters ----------------------------------------------------------------------------

    def rds(self) -> RdsAdapter:
        """The RDS adapter (boto3 is imported only when it is first built)."""

        def build() -> RdsAdapter:
            from sccos_backup.aws.rds import RdsAdapter, make_rds_client

            client = make_rds_client(**self.aws(), session=_aws_session(self))
            return RdsAdapter(client, clock=self.clock, sleep=self.sleep)

        return cast("RdsAdapter", self._once("rds", build))

    def account(self) -> AccountAdapter:
        """STS, IAM's simulator, KMS and orderable options, for the checks."""

        def build() -> AccountAdapter:
            from sccos_backup.aws.account import make_account_adapter

            return make_account_adapter(**self.aws(), session=_aws_session(self))

        return cast("AccountAdapter", self._once("account", build))

    def maintenance(self) -> Maintenance:
        """The maintenance-mode pipelines; the CodePipeline client is built on first use, so a
        run that never switches maintenance mode never makes one."""
        return LazyMaintenance(self._maintenance_adapter)

    def _maintenance_adapter(self) -> Maintenance:
        def build() -> Maintenance:
            from sccos_backup.aws.maintenance import MaintenanceAdapter, make_codepipeline_client

            client = make_codepipeline_client(**self.aws(), session=_aws_session(self))
            return MaintenanceAdapter(client, clock=self.clock, sleep=self.sleep)

        return cast("Maintenance", self._once("maintenance", build))

    def jenkins(self, config: JenkinsConfig) -> JenkinsAdapter:
        from sccos_backup.jenkins.client import make_jenkins_adapter

        return make_jenkins_adapter(config, sleep=self.sleep, clock=self.clock)

    def aws_target(self) -> AwsTarget:
        """Where a Pulumi program declares: the same region, profile and endpoint."""
        from sccos_backup.restore.stackfile import AwsTarget

        return AwsTarget(self.region, self.profile, self.endpoint_url)

    # -- state backend -----------------------------------------------------------------------

    def lock_store(self, backend_url: str | None) -> LockStore:
        from sccos_backup.restore.lock import lock_store_for

        return lock_store_for(resolved_backend_url(backend_url), **self.aws())

    def lock(self, backend_url: str | None) -> DatabaseLock:
        """The per-database lock in the state backend (a bucket object or a file in the
        folder)."""
        from sccos_backup.restore.lock import DatabaseLock, backend_identity

        url = resolved_backend_url(backend_url)
        return DatabaseLock(
            self.lock_store(backend_url), backend=backend_identity(url), clock=self.clock
        )

    def plan_store(self, backend_url: str | None) -> PlanStore:
        from sccos_backup.restore.planfile import PlanStore

        return PlanStore(self.lock(backend_url).store)

    def run_finder(self, backend_url: str | None) -> RunFinder:
        """Reads runs and their recorded plans (no engine): for plans, lineage and status."""
        from automation.runbook.runbook import NO_ENGINE, RunContext, RunFinder

        plans = self.plan_store(backend_url)
        return RunFinder(
            RunContext(rds=self.rds(), engine=NO_ENGINE, clock=self.clock, plans=plans)
        )

    # -- Pulumi ------------------------------------------------------------------------------

    def engine(self, work_dir: Path | None, backend_url: str | None) -> Engine:
        """The restore project's engine: the Automation API on the project folder."""
        from automation.commands.projects import RESTORE, resolve
        from automation.engine.automation_api import AutomationEngine
        from sccos_backup.restore.stackfile import check_project

        work_dir = resolve(RESTORE, work_dir)
        check_project(work_dir)
        return AutomationEngine(
            work_dir=work_dir,
            backend_url=backend_url,
            passphrase=passphrase(),
            aws=self.aws_target(),
            data_dir=data_dir(),
            on_notice=notice,
        )

    def pulumi_target(
        self, work_dir: Path | None, backend_url: str | None, stack_prefix: str
    ) -> PulumiTarget | None:
        """What doctor checks of the Pulumi set-up :meth:`engine` needs (None: no Pulumi CLI
        is used)."""
        from automation.commands.projects import RESTORE, resolve
        from automation.doctor.pulumi import PulumiTarget

        return PulumiTarget(
            data_dir=data_dir(),
            work_dir=resolve(RESTORE, work_dir),
            backend_url=resolved_backend_url(backend_url),
            stack_prefix=stack_prefix,
        )

    def schedule_engine(self, work_dir: Path | None, backend_url: str | None) -> ScheduleDriver:
        from automation.commands.projects import SCHEDULE, resolve
        from automation.engine.schedule import ScheduleEngine
        from sccos_backup.schedule.stackfile import check_schedule_project

        work_dir = resolve(SCHEDULE, work_dir)
        check_schedule_project(work_dir)
        return ScheduleEngine(
            work_dir=work_dir,
            backend_url=backend_url,
            passphrase=passphrase(),
            region=self.region,
            profile=self.profile,
            data_dir=data_dir(),
            on_notice=notice,
        )

    # -- drivers -----------------------------------------------------------------------------

    def runbook(
        self,
        *,
        work_dir: Path | None,
        backend_url: str | None,
        json_output: bool,
        resync: Any = None,
        engine_optional: bool = False,
    ) -> tuple[Runbook, StatusLine, str | None]:
        """The runbook with its engine and lock; with ``engine_optional`` (rollback, whose
        renames need no Pulumi) a missing project folder or passphrase gives a runbook without
        an engine and the reason, instead of an error."""
        from automation.commands.progress import progress_streams
        from automation.runbook.runbook import NO_ENGINE, Callbacks, Runbook

        notify, on_output, status = progress_streams(json_output)
        lock = self.lock(backend_url)
        engine: Engine = NO_ENGINE
        skipped = None
        try:
            engine = self.engine(work_dir, backend_url)
        except errors.InvalidInput as error:
            if not engine_optional:
                raise
            skipped = str(error)
        settings = getattr(engine, "settings", None)  # the Automation API engine's project folder
        project = work_dir.resolve() if work_dir else getattr(settings, "work_dir", None)
        runbook = Runbook(
            rds=self.rds(),
            engine=engine,
            backend=lock.backend,
            lock=lock,
            backend_url=resolved_backend_url(backend_url),
            work_dir=project,
            clock=self.clock,
            maintenance=self.maintenance(),
            resync=resync,
            callbacks=Callbacks(notify=notify, on_output=on_output, on_poll=status),
        )
        return runbook, status, skipped

    def lock_runbook(self, backend_url: str | None, callbacks: Callbacks | None = None) -> Runbook:
        """The runbook of the commands that need RDS and the lock but no Pulumi (cleanup,
        unlock)."""
        from automation.runbook.runbook import NO_ENGINE, Runbook

        lock = self.lock(backend_url)
        return Runbook(
            rds=self.rds(),
            engine=NO_ENGINE,
            clock=self.clock,
            backend=lock.backend,
            lock=lock,
            callbacks=callbacks,
        )

    def report_store(self, reports_url: str | None, default: str = "drills") -> ReportStore:
        """Where drill (and rehearsal) reports are kept: a folder, or an S3 bucket and prefix;
        without ``reports_url`` the folder ``default`` in the user's data directory."""
        from sccos_backup.aws.s3 import open_store
        from sccos_backup.drill.history import ReportStore, parse_reports_url

        url = parse_reports_url(reports_url or str(data_dir() / default))
        if url.folder is not None and url.folder.exists() and not url.folder.is_dir():
            raise errors.InvalidInput(f"--reports-url '{url.url}' is a file, not a folder")
        objects = open_store(
            url,
            option="--reports-url",
            **self.aws(),
            narrow=False,  # a reports folder the user named keeps the mode they gave it
        )
        return ReportStore(objects)

    def drill_driver(
        self,
        *,
        work_dir: Path | None,
        backend_url: str | None,
        store: ReportStore,
        callbacks: Callbacks,
        check_timeout: float,
    ) -> DrillDriver:
        from automation.drill.driver import DrillDriver, DrillTimeouts
        from automation.engine.base import DisposableEngine

        engine = self.engine(work_dir, backend_url)
        if not hasattr(engine, "destroy"):  # pragma: no cover - every engine we build has it
            raise errors.EngineError("this Pulumi engine cannot destroy a drill's stack")
        return DrillDriver(
            rds=self.rds(),
            engine=cast(DisposableEngine, engine),
            clock=self.clock,
            store=store,
            callbacks=callbacks,
            timeouts=DrillTimeouts(check=check_timeout),
        )


class LazyMaintenance:
    """Builds the CodePipeline adapter only when a run really switches maintenance mode."""

    def __init__(self, adapter: Callable[[], Maintenance]) -> None:
        self._adapter = adapter

    def check_pipelines_exist(self, env: str) -> None:
        self._adapter().check_pipelines_exist(env)

    def set_maintenance(self, env: str, on: bool, *, timeout: float, on_poll: Any = None) -> None:
        self._adapter().set_maintenance(env, on, timeout=timeout, on_poll=on_poll)


def factory_of(ctx: typer.Context) -> Factory:
    """The factory the root callback put on the context."""
    obj = ctx.find_root().obj
    if not isinstance(obj, Factory):  # pragma: no cover - the root callback always sets it
        raise RuntimeError("root callback did not run")
    return obj
