"""Emulator identity: the one switch for an RDS endpoint that gives DB instances one shared
DbiResourceId.

On AWS a DbiResourceId names exactly one DB instance for its whole life, across renames, and
sccos-backup recognises instances by it. ``moto_server`` (moto 5.2, ``moto/rds/models.py``)
gives every instance the same one, so a rehearsal with ``--endpoint-url`` against it would see
one instance where there are several. The switch is on only when the endpoint's host is not an
AWS one; then, and only then, :meth:`sccos_backup.aws.rds.RdsAdapter.find_instance_by_resource_id`
tells instances that share an id apart by a tag the caller names, and
:meth:`~sccos_backup.aws.rds.RdsAdapter.shared_resource_ids` names the ids the backups then match
by instance name and tags only. On AWS several instances with one id are refused as a broken
answer, never guessed between.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING
from urllib.parse import urlparse

from sccos_backup import errors

if TYPE_CHECKING:
    from sccos_backup.aws.instances import Instance

#: Host suffixes of AWS's own endpoints (commercial, China, dual-stack).
AWS_HOSTS = (".amazonaws.com", ".amazonaws.com.cn", ".api.aws")


def emulator_identity(client_or_url: object) -> bool:
    """Whether DbiResourceIds may be shared: the endpoint (a URL, or a boto3 client's) is set
    and is not an AWS host. Stand-in clients without ``meta`` answer as AWS."""
    endpoint_url = (
        client_or_url
        if client_or_url is None or isinstance(client_or_url, str)
        else getattr(getattr(client_or_url, "meta", None), "endpoint_url", None)
    )
    if not isinstance(endpoint_url, str) or not endpoint_url:
        return False
    host = urlparse(endpoint_url).hostname or ""
    return not host.endswith(AWS_HOSTS)


def the_one(
    found: Sequence[Instance],
    resource_id: str,
    *,
    emulator: bool,
    tagged: tuple[str, str] | None,
) -> Instance | None:
    """The instance of ``found`` (all answering to ``resource_id``) that is meant: the only one;
    with ``emulator`` on, the only one carrying the tag ``tagged`` (key, value). Anything else
    is :class:`~sccos_backup.errors.NotFound`: nothing is guessed."""
    if len(found) <= 1:
        return found[0] if found else None
    names = ", ".join(sorted(i.identifier for i in found))
    if not emulator:
        raise _given_to_one_only(len(found), resource_id, names)
    key, value = tagged or ("", "")
    chosen = [i for i in found if tagged is not None and i.tag(key) == value]
    if len(chosen) != 1:
        raise errors.NotFound(
            f"{len(found)} instances share DbiResourceId {resource_id} ({names}; the "
            f"endpoint is an emulator's) and {len(chosen)} carry the tag {key}={value}; "
            "nothing was changed. Tell them apart by hand first"
        )
    return chosen[0]


def shared_ids(instances: Iterable[Instance], *, emulator: bool) -> dict[str, tuple[str, ...]]:
    """The DbiResourceIds several of ``instances`` report, each with their identifiers
    (sorted). Only with ``emulator`` on can there be any; on AWS one is
    :class:`~sccos_backup.errors.NotFound` before anything is matched by name."""
    holders: dict[str, list[str]] = {}
    for instance in instances:
        if instance.resource_id:
            holders.setdefault(instance.resource_id, []).append(instance.identifier)
    shared = {rid: tuple(sorted(names)) for rid, names in holders.items() if len(names) > 1}
    if shared and not emulator:
        resource_id, names = min(shared.items())
        raise _given_to_one_only(len(names), resource_id, ", ".join(names))
    return shared


def _given_to_one_only(count: int, resource_id: str, names: str) -> errors.NotFound:
    return errors.NotFound(
        f"{count} DB instances report DbiResourceId {resource_id} ({names}), which AWS gives "
        "to one only; nothing was changed. Check --endpoint-url"
    )
