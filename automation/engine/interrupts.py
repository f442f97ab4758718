"""Clean interrupts of a running Pulumi operation: SIGINT and SIGTERM forwarded, then waited for.

The Automation API (pulumi 3.x, ``pulumi/automation/_cmd.py::PulumiCommand.run``) starts the CLI
with ``subprocess.Popen`` in our process group and waits in ``with Popen(...)``. On Ctrl-C,
``Popen.__exit__`` waits only 0.25 s for the child (CPython issue 25942) and the CLI is orphaned
mid-update: a stale stack lock and pending operations. On SIGTERM the CLI is not told at all.

:class:`ForwardingCommand` runs the CLI exactly as ``PulumiCommand.run`` does, but in a session
of its own (the terminal's Ctrl-C reaches only us, so Pulumi gets one SIGINT, not two) and keeps
the process. While :func:`forwarding_signals` is active, the first SIGINT or SIGTERM is sent on
to the CLI as SIGINT, which makes Pulumi cancel gracefully (finish in-flight resource operations,
write the checkpoint, release the lock); the command waits for it and then raises
``KeyboardInterrupt``. A second signal is forwarded too: Pulumi then stops at once.

Each CLI run, every line it prints and its exit code are also logged at DEBUG level
(``automation.pulumi``), which ``--debug`` shows, redacted.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shlex
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

_log = logging.getLogger("automation.pulumi")


class ForwardingCommand:
    """A ``PulumiCommand`` (same ``command``, ``version`` and ``run``) whose CLI processes can be
    sent a signal; wraps the SDK's command found or installed."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner
        self.command: str = inner.command
        self.version = inner.version
        self._live: set[subprocess.Popen[str]] = set()
        self._guard = threading.Lock()

    def forward(self, signum: int) -> int:
        """Send ``signum`` to every running CLI process; how many there were."""
        with self._guard:
            live = [p for p in self._live if p.poll() is None]
        for process in live:
            with contextlib.suppress(ProcessLookupError):  # it ended meanwhile
                process.send_signal(signum)
        return len(live)

    def run(
        self,
        args: list[str],
        cwd: str,
        additional_env: Mapping[str, str],
        on_output: Callable[[str], None] | None = None,
        on_error: Callable[[str], None] | None = None,
    ) -> Any:
        """``PulumiCommand.run`` of pulumi 3.x, with the CLI in its own session and recorded."""
        from pulumi.automation._cmd import CommandResult, _fixup_path
        from pulumi.automation.errors import create_command_error

        separator = args.index("--") if "--" in args else len(args)
        if "--non-interactive" not in args[:separator]:
            args.insert(0, "--non-interactive")
        env = {**os.environ, **additional_env, "PULUMI_AUTOMATION_API": "true"}
        if os.path.isabs(self.command):
            env = _fixup_path(env, os.path.dirname(self.command))
        chunks: dict[str, list[str]] = {"out": [], "err": []}

        def consume(stream: Any, callback: Callable[[str], None] | None, into: list[str]) -> None:
            for line in iter(stream.readline, ""):
                stripped = line.rstrip()
                _log.debug("%s", stripped)
                if callback:
                    callback(stripped)
                into.append(stripped)
            stream.close()

        _log.debug("pulumi %s", shlex.join(args))
        started = time.monotonic()
        process = subprocess.Popen(  # noqa: S603 - the Pulumi CLI, as the SDK runs it
            [self.command, *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=cwd,
            env=env,
            encoding="utf-8",
            start_new_session=True,
        )
        with self._guard:
            self._live.add(process)
        try:
            readers = [
                threading.Thread(target=consume, args=(process.stdout, on_output, chunks["out"])),
                threading.Thread(target=consume, args=(process.stderr, on_error, chunks["err"])),
            ]
            for reader in readers:
                reader.start()
            for reader in readers:
                reader.join()
            code = process.wait()
            took = time.monotonic() - started
            name = next((arg for arg in args if not arg.startswith("-")), "")
            _log.debug("pulumi %s: exit code %d in %.1f s", name, code, took)
        finally:
            with self._guard:
                self._live.discard(process)
        result = CommandResult(
            stderr="\n".join(chunks["err"]), stdout="\n".join(chunks["out"]), code=code
        )
        if code != 0:
            raise create_command_error(result)
        return result


@contextmanager
def forwarding_signals(
    command: ForwardingCommand | None, notify: Callable[[str], None]
) -> Iterator[None]:
    """Forward SIGINT/SIGTERM to ``command``'s CLI while the block runs, wait for the block, then
    raise ``KeyboardInterrupt`` (whatever the cancelled operation raised). Only in the main
    thread (where Python delivers signals) and only with a forwarding command."""
    if command is None or threading.current_thread() is not threading.main_thread():
        yield
        return
    received: list[int] = []

    def handler(signum: int, frame: object) -> None:
        received.append(signum)
        forwarded = command.forward(signal.SIGINT)
        if len(received) == 1:
            notify(
                f"{signal.Signals(signum).name} received: Pulumi is cancelling the operation "
                f"cleanly ({forwarded} process(es)); waiting for it. Interrupt again to stop "
                "it at once (leaves pending operations)"
            )

    previous = {s: signal.signal(s, handler) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    except Exception:
        if received:
            raise KeyboardInterrupt from None
        raise
    finally:
        for signum, old in previous.items():
            signal.signal(signum, old)
    if received:
        raise KeyboardInterrupt
