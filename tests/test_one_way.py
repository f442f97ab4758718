"""One way for each kind of value: one callbacks type, one Pulumi project check, one object
store, one JSON convention, and no emulator branches in production code."""

from __future__ import annotations

from dataclasses import fields
from datetime import UTC, datetime
from pathlib import Path

import pytest

from automation.drill.driver import DrillDriver
from automation.runbook.context import RunContext

ROOT = Path(__file__).resolve().parent.parent


def test_the_runbook_and_the_drill_report_through_one_callbacks_type() -> None:
    runbook = {f.name: f.type for f in fields(RunContext)}["callbacks"]
    drill = {f.name: f.type for f in fields(DrillDriver)}["callbacks"]
    assert runbook == drill == "Callbacks"
    import automation.drill.driver as driver
    import automation.runbook.context as core

    assert core.Callbacks is driver.Callbacks


def production_sources() -> dict[str, str]:
    return {
        path.relative_to(ROOT).as_posix(): path.read_text(encoding="utf-8")
        for top in ("sccos_backup", "automation")
        for path in sorted((ROOT / top).rglob("*.py"))
    }


def test_one_function_reads_a_pulumi_project_folder() -> None:
    readers = sorted(
        name
        for name, text in production_sources().items()
        if '"Pulumi.yaml"' in text and "yaml.safe_load(" in text
    )
    assert readers == ["sccos_backup/restore/stackfile.py"]


def test_the_lock_and_the_drill_reports_use_one_object_store(tmp_path: Path) -> None:
    from automation.commands.factory import Factory
    from sccos_backup.objects import FolderStore

    factory = Factory()
    lock = factory.lock_store(f"file://{tmp_path}")
    reports = factory.report_store(f"file://{tmp_path}")
    assert type(lock) is type(reports.objects) is FolderStore
    assert lock.location == reports.objects.location == str(tmp_path)


def test_only_the_rds_adapter_tells_shared_resource_ids_apart_behind_one_switch() -> None:
    sources = production_sources()
    assert not [n for n, text in sources.items() if "find_instances_by_resource_id" in text]
    switch = sorted(n for n, text in sources.items() if "emulator_identity" in text)
    assert switch == [
        "automation/drill/destroy.py",  # only to word a refusal
        "sccos_backup/aws/identity.py",
        "sccos_backup/aws/rds.py",
    ]
    mentions = sorted(
        n for n, text in sources.items() if "moto_server" in text and "DbiResourceId" in text
    )
    assert mentions == ["sccos_backup/aws/identity.py"]


@pytest.mark.parametrize(
    ("endpoint", "on"),
    [
        (None, False),
        ("https://rds.eu-central-1.amazonaws.com", False),
        ("https://rds.cn-north-1.amazonaws.com.cn", False),
        ("https://rds.eu-central-1.api.aws", False),
        ("http://127.0.0.1:5000", True),
        ("http://localhost:4566", True),
    ],
)
def test_the_emulator_identity_switch_is_on_only_for_an_endpoint_that_is_not_aws(
    endpoint: str | None, on: bool
) -> None:
    from sccos_backup.aws.identity import emulator_identity

    assert emulator_identity(endpoint) is on


def test_on_aws_two_instances_with_one_resource_id_are_refused_not_guessed_between() -> None:
    """moto's in-process mock answers as AWS's endpoint, with every DbiResourceId the same."""
    import boto3
    from moto import mock_aws

    from sccos_backup import errors
    from sccos_backup.aws.rds import RdsAdapter

    with mock_aws():
        client = boto3.client("rds", region_name="eu-central-1")
        for name in ("shop", "another-shop"):
            client.create_db_instance(
                DBInstanceIdentifier=name,
                DBInstanceClass="db.t3.micro",
                Engine="postgres",
                MasterUsername="spryker",
                MasterUserPassword="not-a-real-password",
                AllocatedStorage=20,
                Tags=[{"Key": "run", "Value": name}],
            )
        [shop] = client.describe_db_instances(DBInstanceIdentifier="shop")["DBInstances"]
        rds = RdsAdapter(client, clock=lambda: datetime.now(UTC), sleep=lambda s: None)
        assert not rds.emulator_identity
        with pytest.raises(errors.NotFound, match="AWS gives to one only"):
            rds.find_instance_by_resource_id(shop["DbiResourceId"], tagged=("run", "shop"))
