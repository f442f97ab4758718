"""A whole second inside an instance's point-in-time window, without waiting for one to pass.

moto reports no ``RestoreWindow`` (moto 5.2.6 ``rds/models.py``): the product then estimates the
window's start from ``InstanceCreateTime`` and its end is ``LatestRestorableTime``, which moto
answers as "now". A freshly made instance's window is thus shorter than a second, and the first
whole second inside it lies in the future. Real instances were made long before a restore; the
instance is made older here, in moto's backend (shared by the server and ``mock_aws``), instead
of the test sleeping until a whole second has passed.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.conftest import ACCOUNT, REGION


def restorable_second(
    identifier: str = "shop", *, age: timedelta = timedelta(seconds=10)
) -> datetime:
    """Make ``identifier`` ``age`` older in moto and return the first whole second of its
    window (UTC, aware), which lies in the past."""
    from moto.rds.models import rds_backends

    database = rds_backends[ACCOUNT][REGION].databases[identifier]
    database.created = database.instance_create_time = database.created - age
    start = database.created.replace(tzinfo=UTC)
    return start.replace(microsecond=0) + timedelta(seconds=1)
