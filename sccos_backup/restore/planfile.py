"""The saved plan: ``restore plan --out PLAN.json`` writes it, ``restore run --plan`` carries it
out, and every run records it on its state backend (next to its lock) so that ``resume``,
``status`` and ``rollback`` on any machine use it.

The document holds the request, the source and its fingerprint, every generated name, the typed
steps, the captured settings and a fingerprint of the original (its DbiResourceId and a digest
of the captured settings). Reading it back checks that the settings still match their digest
and that the steps are the ones this version would carry out, so an edited file is refused
rather than run.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import asdict, fields
from typing import Any

from sccos_backup import errors
from sccos_backup.jsonkeys import camel_keys, camel_name
from sccos_backup.restore.lock import LockStore, lock_scope
from sccos_backup.restore.plan import (
    Names,
    PointInTimeFingerprint,
    RestorePlan,
    RestoreRequest,
    SnapshotFingerprint,
    SourceFingerprint,
    build_steps,
)
from sccos_backup.restore.settings import InstanceSettings
from sccos_backup.restore.source import (
    PointInTimeSource,
    RestoreSource,
    SourceChoice,
    iso,
    parse_time,
    source_from_config,
)
from sccos_backup.restore.spec import RestoreSpec
from sccos_backup.restore.steps import DEFAULT_RESYNC_JOB
from sccos_backup.restore.strategy import Strategy

#: Version of the plan document; raised when a key changes meaning.
PLAN_SCHEMA_VERSION = 1
PLAN_KIND = "sccos-backup restore plan"
#: Where runs record their plans inside the state backend (next to the locks).
PLAN_PREFIX = ".sccos-backup/plans"


def settings_digest(settings: InstanceSettings) -> str:
    """A digest of the captured settings (canonical JSON of the RDS request parameters)."""
    text = json.dumps(settings.to_api(), sort_keys=True, separators=(",", ":"), default=str)
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()


def settings_diff(planned: InstanceSettings, now: InstanceSettings) -> list[tuple[str, Any, Any]]:
    """``(setting, planned, now)`` for every setting that differs, in the settings' order."""
    before, after = planned.to_api(), now.to_api()
    return [
        (key, value, after.get(key)) for key, value in before.items() if after.get(key) != value
    ]


def diff_lines(diff: list[tuple[str, Any, Any]]) -> list[str]:
    return [f"{key}: approved {_text(old)}, now {_text(new)}" for key, old, new in diff]


def _text(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        items = [
            "=".join(str(v) for v in i.values()) if isinstance(i, dict) else str(i) for i in value
        ]
        return "[" + ", ".join(items) + "]"
    return str(value)


#: Below these keys the plan holds RDS request parameters, kept as RDS names them. (The
#: captured ``original`` and ``inherited`` settings are RDS names too, which are never snake_case;
#: ``fingerprint.original`` is ours and is camelCased.)
PLAN_DATA_KEYS = frozenset({"settings"})


def plan_document(plan: RestorePlan) -> dict[str, Any]:
    """The plan as one JSON-ready object with camelCase keys (``schemaVersion`` is added by the
    writer): its fields and request, names as ``asdict`` gives them, through ``camel_keys``."""
    request = plan.request
    document = {
        "kind": PLAN_KIND,
        "database": request.db_identifier,
        "planned_at": iso(plan.planned_at) if plan.planned_at else None,
        "strategy": str(request.strategy),
        "target": plan.target,
        "restore_as": plan.restore_as,
        "rename_original_to": plan.names.aside,
        "stack": plan.stack,
        "source": {"description": plan.source.describe(), **plan.source.to_config()},
        "options": {
            "stack": request.stack,
            "maintenance": request.maintenance_env,
            "safety_snapshot": request.safety_snapshot,
            "resync": request.resync,
            "resync_job": request.resync_job,
            "resync_command": request.resync_command,
            "from_database": request.from_database,
        },
        "names": asdict(plan.names),
        "steps": [step.as_dict() for step in plan.steps],
        "settings": plan.spec.settings.to_api(),
        "original": plan.original,
        "inherited": plan.inherited,
        "final_snapshot_identifier": plan.spec.final_snapshot_identifier,
        "fingerprint": {
            "original": {
                "identifier": request.db_identifier,
                "dbi_resource_id": plan.original_resource_id,
                "arn": plan.original_arn,
                "settings_digest": settings_digest(plan.spec.settings),
            },
            "source": asdict(plan.source_fingerprint) if plan.source_fingerprint else {},
        },
        "lineage": list(plan.lineage),
        "warnings": list(plan.warnings),
    }
    camel: dict[str, Any] = camel_keys(document, PLAN_DATA_KEYS)
    return camel


def dumps(plan: RestorePlan) -> str:
    return (
        json.dumps({"schemaVersion": PLAN_SCHEMA_VERSION, **plan_document(plan)}, indent=2) + "\n"
    )


def _choice(source: RestoreSource) -> SourceChoice:
    if isinstance(source, PointInTimeSource):
        if source.restore_time is None:
            return SourceChoice(latest=True)
        return SourceChoice(to_time=source.restore_time)
    return SourceChoice(snapshot=source.snapshot_identifier)


def plan_from_document(data: Mapping[str, Any], where: str) -> RestorePlan:
    """The plan a document holds; :class:`~sccos_backup.errors.InvalidInput` naming ``where``
    when it is not one, was written by another schema, or was edited."""
    if not isinstance(data, Mapping) or data.get("kind") != PLAN_KIND:
        raise errors.InvalidInput(
            f"{where} is not a restore plan; write one with `sccos-backup restore plan DB_ID "
            "... --out PLAN.json`"
        )
    if data.get("schemaVersion") != PLAN_SCHEMA_VERSION:
        raise errors.InvalidInput(
            f"{where} is a plan of schema version {data.get('schemaVersion')}; this "
            f"sccos-backup reads version {PLAN_SCHEMA_VERSION}: plan again"
        )
    try:
        plan = _plan(data)
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        raise errors.InvalidInput(
            f"{where} is not a readable restore plan ({type(error).__name__}: {error}); plan again"
        ) from None
    fingerprint = data["fingerprint"]["original"]
    if settings_digest(plan.spec.settings) != fingerprint.get("settingsDigest"):
        raise errors.InvalidInput(
            f"the settings in {where} do not match their digest (the file was edited); plan "
            "again instead of editing a plan"
        )
    written = [(s.get("key"), s.get("title")) for s in data["steps"]]
    built = [(s.key, s.title) for s in plan.steps]
    if written != built:
        raise errors.InvalidInput(
            f"the steps in {where} are not the ones this sccos-backup would carry out for that "
            "plan (edited, or written by another version); plan again"
        )
    return plan


def _plan(data: Mapping[str, Any]) -> RestorePlan:
    db = str(data["database"])
    source = source_from_config(data["source"])
    options = data["options"]
    request = RestoreRequest(
        db_identifier=db,
        choice=_choice(source),
        strategy=Strategy(data["strategy"]),
        stack=options.get("stack"),
        maintenance_env=options.get("maintenance"),
        safety_snapshot=bool(options.get("safetySnapshot")),
        resync=bool(options.get("resync", True)),
        resync_job=str(options.get("resyncJob") or DEFAULT_RESYNC_JOB),
        resync_command=options.get("resyncCommand"),
        from_database=options.get("fromDatabase"),
    )
    n = data["names"]
    names = Names(
        run_id=str(n["runId"]),
        aside=str(n["aside"]),
        temporary=str(n["temporary"]),
        final_snapshot=str(n["finalSnapshot"]),
        safety_snapshot=str(n["safetySnapshot"]),
        rolled_back=str(n["rolledBack"]),
    )
    restore_as = str(data["restoreAs"])
    spec = RestoreSpec(
        target_identifier=restore_as,
        original_identifier=db,
        source=source,
        settings=InstanceSettings.from_api(data["settings"]),
        final_snapshot_identifier=names.final_snapshot,
        run_id=names.run_id,
    )
    original = data["fingerprint"]["original"]
    planned_at = data.get("plannedAt")
    return RestorePlan(
        request=request,
        names=names,
        target=str(data["target"]),
        restore_as=restore_as,
        spec=spec,
        original=dict(data["original"]),
        inherited=dict(data["inherited"]),
        steps=build_steps(request, names, source),
        warnings=tuple(str(w) for w in data.get("warnings", ())),
        original_resource_id=str(original["dbiResourceId"]),
        original_arn=str(original["arn"]),
        planned_at=parse_time(planned_at) if planned_at else None,
        source_fingerprint=_fingerprint(data["fingerprint"]["source"]),
        lineage=tuple(str(x) for x in data.get("lineage", ())),
    )


def _fingerprint(data: Mapping[str, Any]) -> SourceFingerprint | None:
    """The source fingerprint stored (camelCase) in a plan document; None where none was."""
    if not data:
        return None
    kind = SnapshotFingerprint if "snapshotArn" in data else PointInTimeFingerprint
    return kind(**{f.name: data[camel_name(f.name)] for f in fields(kind)})


def loads(text: str, where: str) -> RestorePlan:
    try:
        data = json.loads(text)
    except ValueError as error:
        raise errors.InvalidInput(f"{where} is not JSON ({error}); plan again") from None
    return plan_from_document(data, where)


class PlanStore:
    """The plans of runs, one object per run in the state backend (where the lock lives)."""

    def __init__(self, store: LockStore) -> None:
        self._store = store
        self.location = store.location

    @staticmethod
    def key(database: str, arn: str, run_id: str) -> str:
        return f"{PLAN_PREFIX}/{lock_scope(arn)}/{database}/{run_id}.json"

    def record(self, plan: RestorePlan) -> None:
        """Record the plan of a run before its first change; the same plan again is a no-op,
        another plan under the same run is refused."""
        key = self.key(plan.request.db_identifier, plan.original_arn, plan.names.run_id)
        body = dumps(plan).encode()
        if self._store.create(key, body):
            return
        held = self._store.read(key)
        if held is not None and held != body:
            raise errors.RunInProgress(
                f"run {plan.names.run_id} of '{plan.request.db_identifier}' already records "
                f"another plan in {self.location}; nothing was changed. Plan again (a new run "
                "id is taken a minute later)"
            )

    def load(self, database: str, arn: str, run_id: str) -> RestorePlan | None:
        """The recorded plan of a run, or None when none is recorded."""
        key = self.key(database, arn, run_id)
        body = self._store.read(key)
        if body is None:
            return None
        return loads(body.decode(), f"the recorded plan {self.location}/{key}")
