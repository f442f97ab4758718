"""A suite-wide check that no secret reaches any output.

Loaded from ``tests/conftest.py`` (``pytest_plugins``). Two nets:

* every test's captured stdout, stderr and log records (pytest's capture) and
* every ``typer.testing.CliRunner.invoke`` result (stdout and stderr), wherever it is called,

are scanned for the secrets tests use: any string registered with :func:`register_secret`
(:class:`tests.fake_jenkins.FakeJenkins` registers its API token and password) and anything
matching ``tok-SECRET-...`` / ``pw-SECRET-...``, the spelling every test token follows. A hit
fails the test that produced it, naming where the secret appeared (not the secret).
"""

from __future__ import annotations

import re
from collections.abc import Generator, Iterator
from typing import Any

import pytest

SECRET_PATTERN = re.compile(r"\b(?:tok|pw)-SECRET-[A-Za-z0-9-]+")
_REGISTERED: set[str] = set()


def register_secret(value: str) -> str:
    """Treat ``value`` as a secret for the rest of the session; return it."""
    if len(value) >= 8:
        _REGISTERED.add(value)
    return value


def leaked(text: str) -> bool:
    return bool(SECRET_PATTERN.search(text)) or any(secret in text for secret in _REGISTERED)


@pytest.fixture(autouse=True, scope="session")
def _scan_cli_results() -> Iterator[None]:
    """Wrap CliRunner.invoke for the session: a result that shows a secret fails the test."""
    from typer.testing import CliRunner

    original = CliRunner.invoke

    def invoke(self: CliRunner, *args: Any, **kwargs: Any) -> Any:
        result = original(self, *args, **kwargs)
        for name in ("stdout", "stderr"):
            try:
                text = getattr(result, name)
            except ValueError:  # stderr not separately captured
                continue
            if leaked(text):
                raise AssertionError(f"a secret appeared in the CLI's {name}")
        return result

    CliRunner.invoke = invoke  # type: ignore[method-assign]
    try:
        yield
    finally:
        CliRunner.invoke = original  # type: ignore[method-assign]


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, Any, None]:
    outcome = yield
    report = outcome.get_result()
    if report.outcome == "failed":
        return  # already red; its own message says why
    # Sections accumulate over setup, call and teardown; judge each in its own phase.
    places = [
        title
        for title, text in report.sections
        if title.endswith(f" {report.when}") and leaked(text)
    ]
    if places:
        report.outcome = "failed"
        report.longrepr = f"a secret appeared in: {', '.join(places)}"
