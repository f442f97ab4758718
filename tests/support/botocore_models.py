"""One botocore data loader for the whole test process.

The suite makes thousands of clients; each new botocore session parses the service models it
needs again (rds is about 1 MB of JSON, 130 ms of CPU). :func:`share_models` makes every session
in this process use one loader, so each model is parsed once. Read in botocore 1.35 and boto3
1.35: ``botocore.session.Session._register_data_loader`` registers a lazy ``data_loader``
component built by ``create_loader``; ``boto3.session.Session._setup_loader`` appends boto3's
data folder to that loader's search paths on every session, so the shared loader's paths ignore
an append of a path they hold (never rewritten in place: other threads may be reading them).
"""

from __future__ import annotations

import threading
from typing import Any

_SHARED: dict[str, Any] = {}
_LOCK = threading.Lock()


class _UniquePaths(list[str]):
    def append(self, path: str) -> None:
        with _LOCK:
            if path not in self:
                super().append(path)


def share_models() -> None:
    """Install the shared loader (once per process)."""
    import botocore.session

    if "installed" in _SHARED:
        return

    def register_shared_loader(session: Any) -> None:
        def loader() -> Any:
            with _LOCK:
                if "loader" not in _SHARED:
                    created = botocore.session.create_loader(
                        session.get_config_variable("data_path")
                    )
                    created._search_paths = _UniquePaths(created.search_paths)
                    _SHARED["loader"] = created
            return _SHARED["loader"]

        session._components.lazy_register_component("data_loader", loader)

    _SHARED["installed"] = True
    botocore.session.Session._register_data_loader = register_shared_loader
