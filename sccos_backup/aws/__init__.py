"""Adapters for AWS: RDS (boto3) and the maintenance-mode pipelines (CodePipeline)."""
