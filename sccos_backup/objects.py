"""One small object store for the restore lock, the recorded plans and the drill reports.

Two kinds of place hold them, named by one URL grammar (the Pulumi state backend's):

- ``file://FOLDER`` (``file://~`` is the home folder), or a bare folder path where a command
  takes one (``--reports-url``): :class:`FolderStore`, files 0600 in folders 0700
  (:mod:`sccos_backup.files`);
- ``s3://BUCKET/PREFIX?region=R&endpoint=HOST:PORT&profile=P``: the S3 store in
  :mod:`sccos_backup.aws.s3`, opened by :func:`sccos_backup.aws.s3.open_store`.

Keys are ``/``-separated paths below the folder or prefix. ``create`` is exclusive (a hard link
that fails when the name exists; ``If-None-Match: *`` on S3), so the lock is a ``create``.
"""

from __future__ import annotations

import contextlib
import os
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol
from urllib.parse import parse_qs, unquote, urlparse

from sccos_backup import errors
from sccos_backup.files import FILE_MODE, private_folder, write_private

_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:/")


class ObjectStore(Protocol):
    """Small objects under one folder or S3 prefix."""

    #: Where the objects are, for messages (``s3://bucket/prefix`` or a folder).
    location: str

    def where(self, key: str) -> str:
        """The full name of ``key``, for messages and listings."""

    def create(self, key: str, body: bytes) -> bool:
        """Create ``key`` only if it does not exist; False when it already does."""

    def write(self, key: str, body: bytes) -> str:
        """Create or replace ``key`` whole; returns :meth:`where` it is."""

    def read(self, key: str) -> bytes | None:
        """The body of ``key``, or None when it does not exist."""

    def keys(self, prefix: str) -> list[str]:
        """The keys starting with ``prefix``, sorted."""

    def delete(self, key: str) -> None:
        """Remove ``key``; no error when it is already gone."""


@dataclass(frozen=True)
class StoreUrl:
    """A parsed store URL: a folder, or an S3 bucket and key prefix with its query options."""

    url: str
    folder: Path | None = None
    bucket: str = ""
    prefix: str = ""
    options: Mapping[str, str] = field(default_factory=dict)


def parse_store_url(url: str, *, option: str, bare_folder: bool = False) -> StoreUrl:
    """``file://FOLDER``, ``s3://BUCKET/PREFIX?...`` or (with ``bare_folder``) a folder path;
    anything else is one :class:`~sccos_backup.errors.InvalidInput` line naming ``option``."""
    parsed = urlparse(url)
    if parsed.scheme == "file" and url.startswith("file:"):
        return StoreUrl(url, folder=Path(unquote(parsed.netloc + parsed.path) or "~").expanduser())
    if url.startswith("s3://"):
        if not parsed.netloc:
            raise errors.InvalidInput(f"{option} '{url}' names no bucket; write s3://BUCKET/PREFIX")
        options = {key: values[-1] for key, values in parse_qs(parsed.query).items() if values}
        return StoreUrl(url, bucket=parsed.netloc, prefix=parsed.path.strip("/"), options=options)
    if bare_folder and not _SCHEME.match(url):
        return StoreUrl(url, folder=Path(url).expanduser())
    folder = " a folder," if bare_folder else ""
    raise errors.InvalidInput(
        f"{option} '{url}' is neither{folder} a file://FOLDER nor an s3://BUCKET/PREFIX URL "
        "(lowercase scheme); for S3 write s3://BUCKET/PREFIX"
    )


class FolderStore:
    """Objects as files below a local (or network-mounted) folder.

    ``narrow``: an existing folder is narrowed to 0700 (the tool's own folders, such as the
    locks in the state folder); False leaves a folder the user named as they made it.
    """

    def __init__(self, folder: Path, *, narrow: bool = True) -> None:
        self.folder = folder.expanduser()
        self.location = str(self.folder)
        self._narrow = narrow

    def _path(self, key: str) -> Path:
        return self.folder / key

    def where(self, key: str) -> str:
        return str(self._path(key))

    def create(self, key: str, body: bytes) -> bool:
        """Write the body to a file of our own, then hard-link it to the key's name: the link
        fails if the name exists (as ``O_EXCL`` does) and a reader never sees half a body."""
        path = self._path(key)
        draft = path.with_name(f".{path.name}.{uuid.uuid4().hex}")
        try:
            private_folder(path.parent, narrow=self._narrow)
            descriptor = os.open(draft, os.O_CREAT | os.O_EXCL | os.O_WRONLY, FILE_MODE)
            with os.fdopen(descriptor, "wb") as handle:
                handle.write(body)
            os.link(draft, path)
        except FileExistsError:
            return False
        except OSError as error:
            raise errors.PreconditionFailed(
                f"cannot create the lock file '{path}' ({error.strerror}); check the state "
                "folder's permissions"
            ) from None
        finally:
            # Under a path that is not a folder, the draft's unlink fails as the create did.
            with contextlib.suppress(OSError):
                draft.unlink(missing_ok=True)
        return True

    def write(self, key: str, body: bytes) -> str:
        return str(write_private(self._path(key), body, narrow=self._narrow))

    def read(self, key: str) -> bytes | None:
        try:
            return self._path(key).read_bytes()
        except FileNotFoundError:
            return None

    def keys(self, prefix: str) -> list[str]:
        if not self.folder.is_dir():
            return []
        return sorted(
            path.relative_to(self.folder).as_posix()
            for path in self.folder.glob(f"{prefix}*")
            if path.is_file()
        )

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)
