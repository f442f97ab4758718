"""One restore command at a time per database, across machines: a lock in the state backend.

The lock is an object (S3) or a file (local folder) in the Pulumi state backend that every
machine running restores of a database shares. It is created with an *exclusive* write: S3
``PutObject`` with ``If-None-Match: *`` (:class:`sccos_backup.aws.s3.S3Store`), or an
exclusive hard link (``os.link``, refused when the name exists) in the backend folder
(:class:`sccos_backup.objects.FolderStore`). Whoever creates it holds it until the command
ends; a command that dies without releasing it (power loss, ``kill -9``) leaves it behind.

A command that continues the same run (``restore resume``, ``restore rollback``) takes over a
lock that run left when its holder is provably gone: on this host, no process has the holder's
pid any more; on another host, the lease (:data:`LEASE`, longer than any command runs) has
expired. Every other lock is broken only by ``restore unlock DB_ID`` (with a confirmation
showing who holds it and since when).

The lock is one guard; the run tags on the original are the second (see
:mod:`automation.runbook.claim`), for runs that were started on different backends.
"""

from __future__ import annotations

import getpass
import json
import os
import re
import socket
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import urlparse

from sccos_backup import errors
from sccos_backup.objects import ObjectStore, parse_store_url
from sccos_backup.restore.source import iso, parse_time

_NOT_IN_TAGS = re.compile(r"[^\w\s.:/=+\-@]")
#: Where the locks live inside the backend (next to Pulumi's own ``.pulumi`` folder).
LOCK_PREFIX = ".sccos-backup/locks"
#: How long a lock held from another host counts as live: longer than any command runs (a
#: 6-hour snapshot, a 6-hour restore, the renames and a re-sync).
LEASE = timedelta(hours=24)
_HOLDER = re.compile(r"^[^@\s]*@(?P<host>\S+) pid (?P<pid>\d+)$")


#: Where locks (and recorded plans) live: the backend's folder or bucket.
LockStore = ObjectStore


@dataclass(frozen=True)
class LockHolder:
    """Who holds a database's lock, and since when."""

    database: str
    holder: str
    command: str
    since: datetime
    backend: str
    run: str | None = None
    #: Unique per acquisition: a release only removes the lock it took.
    token: str = ""

    def to_bytes(self) -> bytes:
        body = {
            "database": self.database,
            "holder": self.holder,
            "command": self.command,
            "since": iso(self.since),
            "backend": self.backend,
            "run": self.run,
            "token": self.token,
        }
        return json.dumps(body, indent=2).encode()

    @classmethod
    def from_bytes(cls, body: bytes, database: str) -> LockHolder:
        try:
            data = json.loads(body.decode())
            return cls(
                database=str(data.get("database") or database),
                holder=str(data.get("holder") or "unknown"),
                command=str(data.get("command") or "unknown"),
                since=parse_time(str(data["since"])),
                backend=str(data.get("backend") or ""),
                run=data.get("run"),
                token=str(data.get("token") or ""),
            )
        except (ValueError, KeyError, TypeError, AttributeError, errors.InvalidInput):
            return cls(database, "unknown (unreadable lock)", "unknown", datetime.min, "", None)

    def describe(self) -> str:
        when = iso(self.since) if self.since != datetime.min else "an unknown time"
        run = f" for run {self.run}" if self.run else ""
        return f"{self.holder} ({self.command}{run}) since {when}"

    def gone(self, now: datetime) -> bool:
        """Whether the holder provably no longer runs: its pid is free on this host, or it is
        on another host and its lease has expired. False whenever that cannot be told."""
        match = _HOLDER.match(self.holder)
        if match is None or self.since == datetime.min:
            return False
        if match["host"] != socket.gethostname():
            return now - self.since > LEASE
        pid = int(match["pid"])
        if pid == os.getpid():
            return False
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        except OSError:  # it exists (another user's process)
            return False
        return False


def whoami() -> str:
    """``user@host pid N``: enough for an operator to find the other session."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "unknown"
    return f"{user}@{socket.gethostname()} pid {os.getpid()}"


def local_folder(backend_url: str) -> Path | None:
    """The folder of a ``file://`` backend URL (``file://~`` is the home folder), else None."""
    if not backend_url.startswith("file:"):
        return None
    return parse_store_url(backend_url, option="--backend-url").folder


def backend_identity(backend_url: str) -> str:
    """The backend a URL names, as recorded on a run: ``file:///abs/folder`` or
    ``s3://bucket/prefix`` (query options such as region or endpoint dropped), restricted to
    the characters RDS allows in a tag value."""
    folder = local_folder(backend_url)
    if folder is not None:
        text = "file://" + os.path.normpath(folder.absolute())
    else:
        parsed = urlparse(backend_url)
        text = f"{parsed.scheme}://{parsed.netloc}{parsed.path}".rstrip("/")
    return tag_safe(text)


def tag_safe(text: str) -> str:
    """``text`` with the characters RDS refuses in tag values replaced, cut to 256."""
    return _NOT_IN_TAGS.sub("_", text)[:256]


def lock_store_for(
    backend_url: str, *, region: str | None, profile: str | None, endpoint_url: str | None
) -> LockStore:
    """Where the locks of a backend live: the bucket of ``s3://``, the folder of ``file://``."""
    if backend_url.startswith(("file:", "s3://")):
        from sccos_backup.aws.s3 import open_store

        url = parse_store_url(backend_url, option="--backend-url")
        return open_store(
            url, option="--backend-url", region=region, profile=profile, endpoint_url=endpoint_url
        )
    raise errors.InvalidInput(
        f"the state backend '{backend_identity(backend_url)}' cannot hold the restore lock: "
        "use an s3:// bucket (shared by every machine) or a file:// folder as --backend-url"
    )


def same_backend(a: str, b: str) -> bool:
    """Whether two recorded backends (:func:`backend_identity`) are the same."""
    return backend_identity(a) == backend_identity(b)


def lock_scope(arn: str) -> str:
    """``account/region`` of an RDS ARN (``arn:aws:rds:eu-central-1:123456789012:db:shop``)."""
    parts = arn.split(":")
    if len(parts) < 6:
        return "unknown"
    return f"{parts[4] or 'unknown'}/{parts[3] or 'unknown'}"


def lock_key(database: str, scope: str) -> str:
    """One lock per database and AWS account/region (``scope``: ``123456789012/eu-central-1``)."""
    return f"{LOCK_PREFIX}/{scope}/{database}.json"


class DatabaseLock:
    """Take, show, release and break the lock of a database in one backend."""

    def __init__(
        self,
        store: LockStore,
        *,
        backend: str,
        clock: Callable[[], datetime],
        holder: str | None = None,
    ) -> None:
        self._store = store
        self.backend = backend
        self._clock = clock
        self._holder = holder or whoami()
        #: The lock the last :meth:`acquire` took over, if it took one over.
        self.taken_over: LockHolder | None = None

    @property
    def holder_name(self) -> str:
        return self._holder

    @property
    def store(self) -> LockStore:
        """Where the lock lives; runs record their plans there too."""
        return self._store

    def holder(self, database: str, scope: str) -> LockHolder | None:
        body = self._store.read(lock_key(database, scope))
        return None if body is None else LockHolder.from_bytes(body, database)

    def acquire(
        self, database: str, scope: str, command: str, run: str | None, *, take_over: bool = False
    ) -> LockHolder:
        """Take the lock or raise :class:`~sccos_backup.errors.RunInProgress` naming its holder.

        With ``take_over``, a lock left by the same ``run`` whose holder is gone is replaced
        (:attr:`taken_over` names it).
        """
        token = uuid.uuid4().hex
        mine = LockHolder(database, self._holder, command, self._clock(), self.backend, run, token)
        self.taken_over = None
        key = lock_key(database, scope)
        if self._store.create(key, mine.to_bytes()):
            return mine
        held = self.holder(database, scope)
        if held is not None and held.token == mine.token:
            # A retried write (its first attempt's answer lost) was refused by our own lock.
            return mine
        if take_over and run and held and held.run == run and held.gone(self._clock()):
            self._store.delete(key)
            if self._store.create(key, mine.to_bytes()):  # another resumer may have been first
                self.taken_over = held
                return mine
            held = self.holder(database, scope)
        who = held.describe() if held else "another command (it was released meanwhile)"
        raise errors.RunInProgress(
            f"'{database}' is locked by {who}; nothing was changed. Wait for that command to "
            f"end; if it died, break the lock with `sccos-backup restore unlock {database}`"
        )

    def release(self, database: str, scope: str, mine: LockHolder) -> None:
        """Release the lock if it is still ours (``restore unlock`` may have broken it)."""
        held = self.holder(database, scope)
        if held is not None and held.token == mine.token:
            self._store.delete(lock_key(database, scope))

    def force_release(self, database: str, scope: str) -> None:
        self._store.delete(lock_key(database, scope))

    @contextmanager
    def held(
        self,
        database: str,
        scope: str,
        command: str,
        run: str | None = None,
        *,
        take_over: bool = False,
    ) -> Iterator[LockHolder]:
        """Hold the lock for a block; released on every exit but a hard crash."""
        mine = self.acquire(database, scope, command, run, take_over=take_over)
        try:
            yield mine
        finally:
            self.release(database, scope, mine)
