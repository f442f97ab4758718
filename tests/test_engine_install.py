"""`sccos-backup engine install` against a local HTTP server laid out like
https://get.pulumi.com/releases (no internet here): a fake CLI archive and an aws plugin archive
with their checksum lists. A checksum that differs is refused and leaves nothing behind."""

from __future__ import annotations

import functools
import hashlib
import importlib.metadata
import io
import json
import os
import sys
import tarfile
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from automation.cli import app
from automation.engine.install import _os_arch
from automation.engine.workspace import PULUMI_VERSION
from tests.support.servers import serve_in_thread

PLUGIN = importlib.metadata.version("pulumi_aws")

#: The CLI inside the fake archive: `version`, and `plugin install ... --file F` recorded.
FAKE_CLI = """#!{python}
import json, os, sys
here = os.path.dirname(os.path.abspath(__file__))
words = [a for a in sys.argv[1:] if a != "--non-interactive"]
if words == ["version"]:
    print("v{version}"); sys.exit(0)
if words[:2] == ["plugin", "install"]:
    with open(os.path.join(here, "plugin-installs.jsonl"), "a") as log:
        log.write(json.dumps(words) + "\\n")
    sys.exit(0 if os.path.exists(words[words.index("--file") + 1]) else 1)
sys.exit(2)
"""


def _tar(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mode = 0o755
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


class Mirror:
    def __init__(self, root: Path) -> None:
        self.root = root
        cli = FAKE_CLI.format(python=sys.executable, version=PULUMI_VERSION).encode()
        self.cli_name = f"pulumi-v{PULUMI_VERSION}-{_os_arch(False)}.tar.gz"
        self.plugin_name = f"pulumi-resource-aws-v{PLUGIN}-{_os_arch(True)}.tar.gz"
        self.put("sdk", self.cli_name, _tar({"pulumi/pulumi": cli, "pulumi/README": b"fake"}))
        self.put("plugins", self.plugin_name, _tar({"pulumi-resource-aws": b"fake plugin"}))
        self.sums("sdk", f"pulumi-{PULUMI_VERSION}-checksums.txt", self.cli_name)
        self.sums("plugins", f"pulumi-aws_{PLUGIN}_checksums.txt", self.plugin_name)

    def put(self, folder: str, name: str, data: bytes) -> None:
        (self.root / folder).mkdir(parents=True, exist_ok=True)
        (self.root / folder / name).write_bytes(data)

    def sums(self, folder: str, name: str, archive: str, digest: str | None = None) -> None:
        digest = digest or hashlib.sha256((self.root / folder / archive).read_bytes()).hexdigest()
        text = f"{'0' * 64}  something-else.tar.gz\n{digest}  {archive}\n"
        (self.root / folder / name).write_text(text)


@pytest.fixture
def mirror(tmp_path: Path) -> Iterator[tuple[Mirror, str]]:
    site = Mirror(tmp_path / "releases")
    handler = functools.partial(SimpleHTTPRequestHandler, directory=str(site.root))
    handler.log_message = lambda *a, **k: None  # type: ignore[attr-defined]
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    serve_in_thread(server)
    yield site, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def _data() -> Path:
    return Path(os.environ["XDG_DATA_HOME"]) / "sccos-backup"


def _install(url: str, *extra: str) -> Any:
    return CliRunner().invoke(app, ["engine", "install", "--mirror", url, *extra])


def test_installs_the_pinned_cli_and_plugin_after_checking_both_checksums(
    mirror: tuple[Mirror, str],
) -> None:
    _, url = mirror
    result = _install(url, "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    cli = _data() / "pulumi-cli" / "bin" / "pulumi"
    assert report["cli"] == str(cli) and report["cliVersion"] == PULUMI_VERSION
    assert report["awsPlugin"] == PLUGIN
    assert os.access(cli, os.X_OK)
    [install] = [
        json.loads(line) for line in (cli.parent / "plugin-installs.jsonl").read_text().splitlines()
    ]
    assert install[:6] == ["plugin", "install", "resource", "aws", f"v{PLUGIN}", "--file"]
    assert install[6].endswith(mirror[0].plugin_name)


@pytest.mark.parametrize("which", ["cli", "plugin"])
def test_a_wrong_checksum_is_refused_and_nothing_is_installed(
    mirror: tuple[Mirror, str], which: str
) -> None:
    site, url = mirror
    if which == "cli":
        site.sums("sdk", f"pulumi-{PULUMI_VERSION}-checksums.txt", site.cli_name, "ab" * 32)
    else:
        site.sums("plugins", f"pulumi-aws_{PLUGIN}_checksums.txt", site.plugin_name, "ab" * 32)
    result = _install(url)
    assert result.exit_code == 6, result.output
    [line] = result.stderr.strip().splitlines()[-1:]
    assert line.startswith("error: ") and "but its release lists " + "ab" * 32 in line
    assert "nothing was installed" in line
    assert not (_data() / "pulumi-cli").exists()
    assert not (_data() / "pulumi-cli.partial").exists()


def test_an_archive_missing_from_the_checksum_list_is_refused(
    mirror: tuple[Mirror, str],
) -> None:
    site, url = mirror
    (site.root / "sdk" / f"pulumi-{PULUMI_VERSION}-checksums.txt").write_text("")
    result = _install(url)
    assert result.exit_code == 6
    assert "lists no checksum for " + site.cli_name in result.stderr
    assert not (_data() / "pulumi-cli").exists()


def test_an_unreachable_mirror_is_one_line() -> None:
    result = _install("http://127.0.0.1:1")
    assert result.exit_code == 6
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("error: cannot download http://127.0.0.1:1/sdk/"), result.stderr
    assert "Traceback" not in result.output
