"""The engine interface's test implementation: the real program, under the SDK's mocks, applied
to a moto server the way Pulumi and pulumi-aws apply it.

It runs :func:`sccos_backup.restore.declaration.declare` exactly as ``pulumi up`` would, with
Pulumi's mocks in place of the engine, and plays both the Pulumi engine and the aws provider.

Pulumi engine (pulumi 3.272.0 pinned in ``constraints.txt``, the SDK and Automation API this
runs; engine behaviour read from the docs page "Interrupted updates", pulumi/pulumi PRs 8435 and
9293, the ``RegisterResourceRequest`` protocol, and ``pkg/resource/deploy/step_generator.go`` and
``step.go`` at pulumi/pulumi v3.259.0-14-g1b59498, August 2026, the newest stored):

* Resource options are honoured, read from each ``RegisterResource`` request: ``protect`` refuses a
  replacement or delete; ``retain_on_delete`` drops a deleted resource from state only;
  ``ignore_changes`` keeps the old value; ``delete_before_replace`` orders a replacement (the
  default is create-before-delete); ``custom_timeouts`` bound the provider's waits; ``import_``
  adopts an existing resource and fails when a declared input that is not ignored differs.
* Update or replacement is told from the provider's force-new fields (``tests/rds_provider.py``).
* State is written per resource only once its operation returned; an operation under way is a
  *pending operation*. A killed ``up`` (``kill_at``) leaves a pending create or update. The next
  ``up`` warns and proceeds (creating again); a refresh clears pending updates, and pending
  creates only with ``clear_pending_creates``.
* A create that returns an error with an id (the provider's partial failure: a timeout, a failed
  follow-up modify, a graceful cancel) is written *with init errors*; a refresh whose Read
  succeeds clears them (``RefreshStep.Apply``); an entry with init errors and no diff still gets
  an update step (``generateStepsFromDiff``).
* Import is decided by id (``isImport`` in ``continueStepsFromRefresh``): an ``import_`` id that
  differs from the stored id (or the import id the entry was imported with) is an import, or an
  import-replacement plus a delete of the held entry when the stack holds one. An aws.rds.Instance
  is stored under its DbiResourceId and imported by identifier, so importing an instance the stack
  holds is always an import-replacement (refused here while the held entry is protected).
* Resources in state that the program no longer declares are deleted (subject to the options).

aws provider (see ``tests/rds_provider.py`` for the version read): per restore path it sends
exactly the fields the provider sends on the restore call and in its one follow-up modify; RDS
picks the rest. The create waits ``restore_seconds`` on the injected clock and fails with the
provider's timeout error beyond the create timeout (50 min unless ``custom_timeouts``); the
instance is then kept in the stack with that error, as after a failed follow-up modify or a
graceful cancel (``kill_at="cancel-wait"``). A role
association is keyed ``identifier,roleArn``, every field forces replacement, and its create fails
with ``DBInstanceRoleAlreadyExists`` when the instance already has the role.

What it does on behalf of moto (each a documented moto gap, see
shared/reference/test-environment.md): a restore of a Performance-Insights instance, which moto
refuses, restores with Performance Insights off as RDS does, and enabling it by a modify is read
back; PITR by ``SourceDbiResourceId`` is resolved to the source's identifier; a restored
instance gets a fresh DbiResourceId; ``DBSnapshotAlreadyExists`` after a same-minute restore is
tolerated; a ``default:...`` option group is not passed; a False sent on the restore call (moto
ignores it) is applied; and because moto copies the source's settings into a restored instance,
the settings the provider did not send are set to what RDS would choose
(``rds_provider.RDS_CHOICE``).
"""

from __future__ import annotations

import asyncio
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

from automation.engine.base import Held
from sccos_backup.errors import EngineError, PulumiUnavailable
from sccos_backup.restore.settings import InstanceSettings
from sccos_backup.restore.spec import PROJECT, RestoreSpec
from tests import rds_provider as provider
from tests.conftest import give_resource_id
from tests.rds_provider import INSTANCE, ROLE
from tests.support.failures import fail_instance

Sleep = Callable[[float], None]

#: Restore parameters moto 5.2 does not accept (left out of the call, recorded as sent).
MOTO_REJECTS_ON_RESTORE: frozenset[str] = frozenset()

#: The pulumi (SDK and Automation API) release this engine stands in for (``constraints.txt``).
PULUMI = "3.272.0"


class Killed(BaseException):
    """The Pulumi CLI was killed mid-operation (SIGKILL, OOM, a closed laptop)."""


class _Kill(Exception):  # the SDK mocks hang on a BaseException: carried as this
    """Raised inside the mocks; becomes :class:`Killed` once the program has unwound."""


class _Cancel(Exception):
    """A graceful cancel inside the mocks; becomes ``KeyboardInterrupt`` once unwound (the
    Automation API engine forwards Ctrl-C or SIGTERM to the CLI, waits, then raises that)."""


def _zero(declared: Any) -> Any:
    """What the provider's Read stores for an argument AWS does not report: its zero value."""
    if isinstance(declared, bool):
        return False
    if isinstance(declared, int | float):
        return 0
    if isinstance(declared, str):
        return ""
    return type(declared)() if isinstance(declared, list | dict) else None


def camel(snake: str) -> str:
    head, *rest = snake.split("_")
    return head + "".join(part.capitalize() for part in rest)


def _plain(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, list):
        return sorted(_plain(v) for v in value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def _error(code: str, message: str, operation: str) -> botocore.exceptions.ClientError:
    return botocore.exceptions.ClientError({"Error": {"Code": code, "Message": message}}, operation)


#: Set on an error the mock provider raised: the engine reports it itself (see _quiet_copies).
_REPORTED = "_reported_by_the_in_process_engine"


def _quiet_copies(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
    """The exception handler of the event loop the program runs on under the SDK's mocks.

    A registration that fails sets its error on every output future of the resource (an
    aws.rds.Instance has about 130), and ``pulumi.runtime.test`` raises it once. The futures no
    one awaited log "Future exception was never retrieved" with the traceback when collected:
    the same error again, a hundred times or more per failed ``up``; formatting those tracebacks
    was a fifth of the crash matrix's CPU. Those copies are dropped; anything else (an error the
    mocks did not raise, a task destroyed while pending) is logged as by default.
    """
    if getattr(context.get("exception"), _REPORTED, False):
        return
    loop.default_exception_handler(context)


class _InitError(Exception):
    """The provider's Create failed after ``d.SetId``: the resource is kept with this error."""

    def __init__(self, reason: str, *, cancelled: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.cancelled = cancelled


class _Options(MockMonitor):
    """Records each registration's resource options (they never reach ``new_resource``)."""

    def __init__(self, mocks: pulumi.runtime.Mocks, seen: dict[str, dict[str, Any]]) -> None:
        super().__init__(mocks)
        self.seen = seen

    def RegisterResource(self, request: Any) -> Any:
        timeouts = request.customTimeouts
        self.seen[request.name] = {
            "protect": bool(request.protect),
            "retainOnDelete": bool(request.retainOnDelete),
            "ignoreChanges": list(request.ignoreChanges),
            "deleteBeforeReplace": bool(request.deleteBeforeReplace),
            "importId": request.importId or None,
            "timeouts": {k: getattr(timeouts, k) for k in ("create", "update", "delete")},
        }
        return super().RegisterResource(request)


def _moto_restores_without_insights() -> None:
    """moto 5.2 builds a restored instance from the source's attributes and so carries its
    Performance Insights retention and key over, but not the flag (the constructor reads
    ``enable_performance_insights``, the attribute is ``performance_insights_enabled``), then
    refuses its own restore (InvalidParameterCombination). RDS restores with Performance
    Insights off (neither restore call takes it), so both restores drop them here; and a
    ModifyDBInstance that enables it is read back. Patched once per process, on the in-process
    moto server's classes."""
    from moto.rds.models import DBInstance, RDSBackend

    if getattr(RDSBackend, "_restores_without_insights", False):
        return
    unsent = ("performance_insights_retention_period", "performance_insights_kms_key_id")

    def wrap(restore: Callable[..., Any]) -> Callable[..., Any]:
        def restored(backend: Any, *args: Any, **kwargs: Any) -> Any:
            create = backend.create_db_instance

            def without_insights(props: dict[str, Any]) -> Any:
                if not props.get("enable_performance_insights"):
                    props = {k: v for k, v in props.items() if k not in unsent}
                return create(props)

            backend.create_db_instance = without_insights
            try:
                return restore(backend, *args, **kwargs)
            finally:
                del backend.create_db_instance

        return restored

    for name in ("restore_db_instance_from_db_snapshot", "restore_db_instance_to_point_in_time"):
        setattr(RDSBackend, name, wrap(getattr(RDSBackend, name)))
    RDSBackend._restores_without_insights = True

    # ModifyDBInstance sets ``enable_performance_insights``, which nothing reads back.
    update = DBInstance.update

    def updated(database: Any, *args: Any, **kwargs: Any) -> None:
        update(database, *args, **kwargs)
        if kwargs.get("enable_performance_insights") is not None:
            database.performance_insights_enabled = kwargs["enable_performance_insights"]

    DBInstance.update = updated


class InProcessEngine:
    """Implements :class:`automation.engine.base.Engine` in-process, against moto."""

    def __init__(
        self,
        endpoint_url: str,
        state_dir: Path,
        *,
        region: str = "eu-central-1",
        available: bool = True,
        sleep: Sleep | None = None,
        restore_seconds: float = 20 * 60,
    ) -> None:
        self.client = boto3.client("rds", region_name=region, endpoint_url=endpoint_url)
        _moto_restores_without_insights()
        self.state_dir = state_dir
        self.available = available
        self.sleep: Sleep = sleep or (lambda seconds: None)
        #: How long RDS takes to restore an instance (the provider waits that long).
        self.restore_seconds = restore_seconds
        #: Kill the CLI right after this provider call: "create-call" or "rename-call".
        self.kill_at: str | None = None
        #: Inputs this provider never sends (a provider bug, for verification tests).
        self.drop_inputs: set[str] = set()
        #: The follow-up ModifyDBInstance of a create fails with this error code.
        self.fail_modify: str | None = None
        #: How long an IAM role association takes to become ``ACTIVE``.
        self.role_seconds: float = 0.0
        #: The restore ends in this state, with this RDS event, during the provider's wait
        #: (``failed``, ``incompatible-restore``, ...: a state the wait does not expect).
        self.restore_ends_in: tuple[str, str] | None = None
        #: Every changing RDS call the provider made: (operation, request parameters).
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.operations: list[tuple[str, str]] = []
        self._shapes: dict[str, set[str]] = {}
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
        state = self._load(stack) or self._empty()
        state["config"] = spec.to_config()
        pending = state["pending"]
        if pending:
            on_output(
                f"warning: Attempting to deploy or update resources with {len(pending)} pending "
                "operations from previous deployment.\n"
            )
        on_output(f"Updating ({stack}):\n")
        self._run(stack, spec, state, preview=False)
        instance = state["resources"]["restored"]
        described = self._describe_by_resource_id(instance["id"])
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

    def changes(
        self, stack: str, spec: RestoreSpec, on_output: Callable[[str], None]
    ) -> dict[str, int]:
        """Refresh, then preview: the number of resources per operation (``same`` left out)."""
        self.operations.append(("preview", stack))
        self.refresh(stack, on_output)
        state = self._load(stack) or self._empty()
        steps = self._run(stack, spec, state, preview=True)
        counts: dict[str, int] = {}
        for op, line in steps:
            if op != "same":
                on_output(f"  {op} {line}\n")
                counts[op] = counts.get(op, 0) + 1
        return counts

    def preview_changes(
        self, stack: str, spec: RestoreSpec, on_output: Callable[[str], None]
    ) -> int:
        return sum(self.changes(stack, spec, on_output).values())

    def refresh(
        self, stack: str, on_output: Callable[[str], None], *, clear_pending_creates: bool = False
    ) -> None:
        self.operations.append(("refresh", stack))
        state = self._load(stack)
        if not state:
            return
        for name, resource in list(state["resources"].items()):
            if resource["type"] == INSTANCE:
                described = self._describe_by_resource_id(resource["id"])
                if described is None:
                    del state["resources"][name]
                else:
                    resource["actual"] = self._actual(described)
                    resource["identifier"] = described["DBInstanceIdentifier"]
                    resource["initErrors"] = []  # a Read without error clears them
            elif not self._has_role(resource["inputs"]):
                del state["resources"][name]
        state["pending"] = [
            p for p in state["pending"] if p["op"] == "creating" and not clear_pending_creates
        ]
        if "restored" not in state["resources"]:
            state["outputs"] = None
        self._save(stack, state)

    def outputs(self, stack: str) -> dict[str, Any] | None:
        state = self._load(stack)
        return None if state is None else state.get("outputs")

    def destroy(self, stack: str, on_output: Callable[[str], None]) -> None:
        """``pulumi destroy --refresh`` then ``pulumi stack rm``: roles first, then the instance;
        a protected resource fails it, a retained one leaves the state only."""
        self.operations.append(("destroy", stack))
        if self._load(stack) is None:
            raise EngineError(f"stack {stack} does not exist; nothing to destroy")
        self.refresh(stack, on_output)
        state = self._load(stack) or self._empty()
        names = sorted(state["resources"], key=lambda n: state["resources"][n]["type"] == INSTANCE)
        try:
            for name in names:
                self._delete(state, name, preview=False)
                self._save(stack, state)
        except botocore.exceptions.ClientError as error:
            raise EngineError(f"pulumi destroy on stack {stack} failed: {error}") from None
        except EngineError as error:
            raise EngineError(f"pulumi destroy on stack {stack} failed: {error}") from None
        on_output(f"Destroying ({stack}):\n")
        self._path(stack).unlink()  # `pulumi stack rm`

    def forget(self, stack: str, on_output: Callable[[str], None]) -> None:
        """``pulumi stack rm --force``: the state goes, the resources it held are left."""
        self.operations.append(("forget", stack))
        if self._load(stack) is not None:
            self._path(stack).unlink()
            on_output(f"stack '{stack}' removed\n")

    def pending(self, stack: str) -> list[dict[str, str]]:
        state = self._load(stack)
        return [] if state is None else list(state["pending"])

    def role_entries(self, stack: str) -> list[dict[str, Any]]:
        state = self._load(stack) or self._empty()
        return [r for r in state["resources"].values() if r["type"] == ROLE]

    def held(self, stack: str) -> Held:
        state = self._load(stack)
        if state is None:
            return Held()
        instance = state["resources"].get("restored") or {}
        creates = [p for p in state["pending"] if p["op"] == "creating"]
        return Held(
            instance_id=instance.get("id"),
            init_errors=tuple(instance.get("initErrors") or ()),
            pending_creates=len(creates),
        )

    # -- state -----------------------------------------------------------------------------

    @staticmethod
    def _empty() -> dict[str, Any]:
        return {"resources": {}, "pending": [], "outputs": None}

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
    ) -> list[tuple[str, str]]:
        engine = self
        steps: list[tuple[str, str]] = []
        options: dict[str, dict[str, Any]] = {}
        self._options = options
        declared: set[str] = set()

        class Provider(pulumi.runtime.Mocks):
            def new_resource(
                self, args: pulumi.runtime.MockResourceArgs
            ) -> tuple[str, dict[str, Any]]:
                try:
                    return self._register(args)
                except Exception as error:
                    setattr(error, _REPORTED, True)  # raised by pulumi.runtime.test below
                    raise

            def _register(
                self, args: pulumi.runtime.MockResourceArgs
            ) -> tuple[str, dict[str, Any]]:
                inputs = _plain(dict(args.inputs))
                if args.typ not in {INSTANCE, ROLE}:
                    return args.name, inputs
                declared.add(args.name)
                step = engine._step(state, args.typ, args.name, inputs, options[args.name])
                steps.append((step, f"{args.name} {inputs.get('identifier', '')}".strip()))
                if preview or step == "same":
                    return state["resources"].get(args.name, {}).get("id", args.name), inputs
                resource_id = engine._apply(stack, state, args.typ, args.name, step, inputs)
                state["resources"][args.name]["options"] = options[args.name]
                engine._save(stack, state)
                return resource_id, inputs

            def call(self, args: pulumi.runtime.MockCallArgs) -> dict[str, Any]:
                return {}

        mocks = Provider()
        monitor = _Options(mocks, options)
        pulumi.runtime.set_mocks(
            mocks, project=PROJECT, stack=stack, preview=preview, monitor=monitor
        )
        from sccos_backup.restore.declaration import declare

        def program() -> Any:
            database = declare(spec)
            return pulumi.Output.all(
                database.instance.urn, *[r.urn for r in database.role_associations]
            )

        from pulumi.runtime.sync_await import _ensure_event_loop

        _ensure_event_loop().set_exception_handler(_quiet_copies)
        try:
            pulumi.runtime.test(program)()
            for name in sorted(set(state["resources"]) - declared):
                steps.append(("delete", name))
                self._delete(state, name, preview=preview)
                if not preview:
                    self._save(stack, state)
        except _Kill as kill:
            raise Killed(str(kill)) from None
        except _Cancel:
            raise KeyboardInterrupt from None
        except botocore.exceptions.ClientError as error:
            raise EngineError(f"pulumi up on stack '{stack}' failed: {error}") from None
        return steps

    # -- what the engine decides ------------------------------------------------------------

    def _step(
        self, state: dict[str, Any], typ: str, name: str, inputs: dict[str, Any], opts: Any
    ) -> str:
        old = state["resources"].get(name)
        import_id = opts["importId"]
        # Pulumi's import test: the import id against the stored id (or the import id that
        # entry was imported with), never against the identifier.
        if import_id and (old is None or (old.get("importId") or old["id"]) != import_id):
            self._check_import(typ, name, inputs, opts)
            return "import" if old is None else "import-replace"
        if old is None:
            return "create"
        changed = self._changed(old, inputs, opts["ignoreChanges"])
        if not changed:
            # an entry with init errors gets an (empty) update to finish its initialisation
            return "update" if old.get("initErrors") else "same"
        force_new = provider.FORCE_NEW if typ == INSTANCE else set(changed)
        replaced = sorted(set(changed) & force_new)
        if not replaced:
            return "update"
        if old.get("options", {}).get("protect") or opts["protect"]:
            raise EngineError(
                f"unable to replace resource '{name}' ({', '.join(replaced)} changed) as it is "
                "protected (the `protect` option)"
            )
        return "replace"

    def _check_import(self, typ: str, name: str, inputs: dict[str, Any], opts: Any) -> str:
        if typ != INSTANCE:
            raise EngineError(f"import of '{name}': only instances are imported in these tests")
        try:
            found = self.client.describe_db_instances(DBInstanceIdentifier=opts["importId"])
        except botocore.exceptions.ClientError:
            raise EngineError(
                f"import of '{name}' failed: resource '{opts['importId']}' does not exist"
            ) from None
        actual = self._actual(found["DBInstances"][0])
        ignored = set(opts["ignoreChanges"])
        differ = sorted(
            k
            for k, v in inputs.items()
            if v is not None and k not in ignored and actual.get(k) != v
        )
        if differ:
            raise EngineError(
                f"inputs to import do not match the existing resource '{name}': {', '.join(differ)}"
            )
        return "import"

    @staticmethod
    def _changed(old: dict[str, Any], inputs: dict[str, Any], ignored: list[str]) -> list[str]:
        before = {**old["inputs"], **old.get("actual", {})}
        if old.get("actual"):  # Read sets every argument; one AWS does not report reads as zero
            for key, value in inputs.items():
                if key not in old["actual"] and key not in provider.NOT_READ:
                    before[key] = _zero(value)
        for key in provider.NOT_READ:
            if key in old["inputs"]:
                before[key] = old["inputs"][key]
            else:
                before.pop(key, None)
        return sorted(
            k
            for k, v in inputs.items()
            if v is not None and k not in ignored and before.get(k) != v
        )

    # -- what the provider does -------------------------------------------------------------

    def _apply(
        self, stack: str, state: dict[str, Any], typ: str, name: str, step: str, inputs: Any
    ) -> str:
        resources = state["resources"]
        if step == "import-replace":
            held = resources[name]
            if (held.get("options") or {}).get("protect"):
                raise EngineError(
                    f"import-replacement of '{name}': the import id {inputs['identifier']!r} is "
                    f"not the id the stack holds ({held['id']}), and the held entry, replaced, "
                    "cannot be deleted: it is protected (the `protect` option)"
                )
            resource_id = self._apply(stack, state, typ, name, "import", inputs)
            self._delete_resource(held)
            return resource_id
        if step == "import":
            opts_id = inputs["identifier"]
            described = self.client.describe_db_instances(DBInstanceIdentifier=opts_id)
            found = described["DBInstances"][0]
            actual = self._actual(found)
            resources[name] = {"type": typ, "id": found["DbiResourceId"], "inputs": actual}
            resources[name].update(identifier=opts_id, actual=actual, importId=opts_id)
            self.operations.append(("import", opts_id))
            return str(found["DbiResourceId"])
        if step == "replace":
            old = resources[name]
            if old.get("options", {}).get("deleteBeforeReplace"):
                self._delete(state, name, preview=False)
                return self._create(stack, state, typ, name, inputs)
            resource_id = self._create(stack, state, typ, name, inputs, replacing=old)
            self._delete_resource(old)
            return resource_id
        if step == "create":
            return self._create(stack, state, typ, name, inputs)
        return self._update(stack, state, name, inputs)

    def _create(
        self,
        stack: str,
        state: dict[str, Any],
        typ: str,
        name: str,
        inputs: dict[str, Any],
        replacing: dict[str, Any] | None = None,
    ) -> str:
        state["pending"].append({"name": name, "type": typ, "op": "creating"})
        self._save(stack, state)
        if typ == ROLE:
            self._add_role(inputs)
            resource_id = provider.role_id(inputs)
            actual: dict[str, Any] = {}
            limit = provider.ROLE_ASSOCIATION_TIMEOUT
            if self.role_seconds > limit:  # the id is set: partly created, kept with its error
                self.sleep(limit)
                reason = (
                    f"waiting for RDS DB Instance ({inputs['dbInstanceIdentifier']}) IAM Role "
                    f"({inputs['roleArn']}) association create: timeout while waiting for state "
                    f"to become 'ACTIVE' (last state: 'PENDING', timeout: "
                    f"{provider.go_duration(limit)})"
                )
                self._hold(state, typ, name, resource_id, inputs, [reason])
                self._save(stack, state)
                raise EngineError(f"pulumi up on stack '{stack}' failed: {reason}")
            self.sleep(self.role_seconds)
        else:
            resource_id = self._restore(stack, state, name, inputs)
            try:
                self._finish_restore(name, inputs)
            except _InitError as failure:
                # Create returned an error with the id set: Pulumi records the resource with
                # init errors (a partial failure), not a pending create.
                self._hold(state, typ, name, resource_id, inputs, [failure.reason])
                self._save(stack, state)
                if failure.cancelled:
                    raise _Cancel(failure.reason) from None
                raise EngineError(
                    f"pulumi up on stack '{stack}' failed: {failure.reason}"
                ) from None
            actual = self._actual(self._describe_by_resource_id(resource_id) or {})
        self._hold(state, typ, name, resource_id, inputs, [])
        state["resources"][name]["actual"] = actual
        return resource_id

    def _hold(
        self,
        state: dict[str, Any],
        typ: str,
        name: str,
        resource_id: str,
        inputs: dict[str, Any],
        init_errors: list[str],
    ) -> None:
        state["pending"] = [p for p in state["pending"] if p["name"] != name]
        state["resources"][name] = {
            "type": typ,
            "id": resource_id,
            "inputs": inputs,
            "identifier": inputs.get("identifier") or inputs.get("dbInstanceIdentifier"),
            "actual": self._actual(self._describe_by_resource_id(resource_id) or {})
            if init_errors
            else {},
            "initErrors": init_errors,
            "options": self._options.get(name, {}),
        }

    def _restore(self, stack: str, state: dict[str, Any], name: str, inputs: Any) -> str:
        identifier = inputs["identifier"]
        snapshot = "snapshotIdentifier" in inputs
        on_call, _ = provider.restore_fields(snapshot)
        operation = (
            "RestoreDBInstanceFromDBSnapshot" if snapshot else "RestoreDBInstanceToPointInTime"
        )
        if self._find(identifier) is not None:
            raise _error(
                "DBInstanceAlreadyExists", f"DB instance already exists: {identifier}", operation
            )
        params = self._params(inputs, on_call, operation)
        params["Tags"] = [{"Key": k, "Value": v} for k, v in (inputs.get("tags") or {}).items()]
        try:
            self.calls.append((operation, dict(params)))
            if snapshot:
                self.client.restore_db_instance_from_db_snapshot(
                    DBInstanceIdentifier=identifier,
                    DBSnapshotIdentifier=inputs["snapshotIdentifier"],
                    **self._moto_accepts(params),
                )
            else:
                pitr = inputs["restoreToPointInTime"]
                source = self._describe_by_resource_id(pitr["sourceDbiResourceId"])
                if source is None:
                    raise _error("DBInstanceNotFound", pitr["sourceDbiResourceId"], operation)
                when = (
                    {"UseLatestRestorableTime": True}
                    if pitr.get("useLatestRestorableTime")
                    else {"RestoreTime": pitr["restoreTime"]}
                )
                self.client.restore_db_instance_to_point_in_time(
                    SourceDBInstanceIdentifier=source["DBInstanceIdentifier"],
                    TargetDBInstanceIdentifier=identifier,
                    **when,
                    **self._moto_accepts(params),
                )
        except botocore.exceptions.ClientError as error:
            if error.response["Error"]["Code"] != "DBSnapshotAlreadyExists":
                raise
        resource_id = give_resource_id(identifier, "db-" + secrets.token_hex(13).upper())
        self._moto_ignored_falsy(identifier, params)
        unsent = provider.unsent(snapshot, inputs) + sorted(self.drop_inputs & set(inputs))
        self._rds_chooses(identifier, [n for n in unsent if n in provider.RDS_CHOICE], params)
        self._set_tags(identifier, inputs.get("tags") or {})
        self.operations.append(("create", identifier))
        if self.kill_at == "create-call":
            self.kill_at = None
            raise _Kill(f"killed after {operation} of {identifier}")
        return resource_id

    def _finish_restore(self, name: str, inputs: dict[str, Any]) -> None:
        """After the id is set: the wait for ``available``, then the one follow-up modify."""
        identifier = inputs["identifier"]
        waiting = f"waiting for RDS DB Instance ({identifier}) create"
        if self.kill_at == "cancel-wait":
            self.kill_at = None
            raise _InitError(f"{waiting}: context canceled", cancelled=True)
        limit = self._timeout(name, "create")
        if self.restore_seconds > limit:
            self.sleep(limit)
            raise _InitError(
                f"{waiting}: timeout while waiting for state to become 'available' (last state: "
                f"'creating', timeout: {provider.go_duration(limit)})"
            )
        if self.restore_ends_in is not None:
            status, event = self.restore_ends_in
            fail_instance(identifier, status, event)
            raise _InitError(f"{waiting}: {provider.unexpected_state(status)}")
        self.sleep(self.restore_seconds)
        _, on_modify = provider.restore_fields("snapshotIdentifier" in inputs)
        if not inputs.get("performanceInsightsEnabled"):
            on_modify = tuple(n for n in on_modify if n not in provider.ONLY_WITH_INSIGHTS)
        modify = self._params(inputs, on_modify, "ModifyDBInstance")
        for name in provider.ZERO_SENT_ON_MODIFY & set(on_modify):
            if inputs.get(name) == 0 and name not in self.drop_inputs:
                modify[provider.request_name(name, "ModifyDBInstance")] = 0
        if not modify:
            return
        self.calls.append(("ModifyDBInstance", dict(modify)))
        if self.fail_modify:
            raise _InitError(
                f"updating RDS DB Instance ({identifier}): operation error RDS: ModifyDBInstance, "
                f"https response error StatusCode: 400, api error {self.fail_modify}: the "
                "follow-up modify was refused"
            )
        self.client.modify_db_instance(
            DBInstanceIdentifier=identifier, ApplyImmediately=True, **modify
        )

    def _moto_accepts(self, params: dict[str, Any]) -> dict[str, Any]:
        """moto 5.2 rejects some restore parameters it does not model (its request parser
        knows them, its backend does not): they are recorded in :attr:`calls` and left out."""
        return {k: v for k, v in params.items() if k not in MOTO_REJECTS_ON_RESTORE}

    def _moto_ignored_falsy(self, identifier: str, sent: dict[str, Any]) -> None:
        """moto keeps the source's value where the restore call sent False or 0: set it."""
        allowed = self._shape("ModifyDBInstance")
        falsy = {k: v for k, v in sent.items() if v is False and k in allowed}
        if falsy:
            self.client.modify_db_instance(
                DBInstanceIdentifier=identifier, ApplyImmediately=True, **falsy
            )

    def _rds_chooses(self, identifier: str, names: list[str], sent: dict[str, Any]) -> None:
        chosen = {
            provider.RDS_CHOICE[n][0]: provider.RDS_CHOICE[n][1]
            for n in names
            if provider.RDS_CHOICE[n][0] not in sent
        }
        if chosen:
            self.client.modify_db_instance(
                DBInstanceIdentifier=identifier, ApplyImmediately=True, **chosen
            )

    def _update(self, stack: str, state: dict[str, Any], name: str, inputs: Any) -> str:
        resource = state["resources"][name]
        if resource["type"] == ROLE:  # pragma: no cover - every role field forces replacement
            raise AssertionError("role associations are never updated in place")
        options = self._options.get(name, {})
        changed = self._changed(resource, inputs, options.get("ignoreChanges", []))
        described = self._describe_by_resource_id(resource["id"])
        if described is None:
            raise _error("DBInstanceNotFound", resource["id"], "ModifyDBInstance")
        current = described["DBInstanceIdentifier"]
        fields = tuple(k for k in changed if k not in {"identifier", "tags", *provider.NOT_READ})
        params = self._params(inputs, fields, "ModifyDBInstance", changed=True)
        if "deletionProtection" not in self.drop_inputs:  # always sent on update
            params["DeletionProtection"] = bool(inputs.get("deletionProtection"))
        if "identifier" in changed:
            params["NewDBInstanceIdentifier"] = inputs["identifier"]
            if self._find(inputs["identifier"]) is not None:
                raise _error("DBInstanceAlreadyExists", inputs["identifier"], "ModifyDBInstance")
        state["pending"].append({"name": name, "type": INSTANCE, "op": "updating"})
        self._save(stack, state)
        self.calls.append(("ModifyDBInstance", dict(params)))
        self.client.modify_db_instance(
            DBInstanceIdentifier=current,
            ApplyImmediately=bool(inputs.get("applyImmediately")),
            **params,
        )
        if "identifier" in changed:
            self.operations.append(("rename", f"{current}->{inputs['identifier']}"))
            if self.kill_at == "rename-call":
                self.kill_at = None
                raise _Kill(f"killed after renaming {current} to {inputs['identifier']}")
        if "tags" in changed:
            self._set_tags(inputs["identifier"], inputs.get("tags") or {})
        state["pending"] = [p for p in state["pending"] if p["name"] != name]
        merged = {
            **resource["inputs"],
            **{k: v for k, v in inputs.items() if k not in options.get("ignoreChanges", [])},
        }
        resource.update(inputs=merged, identifier=inputs["identifier"])
        resource["actual"] = self._actual(self._describe_by_resource_id(resource["id"]) or {})
        return str(resource["id"])

    def _delete(self, state: dict[str, Any], name: str, *, preview: bool) -> None:
        resource = state["resources"][name]
        options = resource.get("options") or {}
        if options.get("protect"):
            raise EngineError(
                f"unable to delete resource '{name}' as it is protected (the `protect` option)"
            )
        if preview:
            return
        if not options.get("retainOnDelete"):
            self._delete_resource(resource)
        del state["resources"][name]

    def _delete_resource(self, resource: dict[str, Any]) -> None:
        if resource.get("options", {}).get("retainOnDelete"):
            return
        if resource["type"] == ROLE:
            inputs = resource["inputs"]
            # moto 5.2 lacks RemoveRoleFromDBInstance (HTTP 500, unparsable).
            with contextlib.suppress(botocore.parsers.ResponseParserError):
                self.client.remove_role_from_db_instance(
                    DBInstanceIdentifier=inputs["dbInstanceIdentifier"],
                    RoleArn=inputs["roleArn"],
                    FeatureName=inputs["featureName"],
                )
            return
        inputs = resource["inputs"]
        skip = bool(inputs.get("skipFinalSnapshot"))
        params: dict[str, Any] = {
            "SkipFinalSnapshot": skip,
            "DeleteAutomatedBackups": bool(inputs.get("deleteAutomatedBackups", True)),
        }
        if not skip:
            params["FinalDBSnapshotIdentifier"] = inputs["finalSnapshotIdentifier"]
        # by the identifier held in state, as the provider does
        self.client.delete_db_instance(DBInstanceIdentifier=resource["identifier"], **params)
        self.operations.append(("delete", resource["identifier"]))

    def _timeout(self, name: str, kind: str) -> float:
        value = self._options.get(name, {}).get("timeouts", {}).get(kind) or ""
        return provider.seconds(value) if value else provider.DEFAULT_TIMEOUTS[kind]

    # -- AWS calls ----------------------------------------------------------------------------

    def _shape(self, operation: str) -> set[str]:
        if operation not in self._shapes:
            model = self.client.meta.service_model.operation_model(operation)
            self._shapes[operation] = set(model.input_shape.members)
        return self._shapes[operation]

    def _params(
        self, inputs: Any, names: tuple[str, ...], operation: str, *, changed: bool = False
    ) -> dict[str, Any]:
        """Request parameters: on create only the set ones (``d.GetOk``) and the ones always
        sent; on update every changed one (``d.HasChange``)."""
        allowed = self._shape(operation)
        params: dict[str, Any] = {}
        for name in names:
            value = inputs.get(name)
            if name in self.drop_inputs:
                continue
            always = changed or (
                name in provider.ALWAYS_ON_RESTORE and operation != "ModifyDBInstance"
            )
            if value is None or not (always or provider.is_set(value)):
                continue
            key = provider.request_name(name, operation)
            if key == "OptionGroupName" and str(value).startswith("default:"):
                continue  # moto reports default option groups it cannot find by name
            if key == "EnableCloudwatchLogsExports" and operation == "ModifyDBInstance":
                params["CloudwatchLogsExportConfiguration"] = self._log_change(inputs)
                continue
            if key in allowed:
                params[key] = value
        return params

    def _log_change(self, inputs: Any) -> dict[str, list[str]]:
        described = self._find(inputs["identifier"]) or {}
        current = set(described.get("EnabledCloudwatchLogsExports") or ())
        wanted = set(inputs.get("enabledCloudwatchLogsExports") or ())
        return {
            "EnableLogTypes": sorted(wanted - current),
            "DisableLogTypes": sorted(current - wanted),
        }

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

    def _add_role(self, inputs: dict[str, Any]) -> None:
        identifier = inputs["dbInstanceIdentifier"]
        if self._has_role(inputs):
            raise _error(
                "DBInstanceRoleAlreadyExists",
                f"Role {inputs['roleArn']} is already associated with DB instance {identifier}",
                "AddRoleToDBInstance",
            )
        self.client.add_role_to_db_instance(
            DBInstanceIdentifier=identifier,
            RoleArn=inputs["roleArn"],
            FeatureName=inputs["featureName"],
        )
        self.operations.append(("add-role", provider.role_id(inputs)))

    def _has_role(self, inputs: dict[str, Any]) -> bool:
        found = self._find(inputs["dbInstanceIdentifier"])
        return found is not None and any(
            r["RoleArn"] == inputs["roleArn"] for r in found.get("AssociatedRoles") or ()
        )

    def _find(self, identifier: str) -> dict[str, Any] | None:
        try:
            found = self.client.describe_db_instances(DBInstanceIdentifier=identifier)
        except botocore.exceptions.ClientError:
            return None
        return dict(found["DBInstances"][0])

    def _describe_by_resource_id(self, resource_id: str) -> dict[str, Any] | None:
        for found in self.client.describe_db_instances()["DBInstances"]:
            if found.get("DbiResourceId") == resource_id:
                return dict(found)
        return None

    def _actual(self, described: dict[str, Any]) -> dict[str, Any]:
        """What the provider's Read puts in state, by input name (every tag, as read)."""
        if not described:
            return {}
        args = InstanceSettings.capture(described).pulumi_args()
        actual = {camel(k): _plain(v) for k, v in args.items()}
        actual["identifier"] = described["DBInstanceIdentifier"]
        actual["tags"] = {t["Key"]: t.get("Value", "") for t in described.get("TagList") or ()}
        return actual
