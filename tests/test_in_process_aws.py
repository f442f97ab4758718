"""The in-process stand-in for the moto server (tests/support/in_process_aws.py) answers as the
server does: each case runs against both, and only what would go out over HTTP reaches moto."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.awsrequest import AWSResponse
from botocore.config import Config
from botocore.parsers import ResponseParserError
from werkzeug.exceptions import InternalServerError

from tests.conftest import REGION

BOTH = pytest.mark.parametrize(
    "answered_by", ["server", pytest.param("in-process", marks=pytest.mark.aws_in_process)]
)

_DENIED = (
    b"<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code>"
    b"<Message>not allowed</Message></Error><RequestId>1</RequestId></ErrorResponse>"
)


class _Raw:
    def stream(self, **_: Any) -> Iterator[bytes]:
        yield _DENIED


@BOTH
def test_a_clients_own_answer_is_not_sent_on(moto: str, answered_by: str) -> None:
    """botocore calls every ``before-send`` handler and sends the request only when none answers
    (botocore 1.44 ``Endpoint._do_get_response``): a test's handler that answers (a refusal, an
    expired token) keeps the request off the wire, so the server never carries it out."""
    client = boto3.client("rds", region_name=REGION, endpoint_url=moto)

    def deny(request: Any, event_name: str, **_: Any) -> AWSResponse | None:
        if not event_name.endswith(".CreateDBParameterGroup"):
            return None
        return AWSResponse(request.url, 403, {}, _Raw())

    client.meta.events.register("before-send", deny)
    with pytest.raises(client.exceptions.ClientError, match="AccessDenied"):
        client.create_db_parameter_group(
            DBParameterGroupName="pg", DBParameterGroupFamily="postgres13", Description="db"
        )
    groups = client.describe_db_parameter_groups()["DBParameterGroups"]
    assert "pg" not in [g["DBParameterGroupName"] for g in groups]


@BOTH
def test_an_action_moto_lacks_is_the_servers_error_page(moto: str, answered_by: str) -> None:
    """moto 5.2.6 does not implement DescribeAccountAttributes: the server answers with
    werkzeug's page for an unhandled exception, which botocore cannot parse."""
    client = boto3.client(
        "rds",
        region_name=REGION,
        endpoint_url=moto,
        config=Config(retries={"total_max_attempts": 1}),
    )
    with pytest.raises(ResponseParserError) as raised:
        client.describe_account_attributes()
    assert InternalServerError().get_body() in str(raised.value).replace("\\n", "\n")
