"""One botocore data loader, and answers that depend on nothing per client, for the whole
test process.

The suite makes thousands of clients (every CLI invocation, and every test, makes its own
sessions). Each new botocore session parses the service models it needs again
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
  is kept while the function lives; for a function without attributes of its own (no
  ``__signature__``), per code object, as every closure of one ``def`` (boto3's ``lazy_call``
  handlers, made per session) has the same ``**kwargs``; for any other callable, per object.

One more, read in botocore 1.44 ``botocore/client.py``: ``ClientCreator._create_methods`` makes
a new function per operation for every client (rds has about 190; a fifth of the CPU of a
client made from a new session). Each function only passes its operation's name on to
``self._make_api_call`` and carries a lazily rendered docstring; they are a function of the
service's name and its loaded model (one object per service and API version, from the shared
loader, kept alive here), so clients of any session share them. Each client class still gets
a dict of its own (``creating-client-class`` handlers add to it) and is made as before. The
client exceptions are not shared: botocore makes them per session, and code catching one
client's exception class around another client's call only works if they are.

Likewise ``ClientCreator._load_service_model`` wraps the loaded model in a new ``ServiceModel``
for every client, so each client resolves its shapes and operation models again (with their
cached properties: members, the endpoint discovery operation found by walking every operation,
the parsers' per-shape answers). A ``ServiceModel`` is a function of the service's name, the API
version asked for and the loaded model; clients of any session share one. botocore lets a
caller change a model's signature version, so a model whose version is no longer the declared
one is not handed out again. (botocore's s3 handlers rewrite an operation's ``http`` in place
on its first call, already shared through the loaded model, as between the clients of one
session.)

Then botocore's response parsers read every timestamp with ``parse_timestamp`` (botocore 1.44
``utils.py``: ``dateutil.parser.parse`` for a text one, about 35 microseconds). Its answer
depends on the text, the local time zone (``time.tzname``, ``timezone``, ``altzone``,
``daylight``: a zone matching the local one, and an epoch number, come back in ``tzlocal()``)
and, for a text without a date, today's date (dateutil's default); with all of them as the key,
the answer (an immutable datetime) is kept for the next response carrying the same text.

Last, a session's client exceptions (``errorfactory.py``): on the first error a client of a new
session sees, botocore makes an exception class for every error shape of the service (176 for
rds, 1.7 ms) although a test catches one or two. :class:`_LazyExceptions` makes each class when
it is first asked for (by ``from_code`` on an error, or by name), of the same name and base, once
per session as before; ``_code_to_exception`` (and an unknown name's error, which lists it) makes
them all, in botocore's order.

And every client copies its session's event handlers (``hooks.py``: ``_PrefixTrie.__copy__``
copies every node of the trie, about 0.5 ms) to add twenty-odd of its own. The tries here share
their nodes after a copy and copy a node only when they first change it (the root and the path
to the changed key, on either side): each trie holds the same handlers in the same order as a
full copy would, and a change to one never shows in another. A trie made before this was
installed keeps botocore's way.
"""

from __future__ import annotations

import contextlib
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
    _share_client_methods()
    _share_service_models()
    _remember_timestamps()
    _make_exceptions_when_asked()
    _copy_handler_tries_on_write()


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

    by_code: dict[types.CodeType, Any] = {}
    by_object: dict[int, tuple[Any, Any]] = {}

    def accepts_kwargs(func: Any) -> Any:
        # A bound method takes keyword arguments when its function does.
        plain = func.__func__ if isinstance(func, types.MethodType) else func
        if isinstance(plain, types.FunctionType):
            if not plain.__dict__:
                # No __signature__ or other attribute: CPython 3.11's getfullargspec reads
                # **kwargs off the code alone, which every closure of one def shares.
                if plain.__code__ not in by_code:
                    by_code[plain.__code__] = real(plain)
                return by_code[plain.__code__]
            if plain not in known:
                known[plain] = real(plain)
            return known[plain]
        # Any other callable (botocore's ClientMethodAlias handlers, moto's stubber): the answer
        # for that very object, while it lives.
        entry = by_object.get(id(func))
        if entry is not None and entry[0]() is func:
            return entry[1]
        answer = real(func)
        key = id(func)
        with contextlib.suppress(TypeError):  # not weakly referable: asked again next time
            # The entry goes when the object does, before its id can be given to another.
            by_object[key] = (weakref.ref(func, lambda _: by_object.pop(key, None)), answer)
        return answer

    _SHARED["botocore_accepts_kwargs"] = real
    botocore.hooks.accepts_kwargs = accepts_kwargs


def _share_client_methods() -> None:
    import botocore.client

    real = botocore.client.ClientCreator._create_methods
    _SHARED["botocore_create_methods"] = real
    made: dict[tuple[str, int], tuple[Any, dict[str, Any]]] = {}

    def create_methods(self: Any, service_model: Any) -> dict[str, Any]:
        model = service_model._service_description
        key = (service_model.service_name, id(model))
        known = made.get(key)
        if known is None or known[0] is not model:
            known = (model, real(self, service_model))
            made[key] = known
        return dict(known[1])

    botocore.client.ClientCreator._create_methods = create_methods  # type: ignore[method-assign]


def _share_service_models() -> None:
    import botocore.client
    import botocore.model

    real = botocore.client.ClientCreator._load_service_model
    _SHARED["botocore_load_service_model"] = real
    made: dict[tuple[str, Any, int], Any] = {}

    def as_loaded(model: Any) -> bool:
        # botocore lets a caller set a model's signature version; such a model is not shared.
        declared = model.metadata.get("signatureVersion")
        return model._signature_version in (botocore.model.NOT_SET, declared)

    def load_service_model(self: Any, service_name: str, api_version: Any = None) -> Any:
        description = self._loader.load_service_model(
            service_name, "service-2", api_version=api_version
        )
        key = (service_name, api_version, id(description))
        known = made.get(key)
        if known is None or known._service_description is not description or not as_loaded(known):
            known = real(self, service_name, api_version)
            if known._service_description is not description:
                return known  # a loader that does not cache: nothing to share
            made[key] = known
        return known

    botocore.client.ClientCreator._load_service_model = load_service_model  # type: ignore[method-assign]


def _remember_timestamps() -> None:
    import datetime
    import functools
    import time

    import botocore.parsers

    real = botocore.parsers.DEFAULT_TIMESTAMP_PARSER
    _SHARED["botocore_timestamp_parser"] = real

    @functools.lru_cache(maxsize=4096)
    def parse(value: str, *_: Any) -> Any:
        return real(value)

    def parse_timestamp(value: Any) -> Any:
        if type(value) is not str:
            return real(value)
        zone = (time.tzname, time.timezone, time.altzone, time.daylight)
        return parse(value, zone, datetime.date.today())

    botocore.parsers.DEFAULT_TIMESTAMP_PARSER = parse_timestamp


#: The module botocore's exception classes name as theirs (in a traceback, say).
_ERRORFACTORY = "botocore.errorfactory"


class _LazyExceptions:
    """Stands in for the ``BaseClientExceptions`` subclass botocore 1.44 makes per service."""

    def __init__(self, names: list[str], codes: dict[str, str]) -> None:
        self._names = names  # every error shape's name, in the model's order
        self._codes = codes  # each name's error code
        self._by_code = {code: name for name, code in codes.items()}  # the last name wins
        self._made: dict[str, Any] = {}

    def _exception(self, name: str) -> Any:
        from botocore.exceptions import ClientError

        if name not in self._made:
            self._made[name] = type(name, (ClientError,), {"__module__": _ERRORFACTORY})
        return self._made[name]

    @property
    def _code_to_exception(self) -> dict[str, Any]:
        everything: dict[str, Any] = {}
        for name in self._names:
            everything[self._codes[name]] = self._exception(name)
        return everything

    def from_code(self, error_code: Any) -> Any:
        name = self._by_code.get(error_code)
        return self.ClientError if name is None else self._exception(name)  # type: ignore[attr-defined]

    def __getattr__(self, name: str) -> Any:
        if name in ("_names", "_codes", "_by_code", "_made"):
            raise AttributeError(name)  # not set up yet (a copy being made)
        if name.startswith("_") or name not in self._codes:
            return super().__getattr__(name)  # type: ignore[misc]
        return self._exception(name)

    def __dir__(self) -> list[str]:
        return sorted({*super().__dir__(), *self._names})


def _make_exceptions_when_asked() -> None:
    from botocore import errorfactory
    from botocore.utils import get_service_module_name

    real = errorfactory.ClientExceptionsFactory._create_client_exceptions
    _SHARED["botocore_create_client_exceptions"] = real
    lazy = type("LazyClientExceptions", (_LazyExceptions, errorfactory.BaseClientExceptions), {})
    taken = set(dir(lazy))

    def create_client_exceptions(self: Any, service_model: Any) -> Any:
        names = [str(shape.name) for shape in service_model.error_shapes]
        codes = {str(s.name): str(s.error_code) for s in service_model.error_shapes}
        if taken & set(names) or len(codes) != len(names):
            return real(self, service_model)  # a shape named like an attribute: botocore's way
        name = str(get_service_module_name(service_model) + "Exceptions")
        return type(name, (lazy,), {"__module__": _ERRORFACTORY})(names, codes)

    errorfactory.ClientExceptionsFactory._create_client_exceptions = create_client_exceptions  # type: ignore[method-assign]


def _copy_handler_tries_on_write() -> None:
    from botocore import hooks

    trie = hooks._PrefixTrie
    real = {name: vars(trie)[name] for name in ("__copy__", "append_item", "remove_item")}
    _SHARED["botocore_trie"] = real

    def own(owned: dict[int, Any], node: Any) -> Any:
        """``node``, or a copy of it this trie alone holds (children linked, not copied)."""
        if owned.get(id(node)) is node:
            return node
        values = node["values"]
        if values is not None:
            values = hooks.NodeList(values.first[:], values.middle[:], values.last[:])
        mine = {"chunk": node["chunk"], "values": values, "children": dict(node["children"])}
        owned[id(mine)] = mine
        return mine

    def own_path(self: Any, key: str, *, grow: bool) -> Any:
        owned = self.__dict__["_owned"]
        node = self._root = own(owned, self._root)
        for part in key.split("."):
            child = node["children"].get(part)
            if child is None:
                if not grow:
                    return None
                child = {"chunk": part, "values": None, "children": {}}
                owned[id(child)] = child
            node["children"][part] = child = own(owned, child)
            node = child
        return node

    def append_item(self: Any, key: str, value: Any, section: int = hooks._MIDDLE) -> None:
        if "_owned" not in self.__dict__:
            return real["append_item"](self, key, value, section)  # type: ignore[no-any-return]
        node = own_path(self, key, grow=True)
        if node["values"] is None:
            node["values"] = hooks.NodeList([], [], [])
        node["values"][section].append(value)
        return None

    def remove_item(self: Any, key: str, value: Any) -> None:
        if "_owned" in self.__dict__:
            own_path(self, key, grow=False)  # botocore's removal then changes only this path
        real["remove_item"](self, key, value)

    def copy_trie(self: Any) -> Any:
        copied = self.__class__()
        copied.__dict__ = dict(self.__dict__)
        copied.__dict__["_owned"] = {}
        self.__dict__["_owned"] = {}  # every node is shared now
        return copied

    trie.__copy__ = copy_trie  # type: ignore[method-assign]
    trie.append_item = append_item  # type: ignore[method-assign]
    trie.remove_item = remove_item  # type: ignore[method-assign]
