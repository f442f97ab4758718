"""Breaking a stale lock: the backend lock object and any claim tag a crashed command left."""

from __future__ import annotations

from dataclasses import dataclass

from automation.runbook.claim import claims
from automation.runbook.context import RunContext
from automation.runbook.finder import RunFinder
from sccos_backup import errors
from sccos_backup.aws.rds import Instance
from sccos_backup.restore.lock import LockHolder, lock_scope


@dataclass(frozen=True)
class LockState:
    database: str
    scope: str
    holder: LockHolder | None
    #: Claim tags on the instance named DB_ID (left only by a command that died mid-claim).
    claims: dict[str, str]
    instance: Instance | None

    @property
    def locked(self) -> bool:
        return self.holder is not None or bool(self.claims)

    def describe(self) -> str:
        parts = []
        if self.holder is not None:
            parts.append(f"locked by {self.holder.describe()} in {self.holder.backend or '?'}")
        if self.claims:
            parts.append("claimed by " + "; ".join(self.claims.values()))
        return f"'{self.database}' is " + (" and ".join(parts) if parts else "not locked")


@dataclass
class Unlock:
    """``restore unlock``: show who holds a database's lock, and break it."""

    context: RunContext
    finder: RunFinder

    def lock_state(self, db_identifier: str) -> LockState:
        instance = self.context.rds.find_instance(db_identifier)
        arn = instance.arn if instance is not None else None
        if arn is None:
            runs = self.finder.runs(db_identifier)
            arn = runs[0].original.arn if runs else None
        if arn is None:
            raise errors.NotFound(
                f"no instance is named '{db_identifier}' and no restore run of it is recorded; "
                "check the identifier and --region"
            )
        scope = lock_scope(arn)
        holder = (
            self.context.lock.holder(db_identifier, scope)
            if self.context.lock is not None
            else None
        )
        found = claims(instance) if instance is not None else {}
        return LockState(db_identifier, scope, holder, found, instance)

    def unlock(self, state: LockState) -> list[str]:
        done = []
        if state.holder is not None and self.context.lock is not None:
            self.context.lock.force_release(state.database, state.scope)
            done.append(f"lock of '{state.database}' removed ({state.holder.describe()})")
        if state.claims and state.instance is not None:
            self.context.rds.remove_tags(state.instance.arn, list(state.claims))
            done.append(f"{len(state.claims)} claim tag(s) removed from '{state.database}'")
        return done
