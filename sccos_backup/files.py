"""Files only their owner may read: state, locks, stack files, saved Jenkins configs, reports.

They hold what a colleague on a shared host, or a backup of a home folder, must not read
(stack state, a job's old configuration, a drill's report of the database), so folders are
created 0700 and files 0600 whatever the umask, and a file is written whole (a draft renamed
into place) so that a reader never sees half of it.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

FOLDER_MODE = 0o700
FILE_MODE = 0o600


def private_folder(path: Path, *, narrow: bool = True) -> Path:
    """``path`` as a folder only its owner may enter: created 0700 (with its parents) if
    missing; an existing one of ours is narrowed to 0700 unless ``narrow`` is False (a folder
    the user named, e.g. a project or reports folder, keeps the mode they gave it)."""
    existed = path.is_dir()
    missing = [p for p in (path, *path.parents) if not p.exists()]
    for folder in reversed(missing[1:]):  # mkdir(parents=True) gives parents the umask's mode
        with contextlib.suppress(FileExistsError):
            folder.mkdir(mode=FOLDER_MODE)
            folder.chmod(FOLDER_MODE)
    path.mkdir(mode=FOLDER_MODE, parents=True, exist_ok=True)
    if narrow or not existed:
        with contextlib.suppress(PermissionError):  # a folder we do not own stays as it is
            if path.stat().st_uid == os.getuid():
                path.chmod(FOLDER_MODE)
    return path


def write_private(
    path: Path, data: str | bytes, *, encoding: str = "utf-8", narrow: bool = True
) -> Path:
    """Write ``data`` to ``path`` as a 0600 file, replacing it whole; its folder as
    :func:`private_folder` leaves it."""
    private_folder(path.parent, narrow=narrow)
    raw = data.encode(encoding) if isinstance(data, str) else data
    draft = path.with_name(f".{path.name}.{os.getpid()}.draft")
    descriptor = os.open(draft, os.O_CREAT | os.O_TRUNC | os.O_WRONLY, FILE_MODE)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(raw)
        os.chmod(draft, FILE_MODE)  # O_CREAT's mode is narrowed by the umask only, never widened
        os.replace(draft, path)
    except BaseException:
        draft.unlink(missing_ok=True)
        raise
    return path
