"""An original instance in moto with every captured setting at a non-default value."""

from __future__ import annotations

from typing import Any

import boto3

from tests.conftest import REGION

KMS_KEY = "arn:aws:kms:eu-central-1:123456789012:key/1111aaaa-2222-bbbb-3333-cccc4444dddd"
PI_KEY = "arn:aws:kms:eu-central-1:123456789012:key/5555eeee-6666-ffff-7777-000088889999"
MONITORING_ROLE = "arn:aws:iam::123456789012:role/rds-monitoring-role"
S3_ROLE = "arn:aws:iam::123456789012:role/rds-s3-import"
TAGS = [
    {"Key": "Environment", "Value": "production"},
    {"Key": "spryker:project", "Value": 'shop <DE & AT> "eu"'},
    {"Key": "cost-center", "Value": ""},
]


def make_full_original(
    endpoint: str, *, multi_az: bool, identifier: str = "shop"
) -> dict[str, Any]:
    """Create the original and return the literal values it was created with, by request name."""
    rds = boto3.client("rds", region_name=REGION, endpoint_url=endpoint)
    ec2 = boto3.client("ec2", region_name=REGION, endpoint_url=endpoint)
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnets = [
        ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.0.{i}.0/24", AvailabilityZone=f"{REGION}{az}")[
            "Subnet"
        ]["SubnetId"]
        for i, az in ((1, "a"), (2, "b"))
    ]
    groups = sorted(
        ec2.create_security_group(GroupName=name, Description="db", VpcId=vpc)["GroupId"]
        for name in ("shop-db", "shop-bastion")
    )
    rds.create_db_subnet_group(
        DBSubnetGroupName="shop-private", DBSubnetGroupDescription="db", SubnetIds=subnets
    )
    rds.create_db_parameter_group(
        DBParameterGroupName="shop-pg13", DBParameterGroupFamily="postgres13", Description="db"
    )
    rds.create_option_group(
        OptionGroupName="shop-og13",
        EngineName="postgres",
        MajorEngineVersion="13",
        OptionGroupDescription="db",
    )
    values: dict[str, Any] = {
        "DBInstanceClass": "db.r6g.xlarge",
        "Engine": "postgres",
        "EngineVersion": "13.7",
        "AllocatedStorage": 500,
        "MaxAllocatedStorage": 1000,
        "StorageType": "gp3",
        "Iops": 12000,
        "StorageThroughput": 500,
        "StorageEncrypted": True,
        "KmsKeyId": KMS_KEY,
        "MultiAZ": multi_az,
        "DBSubnetGroupName": "shop-private",
        "VpcSecurityGroupIds": groups,
        "DBParameterGroupName": "shop-pg13",
        "OptionGroupName": "shop-og13",
        "Port": 5433,
        "PubliclyAccessible": True,
        "CACertificateIdentifier": "rds-ca-rsa4096-g1",
        "BackupRetentionPeriod": 14,
        "PreferredBackupWindow": "01:30-02:00",
        "PreferredMaintenanceWindow": "tue:03:00-tue:03:30",
        "CopyTagsToSnapshot": True,
        "DeletionProtection": True,
        "AutoMinorVersionUpgrade": False,
        "EnableIAMDatabaseAuthentication": True,
        "EnableCloudwatchLogsExports": ["postgresql", "upgrade"],
        "MonitoringInterval": 30,
        "MonitoringRoleArn": MONITORING_ROLE,
        "LicenseModel": "postgresql-license",
        "NetworkType": "DUAL",
        "Tags": TAGS,
        "ManageMasterUserPassword": True,
    }
    create = {k: v for k, v in values.items() if k not in {"MultiAZ"}}
    if not multi_az:
        create["AvailabilityZone"] = f"{REGION}b"
    rds.create_db_instance(
        DBInstanceIdentifier=identifier, MasterUsername="spryker", MultiAZ=multi_az, **create
    )
    rds.add_role_to_db_instance(
        DBInstanceIdentifier=identifier, RoleArn=S3_ROLE, FeatureName="s3Import"
    )
    # moto ignores Performance Insights and NetworkType on create and leaves them out of
    # describe; the tests add them to the describe response (see MotoGapsAdapter).
    values.update(
        {
            "EnablePerformanceInsights": True,
            "PerformanceInsightsKMSKeyId": PI_KEY,
            "PerformanceInsightsRetentionPeriod": 731,
            "AvailabilityZone": None if multi_az else f"{REGION}b",
            "AssociatedRoles": [{"RoleArn": S3_ROLE, "FeatureName": "s3Import"}],
        }
    )
    return values


MOTO_GAPS = {
    "NetworkType": "DUAL",
    "PerformanceInsightsEnabled": True,
    "PerformanceInsightsKMSKeyId": PI_KEY,
    "PerformanceInsightsRetentionPeriod": 731,
}
