"""Bounded network waits: endpoint URLs checked first; a silent AWS endpoint fails fast with
one line naming it; throttling keeps its retries (tests/test_aws_faults.py)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from automation.cli import app
from sccos_backup import errors
from sccos_backup.aws import network
from sccos_backup.aws.clients import make_client
from tests.conftest import REGION, one_error_line
from tests.support.factory import FakeFactory


class SilentServer:
    """Accepts TCP connections and never answers (a hung proxy or a firewall that swallows)."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.accepted = 0
        self.held: list[socket.socket] = []
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.accepted += 1
            self.held.append(conn)

    def close(self) -> None:
        self.sock.close()
        for conn in self.held:
            conn.close()


def subprocess_env() -> dict[str, str]:
    """The environment of a CLI subprocess: test credentials, no profile or config files."""
    env = {
        **os.environ,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_REGION": REGION,
        "AWS_CONFIG_FILE": "/nonexistent",
        "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent",
    }
    env.pop("AWS_PROFILE", None)
    return env


@pytest.fixture
def silent() -> Iterator[SilentServer]:
    server = SilentServer()
    yield server
    server.close()


@pytest.mark.parametrize(
    ("url", "needle"),
    [
        ("127.0.0.1:5000", "no http:// or https:// scheme"),
        ("localhost:5000", "no http:// or https:// scheme"),
        ("ftp://127.0.0.1:5000", "no http:// or https:// scheme"),
        ("http://", "no http:// or https:// scheme"),
        ("http://127.0.0.1:99999", "invalid port"),
        ("http://user:secret@127.0.0.1:5000", "must not hold credentials"),
    ],
)
def test_a_malformed_endpoint_is_one_line(aws_env: None, url: str, needle: str) -> None:
    result = CliRunner().invoke(app, ["--endpoint-url", url, "snapshot", "list", "shop"])
    one_error_line(result, 2, "--endpoint-url", needle)
    assert "secret" not in result.output


def test_a_malformed_endpoint_in_the_environment_is_one_line(aws_env: None) -> None:
    result = CliRunner().invoke(
        app, ["snapshot", "list", "shop"], env={"AWS_ENDPOINT_URL": "127.0.0.1:5000"}
    )
    one_error_line(result, 2, "'127.0.0.1:5000'")


def test_the_library_checks_the_endpoint_too() -> None:
    from sccos_backup.aws.rds import make_rds_client

    with pytest.raises(errors.InvalidInput, match="scheme"):
        make_rds_client(region=REGION, profile=None, endpoint_url="127.0.0.1:5000")
    assert network.check_endpoint_url("https://rds.eu-central-1.amazonaws.com") is not None


def test_a_silent_endpoint_fails_with_one_line_naming_it(
    aws_env: None, silent: SilentServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The same mechanism as the defaults (15 s reads, 30 s deadline), scaled down 50 times.
    monkeypatch.setattr(network, "READ_TIMEOUT", 0.3)
    monkeypatch.setattr(network, "CALL_DEADLINE", 0.6)
    started = time.monotonic()
    result = CliRunner().invoke(
        app,
        ["--endpoint-url", silent.url, "snapshot", "list", "shop"],
        obj=FakeFactory(),
    )
    took = time.monotonic() - started
    one_error_line(result, 1, silent.url, "did not answer", "--endpoint-url")
    assert 2 <= silent.accepted <= 3, "retried, then stopped by the deadline"
    # Without the deadline botocore makes all 8 attempts with backoff (counted above); the bound
    # leaves room for a loaded CI machine (4.9 s was seen at load 14), not for more retries.
    assert took < 15, took


def test_the_defaults_bound_a_silent_endpoint_under_a_minute() -> None:
    # Attempts end every READ_TIMEOUT; none starts once CALL_DEADLINE has passed; botocore's
    # standard backoff before attempt k is at most 2 ** (k - 1) s.
    elapsed, attempt = 0.0, 1
    while True:
        elapsed += network.READ_TIMEOUT  # the connection itself is accepted at once
        if elapsed >= network.CALL_DEADLINE or attempt == network.RETRY_ATTEMPTS:
            break
        elapsed += 2 ** (attempt - 1)
        attempt += 1
    assert elapsed <= 45, elapsed
    assert network.RETRY_ATTEMPTS >= 3, "throttling keeps several retries"


REFUSED = "http://127.0.0.1:9"  # the discard port: nothing listens, the connection is refused


def attempts_at_a_refused_endpoint(**kwargs: Any) -> int:
    """How many attempts one call of a client made by ``make_client`` makes before giving up."""
    import botocore.exceptions

    client = make_client("rds", region=REGION, profile=None, endpoint_url=REFUSED, **kwargs)
    attempts = []
    client.meta.events.register("request-created", lambda **_: attempts.append(1))
    with pytest.raises(botocore.exceptions.EndpointConnectionError):
        client.describe_db_instances()
    return len(attempts)


def test_a_refused_connection_is_retried_up_to_the_documented_attempts_in_all(
    aws_env: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    # botocore's Config(retries={"max_attempts": n}) counts retries, not attempts (1.44 args.py).
    for name in ("AWS_MAX_ATTEMPTS", "AWS_RETRY_MODE"):  # the developer's own, if set
        monkeypatch.delenv(name, raising=False)
    client = make_client("rds", region=REGION, profile=None, endpoint_url=REFUSED)
    assert client.meta.config.retries == {"mode": "standard", "total_max_attempts": 8}
    assert network.RETRY_ATTEMPTS == 8, "docs/cli.md says up to 8 attempts"
    monkeypatch.setattr(network, "RETRY_ATTEMPTS", 3)  # the same counting, with less backoff
    assert attempts_at_a_refused_endpoint() == 3
    assert attempts_at_a_refused_endpoint(attempts=1) == 1, "the IAM simulator is not retried"


def test_the_operators_aws_max_attempts_and_retry_mode_are_honoured(
    aws_env: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "2")
    assert attempts_at_a_refused_endpoint() == 2
    assert attempts_at_a_refused_endpoint(attempts=1) == 1, "the command's own choice wins"
    monkeypatch.setenv("AWS_RETRY_MODE", "adaptive")
    client = make_client("rds", region=REGION, profile=None, endpoint_url=REFUSED)
    assert client.meta.config.retries == {"mode": "adaptive", "total_max_attempts": 2}
    monkeypatch.delenv("AWS_MAX_ATTEMPTS")
    monkeypatch.delenv("AWS_RETRY_MODE")
    config = tmp_path / "config"  # or the profile's max_attempts / retry_mode
    config.write_text("[profile slow]\nmax_attempts = 5\nretry_mode = legacy\n")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    client = make_client("rds", region=REGION, profile="slow", endpoint_url=REFUSED)
    assert client.meta.config.retries == {"mode": "legacy", "total_max_attempts": 5}


@pytest.mark.parametrize(
    ("name", "value", "needle"),
    [
        ("AWS_MAX_ATTEMPTS", "many", "AWS_MAX_ATTEMPTS"),
        ("AWS_MAX_ATTEMPTS", "0", "from 1"),
        ("AWS_RETRY_MODE", "fast", "'fast' is not one of standard, adaptive, legacy"),
    ],
)
def test_an_unusable_retry_setting_is_one_line(
    aws_env: None, monkeypatch: pytest.MonkeyPatch, name: str, value: str, needle: str
) -> None:
    monkeypatch.setenv(name, value)
    result = CliRunner().invoke(
        app, ["--endpoint-url", REFUSED, "snapshot", "list", "shop"], obj=FakeFactory()
    )
    one_error_line(result, 2, name, needle)


@pytest.mark.slow
def test_a_silent_endpoint_with_the_real_defaults(silent: SilentServer, tmp_path: Path) -> None:
    """The installed command against a socket that never answers: done within 60 s."""
    env = subprocess_env()
    command = Path(sys.executable).parent / "sccos-backup"
    started = time.monotonic()
    done = subprocess.run(
        [str(command), "--endpoint-url", silent.url, "snapshot", "list", "shop"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=120,
        check=False,
    )
    took = time.monotonic() - started
    assert done.returncode == 1, done.stderr
    assert done.stderr.count("\n") == 1 and silent.url in done.stderr, done.stderr
    assert took < 60, took


# Ctrl-C as from a terminal: a suite started as a script's background job ignores SIGINT and the
# child inherits that (test-environment.md), so Python would never install its handler.
AS_FROM_A_TERMINAL = (
    "import signal; signal.signal(signal.SIGINT, signal.default_int_handler); "
    "from automation.cli import main; main()"
)


@pytest.mark.parametrize("sig", ["SIGINT", "SIGTERM"])
def test_sigterm_ends_a_waiting_command_like_ctrl_c(
    silent: SilentServer, tmp_path: Path, sig: str
) -> None:
    """Outside a Pulumi operation and resync, SIGTERM (a CI job cancelled, systemd stop) killed
    the command without a word (exit -15); it now ends as Ctrl-C does: one line, exit 130."""
    import signal

    env = subprocess_env()
    argv = ["--endpoint-url", silent.url, "snapshot", "list", "shop"]
    process = subprocess.Popen(
        [sys.executable, "-c", AS_FROM_A_TERMINAL, *argv],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=Path(__file__).resolve().parent.parent,
    )
    deadline = time.monotonic() + 30
    while not silent.accepted and time.monotonic() < deadline:
        time.sleep(0.05)
    assert silent.accepted, "the command never connected"
    process.send_signal(getattr(signal, sig))
    _, err = process.communicate(timeout=30)
    assert process.returncode == 130, (process.returncode, err)
    assert err.count("\n") == 1 and err.startswith("error: interrupted"), err
    assert "Traceback" not in err
