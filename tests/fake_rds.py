"""An in-memory RDS stand-in for the hourly-snapshot simulation: the calls the backup code makes,
with time (an injected clock), asynchronous snapshot states and the region's snapshot quota.

Modelled on the Amazon RDS API reference (CreateDBSnapshot, DeleteDBSnapshot, CopyDBSnapshot,
DescribeDBSnapshots, DescribeDBInstances, DescribeAccountAttributes, read for this file) and on
moto 5.2.5 (``moto/rds/models.py``: ``create_db_snapshot``, ``copy_db_snapshot``,
``delete_db_snapshot``, ``DBSnapshot.__init__``), where moto is stricter than nothing and the
reference is silent. What it models, and from where:

- CreateDBSnapshot: the instance must be ``available`` or ``storage-optimization`` (API reference:
  "The source DB instance must be in the available or storage-optimization state"), else
  ``InvalidDBInstanceState``; an existing identifier is ``DBSnapshotAlreadyExists``; at the quota
  ``SnapshotQuotaExceeded``. The snapshot is ``creating`` for ``CREATE_MINUTES``, then
  ``available``; ``SnapshotCreateTime`` is the call's time (AWS sets it when the snapshot
  starts; moto likewise).
- Quota: manual snapshots of the region, in any status, count against ``ManualSnapshots``
  (AccountQuota: "Used" is the count of manual DB snapshots). moto counts automated snapshots
  too and has no DescribeAccountAttributes; this stand-in follows the reference.
- DeleteDBSnapshot: ``deleting`` for ``DELETE_MINUTES``, still counted, then gone. Deleting a
  snapshot that is already ``deleting`` answers ``InvalidDBSnapshotState`` (assumed: the
  reference lists that error for "the state of the DB snapshot doesn't allow deletion").
- CopyDBSnapshot: the copy is ``creating`` for ``COPY_MINUTES`` with ``SourceDBSnapshotIdentifier``
  set to the source's ARN (the AWS CLI reference's copy-db-snapshot example shows it for a
  same-region copy), ``OriginalSnapshotCreateTime`` of the source, the source's instance and
  resource id (moto), and the source's tags when ``CopyTags`` is true and no ``Tags`` are given
  (moto's comment: "When tags are passed, AWS does NOT copy/merge tags of the source"). If the
  source is deleted before the copy completes, the copy ends ``failed``.
- DescribeDBSnapshots/DescribeDBInstances: filters by identifier, ``DbiResourceId``,
  ``SnapshotType``, the ``dbi-resource-id`` filter; ``MaxRecords`` 20 to 100 (default 100) with
  a ``Marker`` (moto ignores MaxRecords; the reference does not).

Not modelled: instance status changes caused by snapshots (``backing-up``), automated
snapshots, encryption, cross-region copies, throttling.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from typing import Any

from botocore.exceptions import ClientError

ACCOUNT = "123456789012"
REGION = "eu-central-1"
CREATE_MINUTES = 10
DELETE_MINUTES = 2
COPY_MINUTES = 40


def _error(code: str, message: str, operation: str) -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": message}}, operation)


class FakeRds:
    """The boto3 RDS client's surface the snapshot code uses, over in-memory state."""

    def __init__(self, clock: Callable[[], datetime], *, quota: int = 100) -> None:
        self.clock = clock
        self.quota = quota
        self.instances: dict[str, dict[str, Any]] = {}
        self.snapshots: dict[str, dict[str, Any]] = {}
        self.calls: Counter[str] = Counter()
        self.quota_errors = 0

    # -- arranging (what AWS or the restore runbook does) ------------------------------------

    def add_instance(self, identifier: str, resource_id: str, **fields: Any) -> None:
        self.instances[identifier] = {
            "DBInstanceIdentifier": identifier,
            "DBInstanceStatus": "available",
            "DbiResourceId": resource_id,
            "DBInstanceArn": f"arn:aws:rds:{REGION}:{ACCOUNT}:db:{identifier}",
            "Engine": "postgres",
            "EngineVersion": "13.7",
            "AllocatedStorage": 50,
            "BackupRetentionPeriod": 7,
            "InstanceCreateTime": self.clock(),
            **fields,
        }

    def rename(self, identifier: str, new: str) -> None:
        data = self.instances.pop(identifier)
        data["DBInstanceIdentifier"] = new
        self.instances[new] = data

    def set_status(self, identifier: str, status: str) -> None:
        self.instances[identifier]["DBInstanceStatus"] = status

    def delete_instance(self, identifier: str, final_snapshot: str) -> None:
        self.create_db_snapshot(
            DBInstanceIdentifier=identifier, DBSnapshotIdentifier=final_snapshot
        )
        del self.instances[identifier]

    # -- time --------------------------------------------------------------------------------

    def _advance(self) -> None:
        now = self.clock()
        for snap in self.snapshots.values():  # a copy whose source goes away fails
            source = snap.get("_source")
            if snap["Status"] == "creating" and source is not None:
                held = self.snapshots.get(source)
                if held is None or held["Status"] == "deleting":
                    snap["_source_lost"] = True
        for name, snap in list(self.snapshots.items()):
            if snap["Status"] == "deleting" and snap["_until"] <= now:
                del self.snapshots[name]
        for snap in self.snapshots.values():
            if snap["Status"] == "creating" and snap["_until"] <= now:
                snap["Status"] = "failed" if snap.get("_source_lost") else "available"
                snap["PercentProgress"] = 100

    def _manual_count(self) -> int:
        return sum(1 for s in self.snapshots.values() if s["SnapshotType"] == "manual")

    # -- instances ---------------------------------------------------------------------------

    def describe_db_instances(self, **kw: Any) -> dict[str, Any]:
        self.calls["DescribeDBInstances"] += 1
        self._advance()
        found = list(self.instances.values())
        if "DBInstanceIdentifier" in kw:
            found = [i for i in found if i["DBInstanceIdentifier"] == kw["DBInstanceIdentifier"]]
            if not found:
                raise _error(
                    "DBInstanceNotFound",
                    f"DBInstance {kw['DBInstanceIdentifier']} not found.",
                    "DescribeDBInstances",
                )
        for wanted in kw.get("Filters", []):
            if wanted["Name"] == "dbi-resource-id":
                found = [i for i in found if i["DbiResourceId"] in wanted["Values"]]
        out = []
        for data in found:
            out.append({**data, "LatestRestorableTime": self.clock() - timedelta(minutes=2)})
        return self._page(out, "DBInstances", kw, "DescribeDBInstances")

    def describe_db_instance_automated_backups(self, **kw: Any) -> dict[str, Any]:
        return {"DBInstanceAutomatedBackups": []}

    # -- snapshots ---------------------------------------------------------------------------

    def _view(self, snap: dict[str, Any]) -> dict[str, Any]:
        view = {k: v for k, v in snap.items() if not k.startswith("_")}
        view["TagList"] = [dict(t) for t in snap["TagList"]]
        return view

    def describe_db_snapshots(self, **kw: Any) -> dict[str, Any]:
        self.calls["DescribeDBSnapshots"] += 1
        self._advance()
        found = list(self.snapshots.values())
        if "DBSnapshotIdentifier" in kw:
            found = [s for s in found if s["DBSnapshotIdentifier"] == kw["DBSnapshotIdentifier"]]
            if not found:
                raise _error(
                    "DBSnapshotNotFound",
                    f"DBSnapshot {kw['DBSnapshotIdentifier']} not found.",
                    "DescribeDBSnapshots",
                )
        if "DBInstanceIdentifier" in kw:
            found = [s for s in found if s["DBInstanceIdentifier"] == kw["DBInstanceIdentifier"]]
        if "DbiResourceId" in kw:
            found = [s for s in found if s["DbiResourceId"] == kw["DbiResourceId"]]
        if kw.get("SnapshotType"):
            found = [s for s in found if s["SnapshotType"] == kw["SnapshotType"]]
        elif "DBSnapshotIdentifier" not in kw:
            found = [s for s in found if s["SnapshotType"] in {"manual", "automated"}]
        return self._page([self._view(s) for s in found], "DBSnapshots", kw, "DescribeDBSnapshots")

    def _page(
        self, items: list[dict[str, Any]], key: str, kw: dict[str, Any], operation: str
    ) -> dict[str, Any]:
        size = int(kw.get("MaxRecords", 100))
        if not 20 <= size <= 100:
            raise _error("InvalidParameterValue", "MaxRecords must be 20 to 100", operation)
        start = int(kw.get("Marker") or 0)
        page: dict[str, Any] = {key: items[start : start + size]}
        if start + size < len(items):
            page["Marker"] = str(start + size)
        return page

    def create_db_snapshot(self, **kw: Any) -> dict[str, Any]:
        self.calls["CreateDBSnapshot"] += 1
        self._advance()
        name, db = kw["DBSnapshotIdentifier"].lower(), kw["DBInstanceIdentifier"]
        instance = self.instances.get(db)
        if instance is None:
            raise _error("DBInstanceNotFound", f"DBInstance {db} not found.", "CreateDBSnapshot")
        if name in self.snapshots:
            raise _error(
                "DBSnapshotAlreadyExists",
                f"Cannot create the snapshot because a snapshot with the identifier {name} "
                "already exists.",
                "CreateDBSnapshot",
            )
        if instance["DBInstanceStatus"] not in {"available", "storage-optimization"}:
            raise _error(
                "InvalidDBInstanceState",
                f"Instance {db} is not currently in the available state.",
                "CreateDBSnapshot",
            )
        if self._manual_count() >= self.quota:
            self.quota_errors += 1
            raise _error(
                "SnapshotQuotaExceeded",
                "Cannot create more than 100 manual snapshots",
                "CreateDBSnapshot",
            )
        now = self.clock()
        snap = {
            "DBSnapshotIdentifier": name,
            "DBSnapshotArn": f"arn:aws:rds:{REGION}:{ACCOUNT}:snapshot:{name}",
            "DBInstanceIdentifier": db,
            "DbiResourceId": instance["DbiResourceId"],
            "SnapshotType": "manual",
            "Status": "creating",
            "PercentProgress": 0,
            "Engine": "postgres",
            "EngineVersion": "13.7",
            "AllocatedStorage": 50,
            "SnapshotCreateTime": now,
            "OriginalSnapshotCreateTime": now,
            "TagList": list(kw.get("Tags", [])),
            "_until": now + timedelta(minutes=CREATE_MINUTES),
        }
        self.snapshots[name] = snap
        return {"DBSnapshot": self._view(snap)}

    def copy_db_snapshot(self, **kw: Any) -> dict[str, Any]:
        self.calls["CopyDBSnapshot"] += 1
        self._advance()
        source = self.snapshots[kw["SourceDBSnapshotIdentifier"].split(":")[-1]]
        name = kw["TargetDBSnapshotIdentifier"].lower()
        if self._manual_count() >= self.quota:
            raise _error("SnapshotQuotaExceeded", "quota", "CopyDBSnapshot")
        now = self.clock()
        tags = kw.get("Tags") or (source["TagList"] if kw.get("CopyTags") else [])
        snap = {
            **self._view(source),
            "DBSnapshotIdentifier": name,
            "DBSnapshotArn": f"arn:aws:rds:{REGION}:{ACCOUNT}:snapshot:{name}",
            "SnapshotType": "manual",
            "Status": "creating",
            "SnapshotCreateTime": now,
            "OriginalSnapshotCreateTime": source["OriginalSnapshotCreateTime"],
            "SourceDBSnapshotIdentifier": source["DBSnapshotArn"],
            "TagList": list(tags),
            "_until": now + timedelta(minutes=COPY_MINUTES),
            "_source": source["DBSnapshotIdentifier"],
        }
        self.snapshots[name] = snap
        return {"DBSnapshot": self._view(snap)}

    def delete_db_snapshot(self, **kw: Any) -> dict[str, Any]:
        self.calls["DeleteDBSnapshot"] += 1
        self._advance()
        name = kw["DBSnapshotIdentifier"]
        snap = self.snapshots.get(name)
        if snap is None:
            raise _error("DBSnapshotNotFound", f"DBSnapshot {name} not found.", "DeleteDBSnapshot")
        if snap["Status"] == "deleting":
            raise _error(
                "InvalidDBSnapshotState",
                f"Snapshot {name} is already being deleted.",
                "DeleteDBSnapshot",
            )
        snap["Status"] = "deleting"
        snap["_until"] = self.clock() + timedelta(minutes=DELETE_MINUTES)
        return {"DBSnapshot": self._view(snap)}

    def describe_account_attributes(self) -> dict[str, Any]:
        self.calls["DescribeAccountAttributes"] += 1
        self._advance()
        return {
            "AccountQuotas": [
                {"AccountQuotaName": "DBInstances", "Used": len(self.instances), "Max": 40},
                {
                    "AccountQuotaName": "ManualSnapshots",
                    "Used": self._manual_count(),
                    "Max": self.quota,
                },
            ]
        }

    # -- pagination (boto3's paginators loop on Marker with MaxRecords = PageSize) -----------

    def get_paginator(self, operation: str) -> _Paginator:
        return _Paginator(getattr(self, operation))


class _Paginator:
    def __init__(self, call: Callable[..., dict[str, Any]]) -> None:
        self.call = call

    def paginate(self, **kw: Any) -> Iterator[dict[str, Any]]:
        config = kw.pop("PaginationConfig", {})
        if "PageSize" in config:
            kw["MaxRecords"] = config["PageSize"]
        while True:
            page = self.call(**kw)
            yield page
            if "Marker" not in page:
                return
            kw["Marker"] = page["Marker"]
