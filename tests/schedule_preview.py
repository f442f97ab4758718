"""A stand-in for ``pulumi preview`` of a schedule stack, rendered from the SDK's mocks.

No Pulumi CLI or aws plugin can run on this machine, so ``docs/schedule.md`` cannot show a real
preview. This runs the real program (:func:`sccos_backup.schedule.declaration.declare`) under
``pulumi.runtime.set_mocks`` and renders what it registered in the layout of the CLI's preview
(read from pulumi/pulumi ``pkg/backend/display``, v3.2xx: a ``Type / Name / Plan`` tree under
``pulumi:pulumi:Stack``, type tokens shown as ``package:module:Type``, then the ``Resources:``
count), followed by the key inputs. Differences from a real first preview: every resource is a
``create`` (no state), no diff details, no provider or plugin lines, and children are sorted by
name, where the CLI lists them in registration order.

Regenerate the page's block with ``.venv/bin/python -m tests.schedule_preview``;
``tests/test_schedule_docs.py`` fails when the page and this rendering differ.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

import pulumi

from sccos_backup.schedule.event import Selection, TagSelector
from sccos_backup.schedule.spec import PROJECT, ScheduleSpec
from tests.support.schedule_mocks import ALARM, SCHEDULE, ScheduleMocks

STACK = "fleet"
FLEET = ScheduleSpec(
    Selection(tag=TagSelector("sccos:project", "shop")), alarm_email="ops@shop.example"
)
COMPONENT = "sccos-backup:schedule:BackupSchedule"


def _display_type(token: str) -> str:
    package, module, kind = token.split(":")
    return f"{package}:{module.split('/')[0]}:{kind}"


def render(mocks: ScheduleMocks) -> str:
    rows = [("pulumi:pulumi:Stack", f"{PROJECT}-{STACK}", 0)]
    component = next(r for r in mocks.resources.values() if r.type == COMPONENT)
    rows.append((COMPONENT, component.name, 1))
    children = sorted(
        (r for r in mocks.resources.values() if r.type != COMPONENT), key=lambda r: r.name
    )
    rows += [(_display_type(r.type), r.name, 2) for r in children]
    width = max(len(t) + 3 * d for t, _, d in rows) + 4
    name_width = max(len(n) for _, n, _ in rows) + 2
    header = f"     {'Type'.ljust(width)}{'Name'.ljust(name_width)}Plan"
    lines = [f"Previewing update ({STACK}):", header]
    for index, (typ, name, depth) in enumerate(rows):
        last = index == len(rows) - 1
        if depth == 0:
            branch = ""
        elif depth == 1:
            branch = "└─ "
        else:
            branch = "   " + ("└─ " if last else "├─ ")
        lines.append(f" +   {(branch + typ).ljust(width)}{name.ljust(name_width)}create")
    lines += ["", "Resources:", f"    + {len(rows)} to create"]
    return "\n".join(line.rstrip() for line in lines)


def key_inputs(mocks: ScheduleMocks) -> str:
    out = []
    for found in sorted(mocks.of_type(SCHEDULE), key=lambda r: r.name):
        target = found.inputs["target"]
        out.append(
            f"{found.name}: {found.inputs['scheduleExpression']} "
            f"({found.inputs['scheduleExpressionTimezone']}), retries "
            f"{target['retryPolicy']['maximumRetryAttempts']:g} within "
            f"{target['retryPolicy']['maximumEventAgeInSeconds']:g} s,"
        )
        out.append(f"  dead letters to {target['deadLetterConfig']['arn'].rsplit(':', 1)[1]}")
        event = json.loads(target["input"])
        out.append("  input: " + json.dumps({k: event[k] for k in list(event)[:4]}))
        out.append("         " + json.dumps({k: event[k] for k in list(event)[4:]}))
    function = next(r for r in mocks.resources.values() if r.type == "aws:lambda/function:Function")
    out.append(
        f"{function.name}: {function.inputs['runtime']}, {function.inputs['architectures'][0]}, "
        f"handler {function.inputs['handler']},\n  timeout {function.inputs['timeout']:g} s, "
        f"{function.inputs['memorySize']:g} MB, code {Path(function.inputs['code'].path).name} "
        f"({len(function.inputs['codeSha256'])}-character base64 SHA-256 as code_sha256)"
    )
    for alarm in sorted(mocks.of_type(ALARM), key=lambda r: r.name):
        inputs = alarm.inputs
        dims = ",".join(f"{k}={v}" for k, v in sorted(inputs["dimensions"].items()))
        op = {"GreaterThanThreshold": ">", "LessThanThreshold": "<"}[inputs["comparisonOperator"]]
        out.append(
            f"{alarm.name.removeprefix('sccos-backup-')}: {inputs['statistic']} "
            f"{inputs['namespace']}/{inputs['metricName']} [{dims}] {op} {inputs['threshold']:g}"
            f" per {inputs['period']:g} s, missing={inputs['treatMissingData']}"
        )
    return "\n".join(out)


def preview_text() -> str:
    """Run the program under mocks and return the rendered preview and key inputs."""
    from tests.support.schedule_mocks import install

    mocks = install()
    result: dict[str, str] = {}

    @pulumi.runtime.test
    def run() -> Any:
        from sccos_backup.schedule.declaration import declare
        from sccos_backup.schedule.package import build

        with tempfile.TemporaryDirectory() as folder:
            artifact = build(Path(folder) / "function.zip")
            schedule = declare(STACK, FLEET, artifact)

        def done(_: Any) -> None:
            result["text"] = render(mocks) + "\n\n" + key_inputs(mocks)

        return pulumi.Output.all(
            schedule.function.arn,
            *[s.arn for s in schedule.schedules.values()],
            *[a.arn for a in schedule.alarms],
        ).apply(done)

    run()
    return result["text"]


if __name__ == "__main__":
    print(preview_text())
