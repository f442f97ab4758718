"""Produce the drill report shown in docs/drills.md: a real `sccos-backup drill run` against a moto
server, with the in-process test engine standing in for Pulumi (no Pulumi CLI or AWS account
can run on this machine). The clock is the real one: moto restores instantly, so the RTO is
about a second; against AWS it is the minutes the restore takes.

    .venv/bin/python -m tests.drill_example OUT_FOLDER

writes ``report.md`` and ``report.json`` there and prints the console output of the run.
"""

from __future__ import annotations

import logging
import sys
import tempfile
from pathlib import Path

import boto3
from moto.server import ThreadedMotoServer
from typer.testing import CliRunner

from automation.cli import app
from sccos_backup.backups.ownership import hourly_tags
from tests.conftest import REGION, give_resource_id
from tests.inprocess_engine import InProcessEngine
from tests.support.factory import FakeFactory

CHECK = (
    'test "$DRILL_PORT" = 5432 && echo "psql -h $DRILL_HOST -p $DRILL_PORT -U $DRILL_USER '
    "-d $DRILL_DB_NAME -c 'select count(*) from spy_product' (moto has no SQL endpoint)\""
)


def _arrange(endpoint: str) -> None:
    rds = boto3.client("rds", region_name=REGION, endpoint_url=endpoint)
    rds.create_db_parameter_group(
        DBParameterGroupName="shop-pg13", DBParameterGroupFamily="postgres13", Description="db"
    )
    rds.create_db_instance(
        DBInstanceIdentifier="shop",
        DBInstanceClass="db.r6g.large",
        Engine="postgres",
        EngineVersion="13.7",
        AllocatedStorage=100,
        StorageType="gp3",
        MasterUsername="spryker",
        MasterUserPassword="example-only-not-used",  # moto needs one
        DBName="spryker",
        MultiAZ=True,
        DBParameterGroupName="shop-pg13",
        BackupRetentionPeriod=7,
        PreferredBackupWindow="01:30-02:00",
        DeletionProtection=True,
        CopyTagsToSnapshot=True,
        EnableCloudwatchLogsExports=["postgresql"],
        Tags=[{"Key": "Environment", "Value": "production"}],
    )
    give_resource_id("shop")
    name = "shop-hourly-2026-11-25-20"
    tags = [{"Key": k, "Value": v} for k, v in hourly_tags("shop", name)]
    rds.create_db_snapshot(DBInstanceIdentifier="shop", DBSnapshotIdentifier=name, Tags=tags)


def main(out: Path) -> int:
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        endpoint = f"http://{host}:{port}"
        _arrange(endpoint)
        with tempfile.TemporaryDirectory() as state:
            engine = InProcessEngine(endpoint, Path(state))
            result = CliRunner().invoke(
                app,
                [
                    "--endpoint-url", endpoint, "--region", REGION,
                    "drill", "run", "shop", "--hourly", "--check-command", CHECK,
                    "--report", str(out / "report.md"), "--reports-url", str(out), "--yes",
                ],
                obj=FakeFactory(interactive=False, engine=engine),
            )  # fmt: skip
        sys.stdout.write(result.output)
        for made in out.glob("shop-drill-*.json"):
            made.rename(out / "report.json")
        return result.exit_code
    finally:
        server.stop()


if __name__ == "__main__":
    raise SystemExit(main(Path(sys.argv[1])))
