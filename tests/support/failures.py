"""An RDS instance in a failed state, with the event RDS would show, and moto made as strict as
RDS about what such an instance allows.

RDS API reference (botocore 1.44.18, ``data/rds/2014-10-31/service-2.json``, DeleteDBInstance
and its ``SkipFinalSnapshot``): "When a DB instance is in a failure state and has a status of
failed, incompatible-restore, or incompatible-network, RDS can delete the instance only if you
enable this parameter". A rename of such an instance is refused (ModifyDBInstance raises
``InvalidDBInstanceState``). moto 5.2 renames and snapshots an instance in any state.
"""

from __future__ import annotations

import functools
from typing import Any

from tests.conftest import ACCOUNT, REGION

#: The states RDS only lets you delete an instance in, and then only without a final snapshot.
DELETE_ONLY = ("failed", "incompatible-restore", "incompatible-network")

#: Whether RDS also refuses a ModifyDBInstance that only turns deletion protection off in those
#: states (not documented either way; a test switches it on to cover the refusal).
REFUSE_EVERY_MODIFY = False


def fail_instance(identifier: str, status: str, message: str) -> None:
    """Put an instance of the in-process moto server into ``status`` with an RDS event saying
    ``message`` (moto's events carry fixed messages only; the text is set as AWS would)."""
    from moto.rds.models import Event, rds_backends

    _strict_about_failed_instances()
    backend = rds_backends[ACCOUNT][REGION]
    database = backend.databases[identifier]
    database.status = status
    event = Event("DB_INSTANCE_CREATE", database)
    event.message = message
    backend.events.append(event)


@functools.cache
def _strict_about_failed_instances() -> None:
    """From now on moto refuses, for an instance in a :data:`DELETE_ONLY` state, a rename (and,
    with :data:`REFUSE_EVERY_MODIFY`, any modify) and a delete with a final snapshot."""
    from moto.rds.exceptions import RDSClientError
    from moto.rds.models import RDSBackend

    def refused(identifier: str, status: str, what: str) -> RDSClientError:
        return RDSClientError(
            "InvalidDBInstanceState",
            f"DB instance {identifier} is in state {status}; {what} is not allowed",
        )

    def status_of(backend: Any, identifier: str) -> str | None:
        database = backend.databases.get(identifier)
        return database.status if database is not None else None

    real_modify = RDSBackend.modify_db_instance
    real_delete = RDSBackend.delete_db_instance

    def modify_db_instance(self: Any, db_instance_identifier: str, db_kwargs: Any) -> Any:
        status = status_of(self, db_instance_identifier)
        if status in DELETE_ONLY and (
            "new_db_instance_identifier" in db_kwargs or REFUSE_EVERY_MODIFY
        ):
            raise refused(db_instance_identifier, status, "modifying it")
        return real_modify(self, db_instance_identifier, db_kwargs)

    def delete_db_instance(self: Any, db_instance_identifier: str, **kwargs: Any) -> Any:
        status = status_of(self, db_instance_identifier)
        if status in DELETE_ONLY and not kwargs.get("skip_final_snapshot"):
            raise refused(db_instance_identifier, status, "a final snapshot")
        return real_delete(self, db_instance_identifier, **kwargs)

    RDSBackend.modify_db_instance = modify_db_instance  # type: ignore[method-assign]
    RDSBackend.delete_db_instance = delete_db_instance  # type: ignore[method-assign]
