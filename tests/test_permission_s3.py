"""S3 rights on the configured bucket and prefix only: the Pulumi state backend and the
restore lock (`--backend-url s3://...`) and the drill reports (`--reports-url s3://...`).

The flows run with an s3:// backend and s3:// reports on moto, every AWS call is recorded
(tests/aws_calls.py) and checked against the document `iam-policy` prints for the same options.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import boto3
import pytest
from typer.testing import CliRunner

from automation.cli import app
from sccos_backup import errors
from sccos_backup.permissions import allows, policy_document
from tests.aws_calls import recording, uncovered
from tests.conftest import REGION, FakeClock, make_instance, one_error_line
from tests.support.factory import FakeFactory

pytestmark = pytest.mark.aws_in_process

STATE = "s3://state/team-a?region=eu-central-1"
REPORTS = "s3://drills/reports"


def _s3_resources(document: dict[str, Any]) -> list[str]:
    out = []
    for statement in document["Statement"]:
        resources = statement.get("Resource", [])
        for resource in [resources] if isinstance(resources, str) else resources:
            if resource.startswith("arn:aws:s3:::"):
                out.append(resource)
    return out


@pytest.mark.parametrize("command", ["restore", "drill", "schedule-deploy"])
def test_state_and_lock_rights_are_on_the_backend_bucket_and_prefix_only(command: str) -> None:
    document = policy_document(command, backend_url=STATE)
    objects = "arn:aws:s3:::state/team-a/"
    for action in ("s3:GetObject", "s3:PutObject", "s3:DeleteObject"):
        assert allows(document, action, objects + "locks/123456789012/eu-central-1/shop.json")
        assert allows(document, action, objects + ".pulumi/stacks/restore-shop.json")
        assert not allows(document, action, "arn:aws:s3:::state/team-b/locks/x.json")
        assert not allows(document, action, "arn:aws:s3:::state/team-a-old/x.json")
        assert not allows(document, action, "arn:aws:s3:::other/team-a/x.json")
    listing = {"s3:prefix": "team-a/.pulumi/stacks/"}
    assert allows(document, "s3:ListBucket", "arn:aws:s3:::state", listing)
    assert not allows(document, "s3:ListBucket", "arn:aws:s3:::state", {"s3:prefix": "team-b/"})
    assert not allows(document, "s3:ListBucket", "arn:aws:s3:::other", listing)
    assert "arn:aws:s3:::*" not in _s3_resources(document)


@pytest.mark.parametrize("command", ["restore", "drill", "schedule-deploy", "snapshot"])
def test_no_s3_right_without_an_s3_backend(command: str) -> None:
    for backend in (None, "file:///var/lib/sccos-backup/state"):
        assert _s3_resources(policy_document(command, backend_url=backend)) == []


def test_the_function_role_never_reads_the_state() -> None:
    assert _s3_resources(policy_document("schedule", backend_url=STATE)) == []


def test_drill_reports_are_on_their_bucket_and_prefix_only() -> None:
    document = policy_document("drill", reports_url=REPORTS)
    assert allows(document, "s3:PutObject", "arn:aws:s3:::drills/reports/shop-drill-1.json")
    assert allows(document, "s3:GetObject", "arn:aws:s3:::drills/reports/shop-drill-1.json")
    assert not allows(document, "s3:PutObject", "arn:aws:s3:::drills/other/x.json")
    assert not allows(document, "s3:PutObject", "arn:aws:s3:::other/reports/x.json")
    assert not allows(document, "s3:DeleteObject", "arn:aws:s3:::drills/reports/x.json")
    assert allows(document, "s3:ListBucket", "arn:aws:s3:::drills", {"s3:prefix": "reports/shop"})
    assert "arn:aws:s3:::*" not in _s3_resources(document)
    assert _s3_resources(policy_document("drill")) == [], "reports in a folder need no S3"


def test_cli_prints_the_scoped_document() -> None:
    args = ["iam-policy", "drill", "--backend-url", STATE, "--reports-url", REPORTS]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    expected = policy_document("drill", backend_url=STATE, reports_url=REPORTS)
    assert json.loads(result.stdout) == expected


@pytest.mark.parametrize(
    ("option", "url"),
    [
        ("--backend-url", "s3://"),
        ("--backend-url", "s3://st*te/x"),
        ("--reports-url", "s3://drills/re*orts"),
        ("--reports-url", "s3://Drills/reports?region=eu-central-1"),
        ("--reports-url", "https://drills/reports"),
    ],
)
def test_a_bad_url_is_one_line(option: str, url: str) -> None:
    one_error_line(CliRunner().invoke(app, ["iam-policy", "drill", option, url]), 2, url)
    with pytest.raises(errors.InvalidInput):
        policy_document("drill", **{option[2:].replace("-", "_"): url})  # type: ignore[arg-type]


def test_restore_and_drill_with_an_s3_backend_make_only_allowed_calls(
    moto: str, tmp_path: Path
) -> None:
    from datetime import UTC, datetime

    from tests.inprocess_engine import InProcessEngine

    s3 = boto3.client("s3", region_name=REGION, endpoint_url=moto)
    for bucket in ("state", "drills"):
        s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
    rds = boto3.client("rds", region_name=REGION, endpoint_url=moto)
    make_instance(rds, "blog")
    rds.create_db_snapshot(DBInstanceIdentifier="blog", DBSnapshotIdentifier="blog-nightly")
    clock = FakeClock(datetime.now(UTC))
    engine = InProcessEngine(moto, tmp_path / "state")
    backend = f"s3://state/team-a?region={REGION}"

    def cli(*args: str) -> Any:
        context = FakeFactory(clock=clock, sleep=clock.sleep, interactive=False, engine=engine)
        result = CliRunner().invoke(
            app, ["--endpoint-url", moto, "--region", REGION, *args], obj=context
        )
        assert result.exit_code == 0, (args, result.output)
        return result

    with recording() as recorder:
        cli("restore", "run", "blog", "--snapshot", "blog-nightly", "--yes", "--no-resync",
            "--backend-url", backend)  # fmt: skip
        cli("restore", "cleanup", "blog", "--yes", "--backend-url", backend)
        cli("drill", "run", "blog", "--snapshot", "blog-nightly", "--yes",
            "--backend-url", backend, "--reports-url", REPORTS)  # fmt: skip
        cli("drill", "history", "blog", "--reports-url", REPORTS)
    s3_calls = {(c.group, c.operation) for c in recorder.calls if c.service == "s3"}
    assert {("restore", "PutObject"), ("restore", "DeleteObject")} <= s3_calls
    assert ("drill", "PutObject") in s3_calls and ("drill", "ListObjectsV2") in s3_calls
    assert uncovered(recorder.calls) == []
    # the documents the check used are the scoped ones: a policy without the backend misses
    unscoped = {"restore": policy_document("restore"), "drill": policy_document("drill")}
    missing = uncovered(recorder.calls, unscoped)
    assert any("s3:PutObject on arn:aws:s3:::state/team-a/" in m for m in missing), missing
