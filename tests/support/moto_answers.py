"""Answers moto works out again on every call it answers, worked out once per test process.

The stand-in AWS (the threaded moto server and ``moto.mock_aws``, both in the test process)
spends about a fifth of the suite's CPU turning moto's model objects into responses. Several
answers on that path (and on each ``mock_aws`` start) depend only on things that never change
while the process lives, yet are worked out again every time. Read in moto 5.2.6
(``moto/core/responses.py``, ``errors.py``, ``serialize.py``, ``models.py``,
``moto_server/werkzeug_app.py``), xmltodict 1.0.4 and responses 0.26.3:

* ``BaseResponse.call_action`` asks ``method_names_from_class`` for the names of every function
  of the responses class (``inspect.getmembers``, about 0.3 ms) only to test whether the action
  is one of them. :class:`_FunctionNames` answers that one question directly, exactly as
  ``inspect.getmembers(cls, inspect.isfunction)`` would, and is asked afresh on every call (so
  a method patched in by a test is seen at once).
* ``get_error_model`` builds a new ``ErrorLookupFactory`` per error response, so its per-service
  cache is always empty and the table of every error shape of the service (about 4 ms for rds)
  is built for each error. The table is a function of the service model alone; moto's service
  models are built once (``get_service_model`` is cached), and the table is kept per model
  object, which it keeps alive.
* ``XFormedAttributePicker.get_possible_keys`` instantiates six alias providers for every
  member of every object serialised, to list the attribute names to try. The list is a function
  of the member's key, its shape and the shape's parent (kept alive by the cache), the object's
  class name, and the object's ``Meta.serialization_aliases``; the last is looked up live on each
  call, the rest is remembered. Anything else (other providers, a subclass, a provider that
  fails) goes to moto's own code. For a picker without response transformers,
  ``ResponseSerializer.get_value`` takes the first of those keys the object has, as
  ``AttributePicker.__call__`` does, without the context object moto builds per member (its key
  path only matters to transformers).
* xmltodict checks every element name of every XML response (``_validate_name``); a ``str``
  name that passed once passes again.
* The moto server picks the backend for each request's host by listing moto's own package
  folder (``backends.list_of_moto_modules``: a directory listing and a ``stat`` per entry, about
  1.5 ms a request). The installed moto does not change while the tests run: it is listed once.
* Every ``mock_aws`` start (each test answered in process) registers a ``responses`` stub per
  HTTP method and backend URL pattern, about 1,300 new objects a start, and with them cyclic
  garbage collections over the worker's heap. A stub's only state that changes is the list of
  the calls it answered (``responses`` 0.26.3 ``BaseResponse._calls``): the same stubs are
  registered again, that list emptied, so each start registers stubs equal in every attribute
  to new ones.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

#: Each shortcut as (owner, attribute, moto's own value, the shortcut).
_SHORTCUTS: list[tuple[Any, str, Any, Any]] = []


def share_moto_answers() -> None:
    """Install the shortcuts (once per process)."""
    if _SHORTCUTS:
        return
    _answer_function_names()
    _share_error_tables()
    _remember_possible_keys()
    _remember_valid_names()
    _list_moto_modules_once()
    _reuse_requests_stubs()
    for owner, name, _, shortcut in _SHORTCUTS:
        setattr(owner, name, shortcut)


@contextmanager
def moto_own_answers() -> Iterator[None]:
    """While open, moto and xmltodict work everything out themselves, as without the
    shortcuts (for the tests comparing the two; not thread-safe)."""
    for owner, name, own, _ in _SHORTCUTS:
        setattr(owner, name, own)
    try:
        yield
    finally:
        for owner, name, _, shortcut in _SHORTCUTS:
            setattr(owner, name, shortcut)


class _FunctionNames:
    """``name in`` answers as ``name in method_names_from_class(cls)`` (moto 5.2.6:
    ``[name for name, _ in inspect.getmembers(cls, inspect.isfunction)]``).

    For a class whose metaclass keeps ``type.__dir__``, ``inspect.getmembers`` (CPython 3.11)
    lists the names in the ``__dict__`` of the class or one of its bases, takes each value with
    ``getattr`` and, when that raises AttributeError, the first ``__dict__`` entry along the
    MRO. Any other metaclass goes to moto's own function.
    """

    def __init__(self, cls: type, real: Callable[[type], list[str]]) -> None:
        self._cls = cls
        self._real = real

    def __contains__(self, name: object) -> bool:
        cls = self._cls
        if type(cls).__dir__ is not type.__dir__ or not isinstance(name, str):
            return name in self._real(cls)
        owners = [klass for klass in cls.__mro__ if name in klass.__dict__]
        if not owners:
            return False
        try:
            value = getattr(cls, name)
        except AttributeError:
            value = owners[0].__dict__[name]
        return inspect.isfunction(value)

    def __iter__(self) -> Any:
        return iter(self._real(self._cls))


def _answer_function_names() -> None:
    import moto.core.responses

    real = moto.core.responses.method_names_from_class

    def method_names_from_class(clazz: Any) -> Any:
        if not isinstance(clazz, type):
            return real(clazz)
        return _FunctionNames(clazz, real)

    _SHORTCUTS.append(
        (moto.core.responses, "method_names_from_class", real, method_names_from_class)
    )


def _share_error_tables() -> None:
    from moto.core.errors import ErrorLookupFactory

    real = ErrorLookupFactory.for_service
    tables: dict[int, tuple[Any, Any]] = {}

    def for_service(self: Any, service_model: Any) -> Any:
        known = tables.get(id(service_model))
        if known is None or known[0] is not service_model:
            known = (service_model, real(self, service_model))
            tables[id(service_model)] = known
        return known[1]

    _SHORTCUTS.append((ErrorLookupFactory, "for_service", real, for_service))


_NO_PARENT = object()


def _remember_possible_keys() -> None:
    from botocore import xform_name
    from moto.core import serialize

    picker = serialize.XFormedAttributePicker
    real = picker.get_possible_keys
    real_get_value = serialize.ResponseSerializer.get_value
    providers = tuple(serialize.DEFAULT_ALIAS_PROVIDERS)
    if providers[:1] != (serialize.ExplicitAlias,):
        return  # not the order read: the object's own aliases would not come first
    known: dict[tuple[str, int, int, str], tuple[Any, Any, tuple[str, ...]]] = {}

    def from_shape_and_class(context: Any) -> tuple[str, ...]:
        found: list[str] = []
        for provider in providers[1:]:
            alias_provider = provider(context)
            if alias_provider.has_alias(context.key):
                alias = alias_provider.get_alias(context.key)
                found += (alias, xform_name(alias))
        return tuple(found)

    def possible_keys(obj: Any, key: str, shape: Any, context: Any) -> tuple[str, ...] | None:
        """The keys moto's picker tries, None where only moto's own generator can tell;
        ``context`` (or a function making it) is what moto's alias providers read."""
        parent = getattr(shape, "parent", _NO_PARENT)
        index = (key, id(shape), id(parent), obj.__class__.__name__)
        remembered = known.get(index)
        if remembered is None or remembered[0] is not shape or remembered[1] is not parent:
            context = context() if callable(context) else context
            try:
                remembered = (shape, parent, from_shape_and_class(context))
            except Exception:
                return None  # moto's generator fails (or not) where it did
            known[index] = remembered
        if hasattr(obj, "Meta"):
            context = context() if callable(context) else context
            explicit = serialize.ExplicitAlias(context)
            if explicit.has_alias(key):
                alias = explicit.get_alias(key)
                return (alias, xform_name(alias), *remembered[2])
        return remembered[2]

    def plain(value_picker: Any) -> bool:
        return type(value_picker) is picker and tuple(value_picker.alias_providers) == providers

    def get_possible_keys(self: Any, context: Any) -> Iterable[str]:
        if not plain(self):
            return real(self, context)
        keys = possible_keys(context.obj, context.key, context.shape, context)
        return real(self, context) if keys is None else keys

    def get_value(self: Any, value: Any, key: str, shape: Any) -> Any:
        # AttributePicker.__call__ without response transformers: the first key tried that the
        # object has, else None (the picker's context only names the transformers' key path).
        if not plain(self._value_picker) or self._value_picker.response_transformers:
            return real_get_value(self, value, key, shape)
        keys = possible_keys(
            value,
            key,
            shape,
            lambda: serialize.AttributePickerContext(obj=value, key=key, shape=shape),
        )
        if keys is None:
            return real_get_value(self, value, key, shape)
        for possible_key in keys:
            found = serialize.get_value(value, possible_key, serialize.MISSING)
            if found is not serialize.MISSING:
                return found
        return None

    _SHORTCUTS.append((picker, "get_possible_keys", real, get_possible_keys))
    if picker.__call__ is serialize.AttributePicker.__call__:
        _SHORTCUTS.append((serialize.ResponseSerializer, "get_value", real_get_value, get_value))


def _remember_valid_names() -> None:
    import xmltodict

    real = xmltodict._validate_name
    valid: set[str] = set()

    def validate_name(value: Any, kind: str) -> None:
        if type(value) is str and value in valid:
            return
        real(value, kind)
        if type(value) is str:
            valid.add(value)

    _SHORTCUTS.append((xmltodict, "_validate_name", real, validate_name))


def _list_moto_modules_once() -> None:
    from moto import backends

    real = backends.list_of_moto_modules
    listed: list[tuple[str, ...]] = []

    def list_of_moto_modules() -> Iterable[str]:
        if not listed:
            listed.append(tuple(real()))
        return listed[0]

    _SHORTCUTS.append((backends, "list_of_moto_modules", real, list_of_moto_modules))


def _reuse_requests_stubs() -> None:
    import re

    from moto.core import models

    real = models.CallbackResponse
    made: dict[tuple[str, Any, Any], Any] = {}

    def callback_response(*args: Any, **kwargs: Any) -> Any:
        method, url, callback = kwargs.get("method"), kwargs.get("url"), kwargs.get("callback")
        if args or len(kwargs) != 3 or not isinstance(url, re.Pattern | str):
            return real(*args, **kwargs)
        key = (method, url if isinstance(url, str) else (url.pattern, url.flags), callback)
        stub = made.get(key)
        if stub is None:
            stub = made[key] = real(method=method, url=url, callback=callback)
        else:
            stub._calls.reset()
        return stub

    _SHORTCUTS.append((models, "CallbackResponse", real, callback_response))
