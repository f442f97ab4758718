"""The one adapter to Amazon RDS (boto3). No other module imports boto3 or botocore.

It takes its client, clock and sleep as constructor arguments, returns small frozen
dataclasses, and translates botocore's exceptions into :mod:`sccos_backup.errors`.
Retries of throttling and 5xx responses are botocore's standard retry mode.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from sccos_backup import errors
from sccos_backup.waiting import Poll, poll_until

if TYPE_CHECKING:
    from mypy_boto3_rds import RDSClient
    from mypy_boto3_rds.type_defs import FilterTypeDef

#: botocore's standard retry mode: exponential backoff with jitter on throttling and 5xx.
RETRY_ATTEMPTS = 8
CONNECT_TIMEOUT = 10
READ_TIMEOUT = 60

_NOT_FOUND = {
    "DBInstanceNotFound",
    "DBInstanceNotFoundFault",
    "DBSnapshotNotFound",
    "DBSnapshotNotFoundFault",
    "DBParameterGroupNotFound",
    "DBInstanceAutomatedBackupNotFound",
}
_TAKEN = {
    "DBInstanceAlreadyExists",
    "DBInstanceAlreadyExistsFault",
    "DBSnapshotAlreadyExists",
    "DBSnapshotAlreadyExistsFault",
}
_STATE = {
    "InvalidDBInstanceState",
    "InvalidDBInstanceStateFault",
    "InvalidDBSnapshotState",
    "InvalidDBSnapshotStateFault",
}
_QUOTA = {
    "SnapshotQuotaExceeded",
    "SnapshotQuotaExceededFault",
    "InstanceQuotaExceeded",
    "StorageQuotaExceeded",
}
_CREDENTIALS = {
    "InvalidClientTokenId",
    "UnrecognizedClientException",
    "ExpiredToken",
    "ExpiredTokenException",
    "SignatureDoesNotMatch",
    "AuthFailure",
    "InvalidSignatureException",
    "RequestExpired",
}
_DENIED = {"AccessDenied", "AccessDeniedException", "UnauthorizedOperation"}


def make_client(
    service: str, *, region: str | None, profile: str | None, endpoint_url: str | None
) -> Any:
    """A boto3 client with standard retries and timeouts. boto3 is imported here, lazily."""
    import boto3
    import botocore.config
    import botocore.exceptions

    config = botocore.config.Config(
        retries={"mode": "standard", "max_attempts": RETRY_ATTEMPTS},
        connect_timeout=CONNECT_TIMEOUT,
        read_timeout=READ_TIMEOUT,
        user_agent_extra="sccos-backup",
    )
    try:
        session = boto3.Session(profile_name=profile, region_name=region)
        return session.client(service, endpoint_url=endpoint_url, config=config)  # type: ignore[call-overload]
    except botocore.exceptions.ProfileNotFound:
        raise errors.InvalidInput(
            f"AWS profile '{profile}' is not configured; check --profile or ~/.aws/config"
        ) from None
    except botocore.exceptions.NoRegionError:
        raise errors.InvalidInput("no AWS region is set; pass --region or set AWS_REGION") from None


def make_rds_client(
    *, region: str | None, profile: str | None, endpoint_url: str | None
) -> RDSClient:
    """An RDS client (see :func:`make_client`)."""
    client: RDSClient = make_client(
        "rds", region=region, profile=profile, endpoint_url=endpoint_url
    )
    return client


#: Maps an AWS error code and message to a project error, or None for the generic handling.
Specific = Callable[[str, str], "errors.SccosBackupError | None"]


@contextlib.contextmanager
def translate_aws(what: str, *, service: str, specific: Specific, denied: str) -> Iterator[None]:
    """Turn botocore exceptions raised while doing ``what`` into the project's errors.

    ``specific`` handles the service's own error codes; credentials, permissions, transport
    and unreadable responses are handled here the same way for every service.
    """
    import botocore.exceptions
    import botocore.parsers

    try:
        yield
    except botocore.exceptions.ClientError as error:
        code = str(error.response.get("Error", {}).get("Code", ""))
        message = str(error.response.get("Error", {}).get("Message", "")).rstrip(".")
        mapped = specific(code, message)
        if mapped is not None:
            raise mapped from None
        if code in _CREDENTIALS:
            raise errors.AwsError(
                f"{what}: AWS refused the credentials ({code}); refresh them or check --profile"
            ) from None
        if code in _DENIED:
            raise errors.AwsError(f"{what}: access denied ({code}); {denied}") from None
        raise errors.AwsError(f"{what}: {code}: {message}") from None
    except botocore.exceptions.NoCredentialsError:
        raise errors.AwsError(
            f"{what}: no AWS credentials found; set AWS_PROFILE or AWS_ACCESS_KEY_ID"
        ) from None
    except botocore.exceptions.NoRegionError:
        raise errors.InvalidInput(f"{what}: no AWS region is set; pass --region") from None
    except (
        botocore.exceptions.EndpointConnectionError,
        botocore.exceptions.ConnectTimeoutError,
        botocore.exceptions.ReadTimeoutError,
    ) as error:
        raise errors.AwsError(
            f"{what}: cannot reach the {service} endpoint ({type(error).__name__}); "
            "check --endpoint-url, --region and the network"
        ) from None
    except botocore.parsers.ResponseParserError:
        raise errors.AwsError(
            f"{what}: the {service} endpoint sent an unreadable response; retry later"
        ) from None
    except botocore.exceptions.BotoCoreError as error:
        raise errors.AwsError(f"{what}: {type(error).__name__}: {error}") from None


def translate(what: str) -> contextlib.AbstractContextManager[None]:
    """:func:`translate_aws` for RDS calls."""

    def specific(code: str, message: str) -> errors.SccosBackupError | None:
        if code in _NOT_FOUND:
            return errors.NotFound(f"{what}: {message}")
        if code in _TAKEN:
            return errors.IdentifierTaken(f"{what}: {message}; choose another name")
        if code in _STATE:
            return errors.NotAvailable(f"{what}: {message}; wait until it is available")
        if code in _QUOTA:
            return errors.PreconditionFailed(f"{what}: {message}; free some quota first")
        return None

    return translate_aws(
        what, service="RDS", specific=specific, denied="the IAM identity lacks an RDS permission"
    )


def _utc(value: Any) -> datetime | None:
    if not isinstance(value, datetime):
        return None
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def _tags(raw: Sequence[Mapping[str, str]] | None) -> tuple[tuple[str, str], ...]:
    return tuple((str(t["Key"]), str(t.get("Value", ""))) for t in raw or ())


def _freeze(value: Any) -> Any:
    if isinstance(value, Mapping):
        return MappingProxyType({k: _freeze(v) for k, v in value.items()})
    if isinstance(value, list | tuple):
        return tuple(_freeze(v) for v in value)
    return value


@dataclass(frozen=True)
class Instance:
    """One DB instance as described by RDS."""

    identifier: str
    status: str
    resource_id: str
    arn: str
    engine: str
    engine_version: str
    allocated_storage: int
    address: str | None
    port: int | None
    created: datetime | None
    latest_restorable_time: datetime | None
    backup_retention_period: int
    parameter_group: str | None
    tags: tuple[tuple[str, str], ...]
    #: The describe response, read-only; :mod:`sccos_backup.restore.settings` captures from it.
    raw: Mapping[str, Any]

    @property
    def available(self) -> bool:
        return self.status == "available"

    def tag(self, key: str) -> str | None:
        return dict(self.tags).get(key)

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> Instance:
        endpoint = data.get("Endpoint") or {}
        groups = data.get("DBParameterGroups") or []
        return cls(
            identifier=str(data["DBInstanceIdentifier"]),
            status=str(data.get("DBInstanceStatus", "unknown")),
            resource_id=str(data.get("DbiResourceId", "")),
            arn=str(data.get("DBInstanceArn", "")),
            engine=str(data.get("Engine", "")),
            engine_version=str(data.get("EngineVersion", "")),
            allocated_storage=int(data.get("AllocatedStorage", 0)),
            address=endpoint.get("Address"),
            port=endpoint.get("Port") or data.get("DbInstancePort"),
            created=_utc(data.get("InstanceCreateTime")),
            latest_restorable_time=_utc(data.get("LatestRestorableTime")),
            backup_retention_period=int(data.get("BackupRetentionPeriod", 0)),
            parameter_group=groups[0]["DBParameterGroupName"] if groups else None,
            tags=_tags(data.get("TagList")),
            raw=_freeze(dict(data)),
        )


@dataclass(frozen=True)
class Snapshot:
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

    @property
    def available(self) -> bool:
        return self.status == "available"

    def tag(self, key: str) -> str | None:
        return dict(self.tags).get(key)

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
        )


@dataclass(frozen=True)
class RestoreWindow:
    """The span a point-in-time restore of one instance may target."""

    earliest: datetime
    latest: datetime
    #: True when ``earliest`` was estimated from creation time and retention (no RestoreWindow).
    estimated: bool


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


class RdsAdapter:
    """Typed access to the RDS API calls sccos-backup uses."""

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
        #: When a wait last described an instance: a following wait keeps the same pace.
        self._last_poll: datetime | None = None

    def _pace(self, first_interval: float) -> float:
        """How long a new wait must hold back so polls stay ``first_interval`` apart."""
        if self._last_poll is None:
            return 0.0
        since = (self.clock() - self._last_poll).total_seconds()
        return max(0.0, first_interval - since)

    def _polled(self, found: Instance | None) -> Instance | None:
        self._last_poll = self.clock()
        return found

    # -- instances -------------------------------------------------------------------------

    def find_instance(self, identifier: str) -> Instance | None:
        """The instance named ``identifier``, or None when there is none."""
        try:
            return self.describe_instance(identifier)
        except errors.NotFound:
            return None

    def describe_instance(self, identifier: str) -> Instance:
        try:
            with translate(f"DB instance '{identifier}'"):
                found = self._client.describe_db_instances(DBInstanceIdentifier=identifier)
        except errors.NotFound:
            raise errors.NotFound(
                f"DB instance '{identifier}' does not exist; check the identifier and --region"
            ) from None
        return Instance.from_api(found["DBInstances"][0])

    def find_instance_by_resource_id(self, resource_id: str) -> Instance | None:
        """The instance whose DbiResourceId is ``resource_id`` (it survives renames)."""
        with translate(f"DB instance with resource id '{resource_id}'"):
            paginator = self._client.get_paginator("describe_db_instances")
            wanted: list[FilterTypeDef] = [{"Name": "dbi-resource-id", "Values": [resource_id]}]
            for page in paginator.paginate(Filters=wanted):
                for data in page["DBInstances"]:
                    if data.get("DbiResourceId") == resource_id:
                        return Instance.from_api(data)
        return None

    def list_instances(self) -> list[Instance]:
        with translate("listing DB instances"):
            paginator = self._client.get_paginator("describe_db_instances")
            pages = paginator.paginate()
            return [Instance.from_api(d) for page in pages for d in page["DBInstances"]]

    def rename_instance(self, identifier: str, new_identifier: str) -> None:
        """Rename with ApplyImmediately. The caller checks that ``new_identifier`` is free."""
        with translate(f"renaming DB instance '{identifier}' to '{new_identifier}'"):
            self._client.modify_db_instance(
                DBInstanceIdentifier=identifier,
                NewDBInstanceIdentifier=new_identifier,
                ApplyImmediately=True,
            )

    def modify_instance(self, identifier: str, **params: Any) -> None:
        with translate(f"modifying DB instance '{identifier}'"):
            self._client.modify_db_instance(DBInstanceIdentifier=identifier, **params)

    def add_tags(self, arn: str, tags: Mapping[str, str]) -> None:
        with translate(f"tagging '{arn}'"):
            self._client.add_tags_to_resource(
                ResourceName=arn, Tags=[{"Key": k, "Value": v} for k, v in tags.items()]
            )

    def remove_tags(self, arn: str, keys: Sequence[str]) -> None:
        with translate(f"untagging '{arn}'"):
            self._client.remove_tags_from_resource(ResourceName=arn, TagKeys=list(keys))

    def parameter_group_family(self, name: str) -> str | None:
        """The family of a DB parameter group (``postgres13``), or None if it cannot be read."""
        try:
            with translate(f"DB parameter group '{name}'"):
                groups = self._client.describe_db_parameter_groups(DBParameterGroupName=name)
        except errors.NotFound:
            return None
        found = groups.get("DBParameterGroups") or []
        return str(found[0]["DBParameterGroupFamily"]) if found else None

    def restore_window(self, instance: Instance) -> RestoreWindow | None:
        """The point-in-time window of ``instance``, or None when PITR is off.

        AWS reports the window in DescribeDBInstanceAutomatedBackups (``RestoreWindow``). Where
        that is missing (moto), the earliest time is estimated conservatively as the later of
        the instance's creation and ``latest - retention days``.
        """
        if instance.backup_retention_period <= 0 or instance.latest_restorable_time is None:
            return None
        try:
            with translate(f"automated backups of '{instance.identifier}'"):
                found = self._client.describe_db_instance_automated_backups(
                    DbiResourceId=instance.resource_id
                )["DBInstanceAutomatedBackups"]
        except errors.NotFound:
            found = []
        for backup in found:
            window = backup.get("RestoreWindow") or {}
            earliest, latest = _utc(window.get("EarliestTime")), _utc(window.get("LatestTime"))
            if earliest and latest:
                return RestoreWindow(earliest=earliest, latest=latest, estimated=False)
        latest = instance.latest_restorable_time
        earliest = latest - timedelta(days=instance.backup_retention_period)
        if instance.created and instance.created > earliest:
            earliest = instance.created
        return RestoreWindow(earliest=earliest, latest=latest, estimated=True)

    def wait_instance(
        self,
        identifier: str,
        *,
        timeout: float,
        on_poll: Callable[[Poll], None] | None = None,
        first_interval: float = 15.0,
    ) -> Instance:
        """Wait until ``identifier`` exists and is available (also after a rename)."""

        def observe() -> Instance | None:
            return self._polled(self.find_instance(identifier))

        found = poll_until(
            observe,
            lambda i: i is not None and i.available,
            what=f"DB instance '{identifier}'",
            status=lambda i: "absent" if i is None else i.status,
            clock=self.clock,
            sleep=self.sleep,
            timeout=timeout,
            on_poll=on_poll,
            first_interval=first_interval,
            first_delay=self._pace(first_interval),
            hint="check the RDS console; the command can be run again to continue waiting",
        )
        assert found is not None
        return found

    def wait_absent(
        self,
        identifier: str,
        *,
        timeout: float,
        on_poll: Callable[[Poll], None] | None = None,
        first_interval: float = 15.0,
        resource_id: str | None = None,
    ) -> None:
        """Wait until ``identifier`` no longer answers (after a rename away); with
        ``resource_id``, until that instance no longer holds the name (another may)."""

        def released(found: Instance | None) -> bool:
            if found is None:
                return True
            owner = resource_id
            return owner is not None and found.resource_id != owner

        poll_until(
            lambda: self._polled(self.find_instance(identifier)),
            released,
            what=f"old name '{identifier}'",
            status=lambda i: "absent" if i is None else f"answering ({i.status})",
            clock=self.clock,
            sleep=self.sleep,
            timeout=timeout,
            on_poll=on_poll,
            first_interval=first_interval,
            first_delay=self._pace(first_interval),
        )

    def delete_instance(self, identifier: str, *, final_snapshot: str) -> None:
        """Delete with a final snapshot, keeping automated backups (only `restore cleanup`)."""
        with translate(f"deleting DB instance '{identifier}'"):
            self._client.delete_db_instance(
                DBInstanceIdentifier=identifier,
                SkipFinalSnapshot=False,
                FinalDBSnapshotIdentifier=final_snapshot,
                DeleteAutomatedBackups=False,
            )

    # -- snapshots -------------------------------------------------------------------------

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
            pages = paginator.paginate(**params)
            return [Snapshot.from_api(d) for page in pages for d in page["DBSnapshots"]]

    def create_snapshot(
        self, instance_identifier: str, snapshot_identifier: str, tags: Mapping[str, str]
    ) -> Snapshot:
        with translate(f"creating snapshot '{snapshot_identifier}' of '{instance_identifier}'"):
            created = self._client.create_db_snapshot(
                DBInstanceIdentifier=instance_identifier,
                DBSnapshotIdentifier=snapshot_identifier,
                Tags=[{"Key": k, "Value": v} for k, v in tags.items()],
            )
        return Snapshot.from_api(created["DBSnapshot"])

    def delete_snapshot(self, snapshot_identifier: str) -> None:
        with translate(f"deleting snapshot '{snapshot_identifier}'"):
            self._client.delete_db_snapshot(DBSnapshotIdentifier=snapshot_identifier)

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

    def manual_snapshot_quota(self) -> tuple[int, int] | None:
        """(used, max) of the account's manual snapshots, or None where the API cannot tell."""
        try:
            with translate("reading account quotas"):
                quotas = self._client.describe_account_attributes()["AccountQuotas"]
        except errors.AwsError:
            return None
        for quota in quotas:
            if quota.get("AccountQuotaName") == "ManualSnapshots":
                return int(quota.get("Used", 0)), int(quota.get("Max", 0))
        return None
