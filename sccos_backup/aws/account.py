"""What the AWS account lets this caller do, asked without changing anything: who the caller
is (STS), what IAM would decide for each action the restore will take
(``iam:SimulatePrincipalPolicy``), whether a KMS key is usable, and which Availability Zones
offer an instance class.

``SimulatePrincipalPolicy`` evaluates the principal's identity policies, permissions boundary
and the account's SCPs, but not resource policies or session policies (IAM User Guide,
"Testing IAM policies with the IAM policy simulator", read 2026-11): an ``allowed`` here is
strong evidence, not a guarantee. A caller that may not simulate gets ``None`` (unknown).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sccos_backup import errors
from sccos_backup.aws.clients import make_client, make_session
from sccos_backup.aws.translate import translate_aws


@dataclass(frozen=True)
class Caller:
    account: str
    #: The STS ARN (``arn:aws:sts::123456789012:assumed-role/Ops/alice``).
    arn: str

    @property
    def partition(self) -> str:
        return self.arn.split(":")[1] if self.arn.count(":") >= 5 else "aws"

    @property
    def principal_arn(self) -> str:
        """The IAM ARN the simulator takes: an assumed role's role (its path, if any, is not in
        the STS ARN), a user as it is."""
        kind, _, rest = self.arn.split(":", 5)[5].partition("/")
        if kind == "assumed-role":
            role = rest.split("/", 1)[0]
            return f"arn:{self.partition}:iam::{self.account}:role/{role}"
        return self.arn.replace(":sts::", ":iam::", 1)


@dataclass(frozen=True)
class Decision:
    action: str
    resource: str
    decision: str

    @property
    def allowed(self) -> bool:
        return self.decision == "allowed"


def _no_specific(code: str, message: str) -> errors.SccosBackupError | None:
    return None


class AccountAdapter:
    """STS, IAM, KMS and RDS's orderable options, read only."""

    def __init__(self, *, sts: Any, iam: Any, kms: Any, rds: Any) -> None:
        self._sts, self._iam, self._kms, self._rds = sts, iam, kms, rds

    @property
    def region(self) -> str | None:
        return getattr(getattr(self._sts, "meta", None), "region_name", None)

    def caller(self) -> Caller:
        with translate_aws(
            "sts:GetCallerIdentity", service="STS", specific=_no_specific, denied="check them"
        ):
            found = self._sts.get_caller_identity()
        return Caller(account=str(found["Account"]), arn=str(found["Arn"]))

    def simulate(
        self, principal: str, needs: Iterable[tuple[str, str]]
    ) -> tuple[tuple[Decision, ...] | None, str]:
        """IAM's decision for each (action, resource); ``(None, why)`` where the caller may not
        simulate or the endpoint cannot."""
        import botocore.exceptions
        import botocore.parsers

        by_resource: dict[str, list[str]] = {}
        for action, resource in needs:
            actions = by_resource.setdefault(resource, [])
            if action not in actions:
                actions.append(action)
        found: list[Decision] = []
        try:
            paginator = self._iam.get_paginator("simulate_principal_policy")
            for resource, actions in by_resource.items():
                pages = paginator.paginate(
                    PolicySourceArn=principal, ActionNames=actions, ResourceArns=[resource]
                )
                for page in pages:
                    found += [_decision(r, resource) for r in page["EvaluationResults"]]
        except botocore.exceptions.ClientError as error:
            code = str(error.response.get("Error", {}).get("Code", ""))
            return None, f"iam:SimulatePrincipalPolicy answered {code}"
        except (botocore.parsers.ResponseParserError, NotImplementedError):
            return None, "the IAM endpoint cannot simulate policies"
        except botocore.exceptions.BotoCoreError as error:
            return None, f"iam:SimulatePrincipalPolicy failed ({type(error).__name__})"
        return tuple(found), ""

    def key_state(self, key_id: str) -> str:
        """KMS's ``KeyState`` of a key (``Enabled``, ``Disabled``, ``PendingDeletion``, ...)."""

        def specific(code: str, message: str) -> errors.SccosBackupError | None:
            if code == "NotFoundException":
                return errors.NotFound(f"KMS key {key_id}: {message}")
            return None

        with translate_aws(
            f"kms:DescribeKey {key_id}",
            service="KMS",
            specific=specific,
            denied="the IAM identity may not describe the key",
        ):
            found = self._kms.describe_key(KeyId=key_id)
        return str(found["KeyMetadata"].get("KeyState", ""))

    def orderable_zones(self, engine: str, version: str, instance_class: str) -> set[str] | None:
        """The Availability Zones where ``instance_class`` of ``engine`` ``version`` can be
        ordered; None when the endpoint lists no option at all for the engine (moto lists none
        for postgres or mysql), so nothing can be said."""
        with translate_aws(
            "rds:DescribeOrderableDBInstanceOptions",
            service="RDS",
            specific=_no_specific,
            denied="the IAM identity may not read orderable options",
        ):
            options = self._options(
                Engine=engine, EngineVersion=version, DBInstanceClass=instance_class
            )
            if not options and not self._options(Engine=engine, MaxRecords=20, first=True):
                return None
        return {str(z.get("Name")) for o in options for z in o.get("AvailabilityZones") or ()}

    def _options(self, *, first: bool = False, **query: Any) -> list[Mapping[str, Any]]:
        if first:
            return list(
                self._rds.describe_orderable_db_instance_options(**query)[
                    "OrderableDBInstanceOptions"
                ]
            )
        paginator = self._rds.get_paginator("describe_orderable_db_instance_options")
        pages = paginator.paginate(**query)
        return [o for page in pages for o in page["OrderableDBInstanceOptions"]]


def _decision(result: Mapping[str, Any], resource: str) -> Decision:
    return Decision(
        action=str(result.get("EvalActionName", "")),
        resource=str(result.get("EvalResourceName") or resource),
        decision=str(result.get("EvalDecision", "")),
    )


def make_account_adapter(
    *, region: str | None, profile: str | None, endpoint_url: str | None, session: Any = None
) -> AccountAdapter:
    """The adapter on one session's STS, IAM, KMS and RDS clients (``session`` when given)."""
    if session is None:
        session = make_session(region=region, profile=profile)

    def client(service: str, attempts: int | None = None) -> Any:
        return make_client(
            service,
            region=region,
            profile=profile,
            endpoint_url=endpoint_url,
            attempts=attempts,
            session=session,
        )

    # A simulator that answers 5xx (an endpoint without it) is not retried: the check is
    # then unknown at once.
    iam = client("iam", attempts=1)
    return AccountAdapter(sts=client("sts"), iam=iam, kms=client("kms"), rds=client("rds"))
