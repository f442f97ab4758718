"""The scheduled function's code: a reproducible zip of this package, built without Docker.

The same sources give the same bytes on every machine and every run: entries sorted by name,
every timestamp 1980-01-01 00:00 (the zip format's epoch), files 0644, no directory entries,
no ``__pycache__`` or compiled files, no tests, deflate at a fixed level. The zip's SHA-256 is
the function's ``source_code_hash``, so an unchanged package never redeploys the function.

What goes in: ``sccos_backup/`` and the pure-Python modules the function imports that the
Lambda Python runtime lacks. The runtime ships boto3 and botocore (with s3transfer, jmespath,
python-dateutil, urllib3, six); the function imports nothing else outside the standard library
(a test checks the import closure), so :data:`BUNDLED` is empty today. A module added there is
bundled from the installed copy; compiled extensions are refused (the function runs on arm64).
"""

from __future__ import annotations

import base64
import hashlib
import importlib.util
import io
import os
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from sccos_backup.errors import InvalidInput

#: The zip format cannot express earlier times; every entry gets this one.
FIXED_TIME = (1980, 1, 1, 0, 0, 0)
FILE_MODE = 0o100644
COMPRESS_LEVEL = 9
PACKAGE = "sccos_backup"
#: Top-level modules the Lambda Python runtime provides (boto3 and its dependencies).
RUNTIME_PROVIDED = frozenset(
    {"boto3", "botocore", "s3transfer", "jmespath", "dateutil", "urllib3", "six"}
)
#: Imported when present, with a fallback (botocore.httpsession: certifi, else its own CA bundle).
OPTIONAL_IMPORTS = frozenset({"certifi"})
#: Third-party top-level modules bundled with the package (pure Python only).
BUNDLED: tuple[str, ...] = ()
_SKIPPED_DIRS = frozenset({"__pycache__", "tests", "test"})
_SKIPPED_SUFFIXES = (".pyc", ".pyo")
_COMPILED_SUFFIXES = (".so", ".pyd", ".dylib")


@dataclass(frozen=True)
class Artifact:
    """A built zip: where it is, its entries, and its base64 SHA-256 (Lambda's code hash)."""

    path: Path
    entries: tuple[str, ...]
    sha256: str
    size: int


def _module_root(name: str) -> tuple[Path, bool]:
    """(path, is_package) of an installed top-level module."""
    spec = importlib.util.find_spec(name)
    if spec is None or spec.origin in (None, "built-in", "frozen"):
        raise InvalidInput(f"module '{name}' is not installed; it cannot be bundled")
    origin = Path(spec.origin)
    if spec.submodule_search_locations:
        return origin.parent, True
    return origin, False


def _wanted(relative: Path) -> bool:
    if any(part in _SKIPPED_DIRS for part in relative.parts[:-1]):
        return False
    name = relative.name
    if name.startswith("test_") and name.endswith(".py"):
        return False
    return not name.endswith(_SKIPPED_SUFFIXES)


def collect(modules: Iterable[str]) -> list[tuple[str, Path]]:
    """(archive name, file) for every file of ``modules``, sorted by archive name."""
    found: dict[str, Path] = {}
    for name in modules:
        root, is_package = _module_root(name)
        files = sorted(p for p in root.rglob("*") if p.is_file()) if is_package else [root]
        for path in files:
            relative = path.relative_to(root.parent)
            if not _wanted(relative):
                continue
            if path.name.endswith(_COMPILED_SUFFIXES):
                raise InvalidInput(
                    f"'{relative}' is a compiled extension; only pure-Python modules can be "
                    "bundled into the arm64 function"
                )
            found[relative.as_posix()] = path
    return sorted(found.items())


def zip_bytes(files: Sequence[tuple[str, Path]]) -> bytes:
    """The reproducible zip of ``files`` (already sorted)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, path in files:
            info = zipfile.ZipInfo(name, date_time=FIXED_TIME)
            info.external_attr = FILE_MODE << 16
            info.create_system = 3  # Unix, so the mode bits are honoured
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, path.read_bytes(), compresslevel=COMPRESS_LEVEL)
    return buffer.getvalue()


def build(destination: Path, modules: Sequence[str] = (PACKAGE, *BUNDLED)) -> Artifact:
    """Write the function's zip to ``destination`` (only when its bytes change)."""
    files = collect(modules)
    data = zip_bytes(files)
    destination.parent.mkdir(parents=True, exist_ok=True)
    if not destination.exists() or destination.read_bytes() != data:
        # One temporary name per process: parallel builds into one folder never collide.
        partial = destination.with_name(f".{destination.name}.{os.getpid()}.tmp")
        partial.write_bytes(data)
        partial.replace(destination)
    digest = base64.b64encode(hashlib.sha256(data).digest()).decode("ascii")
    return Artifact(
        path=destination, entries=tuple(n for n, _ in files), sha256=digest, size=len(data)
    )
