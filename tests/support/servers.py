"""The test suite's fake HTTP servers run in a thread and stop without a wait.

``socketserver.BaseServer.serve_forever`` notices ``shutdown()`` only between polls (every 0.5 s
by default, Python 3.11 ``socketserver.py``), and ``shutdown()`` blocks until it does: up to half
a second of nothing per fake server per test. A short poll costs a few microseconds of CPU per
wake-up instead.
"""

from __future__ import annotations

import threading
from socketserver import BaseServer

POLL_INTERVAL = 0.005


def serve_in_thread(server: BaseServer) -> threading.Thread:
    """Start ``server.serve_forever`` in a daemon thread with a short poll; return the thread."""
    thread = threading.Thread(target=server.serve_forever, args=(POLL_INTERVAL,), daemon=True)
    thread.start()
    return thread
