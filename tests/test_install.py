"""A plain install works anywhere: a non-editable install into a fresh virtual environment, then
the README's rehearsal commands from an empty folder against a moto server.

Marked ``slow`` (it builds a wheel, with setuptools from PyPI in pip's build isolation as any
user install does, and makes a virtual environment: 100 s measured on the loaded 2-core
machine, 10 s of it CPU); CI runs it with ``pytest -m slow``. The new environment gets the
package from the wheel and its dependencies through a ``.pth`` line pointing at this
environment's site-packages; the checkout itself is never on its path.
"""

from __future__ import annotations

import os
import shutil
import site
import subprocess
import sys
from pathlib import Path

import pytest

from automation.commands.projects import RESTORE, SCHEDULE

ROOT = Path(__file__).resolve().parent.parent
_SKIP = {".venv", ".git", "build", "dist", "site", "__pycache__", ".mypy_cache", ".ruff_cache"}


def _run(*args: str | Path, **kwargs: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # type: ignore[call-overload, no-any-return]
        [str(a) for a in args], capture_output=True, text=True, check=False, timeout=300, **kwargs
    )


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """bin/ of a fresh venv holding a non-editable install of this checkout."""
    tmp = tmp_path_factory.mktemp("install")
    source = tmp / "source"
    shutil.copytree(
        ROOT,
        source,
        ignore=lambda _dir, names: [n for n in names if n in _SKIP or n.endswith(".egg-info")],
    )
    built = _run(
        sys.executable, "-m", "pip", "wheel", "--no-deps",
        "-w", tmp / "wheels", source,
    )  # fmt: skip
    assert built.returncode == 0, built.stderr
    [wheel] = (tmp / "wheels").glob("sccos_backup-*.whl")
    venv = tmp / "venv"
    assert _run(sys.executable, "-m", "venv", "--without-pip", venv).returncode == 0
    done = _run(
        sys.executable, "-m", "pip", "--python", venv / "bin" / "python", "install",
        "--no-deps", "--no-index", wheel,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    # Only now: pip would otherwise see this environment's editable install through the .pth
    # line, and uninstall it from here.
    purelib = next(venv.glob("lib/python3*/site-packages"))
    (purelib / "zz_dependencies.pth").write_text(
        "\n".join(site.getsitepackages()) + "\n", encoding="utf-8"
    )
    return venv / "bin"


@pytest.mark.slow
def test_every_command_from_an_empty_folder(
    installed: Path, moto: str, tmp_path: Path, rds: object
) -> None:
    from bench.seed_moto import seed

    seed(moto)
    work = tmp_path / "empty"
    work.mkdir()
    env = {
        **os.environ,
        "AWS_ENDPOINT_URL": moto,
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "PYTHONPATH": "",
    }
    command = installed / "sccos-backup"

    where = _run(
        installed / "python", "-c", "import sccos_backup; print(sccos_backup.__file__)",
        cwd=work, env=env,
    )  # fmt: skip
    assert str(ROOT) not in where.stdout and "site-packages" in where.stdout, where

    version = _run(command, "--version", cwd=work, env=env)
    assert version.returncode == 0 and version.stdout.startswith("sccos-backup "), version

    plan = _run(command, "restore", "plan", "shop", "--snapshot", "shop-before-release-42",
                cwd=work, env=env)  # fmt: skip
    assert plan.returncode == 3, plan.stderr  # not ready here: no Pulumi CLI nor Jenkins
    assert "Restore plan for shop" in plan.stdout

    capture = _run(command, "restore", "capture", "shop", "--snapshot",
                   "shop-before-release-42", "--stack", "rehearsal", cwd=work, env=env)  # fmt: skip
    assert capture.returncode == 0, capture.stderr
    project = tmp_path / "data" / "sccos-backup" / "projects" / "restore"
    stack_file = project / "Pulumi.rehearsal.yaml"
    assert f"wrote {stack_file}" in capture.stdout, "the stack file is named with its path"
    assert stack_file.is_file() and RESTORE.is_project(project)
    assert list(work.iterdir()) == [], "nothing is written into the current folder"

    listing = _run(command, "snapshot", "list", "shop", cwd=work, env=env)
    assert listing.returncode == 0, listing.stderr
    assert "shop-before-release-42" in listing.stdout

    made = _run(command, "init", "ops", cwd=work, env=env)
    assert made.returncode == 0, made.stderr
    assert RESTORE.is_project(work / "ops") and SCHEDULE.is_project(work / "ops" / "schedule")
    again = _run(command, "restore", "capture", "shop", "--latest", "--stack", "team",
                 cwd=work / "ops", env=env)  # fmt: skip
    assert again.returncode == 0, again.stderr
    assert f"wrote {work / 'ops' / 'Pulumi.team.yaml'}" in again.stdout
