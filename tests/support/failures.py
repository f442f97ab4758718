"""An RDS instance in a failed state, with the event RDS would show."""

from __future__ import annotations

from tests.conftest import ACCOUNT, REGION


def fail_instance(identifier: str, status: str, message: str) -> None:
    """Put an instance of the in-process moto server into ``status`` with an RDS event saying
    ``message`` (moto's events carry fixed messages only; the text is set as AWS would)."""
    from moto.rds.models import Event, rds_backends

    backend = rds_backends[ACCOUNT][REGION]
    database = backend.databases[identifier]
    database.status = status
    event = Event("DB_INSTANCE_CREATE", database)
    event.message = message
    backend.events.append(event)
