"""Record every AWS call a CLI command makes in the tests, and check it against the IAM policy.

A botocore ``provide-client-params`` hook is registered on every client created while the
recorder is installed (the adapters' clients and the in-process engine's, which stands in for
the Pulumi aws provider); it sees the API parameters of each call once, before retries. Calls
are attributed to the command group whose ``CliRunner.invoke`` is running; calls made by a test
arranging or inspecting state outside an invocation are not recorded.
"""

from __future__ import annotations

import itertools
import os
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import botocore.session
from typer.testing import CliRunner

from sccos_backup.permissions import allows, policy_document
from sccos_backup.permissions.requirements import Need, Where, needs

#: Global options that take a value (they may precede the command group).
_VALUED = {"--region", "--profile", "--endpoint-url"}


@dataclass(frozen=True)
class Call:
    group: str
    service: str
    operation: str
    region: str
    params: Mapping[str, Any] = field(compare=False)
    #: Filled in by the ``after-call`` hook when an answer (also an error) was parsed.
    response: dict[str, Any] = field(default_factory=dict, compare=False)
    #: The S3 places the invocation used (``--backend-url``, ``--reports-url`` or their
    #: environment variables): its policy is the one `iam-policy` prints with the same options.
    places: Mapping[str, str] = field(default_factory=dict, compare=False)

    def needs(self) -> list[Need]:
        return needs(
            self.service, self.operation, self.params, Where(region=self.region), self.response
        )


class Recorder:
    def __init__(self) -> None:
        self.calls: list[Call] = []
        self._lock = threading.Lock()

    def add(self, call: Call) -> None:
        with self._lock:
            self.calls.append(call)


class _Current:
    """The command group being invoked. A plain global, not a ContextVar: the in-process engine
    runs the Pulumi program on threads of its own, which a ContextVar would not reach."""

    group: str | None = None
    places: Mapping[str, str] = {}
    installed = False


_group = _Current()
_recorders: list[Recorder] = []


def command_group(args: Sequence[str]) -> str | None:
    """``restore`` for ``["--region", "x", "restore", "plan", ...]``."""
    skip = False
    words = []
    for arg in args:
        if skip:
            skip = False
        elif arg in _VALUED:
            skip = True
        elif not arg.startswith("-"):
            words.append(arg)
    if not words:
        return None
    # `doctor` checks a restore run: its calls are the restore group's; `restore rehearse`
    # has a policy of its own.
    if words[:2] == ["restore", "rehearse"]:
        return "rehearse"
    return "restore" if words[0] == "doctor" else words[0]


#: The options that name an S3 place, and the environment variables that stand for them.
_PLACES = {
    "--backend-url": ("backend_url", "PULUMI_BACKEND_URL"),
    "--reports-url": ("reports_url", "SCCOS_BACKUP_REPORTS_URL"),
}


def places_of(args: Any, env: Mapping[str, str | None] | None) -> dict[str, str]:
    """``{"backend_url": ..., "reports_url": ...}`` as the invocation gives them."""
    words = list(args or ()) if not isinstance(args, str) else args.split()
    environment = dict(os.environ)
    for name, value in (env or {}).items():
        if value is None:
            environment.pop(name, None)
        else:
            environment[name] = value
    out: dict[str, str] = {}
    for option, (key, variable) in _PLACES.items():
        value = next((b for a, b in itertools.pairwise(words) if a == option), None)
        value = value or environment.get(variable)
        if value:
            out[key] = value
    return out


def _hooks(client: Any) -> tuple[Any, Any]:
    service = client.meta.service_model.service_name
    region = client.meta.region_name or "*"

    def on_params(params: Mapping[str, Any], model: Any, context: Any, **_: Any) -> None:
        group = _group.group
        if group is None:
            return
        call = Call(group, service, model.name, region, dict(params), places=_group.places)
        context["sccos_call"] = call
        for recorder in _recorders:
            recorder.add(call)

    def on_answer(parsed: Any, context: Any, **_: Any) -> None:
        call = context.get("sccos_call")
        if call is not None and isinstance(parsed, dict):
            call.response.update(parsed)

    return on_params, on_answer


def _group_of(cli: Any) -> str | None:
    """The group name when a test invokes a command group's own Typer app."""
    from automation.cli import app

    for group in app.registered_groups:
        if group.typer_instance is cli:
            return group.name
    return None


def install() -> None:
    """Hook every botocore client created from now on, and every CliRunner invocation."""
    if _Current.installed:
        return
    _Current.installed = True
    create_client = botocore.session.Session.create_client

    def hooked_create_client(self: Any, *args: Any, **kwargs: Any) -> Any:
        client = create_client(self, *args, **kwargs)
        on_params, on_answer = _hooks(client)
        client.meta.events.register("provide-client-params", on_params)
        client.meta.events.register("after-call", on_answer)
        return client

    botocore.session.Session.create_client = hooked_create_client  # type: ignore[method-assign]
    invoke = CliRunner.invoke

    def attributed_invoke(self: CliRunner, cli: Any, args: Any = None, **kwargs: Any) -> Any:
        group = _group_of(cli) or command_group(
            list(args or ()) if not isinstance(args, str) else args.split()
        )
        outer, _group.group = _group.group, group
        outer_places, _group.places = _group.places, places_of(args, kwargs.get("env"))
        try:
            return invoke(self, cli, args, **kwargs)
        finally:
            _group.group, _group.places = outer, outer_places

    CliRunner.invoke = attributed_invoke  # type: ignore[method-assign]


@contextmanager
def recording() -> Iterator[Recorder]:
    install()
    recorder = Recorder()
    _recorders.append(recorder)
    try:
        yield recorder
    finally:
        _recorders.remove(recorder)


def uncovered(
    calls: Sequence[Call], documents: Mapping[str, Mapping[str, Any]] | None = None
) -> list[str]:
    """One line per call (and need) its command group's policy does not allow."""
    problems: list[str] = []
    seen: set[tuple[str, str, str]] = set()
    for call in calls:
        if documents is not None and call.group not in documents:
            continue
        try:
            document = (documents or {}).get(call.group) or policy_document(
                call.group, **call.places
            )
        except Exception:
            problems.append(f"{call.group}: no IAM policy, but it calls {call.operation}")
            continue
        try:
            required = call.needs()
        except KeyError:
            problems.append(
                f"{call.group}: {call.service}:{call.operation} has no rule in "
                "sccos_backup/permissions/requirements.py"
            )
            continue
        for need in required:
            key = (call.group, need.action, need.resource)
            if key in seen:
                continue
            seen.add(key)
            if not allows(document, need.action, need.resource, need.condition_keys()):
                problems.append(
                    f"{call.group}: {call.operation} needs {need.action} on {need.resource}"
                )
    return problems
