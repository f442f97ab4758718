"""The snapshot calls of the RDS adapter: describe, list (paginated), create, delete, wait,
and the region's manual-snapshot quota. :class:`sccos_backup.aws.rds.RdsAdapter` holds one
:class:`SnapshotCalls` on its own client, clock and sleep."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sccos_backup import errors
from sccos_backup.aws.translate import Described, translate
from sccos_backup.aws.translate import tags as _tags
from sccos_backup.aws.translate import utc as _utc
from sccos_backup.waiting import Poll, poll_until

if TYPE_CHECKING:
    from mypy_boto3_rds import RDSClient

#: DescribeDBSnapshots' MaxRecords: AWS allows 20 to 100 (default 100).
PAGE_SIZE = 100


@dataclass(frozen=True)
class Snapshot(Described):
    """One DB snapshot (manual, automated, or AWS Backup)."""

    identifier: str
    arn: str
    instance_identifier: str
    resource_id: str
    snapshot_type: str
    status: str
    engine: str
    engine_version: str
    allocated_storage: int
    created: datetime | None
    percent_progress: int
    encrypted: bool
    tags: tuple[tuple[str, str], ...]
    #: A copy's source (an ARN, per the AWS CLI reference's copy-db-snapshot example); "" if none.
    source_snapshot: str = ""
    #: When the snapshot this one was copied from was taken (``OriginalSnapshotCreateTime``).
    original_created: datetime | None = None
    #: The KMS key of an encrypted snapshot ("" if not encrypted or not reported).
    kms_key_id: str = ""

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> Snapshot:
        return cls(
            identifier=str(data["DBSnapshotIdentifier"]),
            arn=str(data.get("DBSnapshotArn", "")),
            instance_identifier=str(data.get("DBInstanceIdentifier", "")),
            resource_id=str(data.get("DbiResourceId", "")),
            snapshot_type=str(data.get("SnapshotType", "")),
            status=str(data.get("Status", "unknown")),
            engine=str(data.get("Engine", "")),
            engine_version=str(data.get("EngineVersion", "")),
            allocated_storage=int(data.get("AllocatedStorage", 0)),
            created=_utc(data.get("SnapshotCreateTime")),
            percent_progress=int(
                data.get("PercentProgress", 100 if data.get("Status") == "available" else 0)
            ),
            encrypted=bool(data.get("Encrypted", False)),
            tags=_tags(data.get("TagList")),
            source_snapshot=str(data.get("SourceDBSnapshotIdentifier") or ""),
            original_created=_utc(data.get("OriginalSnapshotCreateTime")),
            kms_key_id=str(data.get("KmsKeyId") or ""),
        )


def snapshot_identifier_from(value: str) -> str:
    """A snapshot identifier from an identifier or a snapshot ARN."""
    if value.startswith("arn:"):
        parts = value.split(":", 6)
        if len(parts) == 7 and parts[2] == "rds" and parts[5] == "snapshot":
            return parts[6]
        raise errors.InvalidInput(
            f"'{value}' is not a DB snapshot ARN (arn:aws:rds:REGION:ACCOUNT:snapshot:NAME)"
        )
    return value


class SnapshotCalls:
    """The RDS snapshot API calls sccos-backup uses."""

    def __init__(
        self,
        client: RDSClient,
        *,
        clock: Callable[[], datetime],
        sleep: Callable[[float], None],
    ) -> None:
        self._client = client
        self.clock = clock
        self.sleep = sleep

    def find_snapshot(self, identifier_or_arn: str) -> Snapshot | None:
        try:
            return self.describe_snapshot(identifier_or_arn)
        except errors.NotFound:
            return None

    def describe_snapshot(self, identifier_or_arn: str) -> Snapshot:
        identifier = snapshot_identifier_from(identifier_or_arn)
        try:
            with translate(f"DB snapshot '{identifier}'"):
                found = self._client.describe_db_snapshots(DBSnapshotIdentifier=identifier)
        except errors.NotFound:
            raise errors.NotFound(
                f"DB snapshot '{identifier}' does not exist; "
                "list restore points with `sccos-backup snapshot list DB_ID`"
            ) from None
        snapshots = found.get("DBSnapshots") or []
        if not snapshots:
            raise errors.NotFound(f"DB snapshot '{identifier}' does not exist")
        return Snapshot.from_api(snapshots[0])

    def list_snapshots(
        self,
        *,
        instance_identifier: str | None = None,
        resource_id: str | None = None,
        snapshot_type: str | None = None,
    ) -> list[Snapshot]:
        """Snapshots of one instance (by identifier and/or resource id), deduplicated."""
        params: dict[str, Any] = {}
        if instance_identifier:
            params["DBInstanceIdentifier"] = instance_identifier
        if resource_id:
            params["DbiResourceId"] = resource_id
        if snapshot_type:
            params["SnapshotType"] = snapshot_type
        with translate("listing DB snapshots"):
            paginator = self._client.get_paginator("describe_db_snapshots")
            pages = paginator.paginate(**params, PaginationConfig={"PageSize": PAGE_SIZE})
            return [Snapshot.from_api(d) for page in pages for d in page["DBSnapshots"]]

    def create_snapshot(
        self, instance_identifier: str, snapshot_identifier: str, tags: Mapping[str, str]
    ) -> Snapshot:
        import botocore.exceptions

        with translate(f"creating snapshot '{snapshot_identifier}' of '{instance_identifier}'"):
            try:
                created = self._client.create_db_snapshot(
                    DBInstanceIdentifier=instance_identifier,
                    DBSnapshotIdentifier=snapshot_identifier,
                    Tags=[{"Key": k, "Value": v} for k, v in tags.items()],
                )
            except botocore.exceptions.ClientError as error:
                made = self._made_by_a_lost_attempt(
                    error.response, instance_identifier, snapshot_identifier, tags
                )
                if made is None:
                    raise
                return made
        return Snapshot.from_api(created["DBSnapshot"])

    def _made_by_a_lost_attempt(
        self,
        response: Mapping[str, Any],
        instance_identifier: str,
        snapshot_identifier: str,
        tags: Mapping[str, str],
    ) -> Snapshot | None:
        """The snapshot a retried CreateDBSnapshot was refused for because an earlier attempt
        of the same call, whose answer was lost, made it (botocore retries 5xx answers and
        transport failures): of the same instance and carrying the tags sent; else None."""
        code = response.get("Error", {}).get("Code")
        if code not in {"DBSnapshotAlreadyExists", "DBSnapshotAlreadyExistsFault"}:
            return None
        if not response.get("ResponseMetadata", {}).get("RetryAttempts"):
            return None
        found = self.find_snapshot(snapshot_identifier)
        if found is None or found.instance_identifier != instance_identifier:
            return None
        if any(found.tag(key) != value for key, value in tags.items()):
            return None
        return found

    def delete_snapshot(self, snapshot_identifier: str) -> None:
        with translate(f"deleting snapshot '{snapshot_identifier}'"):
            self._client.delete_db_snapshot(DBSnapshotIdentifier=snapshot_identifier)

    def delete_retained_backups(self, resource_id: str) -> bool:
        """Delete the automated backups RDS retained of the deleted instance ``resource_id``
        (DescribeDBInstanceAutomatedBackups: ``Status`` ``retained``); False when there are
        none. Only a rehearsal's own instances come here."""
        with translate(f"automated backups of {resource_id}"):
            found = self._client.describe_db_instance_automated_backups(DbiResourceId=resource_id)[
                "DBInstanceAutomatedBackups"
            ]
        retained = [
            b
            for b in found
            if b.get("DbiResourceId") == resource_id and b.get("Status") == "retained"
        ]
        for _ in retained:
            with translate(f"deleting the retained automated backups of {resource_id}"):
                self._client.delete_db_instance_automated_backup(DbiResourceId=resource_id)
        return bool(retained)

    def wait_snapshot(
        self,
        snapshot_identifier: str,
        *,
        timeout: float,
        on_poll: Callable[[Poll], None] | None = None,
        first_interval: float = 15.0,
    ) -> Snapshot:
        """Wait until the snapshot is available, reporting its percent progress."""

        def observe() -> Snapshot:
            snapshot = self.describe_snapshot(snapshot_identifier)
            if snapshot.status in {"failed", "incompatible-restore", "incompatible-parameters"}:
                raise errors.AwsError(
                    f"snapshot '{snapshot_identifier}' ended in status '{snapshot.status}'"
                )
            return snapshot

        return poll_until(
            observe,
            lambda s: s.available,
            what=f"snapshot '{snapshot_identifier}'",
            status=lambda s: s.status,
            percent=lambda s: float(s.percent_progress),
            clock=self.clock,
            sleep=self.sleep,
            timeout=timeout,
            on_poll=on_poll,
            first_interval=first_interval,
        )

    def read_snapshot_quota(self) -> SnapshotQuota:
        """The region's manual-snapshot quota (DescribeAccountAttributes ``ManualSnapshots``),
        or why it cannot be read: the reason is reported, never swallowed."""
        try:
            with translate("rds:DescribeAccountAttributes"):
                quotas = self._client.describe_account_attributes()["AccountQuotas"]
        except errors.AwsError as error:
            problem = str(error)
            if "unreadable response" in problem:
                problem += " (the endpoint does not implement this call)"
            return SnapshotQuota(None, None, problem)
        for quota in quotas:
            if quota.get("AccountQuotaName") == "ManualSnapshots":
                return SnapshotQuota(int(quota.get("Used", 0)), int(quota.get("Max", 0)))
        return SnapshotQuota(None, None, "DescribeAccountAttributes lists no ManualSnapshots quota")


@dataclass(frozen=True)
class SnapshotQuota:
    """The region's manual-snapshot quota as read, or ``problem`` saying why it could not be."""

    used: int | None
    limit: int | None
    problem: str | None = None
