"""How every AWS client is made: botocore's standard retries, explicit timeouts and a deadline
per call (:mod:`sccos_backup.aws.network`). boto3 is imported lazily, when a client is made."""

from __future__ import annotations

from typing import Any

from sccos_backup import errors


def make_client(
    service: str,
    *,
    region: str | None,
    profile: str | None,
    endpoint_url: str | None,
    attempts: int | None = None,
) -> Any:
    """A boto3 client with standard retries (``attempts`` tries in all) and timeouts. boto3
    is imported here, lazily."""
    import boto3
    import botocore.config
    import botocore.exceptions

    from sccos_backup.aws import network

    config = botocore.config.Config(
        retries={"mode": "standard", "max_attempts": attempts or network.RETRY_ATTEMPTS},
        connect_timeout=network.CONNECT_TIMEOUT,
        read_timeout=network.READ_TIMEOUT,
        user_agent_extra="sccos-backup",
    )
    endpoint_url = network.check_endpoint_url(endpoint_url)
    try:
        session = boto3.Session(profile_name=profile, region_name=region)
        client = session.client(service, endpoint_url=endpoint_url, config=config)  # type: ignore[call-overload]
        network.install_deadline(client)
        return client
    except botocore.exceptions.ProfileNotFound:
        raise errors.InvalidInput(
            f"AWS profile '{profile}' is not configured; check --profile or ~/.aws/config"
        ) from None
    except botocore.exceptions.NoRegionError:
        raise errors.InvalidInput("no AWS region is set; pass --region or set AWS_REGION") from None
