"""The scheduled function's entry point: ``sccos_backup.lambda_handler.handler(event, context)``.

EventBridge Scheduler invokes it hourly with ``{"action": "rotate", ...}`` and every 15 minutes
with ``{"action": "check", ...}`` (see :mod:`sccos_backup.schedule.event`). It logs one JSON line
per database and returns the run's summary. An event that cannot be parsed, a selection that
cannot be listed, or metrics that cannot be published raise: the function then reports an
error, which the stack's alarm on function errors turns into a notification.

This module is the function's edge: it alone reads the environment (``AWS_REGION``, set by
Lambda; ``AWS_ENDPOINT_URL`` for a rehearsal against an emulator; the stack's retention, below
which no event may go, in ``SCCOS_BACKUP_MIN_KEEP_HOURS``, 60 when unset). It imports the backups
library, boto3 and the standard library only: no typer, no pulumi, no yaml.
"""

from __future__ import annotations

import json
import logging
import os
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sccos_backup.aws.cloudwatch import MetricsAdapter, make_cloudwatch_client
from sccos_backup.aws.rds import RdsAdapter, make_rds_client
from sccos_backup.defaults import DEFAULT_KEEP_HOURS
from sccos_backup.schedule.event import MIN_KEEP_HOURS_ENV, parse_event
from sccos_backup.schedule.metrics import NAMESPACE
from sccos_backup.schedule.runner import Publisher, run_event

logger = logging.getLogger("sccos_backup.schedule")
logger.setLevel(logging.INFO)


def _utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Services:
    """What a run needs; built once per function instance and reused by warm invocations."""

    rds: RdsAdapter
    publisher: Publisher
    #: The stack's retention: an event may not ask for fewer hours.
    min_keep_hours: int = DEFAULT_KEEP_HOURS


_services: Services | None = None


def default_services() -> Services:
    global _services  # noqa: PLW0603 - one set of clients per function instance
    if _services is None:
        region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
        endpoint = os.environ.get("AWS_ENDPOINT_URL") or None
        client = make_rds_client(region=region, profile=None, endpoint_url=endpoint)
        metrics = make_cloudwatch_client(region=region, endpoint_url=endpoint)
        floor = os.environ.get(MIN_KEEP_HOURS_ENV, "")
        _services = Services(
            rds=RdsAdapter(client, clock=_utcnow, sleep=time.sleep),
            publisher=MetricsAdapter(metrics, NAMESPACE),
            min_keep_hours=int(floor) if floor.isdigit() and int(floor) > 0 else DEFAULT_KEEP_HOURS,
        )
    return _services


def handle(event: Any, services: Services) -> dict[str, Any]:
    """Parse, run, log one JSON line per database; return the summary."""
    request = parse_event(event, min_keep_hours=services.min_keep_hours)
    summary = run_event(request, services.rds, services.publisher)
    for database in summary.databases:
        line = json.dumps(database.as_dict(request), default=str, sort_keys=True)
        if database.ok:
            logger.info(line)
        else:
            logger.error(line)
    return summary.as_dict()


def handler(event: Any, context: Any) -> dict[str, Any]:
    """The Lambda entry point."""
    return handle(event, default_services())
