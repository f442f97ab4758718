"""The drill's check command: a team's own test of the restored data (e.g. a row count).

It runs through the shell with the copy's endpoint in its environment; its exit code decides.
The environment is the caller's with three changes, so that a plain ``psql -c '...'`` or
``mysql -e '...'`` reaches the copy and nothing else:

- the client variables (``PGHOST``, ``PGPORT``, ``PGUSER``, ``PGDATABASE``, ``PGSSLMODE``; for
  MySQL and MariaDB ``MYSQL_HOST`` and ``MYSQL_TCP_PORT``) point at the copy, and every other
  ``PG*`` / ``MYSQL*`` variable of the caller is removed (an ops box whose ``PGHOST`` or
  ``PGSERVICE`` names production would otherwise be queried, and the drill would pass);
- our own secrets (the Pulumi passphrase, the Jenkins token) are not passed;
- the ``DRILL_*`` variables describe the copy.

The database password is never put in the environment: where RDS manages it, the secret's ARN
is (``DRILL_SECRET_ARN``); otherwise the team's usual secret applies (the copy has the
original's master password as of the restore point; ``~/.pgpass`` is still read).

The command runs in its own process group, and the whole group is ended at the timeout: a
``psql`` started in the background, or a pipeline's other half, does not outlive the check.
"""

from __future__ import annotations

import contextlib
import os
import signal
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
#: Our secrets: never in the check command's environment.
SECRETS = ("PULUMI_CONFIG_PASSPHRASE", "PULUMI_CONFIG_PASSPHRASE_FILE", "JENKINS_API_TOKEN")
#: The client variables of each engine family that the caller may have set.
CLIENT_PREFIXES = ("PG", "MYSQL")
#: Seconds between SIGTERM to the check's process group and SIGKILL.
KILL_GRACE = 5.0


def _client_env(engine: str, host: str, port: str, user: str, database: str) -> dict[str, str]:
    """The variables psql (libpq) or mysql/mariadb read for where to connect."""
    if "postgres" in engine:
        # libpq: PGSSLMODE=require encrypts without needing the RDS CA bundle on the box.
        return {
            "PGHOST": host,
            "PGPORT": port,
            "PGUSER": user,
            "PGDATABASE": database,
            "PGSSLMODE": "require",
        }
    if "mysql" in engine or "mariadb" in engine:
        # The mysql and mariadb clients read only these two for the server (user and database
        # are options: -u "$DRILL_USER" "$DRILL_DB_NAME").
        return {"MYSQL_HOST": host, "MYSQL_TCP_PORT": port}
    return {}


def check_environment(described: Mapping[str, Any]) -> dict[str, str]:
    """``DRILL_*`` and the client variables for the copy described by RDS."""
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
    env.update(
        _client_env(
            engine, env["DRILL_HOST"], env["DRILL_PORT"], env["DRILL_USER"], env["DRILL_DB_NAME"]
        )
    )
    return env


def clean_environment(caller: Mapping[str, str], env: Mapping[str, str]) -> dict[str, str]:
    """The caller's environment without its database client variables and our secrets, with
    ``env`` added."""
    kept = {
        name: value
        for name, value in caller.items()
        if name not in SECRETS and not name.upper().startswith(CLIENT_PREFIXES)
    }
    return {**kept, **env}


def _tail(text: str) -> str:
    lines = text.rstrip().splitlines()[-TAIL_LINES:]
    return "\n".join(lines)[-TAIL_CHARS:]


def _end_group(process: subprocess.Popen[str]) -> None:
    """SIGTERM to the check's whole process group, SIGKILL after a grace period."""
    for sig, wait in ((signal.SIGTERM, KILL_GRACE), (signal.SIGKILL, None)):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sig)
        try:
            process.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue


def run_check(
    command: str,
    env: Mapping[str, str],
    *,
    timeout: float,
    clock: Callable[[], datetime],
) -> CheckResult:
    """Run ``command`` in a shell with a clean environment plus ``env``; never raises for the
    command's failure."""
    started = clock()
    process = subprocess.Popen(  # noqa: S602 - the user's own command line, run as they wrote it
        command,
        shell=True,
        env=clean_environment(os.environ, env),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        output, _ = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _end_group(process)
        output, _ = process.communicate()
        seconds = (clock() - started).total_seconds()
        return CheckResult(command, None, seconds, _tail(output or ""), timed_out=True)
    except BaseException:  # Ctrl-C: the check does not outlive the drill
        _end_group(process)
        raise
    seconds = (clock() - started).total_seconds()
    return CheckResult(command, process.returncode, seconds, _tail(output or ""))
