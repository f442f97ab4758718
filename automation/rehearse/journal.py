"""What a rehearsal created, recorded in the state backend (next to the restore locks) before
and after each change, so that ``restore rehearse --cleanup`` removes exactly that after a crash.

An append-only log: each entry is an object created once under the next number (the backend's
exclusive create), so an interrupted write never spoils earlier entries. A pointer object names
the database's open rehearsal; it is created first (one rehearsal of a database at a time) and
removed last.
"""

from __future__ import annotations

import json
from typing import Any

from sccos_backup import errors
from sccos_backup.restore.lock import LockStore, lock_scope

PREFIX = "rehearsals"


class Journal:
    def __init__(self, store: LockStore, database: str, production_arn: str) -> None:
        self._store = store
        self.database = database
        self._base = f"{PREFIX}/{lock_scope(production_arn)}/{database}"
        self.location = f"{store.location}/{self._base}"

    @property
    def _pointer(self) -> str:
        return f"{self._base}/open.json"

    def open_rehearsal(self) -> str | None:
        """The id of the database's unfinished rehearsal, or None."""
        body = self._store.read(self._pointer)
        return None if body is None else str(json.loads(body)["rehearsal"])

    def begin(self, rehearsal_id: str, first: dict[str, Any]) -> None:
        if not self._store.create(self._pointer, json.dumps({"rehearsal": rehearsal_id}).encode()):
            raise errors.RunInProgress(
                f"rehearsal {self.open_rehearsal()} of '{self.database}' is unfinished; remove "
                f"what it left with `sccos-backup restore rehearse {self.database} --cleanup`"
            )
        self.add(rehearsal_id, first)

    def _key(self, rehearsal_id: str, number: int) -> str:
        return f"{self._base}/{rehearsal_id}/{number:04d}.json"

    def entries(self, rehearsal_id: str) -> list[dict[str, Any]]:
        found = []
        number = 0
        while (body := self._store.read(self._key(rehearsal_id, number))) is not None:
            found.append(json.loads(body))
            number += 1
        return found

    def add(self, rehearsal_id: str, entry: dict[str, Any]) -> None:
        number = len(self.entries(rehearsal_id))
        body = json.dumps(entry, sort_keys=True).encode()
        while not self._store.create(self._key(rehearsal_id, number), body):
            number += 1

    def facts(self, rehearsal_id: str) -> dict[str, Any]:
        """Every entry merged (lists under ``resourceIds`` and ``runs`` accumulate)."""
        merged: dict[str, Any] = {"resourceIds": [], "runs": []}
        for entry in self.entries(rehearsal_id):
            for key, value in entry.items():
                if key in ("resourceIds", "runs"):
                    merged[key] += [v for v in value if v not in merged[key]]
                else:
                    merged[key] = value
        return merged

    def finish(self, rehearsal_id: str) -> None:
        count = len(self.entries(rehearsal_id))
        for number in range(count):
            self._store.delete(self._key(rehearsal_id, number))
        self._store.delete(self._pointer)
