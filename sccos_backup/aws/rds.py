"""The one adapter to Amazon RDS (boto3); only ``sccos_backup/aws/`` imports boto3 or botocore.

It holds its snapshot calls (:mod:`sccos_backup.aws.snapshots`) on the same client; the
translation of botocore's exceptions is shared with the other AWS adapters
(:mod:`sccos_backup.aws.translate`).

It takes its client, clock and sleep as constructor arguments, returns small frozen
dataclasses, and translates botocore's exceptions into :mod:`sccos_backup.errors`.
Retries of throttling and 5xx responses are botocore's standard retry mode.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sccos_backup import errors
from sccos_backup.aws.clients import make_client
from sccos_backup.aws.identity import emulator_identity, shared_ids, the_one
from sccos_backup.aws.instances import (
    FAILED_STATES,
    Instance,
    RestoreWindow,
    restore_window_of,
)
from sccos_backup.aws.snapshots import (
    Snapshot,
    SnapshotCalls,
    SnapshotQuota,
    snapshot_identifier_from,
)
from sccos_backup.aws.translate import Specific, translate, translate_aws
from sccos_backup.waiting import Poll, poll_until

if TYPE_CHECKING:
    from mypy_boto3_rds import RDSClient
    from mypy_boto3_rds.type_defs import FilterTypeDef


def make_rds_client(
    *, region: str | None, profile: str | None, endpoint_url: str | None, session: Any = None
) -> RDSClient:
    """An RDS client (see :func:`make_client`), from ``session`` when given."""
    client: RDSClient = make_client(
        "rds", region=region, profile=profile, endpoint_url=endpoint_url, session=session
    )
    return client


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
        self.emulator_identity = emulator_identity(client)  # :mod:`sccos_backup.aws.identity`
        self._snapshots = SnapshotCalls(client, clock=clock, sleep=sleep)
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

    # -- snapshots -------------------------------------------------------------------------

    def find_snapshot(self, identifier_or_arn: str) -> Snapshot | None:
        return self._snapshots.find_snapshot(identifier_or_arn)

    def describe_snapshot(self, identifier_or_arn: str) -> Snapshot:
        return self._snapshots.describe_snapshot(identifier_or_arn)

    def list_snapshots(
        self,
        *,
        instance_identifier: str | None = None,
        resource_id: str | None = None,
        snapshot_type: str | None = None,
    ) -> list[Snapshot]:
        return self._snapshots.list_snapshots(
            instance_identifier=instance_identifier,
            resource_id=resource_id,
            snapshot_type=snapshot_type,
        )

    def create_snapshot(
        self, instance_identifier: str, snapshot_identifier: str, tags: Mapping[str, str]
    ) -> Snapshot:
        return self._snapshots.create_snapshot(instance_identifier, snapshot_identifier, tags)

    def delete_snapshot(self, snapshot_identifier: str) -> None:
        self._snapshots.delete_snapshot(snapshot_identifier)

    def delete_retained_backups(self, resource_id: str) -> bool:
        return self._snapshots.delete_retained_backups(resource_id)

    def wait_snapshot(
        self,
        snapshot_identifier: str,
        *,
        timeout: float,
        on_poll: Callable[[Poll], None] | None = None,
        first_interval: float = 15.0,
    ) -> Snapshot:
        return self._snapshots.wait_snapshot(
            snapshot_identifier, timeout=timeout, on_poll=on_poll, first_interval=first_interval
        )

    def read_snapshot_quota(self) -> SnapshotQuota:
        return self._snapshots.read_snapshot_quota()

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

    def find_instance_by_resource_id(
        self, resource_id: str, *, tagged: tuple[str, str] | None = None
    ) -> Instance | None:
        """The instance whose DbiResourceId is ``resource_id`` (it survives renames).

        Only with :attr:`emulator_identity` may several instances share it; then the one
        carrying the tag ``tagged`` (key, value) is it. Several on AWS, or no single tagged
        one, is :class:`~sccos_backup.errors.NotFound`: nothing is guessed."""
        with translate(f"DB instance with resource id '{resource_id}'"):
            paginator = self._client.get_paginator("describe_db_instances")
            wanted: list[FilterTypeDef] = [{"Name": "dbi-resource-id", "Values": [resource_id]}]
            found = [
                Instance.from_api(data)
                for page in paginator.paginate(Filters=wanted)
                for data in page["DBInstances"]
                if data.get("DbiResourceId") == resource_id
            ]
        return the_one(found, resource_id, emulator=self.emulator_identity, tagged=tagged)

    def shared_resource_ids(self, instances: Iterable[Instance]) -> dict[str, tuple[str, ...]]:
        """:func:`~sccos_backup.aws.identity.shared_ids` behind :attr:`emulator_identity`."""
        return shared_ids(instances, emulator=self.emulator_identity)

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
        return restore_window_of(instance, instance.latest_restorable_time, found)

    def wait_instance(
        self,
        identifier: str,
        *,
        timeout: float,
        on_poll: Callable[[Poll], None] | None = None,
        first_interval: float = 15.0,
        failed_hint: str = "check the RDS console's events for it and fix the cause",
    ) -> Instance:
        """Wait until ``identifier`` exists and is available (also after a rename).

        An instance in one of :data:`FAILED_STATES` ends the wait at once with
        :class:`~sccos_backup.errors.AwsError`: its status, RDS's latest event for it and
        ``failed_hint`` (the way on)."""

        def observe() -> Instance | None:
            found = self._polled(self.find_instance(identifier))
            if found is not None and found.status in FAILED_STATES:
                raise errors.AwsError(
                    f"DB instance '{identifier}' is '{found.status}', a state it does not "
                    f"leave by itself ({latest_event(self._client, identifier)}); {failed_hint}"
                )
            return found

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
            return found is None or (resource_id is not None and found.resource_id != resource_id)

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

    def delete_instance(self, identifier: str, *, final_snapshot: str | None) -> None:
        """Delete with a final snapshot, keeping automated backups (`restore cleanup`); with no
        ``final_snapshot`` (a rehearsal's own instance) without one, backups included."""
        with translate(f"deleting DB instance '{identifier}'"):
            if final_snapshot is None:
                self._client.delete_db_instance(
                    DBInstanceIdentifier=identifier,
                    SkipFinalSnapshot=True,
                    DeleteAutomatedBackups=True,
                )
                return
            self._client.delete_db_instance(
                DBInstanceIdentifier=identifier,
                SkipFinalSnapshot=False,
                FinalDBSnapshotIdentifier=final_snapshot,
                DeleteAutomatedBackups=False,
            )


def latest_event(client: RDSClient, identifier: str) -> str:
    """RDS's latest event for an instance in the last 14 days, as a phrase for a message;
    a failure to read them is said, not raised (the caller is reporting another error)."""
    try:
        with translate(f"events of DB instance '{identifier}'"):
            found = client.describe_events(
                SourceIdentifier=identifier, SourceType="db-instance", Duration=14 * 24 * 60
            )["Events"]
    except errors.SccosBackupError as error:
        return f"its events could not be read: {error}"
    if not found:
        return "no RDS event for it in the last 14 days"
    latest = max(found, key=lambda e: e.get("Date") or datetime.min.replace(tzinfo=UTC))
    return f"latest RDS event: {latest.get('Message', '').strip()!r}"


__all__ = [
    "Instance",
    "RdsAdapter",
    "RestoreWindow",
    "Snapshot",
    "Specific",
    "make_rds_client",
    "snapshot_identifier_from",
    "translate",
    "translate_aws",
]


def rename_known(rds: RdsAdapter, instance: Instance, new_identifier: str) -> None:
    """:meth:`RdsAdapter.rename_instance` of ``instance``, also when botocore retried the call
    after the first attempt's answer was lost and RDS refused the retry because that attempt's
    rename had begun: then ``instance`` (by its DbiResourceId) is renaming or renamed."""
    try:
        rds.rename_instance(instance.identifier, new_identifier)
    except errors.SccosBackupError:
        for name in (new_identifier, instance.identifier):
            now = rds.find_instance(name)
            if (
                now is not None
                and now.resource_id == instance.resource_id
                and (now.identifier == new_identifier or now.status == "renaming")
            ):
                return
        raise
