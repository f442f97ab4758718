"""A stand-in for ``rds:DescribeAccountAttributes``, which moto 5.2.5 does not implement.

``answer_quota(client, limit)`` registers a botocore ``before-call`` hook on one RDS client:
botocore's ``BaseClient._make_api_call`` emits ``before-call.rds.DescribeAccountAttributes``
and, when a handler returns ``(http_response, parsed)``, uses that instead of sending the
request (botocore/client.py, read in botocore 1.35). The answer has the shape of the RDS API
reference's AccountQuota: ``ManualSnapshots`` with ``Used`` (the region's manual snapshots,
counted live from moto) and ``Max`` (``limit``; the AWS default is 100). Every other call still
goes to moto. ``QuotaStandIn.limit`` may be changed to model a raised quota.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass
class _Http:
    status_code: int = 200
    headers: dict[str, str] | None = None
    content: bytes = b""


@dataclass
class QuotaStandIn:
    client: Any
    limit: int
    calls: int = 0

    def __call__(self, **_: Any) -> tuple[_Http, dict[str, Any]]:
        self.calls += 1
        used = len(self.client.describe_db_snapshots(SnapshotType="manual")["DBSnapshots"])
        parsed = {
            "AccountQuotas": [
                {"AccountQuotaName": "ManualSnapshots", "Used": used, "Max": self.limit}
            ],
            "ResponseMetadata": {"HTTPStatusCode": 200},
        }
        return _Http(headers={}), parsed


def answer_quota(client: Any, limit: int = 100) -> QuotaStandIn:
    """Make ``client`` answer DescribeAccountAttributes with a ManualSnapshots quota."""
    standin = QuotaStandIn(client, limit)
    client.meta.events.register("before-call.rds.DescribeAccountAttributes", standin)
    return standin
