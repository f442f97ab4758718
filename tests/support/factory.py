"""The CLI's factory with stand-ins: what a test hands ``CliRunner.invoke(obj=...)``.

Each keyword replaces one collaborator the real :class:`~automation.commands.factory.Factory`
would build (the in-process engine for the Automation API, a recording schedule driver, an
RDS adapter on a counting or slow client, a fake account); everything not given is built as
in production, from the global options the command line passes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from automation.commands.factory import Factory


class FakeFactory(Factory):
    """:class:`Factory` returning the stand-ins it was given."""

    def __init__(
        self,
        *,
        engine: Any = None,
        schedule_engine: Any = None,
        rds: Any = None,
        account: Any = None,
        maintenance: Any = None,
        **options: Any,
    ) -> None:
        super().__init__(**options)
        self._engine = engine
        self._schedule_engine = schedule_engine
        self._rds = rds
        self._account = account
        self._maintenance = maintenance

    def engine(self, work_dir: Path | None, backend_url: str | None) -> Any:
        if self._engine is not None:
            return self._engine
        return super().engine(work_dir, backend_url)

    def pulumi_target(
        self, work_dir: Path | None, backend_url: str | None, stack_prefix: str
    ) -> Any:
        # A stand-in engine runs no Pulumi CLI: there is none to check.
        if self._engine is not None:
            return None
        return super().pulumi_target(work_dir, backend_url, stack_prefix)

    def schedule_engine(self, work_dir: Path | None, backend_url: str | None) -> Any:
        if self._schedule_engine is not None:
            return self._schedule_engine
        return super().schedule_engine(work_dir, backend_url)

    def rds(self) -> Any:
        return self._rds if self._rds is not None else super().rds()

    def account(self) -> Any:
        return self._account if self._account is not None else super().account()

    def maintenance(self) -> Any:
        return self._maintenance if self._maintenance is not None else super().maintenance()
