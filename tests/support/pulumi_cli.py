"""A fake ``pulumi`` CLI (a script answering by command prefix and logging each call) and the
Automation-API engine pointed at it."""

from __future__ import annotations

import importlib.metadata
import json
import sys
from pathlib import Path
from typing import Any

import pytest

from automation.engine import automation_api as pulumi_engine
from automation.engine.automation_api import AutomationEngine
from automation.engine.workspace import PULUMI_VERSION
from sccos_backup.restore.stackfile import AwsTarget

PLUGIN = importlib.metadata.version("pulumi_aws")
PASSPHRASE = "correct horse battery staple"


FAKE_PULUMI = """#!{python}
import json, os, sys
root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
words = [a for a in sys.argv[1:] if a != "--non-interactive"]
keys = ("PULUMI_BACKEND_URL", "PULUMI_CONFIG_PASSPHRASE", "PULUMI_SKIP_UPDATE_CHECK")
with open(os.path.join(root, "calls.jsonl"), "a") as log:
    env = {{k: os.environ.get(k) for k in keys}}
    log.write(json.dumps({{"args": words, "cwd": os.getcwd(), "env": env}}) + "\\n")
if words[:1] == ["version"]:
    print("v{version}")
    sys.exit(0)
if words[:2] == ["stack", "init"]:
    with open(os.path.join(os.getcwd(), "Pulumi." + words[2] + ".yaml"), "w") as f:
        f.write("encryptionsalt: v1:fake-salt\\n")
with open(os.path.join(root, "script.json")) as f:
    script = json.load(f)
line = " ".join(words)
best = max((p for p in script if line.startswith(p)), key=len, default=None)
answer = script.get(best, {{}}) if best is not None else {{}}
sys.stdout.write(answer.get("stdout", ""))
sys.stderr.write(answer.get("stderr", ""))
sys.exit(answer.get("code", 0))
"""


HISTORY = json.dumps(
    [
        {
            "kind": "update",
            "startTime": "2026-11-25T12:00:00.000Z",
            "endTime": "2026-11-25T12:01:00.000Z",
            "message": "",
            "environment": {},
            "config": {},
            "result": "succeeded",
            "version": 1,
        }
    ]
)


@pytest.fixture
def no_pulumi_on_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))


def cli_engine(project: Path, data_dir: Path, **kwargs: Any) -> AutomationEngine:
    """The engine for the Pulumi project in ``project``, its CLI looked for in ``data_dir``."""
    options: dict[str, Any] = {
        "work_dir": project,
        "backend_url": None,
        "passphrase": PASSPHRASE,
        "aws": AwsTarget(region="eu-central-1"),
        "data_dir": data_dir,
    }
    options.update(kwargs)
    return AutomationEngine(**options)


class FakeCli:
    """A fake ``pulumi`` installed where the engine looks for a previous install."""

    def __init__(self, data_dir: Path) -> None:
        self.root = data_dir / pulumi_engine.CLI_FOLDER
        (self.root / "bin").mkdir(parents=True)
        binary = self.root / "bin" / "pulumi"
        binary.write_text(FAKE_PULUMI.format(python=sys.executable, version=PULUMI_VERSION))
        binary.chmod(0o755)
        self.answer({})

    def answer(self, script: dict[str, dict[str, Any]]) -> None:
        """Answers by command prefix; the aws plugin `engine install` puts there is listed
        unless the script says otherwise."""
        listed = [{"name": "aws", "kind": "resource", "version": PLUGIN}]
        script = {"plugin ls": {"stdout": json.dumps(listed)}, **script}
        (self.root / "script.json").write_text(json.dumps(script))

    def calls(self) -> list[dict[str, Any]]:
        log = self.root / "calls.jsonl"
        if not log.exists():
            return []
        return [json.loads(line) for line in log.read_text().splitlines()]

    def commands(self) -> list[str]:
        return [" ".join(call["args"]) for call in self.calls() if call["args"] != ["version"]]


@pytest.fixture
def fake_cli(tmp_path: Path, no_pulumi_on_path: None) -> FakeCli:
    return FakeCli(tmp_path / "data")
