"""The adapter to Amazon CloudWatch metrics (boto3): publishing custom metric data only."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sccos_backup import errors
from sccos_backup.aws.clients import make_client
from sccos_backup.aws.translate import translate_aws

#: Metric data per PutMetricData request; AWS accepts up to 1000 since 2023, older endpoints 20.
BATCH = 20


@dataclass(frozen=True)
class Datum:
    """One metric value with its dimensions (name, value pairs)."""

    name: str
    value: float
    unit: str
    dimensions: tuple[tuple[str, str], ...]
    timestamp: datetime

    def to_api(self) -> dict[str, Any]:
        return {
            "MetricName": self.name,
            "Value": float(self.value),
            "Unit": self.unit,
            "Timestamp": self.timestamp,
            "Dimensions": [{"Name": k, "Value": v} for k, v in self.dimensions],
        }


def make_cloudwatch_client(*, region: str | None, endpoint_url: str | None = None) -> Any:
    return make_client("cloudwatch", region=region, profile=None, endpoint_url=endpoint_url)


def _specific(code: str, message: str) -> errors.SccosBackupError | None:
    return None


class MetricsAdapter:
    """Publishes metric data in batches under one namespace."""

    def __init__(self, client: Any, namespace: str) -> None:
        self._client = client
        self.namespace = namespace

    def publish(self, data: Sequence[Datum]) -> None:
        for start in range(0, len(data), BATCH):
            batch = [d.to_api() for d in data[start : start + BATCH]]
            with translate_aws(
                f"publishing {len(batch)} metric(s) to {self.namespace}",
                service="CloudWatch",
                specific=_specific,
                denied="the role lacks cloudwatch:PutMetricData",
            ):
                self._client.put_metric_data(Namespace=self.namespace, MetricData=batch)
