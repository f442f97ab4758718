"""The maintenance-mode pipelines, arranged in moto's CodePipeline."""

from __future__ import annotations

import json
from typing import Any

import boto3

from tests.conftest import REGION


def create_pipelines(moto: str, codepipeline: Any, *names: str) -> None:
    """The maintenance pipelines ``names`` in moto's CodePipeline, with the role they run as."""
    iam = boto3.client("iam", region_name=REGION, endpoint_url=moto)
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "codepipeline.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
    role = iam.create_role(RoleName="codepipeline", AssumeRolePolicyDocument=json.dumps(trust))
    for name in names:
        codepipeline.create_pipeline(
            pipeline={
                "name": name,
                "roleArn": role["Role"]["Arn"],
                "artifactStore": {"type": "S3", "location": "sccos-artifacts"},
                "stages": [
                    {
                        "name": "Source",
                        "actions": [
                            {
                                "name": "Source",
                                "actionTypeId": {
                                    "category": "Source",
                                    "owner": "AWS",
                                    "provider": "S3",
                                    "version": "1",
                                },
                                "configuration": {"S3Bucket": "b", "S3ObjectKey": "k"},
                                "outputArtifacts": [{"name": "src"}],
                            }
                        ],
                    },
                    {
                        "name": "Switch",
                        "actions": [
                            {
                                "name": "Switch",
                                "actionTypeId": {
                                    "category": "Build",
                                    "owner": "AWS",
                                    "provider": "CodeBuild",
                                    "version": "1",
                                },
                                "configuration": {"ProjectName": name},
                                "inputArtifacts": [{"name": "src"}],
                            }
                        ],
                    },
                ],
            }
        )
