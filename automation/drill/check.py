"""The drill's check command: a team's own test of the restored data (e.g. a row count).

It runs through the shell with the copy's endpoint in its environment; its exit code decides.
The database password is never put in the environment: where RDS manages it, the secret's ARN
is (``DRILL_SECRET_ARN``); otherwise the team's usual secret applies (the copy has the
original's master password as of the restore point).
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from sccos_backup.drill.report import CheckResult

#: How much of the command's output the report keeps.
TAIL_LINES = 20
TAIL_CHARS = 2000
#: Engines whose default database name is known when the instance reports none.
DEFAULT_DB_NAME = {"postgres": "postgres"}


def check_environment(described: Mapping[str, Any]) -> dict[str, str]:
    """``DRILL_*`` variables for the copy described by RDS."""
    endpoint = described.get("Endpoint") or {}
    engine = str(described.get("Engine", ""))
    env = {
        "DRILL_IDENTIFIER": str(described["DBInstanceIdentifier"]),
        "DRILL_ENGINE": engine,
        "DRILL_HOST": str(endpoint.get("Address") or ""),
        "DRILL_PORT": str(endpoint.get("Port") or described.get("DbInstancePort") or ""),
        "DRILL_DB_NAME": str(described.get("DBName") or DEFAULT_DB_NAME.get(engine, "")),
        "DRILL_USER": str(described.get("MasterUsername") or ""),
    }
    secret = described.get("MasterUserSecret") or {}
    if secret.get("SecretArn"):
        env["DRILL_SECRET_ARN"] = str(secret["SecretArn"])
    return env


def _tail(text: str) -> str:
    lines = text.rstrip().splitlines()[-TAIL_LINES:]
    return "\n".join(lines)[-TAIL_CHARS:]


def run_check(
    command: str,
    env: Mapping[str, str],
    *,
    timeout: float,
    clock: Callable[[], datetime],
) -> CheckResult:
    """Run ``command`` in a shell with ``env`` added; never raises for the command's failure."""
    started = clock()
    try:
        done = subprocess.run(  # noqa: S602 - the user's own command line, run as they wrote it
            command,
            shell=True,
            env={**os.environ, **env},
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired as expired:
        out = expired.output or ""
        text = out.decode(errors="replace") if isinstance(out, bytes) else str(out)
        seconds = (clock() - started).total_seconds()
        return CheckResult(command, None, seconds, _tail(text), timed_out=True)
    seconds = (clock() - started).total_seconds()
    return CheckResult(command, done.returncode, seconds, _tail(done.stdout + done.stderr))
