"""A drill as recorded in its copy's tags: the only state a drill keeps (besides its stack).

The declared tags (``sccos-backup:drill*``) say which drill, of which database, from which
source, in which stack and since when; the progress tags (``sccos-backup:drill-progress*``,
added by the driver, ignored by the capture) say which steps are done. The live database
carries nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sccos_backup.aws.rds import Instance
from sccos_backup.drill.plan import (
    TAG_DRILL,
    TAG_DRILL_OF,
    TAG_DRILL_OPTIONS,
    TAG_DRILL_SOURCE,
    TAG_DRILL_SOURCE_TIME,
    TAG_DRILL_STACK,
    TAG_DRILL_STARTED,
    TAG_PROGRESS_AVAILABLE,
    TAG_PROGRESS_CHECK,
    TAG_PROGRESS_KEPT,
    TAG_PROGRESS_VERIFIED,
    DrillNames,
)
from sccos_backup.restore.fields import DRILL_PROGRESS_PREFIX
from sccos_backup.restore.source import parse_time


def _time(value: str | None) -> datetime | None:
    return parse_time(value) if value else None


@dataclass(frozen=True)
class DrillRecord:
    run_id: str
    db_identifier: str
    stack: str
    copy: Instance
    source: str
    data_time: datetime | None
    started: datetime | None
    options: dict[str, str]
    available_at: datetime | None
    verified: str | None
    check: str | None
    kept: bool

    @property
    def names(self) -> DrillNames:
        return DrillNames.for_run(self.db_identifier, self.run_id)

    @property
    def declared_tags(self) -> dict[str, str]:
        """The drill tags ``up`` declared (verification expects exactly these)."""
        return {
            k: v
            for k, v in self.copy.tags
            if k.startswith(TAG_DRILL) and not k.startswith(DRILL_PROGRESS_PREFIX)
        }

    @classmethod
    def from_instance(cls, instance: Instance) -> DrillRecord | None:
        tags = dict(instance.tags)
        if TAG_DRILL not in tags or TAG_DRILL_OF not in tags:
            return None
        options = dict(
            item.split("=", 1) for item in tags.get(TAG_DRILL_OPTIONS, "").split() if "=" in item
        )
        run_id, db = tags[TAG_DRILL], tags[TAG_DRILL_OF]
        return cls(
            run_id=run_id,
            db_identifier=db,
            stack=tags.get(TAG_DRILL_STACK) or DrillNames.for_run(db, run_id).stack,
            copy=instance,
            source=tags.get(TAG_DRILL_SOURCE, "latest"),
            data_time=_time(tags.get(TAG_DRILL_SOURCE_TIME)),
            started=_time(tags.get(TAG_DRILL_STARTED)),
            options=options,
            available_at=_time(tags.get(TAG_PROGRESS_AVAILABLE)),
            verified=tags.get(TAG_PROGRESS_VERIFIED),
            check=tags.get(TAG_PROGRESS_CHECK),
            kept=TAG_PROGRESS_KEPT in tags,
        )
