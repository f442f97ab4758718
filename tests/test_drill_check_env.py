"""The drill's check command under a hostile environment: the caller's PGHOST points at
production, our secrets are set. It must reach the copy only, see none of our secrets, and not
outlive its timeout (its whole process group ends)."""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from automation.drill.check import check_environment, run_check

PASSPHRASE = "hostile-passphrase-value"
TOKEN = "hostile-jenkins-token-value"


def _clock() -> datetime:
    return datetime.now(UTC)


class Listener:
    """A TCP port that records whether anything connected (psql's first packet is enough)."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(5)
        self.sock.settimeout(0.02)  # how long close() waits for the accept loop to notice
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.connections += 1
            conn.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
        self.sock.close()


@pytest.fixture
def listeners() -> Iterator[tuple[Listener, Listener]]:
    copy, production = Listener(), Listener()
    yield copy, production
    copy.close()
    production.close()


def _copy(port: int, engine: str = "postgres") -> dict[str, object]:
    return {
        "DBInstanceIdentifier": "shop-drill-202611251200",
        "Engine": engine,
        "Endpoint": {"Address": "127.0.0.1", "Port": port},
        "DBName": "shop",
        "MasterUsername": "spryker",
    }


@pytest.fixture
def hostile(monkeypatch: pytest.MonkeyPatch, listeners: tuple[Listener, Listener]) -> None:
    _, production = listeners
    monkeypatch.setenv("PGHOST", "127.0.0.1")
    monkeypatch.setenv("PGPORT", str(production.port))
    monkeypatch.setenv("PGUSER", "production-admin")
    monkeypatch.setenv("PGDATABASE", "production")
    monkeypatch.setenv("PGPASSWORD", "production-password")
    monkeypatch.setenv("PGSERVICE", "production")
    monkeypatch.setenv("MYSQL_HOST", "production.example")
    monkeypatch.setenv("MYSQL_PWD", "production-password")
    monkeypatch.setenv("PULUMI_CONFIG_PASSPHRASE", PASSPHRASE)
    monkeypatch.setenv("JENKINS_API_TOKEN", TOKEN)


@pytest.mark.skipif(shutil.which("psql") is None, reason="psql is not installed")
def test_plain_psql_reaches_the_copy_not_the_callers_pghost(
    hostile: None, listeners: tuple[Listener, Listener]
) -> None:
    copy, production = listeners
    env = check_environment(_copy(copy.port))
    result = run_check("psql -c 'select 1'", env, timeout=30, clock=_clock)
    assert not result.ok  # the listener is no PostgreSQL server
    assert copy.connections >= 1, result.output
    assert production.connections == 0


def test_the_check_sees_the_copy_and_none_of_our_secrets_or_the_callers_client_settings(
    hostile: None, tmp_path: Path
) -> None:
    dump = tmp_path / "env"
    result = run_check(f"env > {dump}", check_environment(_copy(5432)), timeout=30, clock=_clock)
    assert result.ok, result.output
    seen = dict(line.split("=", 1) for line in dump.read_text().splitlines() if "=" in line)
    assert PASSPHRASE not in dump.read_text() and TOKEN not in dump.read_text()
    assert "production" not in dump.read_text()
    assert {k: seen.get(k) for k in ("PGHOST", "PGPORT", "PGUSER", "PGDATABASE", "PGSSLMODE")} == {
        "PGHOST": "127.0.0.1",
        "PGPORT": "5432",
        "PGUSER": "spryker",
        "PGDATABASE": "shop",
        "PGSSLMODE": "require",
    }
    assert not {"PGPASSWORD", "PGSERVICE", "MYSQL_HOST", "MYSQL_PWD"} & set(seen)
    assert seen["PATH"] == os.environ["PATH"]  # the rest of the caller's environment stays
    assert seen["DRILL_HOST"] == "127.0.0.1"


def test_mysql_and_mariadb_copies_get_the_mysql_client_variables(
    hostile: None, tmp_path: Path
) -> None:
    for engine in ("mysql", "mariadb"):
        dump = tmp_path / engine
        env = check_environment(_copy(3306, engine))
        assert run_check(f"env > {dump}", env, timeout=30, clock=_clock).ok
        seen = dict(line.split("=", 1) for line in dump.read_text().splitlines() if "=" in line)
        assert (seen.get("MYSQL_HOST"), seen.get("MYSQL_TCP_PORT")) == ("127.0.0.1", "3306")
        assert not {"MYSQL_PWD", "PGHOST", "PGPASSWORD"} & set(seen)


def test_the_whole_process_group_ends_at_the_timeout(tmp_path: Path) -> None:
    pid_file = tmp_path / "pid"
    started = time.monotonic()
    result = run_check(f"sleep 60 & echo $! > {pid_file}; wait", {}, timeout=0.5, clock=_clock)
    assert result.timed_out
    assert time.monotonic() - started < 20
    pid = int(pid_file.read_text())
    for _ in range(50):
        if not _running(pid):
            break
        time.sleep(0.1)
    else:
        pytest.fail(f"the check's background process {pid} outlived the timeout")


def _running(pid: int) -> bool:
    """Whether ``pid`` still runs. A process that ended but is not yet reaped (a zombie: its
    parent, the check's shell, ended too, and init reaps it when it gets to it, over a second
    here) has ended: proc(5) shows its state as ``Z``."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"
