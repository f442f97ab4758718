"""``sccos-backup engine install``: the Pulumi CLI and the aws plugin, pinned and checksum
verified, installed before the incident. Commands that run Pulumi never download.

The CLI is the release :data:`~automation.engine.workspace.PULUMI_VERSION`
(``pulumi-vX.Y.Z-OS-ARCH.tar.gz`` from ``https://get.pulumi.com/releases/sdk/``, checked against
that release's ``pulumi-X.Y.Z-checksums.txt``), unpacked into the data folder's ``pulumi-cli``.
The aws plugin is the version of the installed pulumi-aws package
(``pulumi-resource-aws-vX.Y.Z-OS-ARCH.tar.gz`` from ``https://get.pulumi.com/releases/plugins/``,
checked against the pulumi-aws release's ``pulumi-aws_X.Y.Z_checksums.txt``), handed to that
CLI with ``pulumi plugin install resource aws vX.Y.Z --file ARCHIVE`` so that Pulumi lays it
out itself. A checksum that differs, or is missing from the list, refuses the install and
leaves nothing behind. The checksums come from the same host over HTTPS: they catch a corrupt
or truncated download, not a compromised host.

``--mirror URL`` (or ``SCCOS_BACKUP_ENGINE_MIRROR``) replaces the host for networks that keep
their own copy, laid out the same way (``URL/sdk/...``, ``URL/plugins/...``).
"""

from __future__ import annotations

import hashlib
import os
import platform
import shutil
import subprocess
import tarfile
import tempfile
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.error import URLError

from automation.engine.workspace import CLI_FOLDER, PULUMI_VERSION
from sccos_backup.errors import PulumiUnavailable

DEFAULT_MIRROR = "https://get.pulumi.com/releases"
#: Seconds one download may stall.
DOWNLOAD_TIMEOUT = 60.0


@dataclass(frozen=True)
class Installed:
    cli: Path
    cli_version: str
    plugin_version: str


def _os_arch(plugin: bool) -> str:
    system = {"Linux": "linux", "Darwin": "darwin"}.get(platform.system())
    machine = platform.machine().lower()
    arch = {"x86_64": "x64", "amd64": "x64", "aarch64": "arm64", "arm64": "arm64"}.get(machine)
    if system is None or arch is None:
        raise PulumiUnavailable(
            f"no Pulumi release for {platform.system()} {platform.machine()}; install Pulumi "
            "by hand and put it on PATH"
        )
    if plugin and arch == "x64":
        arch = "amd64"  # plugin archives use Go's names
    return f"{system}-{arch}"


def _fetch(url: str, into: Path) -> None:
    try:
        with urllib.request.urlopen(url, timeout=DOWNLOAD_TIMEOUT) as answer, into.open("wb") as f:  # noqa: S310 - https or the mirror the user named
            shutil.copyfileobj(answer, f)
    except (URLError, OSError, TimeoutError) as error:
        reason = getattr(error, "reason", error)
        raise PulumiUnavailable(
            f"cannot download {url} ({reason}); check the network or pass --mirror; "
            "nothing was installed"
        ) from None


def _expected(checksums: Path, name: str, url: str) -> str:
    for line in checksums.read_text(encoding="utf-8", errors="replace").splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[1].lstrip("*") == name:
            return parts[0].lower()
    raise PulumiUnavailable(f"{url} lists no checksum for {name}; nothing was installed")


def _verified(mirror: str, folder: str, name: str, checksums_name: str, work: Path) -> Path:
    archive = work / name
    sums = work / checksums_name
    _fetch(f"{mirror}/{folder}/{checksums_name}", sums)
    expected = _expected(sums, name, f"{mirror}/{folder}/{checksums_name}")
    _fetch(f"{mirror}/{folder}/{name}", archive)
    digest = hashlib.sha256(archive.read_bytes()).hexdigest()
    if digest != expected:
        raise PulumiUnavailable(
            f"{name} has SHA-256 {digest}, but its release lists {expected}; the download is "
            "corrupt or not Pulumi's: nothing was installed"
        )
    return archive


def _unpack_cli(archive: Path, cli_root: Path) -> Path:
    """The archive's ``pulumi/`` folder becomes ``cli_root/bin``, replaced in one rename."""
    staging = cli_root.with_name(cli_root.name + ".partial")
    shutil.rmtree(staging, ignore_errors=True)
    (staging / "bin").mkdir(parents=True)
    with tarfile.open(archive) as tar:
        for member in tar.getmembers():
            if not member.name.startswith("pulumi/") or not (member.isfile() or member.isdir()):
                continue
            member.name = member.name.removeprefix("pulumi/")
            if member.name:
                tar.extract(member, staging / "bin", filter="data")
    binary = staging / "bin" / "pulumi"
    if not binary.is_file():
        shutil.rmtree(staging, ignore_errors=True)
        raise PulumiUnavailable(f"{archive.name} holds no pulumi/pulumi; nothing was installed")
    binary.chmod(0o755)
    if cli_root.exists():
        shutil.rmtree(cli_root)
    staging.rename(cli_root)
    return cli_root / "bin" / "pulumi"


def install_engine(
    data_dir: Path,
    *,
    plugin_version: str,
    pulumi_version: str = PULUMI_VERSION,
    mirror: str | None = None,
    notice: Callable[[str], None] = lambda line: None,
) -> Installed:
    """Download, verify and install the pinned CLI and aws plugin into ``data_dir``."""
    base = (mirror or os.environ.get("SCCOS_BACKUP_ENGINE_MIRROR") or DEFAULT_MIRROR).rstrip("/")
    version = pulumi_version.removeprefix("v")
    plugin = plugin_version.removeprefix("v")
    cli_root = data_dir / CLI_FOLDER
    with tempfile.TemporaryDirectory(prefix="sccos-engine-") as tmp:
        work = Path(tmp)
        name = f"pulumi-v{version}-{_os_arch(False)}.tar.gz"
        notice(f"downloading {name} ...")
        archive = _verified(base, "sdk", name, f"pulumi-{version}-checksums.txt", work)
        plugin_name = f"pulumi-resource-aws-v{plugin}-{_os_arch(True)}.tar.gz"
        notice(f"downloading {plugin_name} ...")
        plugin_archive = _verified(
            base, "plugins", plugin_name, f"pulumi-aws_{plugin}_checksums.txt", work
        )
        cli = _unpack_cli(archive, cli_root)
        notice(f"installing the aws plugin v{plugin} with {cli} ...")
        done = subprocess.run(  # noqa: S603 - the CLI just verified, our arguments
            [
                *(str(cli), "plugin", "install", "resource", "aws", f"v{plugin}"),
                *("--file", str(plugin_archive), "--non-interactive"),
            ],
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
            env={**os.environ, "PULUMI_SKIP_UPDATE_CHECK": "true"},
        )
        if done.returncode != 0:
            last = (done.stderr.strip().splitlines() or ["(no output)"])[-1]
            raise PulumiUnavailable(f"the aws plugin v{plugin} could not be installed: {last}")
    return Installed(cli=cli, cli_version=version, plugin_version=plugin)
