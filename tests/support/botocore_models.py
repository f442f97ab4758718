"""One botocore data loader, and answers that depend on nothing per client, for the whole
test process.

The suite makes thousands of clients (the product makes one session per client, and every CLI
invocation makes its own). Each new botocore session parses the service models it needs again
(rds is about 1 MB of JSON, 130 ms of CPU). :func:`share_models` makes every session in this
process use one loader, so each model is parsed once. Read in botocore 1.35 and boto3 1.35:
``botocore.session.Session._register_data_loader`` registers a lazy ``data_loader`` component
built by ``create_loader``; ``boto3.session.Session._setup_loader`` appends boto3's data folder
to that loader's search paths on every session, so the shared loader's paths ignore an append of
a path they hold (never rewritten in place: other threads may be reading them).

Two more answers are worked out again for every client and shared here, read in botocore 1.44
``botocore/hooks.py`` (together about a third of the CPU of making a client):

* ``EventAliaser._alias_event_name`` translates each event name a client registers or emits
  through botocore's ``EVENT_ALIASES`` and caches the answer on the aliaser; every session, and
  every client (which copies its session's emitter), starts with an empty cache. The answer
  depends on the name and the aliases only, so aliasers with botocore's own aliases share one.
* ``_verify_accept_kwargs`` runs ``inspect.getfullargspec`` on each handler registered (about
  150 per client, most of them botocore's own functions and methods). The answer for a function
  is kept while the function lives.
"""

from __future__ import annotations

import threading
import types
import weakref
from collections.abc import Callable
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
    _share_event_aliases()
    _remember_kwargs_checks()


def _share_event_aliases() -> None:
    import botocore.hooks

    shared: dict[str, str] = {}
    init = botocore.hooks.EventAliaser.__init__

    def init_sharing(self: Any, event_emitter: Any, event_aliases: Any = None) -> None:
        init(self, event_emitter, event_aliases)
        if self._event_aliases == botocore.hooks.EVENT_ALIASES:
            self._alias_name_cache = shared

    botocore.hooks.EventAliaser.__init__ = init_sharing  # type: ignore[method-assign]


def _remember_kwargs_checks() -> None:
    import botocore.hooks

    real: Callable[[Any], Any] = botocore.hooks.accepts_kwargs
    known: weakref.WeakKeyDictionary[Any, Any] = weakref.WeakKeyDictionary()

    def accepts_kwargs(func: Any) -> Any:
        # A bound method takes keyword arguments when its function does.
        plain = func.__func__ if isinstance(func, types.MethodType) else func
        if not isinstance(plain, types.FunctionType):
            return real(func)
        if plain not in known:
            known[plain] = real(plain)
        return known[plain]

    botocore.hooks.accepts_kwargs = accepts_kwargs
