"""The test harness's shortcuts through moto (tests/support/moto_answers.py) and botocore
(tests/support/botocore_models.py) give the answers moto and botocore give without them: the
same bytes for every response of a restore run, clients calling the same operations, and the
same answer for every question they remember, asked in an order that catches a wrongly keyed
cache."""

from __future__ import annotations

import inspect
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import boto3
import pytest
from botocore.exceptions import ClientError

from sccos_backup.restore.plan import Strategy
from sccos_backup.restore.source import SourceChoice
from tests.conftest import REGION, FakeClock
from tests.support.moto_answers import moto_own_answers
from tests.support.world import World, assert_restored

pytestmark = pytest.mark.aws_in_process


@pytest.fixture
def compared() -> Iterator[list[str]]:
    """Every response moto serialises is serialised again without the shortcuts, and the two
    must be the same bytes; yields the operations compared. moto 5.2.6 reads the clock while
    serialising (an RDS instance's LatestRestorableTime): it stands still for both."""
    import moto.rds.models
    from moto.core.responses import ActionResult

    real = ActionResult.execute_result
    clock = moto.rds.models.utcnow
    seen: list[str] = []

    def execute_result(self: Any, context: Any) -> Any:
        now = clock()
        moto.rds.models.utcnow = lambda: now
        try:
            answered = real(self, context)
            with moto_own_answers():
                own = real(self, context)
        finally:
            moto.rds.models.utcnow = clock
        assert answered == own, context.operation_model.name
        seen.append(f"{context.service_model.service_name} {context.operation_model.name}")
        return answered

    ActionResult.execute_result = execute_result  # type: ignore[method-assign]
    try:
        yield seen
    finally:
        ActionResult.execute_result = real  # type: ignore[method-assign]


@pytest.mark.parametrize("strategy", list(Strategy))
def test_a_restore_run_gets_the_responses_moto_gives_without_the_shortcuts(
    compared: list[str],
    moto: str,
    rds: Any,
    original: dict[str, Any],
    tmp_path: Path,
    strategy: Strategy,
) -> None:
    world = World(moto, tmp_path / "state", FakeClock())
    plan = world.plan(strategy, SourceChoice(snapshot="shop-nightly"))
    world.runbook.start(plan)
    assert_restored(rds, original, plan)
    for refused in (
        lambda: rds.describe_db_instances(DBInstanceIdentifier="nothing"),
        lambda: rds.create_db_snapshot(DBInstanceIdentifier="shop", DBSnapshotIdentifier="x!"),
        lambda: rds.delete_db_snapshot(DBSnapshotIdentifier="nothing"),
    ):
        with pytest.raises(ClientError):
            refused()
    others = {
        name: boto3.client(name, region_name=REGION, endpoint_url=moto)
        for name in ("s3", "kms", "codepipeline", "cloudwatch", "iam", "ec2", "sts")
    }
    others["s3"].create_bucket(
        Bucket="state", CreateBucketConfiguration={"LocationConstraint": REGION}
    )
    others["s3"].list_buckets()
    others["kms"].create_key(Description="state")
    others["cloudwatch"].describe_alarms()
    others["iam"].list_roles()
    others["ec2"].describe_vpcs()
    others["sts"].get_caller_identity()
    with pytest.raises(ClientError):
        others["codepipeline"].get_pipeline(name="nothing")
    assert {"rds RestoreDBInstanceFromDBSnapshot", "rds DescribeDBInstances"} <= set(compared)
    assert {"sts GetCallerIdentity", "codepipeline GetPipeline", "iam ListRoles"} <= set(compared)


def _members(shape: Any, seen: set[int]) -> Iterator[tuple[str, Any, Any]]:
    """Every (key, member shape, parent) below ``shape``, parents set as moto's serialiser
    sets them."""
    if id(shape) in seen:
        return
    seen.add(id(shape))
    if shape.type_name == "structure":
        for key, member in shape.members.items():
            member.parent = shape
            yield key, member, shape
            yield from _members(member, seen)
    elif shape.type_name == "list":
        yield from _members(shape.member, seen)


def test_the_keys_tried_for_each_member_are_moto_s_own_whatever_the_order_asked() -> None:
    from moto.core.serialize import AttributePickerContext, XFormedAttributePicker
    from moto.core.utils import get_service_model

    rds = get_service_model("rds")
    members: list[tuple[str, Any, Any]] = []
    for name in ("DescribeDBInstances", "DescribeDBSnapshots", "CreateDBParameterGroup"):
        members += _members(rds.operation_model(name).output_shape, set())

    class DBInstance:
        pass

    class DBSnapshot:
        pass

    def aliased(aliases: dict[str, str]) -> Any:
        class Aliased:
            class Meta:
                serialization_aliases = aliases

        return Aliased()

    # The two aliased objects' classes have one name, not one Meta.
    objects = [
        {},
        DBInstance(),
        DBSnapshot(),
        aliased({"DBInstanceIdentifier": "name", "Status": "state"}),
        aliased({"DBInstanceIdentifier": "other"}),
    ]
    picker = XFormedAttributePicker()
    # Each member with each kind of object, then the same again with the objects reversed: a
    # cache keyed without the class, the shape or its parent answers the second from the first.
    for batch in (objects, objects[::-1]):
        for key, shape, _ in members:
            for obj in batch:
                context = AttributePickerContext(obj=obj, key=key, shape=shape)
                remembered = list(picker.get_possible_keys(context))
                with moto_own_answers():
                    own = list(picker.get_possible_keys(context))
                assert remembered == own, (key, shape.name, type(obj).__name__)
    # One member shape given another parent: the keys tried change with it.
    parents = {parent.name: parent for _, _, parent in members}
    shape = parents["DBInstance"].members["DBInstanceIdentifier"]
    answers = {}
    for parent in ("DBInstance", "DBSnapshot", "DBInstance"):
        shape.parent = parents[parent]
        context = AttributePickerContext(obj={}, key="DBInstanceIdentifier", shape=shape)
        answers[parent] = list(picker.get_possible_keys(context))
        with moto_own_answers():
            assert answers[parent] == list(picker.get_possible_keys(context)), parent
    assert answers["DBInstance"] != answers["DBSnapshot"], answers
    # Another shape under the same key and parent: the keys tried change with it too.
    snapshot = parents["DBSnapshot"]
    had = vars(snapshot).get("parent")
    snapshot.parent = parents["DBInstance"]
    context = AttributePickerContext(obj={}, key="DBInstanceIdentifier", shape=snapshot)
    other_shape = list(picker.get_possible_keys(context))
    with moto_own_answers():
        assert other_shape == list(picker.get_possible_keys(context))
    assert other_shape != answers["DBInstance"]
    if had is None:
        del snapshot.parent
    else:
        snapshot.parent = had


def test_the_value_serialised_for_each_member_is_the_one_moto_picks() -> None:
    from moto.core.serialize import QuerySerializer, XFormedAttributePicker
    from moto.core.utils import get_service_model

    operation = get_service_model("rds").operation_model("DescribeDBInstances")
    members = list(_members(operation.output_shape, set()))

    class DBInstance:
        def __init__(self) -> None:
            self.db_instance_identifier = "by its own name"
            self.identifier = "by the name without the class"
            self.DBInstanceStatus = "as in the model"
            self.engine = None

    class Aliased:
        class Meta:
            serialization_aliases: ClassVar = {"DBInstanceIdentifier": "name", "Engine": "kind"}

        name = "by its alias"
        kind = "aliased"
        db_instance_identifier = "not this one"

    objects = [DBInstance(), Aliased(), {"DBInstanceIdentifier": "in a dict", "Engine": 0}]
    plain = QuerySerializer(operation, value_picker=XFormedAttributePicker())
    transforming = QuerySerializer(
        operation,
        value_picker=XFormedAttributePicker(response_transformers={"Engine": repr}),
    )
    picked = 0
    for serializer in (plain, transforming):
        for key, shape, _ in members:
            for obj in objects:
                value = serializer.get_value(obj, key, shape)
                with moto_own_answers():
                    assert value == serializer.get_value(obj, key, shape), (key, obj)
                picked += value is not None
    assert picked > 6


def test_whether_a_responses_class_answers_an_action_is_what_inspect_says() -> None:
    from moto.core.responses import method_names_from_class
    from moto.core.utils import method_names_from_class as own
    from moto.rds.responses import RDSResponse
    from moto.s3.responses import S3Response
    from moto.sts.responses import TokenResponse

    class Odd(RDSResponse):
        plain = 1
        static = staticmethod(lambda: None)
        klass = classmethod(lambda cls: None)

        @property
        def fails(self) -> None:
            raise AttributeError("no")

        def describe_db_instances(self) -> Any:  # an override
            return super().describe_db_instances()

    for cls in (RDSResponse, S3Response, TokenResponse, Odd):
        names = {name for klass in cls.__mro__ for name in vars(klass)}
        names |= {"nothing_like_it", "__init__", "__class__", "mro"}
        answer = method_names_from_class(cls)
        real = set(own(cls))
        assert {name for name in names if name in answer} == real & names, cls
    answer = method_names_from_class(Odd)
    assert "added_later" not in answer
    Odd.added_later = lambda self: None  # type: ignore[attr-defined]
    assert "added_later" in answer and "added_later" in own(Odd)


def test_each_service_s_error_table_is_its_own_and_moto_s() -> None:
    from moto.core.errors import ErrorLookupFactory
    from moto.core.utils import get_service_model

    models = [get_service_model(name) for name in ("rds", "s3", "rds", "iam")]
    for model in models:
        table = ErrorLookupFactory().for_service(model)
        own = ErrorLookupFactory._create_error_lut(model)
        for shape in model.error_shapes:
            for code in {shape.name, shape.error_code}:
                found = table.from_code(code)
                assert found is not None and own.from_code(code) is not None
                assert found.name == own.from_code(code).name == shape.name  # type: ignore[union-attr]
    s3 = ErrorLookupFactory().for_service(models[1])
    assert s3.from_code("DBInstanceNotFound") is None and s3.from_code("NoSuchBucket")


def test_an_xml_name_is_refused_after_others_passed() -> None:
    import xmltodict

    xmltodict.unparse({"Ok": {"Name": "x"}})
    for bad in ("Bad Name", "a<b", "?x"):
        with pytest.raises(ValueError):
            xmltodict.unparse({"Ok": {bad: "x"}})
        with pytest.raises(ValueError):
            xmltodict.unparse({"Ok": {bad: "x"}})
    assert inspect.isfunction(xmltodict._validate_name)


def test_moto_s_modules_are_the_ones_installed() -> None:
    from moto import backends

    remembered = backends.list_of_moto_modules()
    with moto_own_answers():
        listed = list(backends.list_of_moto_modules())
    assert list(remembered) == listed and "rds" in listed and "core" in listed


def _stubs() -> list[dict[str, Any]]:
    """What the stubs of a mock_aws just started hold, their answered calls as a count."""
    from moto import mock_aws
    from moto.core.models import responses_mock

    with mock_aws():
        stubs = list(responses_mock._registry.registered)
    return [{**vars(stub), "_calls": len(stub._calls), "type": type(stub)} for stub in stubs]


def test_each_mock_aws_start_registers_stubs_like_new_ones() -> None:
    from moto import mock_aws
    from moto.core.models import responses_mock

    with moto_own_answers():
        own = _stubs()
    with mock_aws():
        answered = responses_mock._registry.registered[0]
        answered._calls.add(None, None)  # as when it answers a request made with requests
    reused = _stubs()
    assert reused == own and len(own) > 1000


class _Caller:
    """Stands in for a client: records what a client method asks botocore to call."""

    def _make_api_call(self, operation: str, params: dict[str, Any]) -> tuple[str, Any]:
        return operation, params


def _calls(client_class: type, names: Iterator[str] | list[str]) -> dict[str, Any]:
    calls: dict[str, Any] = {}
    for name in names:
        method = getattr(client_class, name)
        with pytest.raises(TypeError, match=rf"^{name}\(\) only accepts keyword arguments"):
            method(_Caller(), 1)
        calls[name] = (method.__name__, method(_Caller(), Key=name))
    return calls


def test_clients_of_new_sessions_call_the_operations_botocore_s_own_methods_call(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import botocore.client
    from botocore.model import ServiceModel

    from tests.support.botocore_models import _SHARED

    services = ("rds", "s3", "rds", "sts", "codepipeline", "s3")
    shared = [boto3.Session(region_name=REGION).client(name) for name in services]
    with monkeypatch.context() as own_methods:
        own_methods.setattr(
            botocore.client.ClientCreator, "_create_methods", _SHARED["botocore_create_methods"]
        )
        own = [boto3.Session(region_name=REGION).client(name) for name in services]
    for mine, theirs in zip(shared, own, strict=True):
        names = sorted(theirs.meta.method_to_api_mapping)
        assert sorted(mine.meta.method_to_api_mapping) == names
        assert _calls(type(mine), names) == _calls(type(theirs), names)
        assert (
            type(mine) is not type(theirs) and vars(type(mine)).keys() == vars(type(theirs)).keys()
        )
    assert str(type(shared[0]).describe_db_instances.__doc__) == str(
        type(own[0]).describe_db_instances.__doc__
    )
    # Another model under the same service name (another API version, say) has its own methods.
    full = shared[0].meta.service_model
    fewer = dict(full._service_description)
    fewer["operations"] = {"DescribeDBInstances": fewer["operations"]["DescribeDBInstances"]}
    creator = botocore.client.ClientCreator(None, None, None, None, None, None)
    assert list(creator._create_methods(ServiceModel(fewer, "rds"))) == ["describe_db_instances"]
    assert len(creator._create_methods(full)) == len(full.operation_names) > 100


def _answers(client: Any) -> list[Any]:
    """What a client makes of moto's answers to a restore's reads, and of a refusal."""
    answers: list[Any] = [
        client.describe_db_instances()["DBInstances"],
        client.describe_db_snapshots(DBInstanceIdentifier="shop")["DBSnapshots"],
        client.list_tags_for_resource(
            ResourceName=client.describe_db_instances()["DBInstances"][0]["DBInstanceArn"]
        ),
    ]
    try:
        client.describe_db_instances(DBInstanceIdentifier="nothing")
    except ClientError as refused:
        answers.append(refused.response)
    for answer in answers:
        if isinstance(answer, dict):
            answer.pop("ResponseMetadata", None)
    return answers


def test_clients_sharing_a_service_model_read_answers_as_clients_with_their_own(
    moto: str, original: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    import botocore.client
    from moto.rds import models

    from tests.support.botocore_models import _SHARED

    now = models.utcnow()
    monkeypatch.setattr(models, "utcnow", lambda: now)
    shared = [boto3.Session(region_name=REGION).client("rds", endpoint_url=moto) for _ in "ab"]
    assert shared[0].meta.service_model is shared[1].meta.service_model
    with monkeypatch.context() as own_models:
        own_models.setattr(
            botocore.client.ClientCreator,
            "_load_service_model",
            _SHARED["botocore_load_service_model"],
        )
        own = boto3.Session(region_name=REGION).client("rds", endpoint_url=moto)
    assert own.meta.service_model is not shared[0].meta.service_model
    assert _answers(shared[0]) == _answers(own) == _answers(shared[1])


def test_a_service_model_changed_by_its_client_or_of_another_api_version_is_not_shared() -> None:
    import botocore.client

    first = boto3.Session(region_name=REGION).client("rds").meta.service_model
    assert boto3.Session(region_name=REGION).client("rds").meta.service_model is first
    first.signature_version = "v2"
    second = boto3.Session(region_name=REGION).client("rds").meta.service_model
    assert second is not first and second.signature_version == "v4"
    first.signature_version = "v4"

    class Loader:
        """A model of its own per API version, each loaded once, as botocore's loader does."""

        def __init__(self) -> None:
            self.loaded: dict[Any, Any] = {}

        def load_service_model(self, name: str, kind: str, api_version: Any = None) -> Any:
            operations = {"Old": {"name": "Old"}} if api_version == "2014" else {}
            return self.loaded.setdefault(
                api_version, {"metadata": {"serviceId": name}, "operations": operations}
            )

    creator = botocore.client.ClientCreator(Loader(), None, None, None, None, None)
    models = [creator._load_service_model("rds", version) for version in (None, "2014", None)]
    assert models[0] is models[2] and models[0].operation_names == []
    assert models[1].operation_names == ["Old"]


def test_timestamps_read_as_botocore_reads_them_in_any_time_zone(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import time

    import botocore.parsers

    from tests.support.botocore_models import _SHARED

    remembered = botocore.parsers.DEFAULT_TIMESTAMP_PARSER
    own = _SHARED["botocore_timestamp_parser"]
    texts = [
        "2026-12-06T14:00:24.238585Z",
        "2026-12-06T14:00:24+02:00",
        "2026-12-06T14:00:24",
        "1700000000",
        "Wed, 02 Oct 2002 13:00:00 GMT",
        "14:00:24",
    ]

    def read(parser: Any) -> list[tuple[Any, ...]]:
        return [(d, repr(d.tzinfo), d.isoformat()) for d in map(parser, texts)]

    answers = []
    for zone in ("UTC", "America/New_York", "UTC"):
        monkeypatch.setenv("TZ", zone)
        time.tzset()
        answers.append(read(remembered))
        assert answers[-1] == read(own) == read(remembered), zone
    monkeypatch.undo()
    time.tzset()
    assert answers[0] != answers[1]
    with pytest.raises(ValueError, match="Invalid timestamp"):
        remembered("not a time")


def test_a_session_s_client_exceptions_are_botocore_s_made_when_asked(moto: str) -> None:
    from botocore.errorfactory import BaseClientExceptions, ClientExceptionsFactory
    from botocore.exceptions import ClientError

    from tests.support.botocore_models import _SHARED

    own = _SHARED["botocore_create_client_exceptions"]
    for service in ("rds", "s3", "sts", "codepipeline", "iam", "kms", "cloudwatch"):
        model = boto3.Session(region_name=REGION).client(service).meta.service_model
        eager = own(ClientExceptionsFactory(), model)
        lazy = ClientExceptionsFactory().create_client_exceptions(model)
        assert repr(type(lazy)) == repr(type(eager))
        assert isinstance(lazy, BaseClientExceptions)
        for code, made in eager._code_to_exception.items():
            asked = lazy.from_code(code)
            assert (asked.__qualname__, asked.__module__, asked.__bases__) == (
                made.__qualname__,
                made.__module__,
                made.__bases__,
            )
            assert asked is lazy.from_code(code) is getattr(lazy, made.__name__)
        for shape in model.error_shapes:
            assert getattr(lazy, shape.name).__name__ == shape.name
            assert shape.name in dir(lazy)
        assert lazy.from_code("NoSuchCode") is ClientError is lazy.from_code(None)
        assert [c.__name__ for c in lazy._code_to_exception.values()] == [
            c.__name__ for c in eager._code_to_exception.values()
        ]
        with pytest.raises(AttributeError) as lazily:
            lazy.NoSuchFault  # noqa: B018
        with pytest.raises(AttributeError) as eagerly:
            eager.NoSuchFault  # noqa: B018
        assert str(lazily.value).replace(hex(id(lazy)), "") == str(eagerly.value).replace(
            hex(id(eager)), ""
        )
    # Per session, as botocore makes them: a client catches its own session's classes.
    one = boto3.Session(region_name=REGION)
    clients = [one.client("rds", endpoint_url=moto), one.client("rds", endpoint_url=moto)]
    other = boto3.Session(region_name=REGION).client("rds", endpoint_url=moto)
    for client in (*clients, other):
        with pytest.raises(client.exceptions.DBInstanceNotFoundFault):
            client.describe_db_instances(DBInstanceIdentifier="nothing")
    assert (
        clients[0].exceptions.DBInstanceNotFoundFault
        is clients[1].exceptions.DBInstanceNotFoundFault
    )
    assert (
        other.exceptions.DBInstanceNotFoundFault
        is not clients[0].exceptions.DBInstanceNotFoundFault
    )


def test_handler_tries_copied_on_write_hold_what_botocore_s_full_copies_hold(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import copy
    import random

    from botocore import hooks

    from tests.support.botocore_models import _SHARED

    keys = ["a", "a.b", "a.b.c", "a.*.c", "a.b.d", "x", "x.y", "*", "*.b", "before-send.rds"]
    probes = [*keys, "a.q.c", "a.b.c.d", "z", "x.y.z", "before-send.rds.Op"]

    def tries(cow: bool) -> list[Any]:
        """The same random appends, removals and copies (as clients of sessions make) on
        tries copied on write or, with botocore's own methods, copied in full."""
        with monkeypatch.context() as own:
            if not cow:
                for name, method in _SHARED["botocore_trie"].items():
                    own.setattr(hooks._PrefixTrie, name, method)
            chance = random.Random(7)
            family = [hooks._PrefixTrie()]
            seen: list[Any] = []
            for step in range(1500):
                trie = chance.choice(family)
                roll = chance.random()
                if roll < 0.1 and len(family) < 16:
                    family.append(copy.copy(trie))
                elif roll < 0.7:
                    section = chance.choice([hooks._FIRST, hooks._MIDDLE, hooks._LAST])
                    trie.append_item(chance.choice(keys), chance.randrange(20), section)
                else:
                    try:
                        trie.remove_item(chance.choice(keys), chance.randrange(20))
                    except (ValueError, AttributeError) as refused:  # botocore's own refusals
                        seen.append((type(refused).__name__, step))
                if step % 5 == 0:
                    seen.append([[list(t.prefix_search(k)) for k in probes] for t in family])
            seen.append([t._root for t in family])
            return seen

    assert tries(cow=True) == tries(cow=False)


def test_a_handler_s_keyword_arguments_are_checked_as_inspect_checks_them() -> None:
    import functools
    import inspect

    import botocore.hooks
    from boto3.session import Session
    from botocore.handlers import BUILTIN_HANDLERS

    from tests.support.botocore_models import _SHARED

    remembered = botocore.hooks.accepts_kwargs
    own = _SHARED["botocore_accepts_kwargs"]

    def made(takes_kwargs: bool) -> Any:
        if takes_kwargs:

            def handler(**kwargs: Any) -> None:
                pass
        else:

            def handler(event: Any) -> None:  # type: ignore[misc]
                pass

        return handler

    class Callable:
        def __call__(self, **kwargs: Any) -> None:
            pass

    class Strict:
        def __call__(self, event: Any) -> None:
            pass

    narrowed = made(True)
    narrowed.__signature__ = inspect.Signature([])  # type: ignore[attr-defined]
    handlers = [spec[1] for spec in BUILTIN_HANDLERS]
    handlers += [made(True), made(False), made(True), narrowed, Callable(), Strict()]
    handlers += [Session()._session.get_component("event_emitter"), functools.partial(made(True))]

    def answer(check: Any, handler: Any) -> Any:
        try:
            return bool(check(handler))
        except TypeError as refused:
            return str(refused).replace(hex(id(handler)), "")

    for handler in handlers * 2:
        assert answer(remembered, handler) == answer(own, handler), handler
    assert not remembered(narrowed) and remembered(made(True)) and not remembered(made(False))
    passing = Callable()
    assert remembered(passing)
    kept = [entry for entry in remembered.__closure__ if isinstance(entry.cell_contents, dict)]
    sizes = [len(cell.cell_contents) for cell in kept]
    del passing
    assert [len(cell.cell_contents) for cell in kept] != sizes  # its entry went with it
