"""The scheduled function's zip: reproducible, the whole package, no tests, nothing compiled."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest

from sccos_backup.errors import InvalidInput
from sccos_backup.schedule import package
from tests.conftest import make_instance

ROOT = Path(__file__).resolve().parent.parent


def test_the_zip_holds_the_package_and_nothing_else(tmp_path: Path) -> None:
    artifact = package.build(tmp_path / "function.zip")
    names = zipfile.ZipFile(artifact.path).namelist()
    assert names == sorted(names) and names == list(artifact.entries)
    assert "sccos_backup/lambda_handler.py" in names
    assert "sccos_backup/backups/rotation.py" in names
    assert "sccos_backup/schedule/runner.py" in names
    expected = sorted(
        p.relative_to(ROOT).as_posix()
        for p in (ROOT / "sccos_backup").rglob("*.py")
        if "__pycache__" not in p.parts
    )
    assert [n for n in names if n.endswith(".py")] == expected
    assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc")]
    assert not [n for n in names if "/tests/" in n or n.startswith("tests/")]
    assert all(n.startswith("sccos_backup/") for n in names)


def test_tests_and_caches_inside_the_package_are_left_out(tmp_path: Path) -> None:
    pkg = tmp_path / "src" / "demo_pkg"
    (pkg / "tests").mkdir(parents=True)
    (pkg / "__pycache__").mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "core.py").write_text("X = 1\n")
    (pkg / "test_core.py").write_text("")
    (pkg / "tests" / "test_x.py").write_text("")
    (pkg / "tests" / "__init__.py").write_text("")
    (pkg / "tests" / "helpers.py").write_text("")
    (pkg / "__pycache__" / "core.cpython-311.pyc").write_bytes(b"\0")
    sys.path.insert(0, str(tmp_path / "src"))
    try:
        names = [n for n, _ in package.collect(["demo_pkg"])]
    finally:
        sys.path.remove(str(tmp_path / "src"))
    assert names == ["demo_pkg/__init__.py", "demo_pkg/core.py"]


def test_the_same_sources_give_the_same_bytes(tmp_path: Path) -> None:
    first = package.build(tmp_path / "a.zip")
    os.utime(ROOT / "sccos_backup" / "defaults.py")  # a touched file changes nothing
    second = package.build(tmp_path / "b.zip")
    assert first.path.read_bytes() == second.path.read_bytes()
    assert first.sha256 == second.sha256 and len(first.sha256) == 44
    for info in zipfile.ZipFile(first.path).infolist():
        assert info.date_time == package.FIXED_TIME
        assert info.external_attr >> 16 == 0o100644
    mtime = first.path.stat().st_mtime_ns
    package.build(first.path)  # unchanged: the file is not rewritten
    assert first.path.stat().st_mtime_ns == mtime


def test_a_compiled_module_is_refused(tmp_path: Path) -> None:
    pkg = tmp_path / "src" / "native_pkg"
    pkg.mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "_speed.so").write_bytes(b"\0")
    sys.path.insert(0, str(tmp_path / "src"))
    try:
        with pytest.raises(InvalidInput, match="compiled extension"):
            package.collect(["native_pkg"])
    finally:
        sys.path.remove(str(tmp_path / "src"))


def test_the_function_needs_no_module_the_runtime_lacks(tmp_path: Path) -> None:
    """Run the handler's imports and a call that builds its boto3 clients in a fresh
    interpreter: outside the standard library it loads only this package and what the Lambda
    runtime provides (so BUNDLED may stay empty)."""
    code = (
        "import sys, json\n"
        "import sccos_backup.lambda_handler as h\n"
        "h.default_services()\n"
        "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))\n"
    )
    env = {**os.environ, "AWS_REGION": "eu-central-1", "AWS_ACCESS_KEY_ID": "x"}
    env["AWS_SECRET_ACCESS_KEY"] = "x"
    out = subprocess.run(
        [sys.executable, "-c", code], check=True, capture_output=True, text=True, env=env
    ).stdout
    loaded = set(json.loads(out))
    foreign = loaded - set(sys.stdlib_module_names) - {"sccos_backup", "__main__"}
    foreign = {m for m in foreign if not m.startswith("_")}  # interpreter internals
    assert "boto3" in foreign
    allowed = package.RUNTIME_PROVIDED | package.OPTIONAL_IMPORTS | set(package.BUNDLED)
    assert foreign <= allowed, foreign


def test_the_unpacked_zip_runs_the_handler_on_its_own(moto: str, rds: Any, tmp_path: Path) -> None:
    """As Lambda does: unpack the zip, put it first on the path, call the handler (against moto).
    The package is imported from the zip, not from this checkout."""
    make_instance(rds, "shop-a", Tags=[{"Key": "sccos:project", "Value": "shop"}])
    artifact = package.build(tmp_path / "function.zip")
    task = tmp_path / "task"
    zipfile.ZipFile(artifact.path).extractall(task)
    code = (
        "import json, sys\n"
        f"sys.path.insert(0, {str(task)!r})\n"
        "import sccos_backup, sccos_backup.lambda_handler as h\n"
        "event = {'action': 'rotate', 'tag': 'sccos:project=shop'}\n"
        "result = h.handler(event, None)\n"
        "print(json.dumps({'file': sccos_backup.__file__, 'result': result}))\n"
    )
    env = {**os.environ, "AWS_ENDPOINT_URL": moto, "AWS_REGION": "eu-central-1"}
    env.update(AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing")
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, env=env, check=True, capture_output=True,
        text=True, timeout=120,
    ).stdout  # fmt: skip
    answer = json.loads(out.strip().splitlines()[-1])
    assert answer["file"] == str(task / "sccos_backup" / "__init__.py")
    [summary] = answer["result"]["databases"]
    assert summary["database"] == "shop-a" and summary["ok"], summary
    assert summary["created"].startswith("shop-a-hourly-")
