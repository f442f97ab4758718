"""Build IAM policy documents from :mod:`.statements`, and evaluate them (for the tests and
for a dry check of a call).

The evaluator implements what the policies here use of IAM's rules (IAM User Guide, "Policy
evaluation logic" and "IAM JSON policy elements: Condition operators"): a statement matches
when one of its actions and one of its resources match (``*`` and ``?`` wildcards, actions
case-insensitive; ``NotResource`` inverts) and, given the request's context, its conditions
hold; an explicit Deny wins over any Allow; everything not allowed is denied.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sccos_backup import errors, identifiers
from sccos_backup.objects import parse_store_url
from sccos_backup.permissions import names
from sccos_backup.permissions.groups import BY_COMMAND
from sccos_backup.permissions.statements import Statement

#: ``sccos-backup iam-policy`` accepts these, and ``all`` for their union.
COMMANDS: tuple[str, ...] = tuple(BY_COMMAND)
ALL = "all"
POLICY_VERSION = "2012-10-17"

#: The schedule stack names `schedule capture` accepts (sccos_backup/schedule/spec.py).
_STACK = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,39}$")
_RDS_TAG_KEY = re.compile(r"^rds:[a-z-]+-tag/(.+)$")
_ACCOUNT = re.compile(r"^(\*|\d{12})$")
_REGION = re.compile(r"^(\*|[a-z]{2}(-[a-z]+)+-\d)$")


def statements_for(command: str) -> tuple[Statement, ...]:
    """The statements of one command group, or of ``all`` (each statement once)."""
    if command == ALL:
        seen: dict[str, Statement] = {}
        for group in BY_COMMAND.values():
            for statement in group:
                seen.setdefault(statement.sid, statement)
        return tuple(seen.values())
    if command not in BY_COMMAND:
        raise errors.InvalidInput(
            f"no IAM policy for '{command}'; choose one of {', '.join((*COMMANDS, ALL))}"
        )
    return BY_COMMAND[command]


def policy_document(
    command: str,
    *,
    partition: str = "aws",
    region: str = "*",
    account: str = "*",
    databases: Sequence[str] = (),
    db_tag: tuple[str, str] | None = None,
    backend_url: str | None = None,
    reports_url: str | None = None,
    stack: str | None = None,
) -> dict[str, Any]:
    """The least-privilege IAM policy (a JSON-ready dict) for one command group or ``all``.

    ``databases`` limits every changing call to those DB instances, the names this tool gives
    their instances and snapshots (:mod:`.names`: ``DB-pre-restore-????????????``,
    ``DB-hourly-????-??-??-??``, ...), never another database's; empty means any.
    ``db_tag`` (key, value) limits every changing call on a DB instance to instances carrying
    that tag: each statement on instances gets an explicit Deny on them
    (``Deny`` + ``Sid`` + ``OnUntaggedDatabases``) unless ``aws:ResourceTag/KEY`` is the value.
    A Deny, not a conditional Allow of its own, because an Allow must name every resource type
    its actions require (CreateDBSnapshot: the instance and the snapshot) and the snapshot does
    not carry the instance's tag. Reads stay region-wide.
    ``backend_url`` / ``reports_url``: with ``s3://BUCKET/PREFIX``, the statements on the state
    backend (Pulumi state, locks, plans) / the drill reports, on that bucket and prefix only;
    any other backend (``file://``) or a reports folder needs no S3 right.
    ``stack``: the schedule stack ``schedule-deploy`` is for (its names start
    ``sccos-backup-STACK-``); without it, any stack of this tool (``sccos-backup-*``).
    This is the one source for ``sccos-backup iam-policy`` and for roles declared by the
    project (the schedule stack's Lambda role uses ``policy_document("schedule", ...)``).
    """
    if not _REGION.match(region):
        raise errors.InvalidInput(f"region '{region}' is not an AWS region name (eu-central-1)")
    if not _ACCOUNT.match(account):
        raise errors.InvalidInput(f"account '{account}' is not a 12-digit AWS account id")
    databases = [identifiers.instance_identifier(name) for name in databases]
    if stack is not None and not _STACK.match(stack):
        raise errors.InvalidInput(
            f"stack name '{stack}' is invalid: use 1 to 40 letters, digits, '-' or '_'"
        )
    values = {
        "{partition}": partition,
        "{region}": region,
        "{account}": account,
        "{stack}": f"sccos-backup-{stack or '*'}",
    }
    places = {
        "backend": _s3_place(backend_url, "--backend-url", folders=False),
        "reports": _s3_place(reports_url, "--reports-url", folders=True),
    }
    for kind, place in (("state", places["backend"]), ("reports", places["reports"])):
        if place is not None:
            values |= {f"{{{kind}_bucket}}": place[0], f"{{{kind}_prefix}}": place[1]}
    statements = []
    for statement in statements_for(command):
        if statement.only_with and places[statement.only_with] is None:
            continue
        resources: list[str] = []
        for template in statement.resources:
            for resource in _expand(_filled(template, values), databases):
                if resource not in resources:
                    resources.append(resource)
        condition = _plain(statement.condition, values) if statement.condition else {}
        entry = _entry(statement.sid, statement.actions, resources, condition)
        entry["Effect"] = statement.effect
        if statement.not_resources:
            entry["NotResource"] = entry.pop("Resource")
        statements.append(entry)
        on_instances = [
            r
            for template in statement.resources
            if ":db:" in template and names.names_databases(template)
            for r in _expand(_filled(template, values), databases)
        ]
        if db_tag is not None and statement.effect == "Allow" and on_instances:
            key, value = db_tag
            deny = _entry(
                f"Deny{statement.sid}OnUntaggedDatabases",
                statement.actions,
                on_instances,
                {"StringNotEquals": {f"aws:ResourceTag/{key}": value}},
            )
            statements.append({**deny, "Effect": "Deny"})
    return {"Version": POLICY_VERSION, "Statement": statements}


def _entry(
    sid: str, actions: Sequence[str], resources: Sequence[str], condition: Mapping[str, Any]
) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "Sid": sid,
        "Effect": "Allow",
        "Action": list(actions),
        "Resource": resources[0] if len(resources) == 1 else list(resources),
    }
    if condition:
        entry["Condition"] = dict(condition)
    return entry


def _filled(template: str, values: Mapping[str, str]) -> str:
    for placeholder, value in values.items():
        template = template.replace(placeholder, value)
    return template


#: S3's bucket naming rules (general purpose buckets).
_BUCKET = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
#: IAM reads these in an ARN as wildcards or policy variables.
_NOT_IN_PREFIX = set("*?${}")


def _s3_place(url: str | None, option: str, *, folders: bool) -> tuple[str, str] | None:
    """(bucket, ``prefix/`` or "") of an ``s3://`` URL; None when the place needs no S3 right
    (no URL, another backend, a reports folder)."""
    if not url or (not folders and not url.startswith("s3://")):
        return None  # no URL, or a backend that is not S3 (a folder, Pulumi Cloud)
    place = parse_store_url(url, option=option, bare_folder=folders)
    if place.folder is not None:
        return None
    bucket, prefix = place.bucket, place.prefix
    if not _BUCKET.match(bucket) or _NOT_IN_PREFIX & set(prefix):
        raise errors.InvalidInput(
            f"{option} '{url}' is not s3://BUCKET/PREFIX with an S3 bucket name (lowercase "
            "letters, digits, dots, hyphens) and a prefix without * ? $ { }"
        )
    return bucket, f"{prefix}/" if prefix else ""


def _expand(template: str, databases: Sequence[str]) -> list[str]:
    """One resource per name pattern of the template's placeholder (:mod:`.names`)."""
    for placeholder in names.PLACEHOLDERS:
        if placeholder in template:
            return [
                template.replace(placeholder, p) for p in names.patterns(placeholder, databases)
            ]
    return [template]


def _plain(value: Any, values: Mapping[str, str]) -> Any:
    if isinstance(value, Mapping):
        return {k: _plain(v, values) for k, v in value.items()}
    if isinstance(value, str):
        return _filled(value, values)
    return value


#: A request context: condition keys (``aws:TagKeys``, ``aws:RequestTag/K``,
#: ``rds:snapshot-tag/K``, ...) and their value or values; a missing key is absent.
Context = Mapping[str, "str | Sequence[str]"]


def allows(
    document: Mapping[str, Any], action: str, resource: str, context: Context | None = None
) -> bool:
    """Whether ``document`` allows ``action`` on ``resource``: some Allow statement matches and
    no Deny statement does (``Resource`` or ``NotResource``). With a ``context``, conditions
    are evaluated as IAM does for the operators the policies here use; without one they are
    not (the caller does not know the request's keys), and a conditional Deny never matches."""
    allowed = False
    for statement in document.get("Statement", []):
        if not any(_match(a.lower(), action.lower()) for a in _listed(statement["Action"])):
            continue
        if "NotResource" in statement:
            if any(_match(r, resource) for r in _listed(statement["NotResource"])):
                continue
        elif not any(_match(r, resource) for r in _listed(statement["Resource"])):
            continue
        condition = statement.get("Condition") or {}
        if context is None:
            if condition and statement.get("Effect") == "Deny":
                continue
        elif not _conditions_hold(condition, context):
            continue
        if statement.get("Effect") == "Deny":
            return False
        allowed = allowed or statement.get("Effect") == "Allow"
    return allowed


def _conditions_hold(condition: Mapping[str, Any], context: Context) -> bool:
    """IAM's condition operators used here: String(Not)Equals, String(Not)Like, Null, and the
    ForAllValues:/ForAnyValue: forms. Keys compare case-insensitively, values exactly
    (tag keys in ``aws:TagKeys`` too, as IAM does)."""
    keys = {k.lower(): v for k, v in context.items()}
    for key, value in list(keys.items()):
        # IAM sets both keys from an RDS resource's tags (rds:db-tag/K, rds:snapshot-tag/K, ...)
        tag = _RDS_TAG_KEY.match(key)
        if tag:
            keys.setdefault(f"aws:resourcetag/{tag.group(1)}", value)
    for operator, tests in condition.items():
        qualifier, _, name = operator.rpartition(":")
        for key, wanted in tests.items():
            present = key.lower() in keys
            if name == "Null":
                if (str(wanted).lower() == "true") == present:
                    return False
                continue
            values = _listed(keys[key.lower()]) if present else []
            patterns = _listed(wanted)
            negated = "Not" in name
            like = name.replace("Not", "") == "StringLike"
            lower = key.lower() == "aws:tagkeys"

            def hit(
                value: str, patterns: list[str] = patterns, like: bool = like, lower: bool = lower
            ) -> bool:
                def norm(text: str) -> str:
                    return text.lower() if lower else text

                return any(
                    _match(norm(p), norm(value)) if like else norm(p) == norm(value)
                    for p in patterns
                )

            if qualifier == "ForAllValues":
                ok = all(hit(v) != negated for v in values)
            elif qualifier == "ForAnyValue":
                ok = any(hit(v) != negated for v in values)
            elif not present:
                ok = negated
            else:
                ok = any(hit(v) for v in values) != negated
            if not ok:
                return False
    return True


def _listed(value: str | Iterable[str]) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


def _match(pattern: str, value: str) -> bool:
    # IAM wildcards: * any run of characters (also ':' and '/'), ? one character. No [...].
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.fullmatch(regex, value, re.S) is not None


__all__ = ["ALL", "COMMANDS", "Context", "allows", "policy_document", "statements_for"]
