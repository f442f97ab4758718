"""Seed a moto server with a production-like SCCOS database, for the quickstart and benchmarks.

moto_server -p 5000 &
python bench/seed_moto.py --endpoint-url http://127.0.0.1:5000
"""

from __future__ import annotations

import argparse
import sys

import boto3


def seed(endpoint_url: str, region: str = "eu-central-1", identifier: str = "shop") -> None:
    rds = boto3.client("rds", region_name=region, endpoint_url=endpoint_url)
    ec2 = boto3.client("ec2", region_name=region, endpoint_url=endpoint_url)
    vpc = ec2.create_vpc(CidrBlock="10.20.0.0/16")["Vpc"]["VpcId"]
    subnets = [
        ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.20.{i}.0/24", AvailabilityZone=f"{region}{z}")[
            "Subnet"
        ]["SubnetId"]
        for i, z in ((1, "a"), (2, "b"))
    ]
    group = ec2.create_security_group(GroupName=f"{identifier}-db", Description="db", VpcId=vpc)
    rds.create_db_subnet_group(
        DBSubnetGroupName=f"{identifier}-private", DBSubnetGroupDescription="db", SubnetIds=subnets
    )
    rds.create_db_parameter_group(
        DBParameterGroupName=f"{identifier}-pg13",
        DBParameterGroupFamily="postgres13",
        Description="shop parameters",
    )
    rds.create_db_instance(
        DBInstanceIdentifier=identifier,
        DBInstanceClass="db.r6g.large",
        Engine="postgres",
        EngineVersion="13.7",
        AllocatedStorage=100,
        MaxAllocatedStorage=500,
        StorageType="gp3",
        StorageEncrypted=True,
        KmsKeyId="arn:aws:kms:eu-central-1:123456789012:key/demo",
        MasterUsername="spryker",
        MasterUserPassword="demo-only-password",
        MultiAZ=True,
        DBSubnetGroupName=f"{identifier}-private",
        VpcSecurityGroupIds=[group["GroupId"]],
        DBParameterGroupName=f"{identifier}-pg13",
        BackupRetentionPeriod=5,
        PreferredBackupWindow="02:00-02:30",
        PreferredMaintenanceWindow="sun:03:00-sun:03:30",
        CopyTagsToSnapshot=True,
        DeletionProtection=True,
        EnableCloudwatchLogsExports=["postgresql"],
        Tags=[
            {"Key": "Environment", "Value": "production"},
            {"Key": "spryker:project", "Value": identifier},
        ],
    )
    rds.create_db_snapshot(
        DBInstanceIdentifier=identifier, DBSnapshotIdentifier=f"{identifier}-before-release-42"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--endpoint-url", required=True)
    parser.add_argument("--region", default="eu-central-1")
    parser.add_argument("--identifier", default="shop")
    args = parser.parse_args()
    seed(args.endpoint_url, args.region, args.identifier)
    name = args.identifier
    print(f"seeded DB instance '{name}' and snapshot '{name}-before-release-42'")
    return 0


if __name__ == "__main__":
    sys.exit(main())
