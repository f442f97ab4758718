"""Every check a restore run needs, run in one go and reported as data.

Each check is a small function returning a :class:`~automation.doctor.model.Check`; project
errors become failed checks (with the way to fix them), so one missing setting never hides the
next. Nothing here changes AWS, Jenkins or Pulumi state: the backend's write probe writes and
removes an object of its own beside the locks.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from automation.doctor.model import Check, Checks, failed, guarded, ok, skipped, unknown
from automation.doctor.pulumi import (
    PulumiTarget,
    cli_check,
    find_cli,
    passphrase_check,
    plugin_check,
)
from sccos_backup import errors

if TYPE_CHECKING:
    from datetime import datetime

    from sccos_backup.aws.account import AccountAdapter, Caller
    from sccos_backup.aws.rds import RdsAdapter
    from sccos_backup.jenkins.client import JenkinsAdapter
    from sccos_backup.restore.lock import DatabaseLock, LockStore
    from sccos_backup.restore.plan import RestorePlan, RestoreRequest
    from sccos_backup.resync.job import ResyncRequest


@dataclass(frozen=True)
class Backend:
    url: str
    lock: DatabaseLock
    store: LockStore


@dataclass(frozen=True)
class JenkinsTarget:
    #: Builds the adapter; raises InvalidInput when a setting is missing.
    adapter: Callable[[], JenkinsAdapter]
    request: ResyncRequest


@dataclass
class Setup:
    """What the checks look at, built by the command from the same options as ``restore run``."""

    request: RestoreRequest
    rds: RdsAdapter
    account: Callable[[], AccountAdapter]
    region: str | None
    clock: Callable[[], datetime]
    maintenance: Any
    backend: Callable[[], Backend]
    #: None when the engine is not the Pulumi CLI (tests' in-process engine).
    pulumi: PulumiTarget | None
    env: Mapping[str, str]
    jenkins: JenkinsTarget | None
    #: The open run's id when the checks guard its continuation (resume, run --plan): its
    #: source and instance class were checked when it started, and the lock it left may be
    #: taken over.
    active_run: str | None = None
    #: DbiResourceIds of earlier incarnations of the database (a source from one is its own).
    lineage: tuple[str, ...] = ()


def run_checks(setup: Setup, plan: RestorePlan | None = None) -> tuple[Checks, RestorePlan | None]:
    """Every check, in the order a run meets them; and the plan when the source checks out."""
    items: list[Check] = []
    caller = None
    try:
        caller = setup.account().caller()
        region = setup.region or "(no region)"
        items.append(ok("aws-identity", "AWS identity and region", f"{caller.arn} in {region}"))
        if not setup.region:
            items[-1] = failed(
                "aws-identity", "AWS identity and region", "no region", "pass --region"
            )
    except errors.SccosBackupError as error:
        items.append(
            failed("aws-identity", "AWS identity and region", str(error), "fix the credentials")
        )
    if plan is None and setup.active_run is None:
        plan, check = _source(setup)
        items.append(check)
    elif setup.active_run is not None:
        items.append(
            skipped(
                "source",
                "Source and preconditions",
                f"run {setup.active_run} is open (checked when it started)",
            )
        )
    elif plan is not None:
        items.append(ok("source", "Source and preconditions", plan.source.describe()))
    items.append(_iam(setup, caller, plan))
    items.append(_kms(setup, plan))
    if setup.active_run is None:
        items.append(_orderable(setup, plan))
    else:
        started = f"checked when run {setup.active_run} started"
        items.append(skipped("orderable", "Instance class orderable", started))
    items.append(_maintenance(setup))
    items += _pulumi(setup)
    items.append(_backend(setup, plan))
    items += _jenkins(setup)
    return Checks.of(items), plan


def _source(setup: Setup) -> tuple[RestorePlan | None, Check]:
    from sccos_backup.restore.prepare import prepare

    key, title = "source", "Source and preconditions"
    try:
        plan = prepare(setup.rds, setup.request, setup.clock(), setup.lineage)
    except errors.SccosBackupError as error:
        return None, failed(key, title, str(error), "see `sccos-backup restore plan`")
    return plan, ok(key, title, f"{plan.source.describe()}; restore as '{plan.restore_as}'")


def _iam(setup: Setup, caller: Caller | None, plan: RestorePlan | None) -> Check:
    from sccos_backup.permissions.requirements import Where
    from sccos_backup.permissions.run import RunShape, run_needs
    from sccos_backup.restore.source import SnapshotSource

    key, title = "iam", "IAM rights of the run"
    if caller is None or plan is None or not setup.region:
        return skipped(key, title, "needs the identity and a plan")
    source = plan.source
    shape = RunShape(
        original=plan.request.db_identifier,
        aside=plan.names.aside,
        restore_as=plan.restore_as,
        target=plan.target,
        snapshot=source.snapshot_identifier if isinstance(source, SnapshotSource) else None,
        settings=plan.spec.settings.to_api(),
        safety_snapshot=plan.names.safety_snapshot if plan.request.safety_snapshot else None,
        maintenance_env=plan.request.maintenance_env,
    )
    where = Where(partition=caller.partition, region=setup.region, account=caller.account)
    needs = [(n.action, n.resource) for n in run_needs(shape, where)]
    decisions, why = setup.account().simulate(caller.principal_arn, needs)
    policy = f"sccos-backup iam-policy restore --db {plan.request.db_identifier}"
    if decisions is None:
        return unknown(
            key, title, f"{why}; {len(needs)} action(s) not checked", f"compare with `{policy}`"
        )
    denied = [d for d in decisions if not d.allowed]
    if denied:
        shown = "; ".join(f"{d.action} on {d.resource} ({d.decision})" for d in denied[:5])
        more = f" and {len(denied) - 5} more" if len(denied) > 5 else ""
        return failed(
            key, title, f"{len(denied)} denied: {shown}{more}", f"attach the policy `{policy}`"
        )
    return ok(key, title, f"{len(decisions)} action(s) on the run's resources allowed")


def _kms(setup: Setup, plan: RestorePlan | None) -> Check:
    key, title = "kms", "KMS key"
    if plan is None:
        return skipped(key, title, "needs a plan")
    settings = plan.spec.settings.to_api()
    key_id = settings.get("KmsKeyId")
    if not settings.get("StorageEncrypted") or not key_id:
        return skipped(key, title, "the database is not encrypted")

    def check() -> Check:
        state = setup.account().key_state(str(key_id))
        if state != "Enabled":
            return failed(
                key, title, f"{key_id} is {state}", "enable the key (or cancel its deletion)"
            )
        return ok(key, title, f"{key_id} is enabled")

    # Only a key KMS reports as unusable fails: a key of another account, or one this caller
    # may not describe, can still serve RDS through its grants.
    try:
        return check()
    except errors.SccosBackupError as error:
        return unknown(key, title, str(error), "allow kms:DescribeKey on the key to check it")


def _orderable(setup: Setup, plan: RestorePlan | None) -> Check:
    key, title = "orderable", "Instance class orderable"
    if plan is None:
        return skipped(key, title, "needs a plan")
    s = plan.spec.settings.to_api()
    wanted = f"{s.get('DBInstanceClass')} ({s.get('Engine')} {s.get('EngineVersion')})"

    def check() -> Check:
        zones = setup.account().orderable_zones(
            str(s.get("Engine")), str(s.get("EngineVersion")), str(s.get("DBInstanceClass"))
        )
        if zones is None:
            return unknown(key, title, "the RDS endpoint lists no orderable options")
        zone = None if s.get("MultiAZ") else s.get("AvailabilityZone")
        fix = "restore another class with `restore capture` and pulumi, or ask AWS for capacity"
        if not zones or (zone and zone not in zones):
            where = f"in {zone}" if zone else "in this region"
            have = ", ".join(sorted(zones)) or "none"
            return failed(key, title, f"{wanted} is not orderable {where} (zones: {have})", fix)
        return ok(key, title, f"{wanted} in {zone or ', '.join(sorted(zones))}")

    return guarded(key, title, "allow rds:DescribeOrderableDBInstanceOptions", check)


def _maintenance(setup: Setup) -> Check:
    key, title = "maintenance", "Maintenance pipelines"
    env = setup.request.maintenance_env
    if not env:
        return skipped(key, title, "no --maintenance")

    try:
        setup.maintenance.check_pipelines_exist(env)
    except errors.NotFound as error:
        return failed(
            key, title, str(error), "create both pipelines or pass another --maintenance ENV"
        )
    except errors.SccosBackupError as error:  # CodePipeline could not answer: not told
        return unknown(key, title, str(error), "retry; the run checks the pipelines again")
    return ok(key, title, f"Maintenance_Enable_{env} and Maintenance_Disable_{env} exist")


def _pulumi(setup: Setup) -> list[Check]:
    target = setup.pulumi
    if target is None:
        return [skipped("pulumi-cli", "Pulumi CLI", "the engine is provided in-process")]
    cli = find_cli(target.data_dir)
    return [cli_check(cli), plugin_check(cli), passphrase_check(cli, target, setup.env)]


def _backend(setup: Setup, plan: RestorePlan | None) -> Check:
    from sccos_backup.restore.lock import LOCK_PREFIX, lock_scope

    key, title = "backend", "State backend and lock"
    db = setup.request.db_identifier

    def check() -> Check:
        backend = setup.backend()
        probe = f"{LOCK_PREFIX}/doctor-probe-{uuid.uuid4().hex}.json"
        if not backend.store.create(probe, b"{}"):
            return failed(key, title, f"cannot write to {backend.url}", "check the backend")
        backend.store.delete(probe)
        arn = plan.original_arn if plan is not None else ""
        if not arn:
            found = setup.rds.find_instance(db)
            arn = found.arn if found is not None else ""
        holder = backend.lock.holder(db, lock_scope(arn)) if arn else None
        run = setup.active_run
        if holder is not None and run and holder.run == run and holder.gone(setup.clock()):
            return ok(
                key,
                title,
                f"{backend.url} writable; the lock run {run} left ({holder.describe()}) is "
                "taken over: that process is gone",
            )
        if holder is not None:
            return failed(
                key,
                title,
                f"'{db}' is locked by {holder.describe()}",
                f"wait for it; if it died, `sccos-backup restore unlock {db}`",
            )
        return ok(key, title, f"{backend.url} writable; '{db}' not locked")

    return guarded(key, title, "check --backend-url and its credentials", check)


def _jenkins(setup: Setup) -> list[Check]:
    target = setup.jenkins
    if target is None:
        return [skipped("jenkins", "Jenkins", "no re-sync (--no-resync)")]
    title = "Jenkins reachable and authenticated"
    fix = "set JENKINS_URL, JENKINS_USER and JENKINS_API_TOKEN (or the --jenkins-* options)"
    try:
        adapter = target.adapter()
        adapter.check_server()
        who = adapter.whoami()
    except errors.SccosBackupError as error:
        return [failed("jenkins", title, str(error), fix)]
    if not who.authenticated:
        return [failed("jenkins", title, f"Jenkins sees us as '{who.name}'", fix)]
    checks = [ok("jenkins", title, f"{adapter.server} as '{who.name}'")]
    return checks + _jenkins_job(adapter, target.request)


def _jenkins_job(adapter: JenkinsAdapter, request: ResyncRequest) -> list[Check]:
    from sccos_backup.jenkins.access import folder_of
    from sccos_backup.jenkins.http_errors import permission_name
    from sccos_backup.resync.job import preview_job

    key, title = "jenkins-job", f"Jenkins job '{request.job}'"
    try:
        plan = preview_job(adapter, request)
    except errors.SccosBackupError as error:
        return [failed(key, title, str(error), "pick another --job, or adopt it with `resync`")]
    state = "absent: the run creates it" if plan.existing is None else "ours"
    checks = [ok(key, title, state)]
    rights = "jenkins-rights"
    rights_title = "Jenkins rights to configure and build"
    try:
        if plan.existing is None:
            missing = [adapter.may_create_in(folder_of(request.job))]
        else:
            missing = [adapter.may_build(request.job)]
            if plan.config is not None:
                missing.append(adapter.may_configure(request.job, plan.existing))
    except errors.SccosBackupError as error:
        return [*checks, unknown(rights, rights_title, str(error))]
    lacking = [permission_name(m) for m in missing if m]
    if lacking:
        return [
            *checks,
            failed(
                rights,
                rights_title,
                f"'{request.job}' needs {', '.join(lacking)}",
                "ask a Jenkins administrator to grant them, or use another --jenkins-user",
            ),
        ]
    granted = "Job/Create" if plan.existing is None else "Job/Build"
    if plan.config is not None and plan.existing is not None:
        granted += ", Job/Configure"
    return [*checks, ok(rights, rights_title, f"{granted} granted")]
