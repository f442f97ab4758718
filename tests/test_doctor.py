"""`sccos-backup doctor`: every check a restore run needs, each turned red once, against moto,
the fake Jenkins, a fake IAM simulator and a fake `pulumi` executable; `restore run` refusing
on a failed check before any change; `restore resume` with no run."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from typer.testing import CliRunner

from automation.cli import app
from automation.doctor.pulumi import pinned_aws_plugin
from sccos_backup.aws.account import AccountAdapter
from sccos_backup.jenkins.jobxml import ShellJob, freestyle_config
from sccos_backup.permissions.policy import policy_document
from sccos_backup.resync.job import JOB_DESCRIPTION
from tests.conftest import REGION, FakeClock, aws_state, make_instance, one_error_line
from tests.fake_iam import FakeIam, serving
from tests.fake_jenkins import FakeJenkins
from tests.support.factory import FakeFactory
from tests.support.pipelines import create_pipelines

pytestmark = pytest.mark.aws_in_process

PASSPHRASE = "doctor-passphrase-value"
INCORRECT = (
    "error: failed to decrypt: incorrect passphrase, please set PULUMI_CONFIG_PASSPHRASE to the "
    "correct passphrase or set PULUMI_CONFIG_PASSPHRASE_FILE to a file containing the passphrase"
)

#: A `pulumi` that answers from world.json beside it: its version, its plugins, and its
#: stacks with the passphrase each was made with (as Pulumi 3.x's passphrase manager answers).
FAKE_PULUMI = """#!{python}
import json, os, sys
here = os.path.dirname(os.path.abspath(__file__))
world = json.load(open(os.path.join(here, "world.json")))
words = [a for a in sys.argv[1:] if a != "--non-interactive"]
if words == ["version"]:
    print(world["version"]); sys.exit(0)
if words[:3] == ["plugin", "ls", "--json"]:
    print(json.dumps(world["plugins"])); sys.exit(0)
if words[:3] == ["stack", "ls", "--json"]:
    print(json.dumps([{{"name": n}} for n in world["stacks"]])); sys.exit(0)
if words[:3] == ["stack", "export", "--show-secrets"]:
    stack = words[words.index("--stack") + 1]
    if os.environ.get("PULUMI_CONFIG_PASSPHRASE") != world["stacks"][stack]:
        sys.stderr.write({incorrect!r} + "\\n"); sys.exit(255)
    print("{{}}"); sys.exit(0)
sys.stderr.write("fake pulumi: unexpected " + " ".join(words) + "\\n"); sys.exit(2)
"""


class FakePulumi:
    def __init__(self, folder: Path) -> None:
        self.bin = folder / "bin"
        self.bin.mkdir(parents=True)
        script = self.bin / "pulumi"
        script.write_text(FAKE_PULUMI.format(python=sys.executable, incorrect=INCORRECT))
        script.chmod(0o755)
        self.world: dict[str, Any] = {
            "version": "v3.272.0",
            "plugins": [{"name": "aws", "kind": "resource", "version": pinned_aws_plugin()}],
            "stacks": {},
        }

    def save(self) -> None:
        (self.bin / "world.json").write_text(json.dumps(self.world))


@pytest.fixture
def shop(rds: Any, moto: str) -> dict[str, Any]:
    created = make_instance(rds, AvailabilityZone="eu-central-1a")
    rds.create_db_snapshot(DBInstanceIdentifier="shop", DBSnapshotIdentifier="shop-nightly")
    return created


@pytest.fixture
def jenkins() -> Iterator[FakeJenkins]:
    with FakeJenkins() as server:
        yield server


@pytest.fixture
def pulumi(tmp_path: Path) -> FakePulumi:
    return FakePulumi(tmp_path / "pulumi")


class Doctor:
    def __init__(self, moto: str, jenkins: FakeJenkins, pulumi: FakePulumi) -> None:
        self.moto = moto
        self.jenkins = jenkins
        self.pulumi = pulumi
        self.iam = FakeIam(policy_document("restore"))
        self.env: dict[str, str | None] = {
            "JENKINS_URL": jenkins.url,
            "JENKINS_USER": jenkins.user,
            "JENKINS_API_TOKEN": jenkins.token,
            "PULUMI_CONFIG_PASSPHRASE": PASSPHRASE,
            "PATH": f"{pulumi.bin}{os.pathsep}{os.environ['PATH']}",
        }
        self.sts_url = moto

    def __call__(self, *args: str, command: tuple[str, ...] = ("doctor",)) -> Any:
        self.pulumi.save()
        with serving(self.iam) as iam_url:

            def client(service: str, url: str) -> Any:
                return boto3.client(
                    service,
                    region_name=REGION,
                    endpoint_url=url,
                    config=__import__("botocore.config").config.Config(retries={"max_attempts": 1}),
                )

            account = AccountAdapter(
                sts=client("sts", self.sts_url),
                iam=client("iam", iam_url),
                kms=client("kms", self.moto),
                rds=client("rds", self.moto),
            )
            clock = FakeClock()
            context = FakeFactory(clock=clock, sleep=clock.sleep, account=account)
            return CliRunner().invoke(
                app,
                ["--endpoint-url", self.moto, "--region", REGION, *command, "shop", *args],
                obj=context,
                env=self.env,
            )


@pytest.fixture
def doctor(moto: str, jenkins: FakeJenkins, pulumi: FakePulumi) -> Doctor:
    return Doctor(moto, jenkins, pulumi)


def _statuses(result: Any) -> dict[str, str]:
    report = json.loads(result.stdout)
    return {c["key"]: c["status"] for c in report["checks"]}


def test_ready_exits_0_with_every_check_in_json(
    doctor: Doctor, shop: Any, moto: str, jenkins: FakeJenkins
) -> None:
    codepipeline = boto3.client("codepipeline", region_name=REGION, endpoint_url=moto)
    create_pipelines(moto, codepipeline, "Maintenance_Enable_prod", "Maintenance_Disable_prod")
    result = doctor("--snapshot", "shop-nightly", "--maintenance", "prod", "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert list(report)[:3] == ["schemaVersion", "database", "ready"]
    assert report["ready"] is True
    assert _statuses(result) == {
        "aws-identity": "ok",
        "source": "ok",
        "iam": "ok",
        "kms": "skipped",
        "orderable": "unknown",  # moto lists no orderable options for postgres
        "maintenance": "ok",
        "pulumi-cli": "ok",
        "aws-plugin": "ok",
        "passphrase": "ok",
        "backend": "ok",
        "jenkins": "ok",
        "jenkins-job": "ok",
        "jenkins-rights": "ok",
    }
    asked = {action for _, action, _ in doctor.iam.asked}
    assert {"rds:ModifyDBInstance", "rds:RestoreDBInstanceFromDBSnapshot"} <= asked
    assert {"codepipeline:StartPipelineExecution"} <= asked
    assert not jenkins.jobs, "nothing was created"
    assert jenkins.token not in result.output and PASSPHRASE not in result.output


def _disable_simulation(d: Doctor) -> None:
    d.iam.may_simulate = False


def _without_modify(d: Doctor) -> None:
    document = policy_document("restore")
    for statement in document["Statement"]:
        statement["Action"] = [a for a in statement["Action"] if a != "rds:ModifyDBInstance"]
    d.iam.document = document


def _old_cli(d: Doctor) -> None:
    d.pulumi.world["version"] = "v3.100.0"


def _no_cli(d: Doctor) -> None:
    d.env["PATH"] = "/usr/bin:/bin"


def _no_plugin(d: Doctor) -> None:
    d.pulumi.world["plugins"] = [{"name": "aws", "kind": "resource", "version": "6.0.0"}]


def _other_passphrase(d: Doctor) -> None:
    d.pulumi.world["stacks"] = {"restore-shop-202611200000": "another-passphrase"}


def _no_passphrase(d: Doctor) -> None:
    d.env["PULUMI_CONFIG_PASSPHRASE"] = None  # CliRunner removes it


def _bad_token(d: Doctor) -> None:
    d.env["JENKINS_API_TOKEN"] = "not-the-token"


def _foreign_job(d: Doctor) -> None:
    job = ShellJob(script="echo hello")
    d.jenkins.jobs["sccos-backup-sync-data"] = freestyle_config(job, description="someone's")


def _no_create(d: Doctor) -> None:
    d.jenkins.forbid.add("hudson.model.Item.Create")


def _no_build(d: Doctor) -> None:
    job = ShellJob(script="echo old")
    d.jenkins.jobs["sccos-backup-sync-data"] = freestyle_config(job, description=JOB_DESCRIPTION)
    d.jenkins.forbid.add("hudson.model.Item.Build")


def _no_configure(d: Doctor) -> None:
    job = ShellJob(script="echo old")
    d.jenkins.jobs["sccos-backup-sync-data"] = freestyle_config(job, description=JOB_DESCRIPTION)
    d.jenkins.forbid.add("hudson.model.Item.Configure")


def _unreachable_sts(d: Doctor) -> None:
    d.sts_url = "http://127.0.0.1:1"


@pytest.mark.parametrize(
    ("breaker", "key", "status", "needle"),
    [
        (_unreachable_sts, "aws-identity", "failed", "sts:GetCallerIdentity"),
        (_without_modify, "iam", "failed", "rds:ModifyDBInstance on arn:aws:rds"),
        (_disable_simulation, "iam", "unknown", "AccessDenied"),
        (_old_cli, "pulumi-cli", "failed", "v3.100.0"),
        (_no_cli, "pulumi-cli", "failed", "no `pulumi`"),
        (_no_plugin, "aws-plugin", "failed", "installed: 6.0.0"),
        (_other_passphrase, "passphrase", "failed", "incorrect passphrase"),
        (_no_passphrase, "passphrase", "failed", "not set"),
        (_bad_token, "jenkins", "failed", "HTTP 401"),
        (_foreign_job, "jenkins-job", "failed", "not created by sccos-backup"),
        (_no_create, "jenkins-rights", "failed", "Job/Create"),
        (_no_build, "jenkins-rights", "failed", "Job/Build"),
        (_no_configure, "jenkins-rights", "failed", "Job/Configure"),
    ],
    ids=lambda v: v.__name__.strip("_") if callable(v) else None,
)
def test_each_check_turns_red(
    doctor: Doctor,
    shop: Any,
    monkeypatch: pytest.MonkeyPatch,
    breaker: Callable[[Doctor], None],
    key: str,
    status: str,
    needle: str,
) -> None:
    monkeypatch.delenv("PULUMI_CONFIG_PASSPHRASE", raising=False)
    breaker(doctor)
    result = doctor("--snapshot", "shop-nightly", "--json")
    report = json.loads(result.stdout)
    [check] = [c for c in report["checks"] if c["key"] == key]
    assert check["status"] == status, check
    assert needle in check["detail"], check
    if status == "failed":
        assert check["fix"]
        assert result.exit_code == 3, result.output
    assert "Traceback" not in result.output


def test_the_source_check_names_a_missing_snapshot(doctor: Doctor, shop: Any) -> None:
    result = doctor("--snapshot", "shop-typo", "--json")
    assert result.exit_code == 3
    assert _statuses(result)["source"] == "failed"
    assert "shop-typo" in json.loads(result.stdout)["checks"][1]["detail"]


def test_missing_maintenance_pipelines_fail(doctor: Doctor, shop: Any) -> None:
    result = doctor("--snapshot", "shop-nightly", "--maintenance", "prod", "--json")
    assert result.exit_code == 3
    assert _statuses(result)["maintenance"] == "failed"


def test_a_disabled_kms_key_fails(doctor: Doctor, rds: Any, moto: str) -> None:
    kms = boto3.client("kms", region_name=REGION, endpoint_url=moto)
    metadata = kms.create_key()["KeyMetadata"]
    key = metadata["Arn"]
    make_instance(rds, StorageEncrypted=True, KmsKeyId=key)
    rds.create_db_snapshot(DBInstanceIdentifier="shop", DBSnapshotIdentifier="shop-nightly")
    assert _statuses(doctor("--snapshot", "shop-nightly", "--json"))["kms"] == "ok"
    kms.disable_key(KeyId=metadata["KeyId"])
    result = doctor("--snapshot", "shop-nightly", "--json")
    assert _statuses(result)["kms"] == "failed"
    assert "Disabled" in result.stdout


def test_an_instance_class_not_orderable_in_the_zone_fails(
    doctor: Doctor, shop: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from moto.rds.models import RDSBackend

    def orderable(self: Any, engine: str, engine_version: str) -> list[dict[str, Any]]:
        return [
            {
                "Engine": engine,
                "EngineVersion": "13.7",
                "DBInstanceClass": "db.t3.medium",
                "AvailabilityZones": [{"Name": "eu-central-1b"}],
            }
        ]

    monkeypatch.setattr(RDSBackend, "describe_orderable_db_instance_options", orderable)
    result = doctor("--snapshot", "shop-nightly", "--json")
    [check] = [c for c in json.loads(result.stdout)["checks"] if c["key"] == "orderable"]
    assert check["status"] == "failed", check
    assert "eu-central-1a" in check["detail"] and "eu-central-1b" in check["detail"]


def test_a_held_lock_fails_the_backend_check(doctor: Doctor, shop: Any) -> None:
    from sccos_backup.restore.lock import lock_scope

    lock = FakeFactory(region=REGION, endpoint_url=doctor.moto).lock(None)
    lock.acquire("shop", lock_scope(shop["DBInstanceArn"]), "restore run", None)
    result = doctor("--snapshot", "shop-nightly", "--json")
    assert _statuses(result)["backend"] == "failed"
    assert "restore unlock shop" in result.stdout


def test_the_table_names_each_fix(doctor: Doctor, shop: Any) -> None:
    _no_create(doctor)
    result = doctor("--snapshot", "shop-nightly")
    assert result.exit_code == 3
    assert "Jenkins rights to configure and build" in result.stdout
    assert "fix: ask a Jenkins administrator" in result.stdout
    assert "Result: NOT READY (1 failed)" in result.stdout


def test_run_refuses_with_the_table_before_any_change(
    doctor: Doctor, shop: Any, rds: Any, jenkins: FakeJenkins
) -> None:
    _no_create(doctor)
    before = aws_state(rds)
    result = doctor("--snapshot", "shop-nightly", "--yes", command=("restore", "run"))
    assert result.exit_code == 5, result.output
    assert "Jenkins rights to configure and build" in result.stdout
    one_error_line(result, 5, "Jenkins rights to configure and build", "Job/Create")
    assert aws_state(rds) == before
    assert not jenkins.jobs


def test_resume_with_no_run_says_so_before_asking_for_jenkins(doctor: Doctor, shop: Any) -> None:
    doctor.env.update(JENKINS_URL="", JENKINS_USER="", JENKINS_API_TOKEN="")
    result = doctor(command=("restore", "resume"))
    assert result.exit_code == 3, result.output
    assert result.stderr.startswith("error: no run to resume"), result.stderr
    assert "Jenkins" not in result.stderr


def test_an_unwritable_backend_fails(doctor: Doctor, shop: Any, tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the state folder should be")
    result = doctor("--snapshot", "shop-nightly", "--json", "--backend-url", f"file://{blocker}/s")
    [check] = [c for c in json.loads(result.stdout)["checks"] if c["key"] == "backend"]
    assert check["status"] == "failed", check
    assert "cannot create the lock file" in check["detail"]
    assert result.exit_code == 3


def test_the_source_check_follows_from_database_as_run_does(
    doctor: Doctor, shop: Any, rds: Any
) -> None:
    make_instance(rds, "shop-us", AvailabilityZone="eu-central-1a")
    rds.create_db_snapshot(DBInstanceIdentifier="shop-us", DBSnapshotIdentifier="shop-us-nightly")
    refused = doctor("--snapshot", "shop-us-nightly", "--json")
    assert _statuses(refused)["source"] == "failed"
    assert "--from-database" in json.loads(refused.stdout)["checks"][1]["detail"]
    named = doctor("--snapshot", "shop-us-nightly", "--from-database", "shop-us", "--json")
    assert _statuses(named)["source"] == "ok", named.output


def test_the_rehearsal_checks_the_passphrase_of_its_own_stacks(
    doctor: Doctor, shop: Any, rds: Any
) -> None:
    """A rehearsal makes and reads only `rehearsal-DB-*` stacks: those are the ones its
    passphrase must decrypt, not the `restore-DB-*` stacks of real runs. (Each call refuses
    before any change on the missing maintenance pipelines, so no rehearsal starts.)"""
    rehearse = ("restore", "rehearse")
    args = ("--yes", "--no-resync", "--maintenance", "staging")
    before = aws_state(rds)
    doctor.pulumi.world["stacks"] = {
        "restore-shop-202611200000": "another-passphrase",
        "rehearsal-shop-202611200000-run-1": PASSPHRASE,
    }
    result = doctor(*args, command=rehearse)
    one_error_line(result, 3, "Maintenance_Enable_staging")
    assert "passphrase" not in result.stderr
    assert "decrypts rehearsal-shop-202611200000-run-1" in result.stdout

    doctor.pulumi.world["stacks"] = {
        "restore-shop-202611200000": PASSPHRASE,
        "rehearsal-shop-202611200000-run-1": "another-passphrase",
    }
    result = doctor(*args, command=rehearse)
    one_error_line(result, 3, "does not decrypt stack rehearsal-shop-202611200000-run-1")
    assert PASSPHRASE not in result.output
    assert aws_state(rds) == before


def test_the_passphrase_check_reads_only_this_databases_stacks(doctor: Doctor, shop: Any) -> None:
    """`restore-shop-` also begins the stacks of `shop-eu` and `shop-2`: those databases' runs
    may use another passphrase and are none of this run's business. This database's stacks end
    in a run id (12 digits), a rehearsal's run stacks in `-run-N`."""
    doctor.pulumi.world["stacks"] = {
        "restore-shop-eu-202611200000": "another-passphrase",
        "restore-shop-2-202611200000": "another-passphrase",
        "restore-shop-202611200000": PASSPHRASE,
    }
    result = doctor("--snapshot", "shop-nightly", "--json")
    checks = {c["key"]: c for c in json.loads(result.stdout)["checks"]}
    assert checks["passphrase"]["status"] == "ok", checks["passphrase"]
    assert "restore-shop-eu-" not in result.stdout and "restore-shop-2-" not in result.stdout

    doctor.pulumi.world["stacks"]["restore-shop-202611210000"] = "another-passphrase"
    result = doctor("--snapshot", "shop-nightly", "--json")
    checks = {c["key"]: c for c in json.loads(result.stdout)["checks"]}
    assert checks["passphrase"]["status"] == "failed", checks["passphrase"]
    assert "restore-shop-202611210000" in checks["passphrase"]["detail"], checks["passphrase"]


def test_the_passphrase_check_reads_the_stack_named_with_stack(doctor: Doctor, shop: Any) -> None:
    """`--stack NAME` makes the run use NAME: that stack's passphrase is the one to check, when
    it exists; a new one is created with the passphrase set."""
    doctor.pulumi.world["stacks"] = {"shop-restores": "another-passphrase"}
    result = doctor("--snapshot", "shop-nightly", "--stack", "shop-restores", "--json")
    checks = {c["key"]: c for c in json.loads(result.stdout)["checks"]}
    assert checks["passphrase"]["status"] == "failed", checks["passphrase"]
    assert "shop-restores" in checks["passphrase"]["detail"], checks["passphrase"]

    doctor.pulumi.world["stacks"] = {"restore-shop-202611200000": "another-passphrase"}
    result = doctor("--snapshot", "shop-nightly", "--stack", "shop-new", "--json")
    checks = {c["key"]: c for c in json.loads(result.stdout)["checks"]}
    assert checks["passphrase"]["status"] == "ok", checks["passphrase"]
