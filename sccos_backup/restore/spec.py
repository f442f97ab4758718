"""The restore stack's specification: what the Pulumi program declares, as plain data.

The same object is written to the stack configuration (``Pulumi.<stack>.yaml``) by
``restore capture`` and read back by ``__main__.py``, so the file a reviewer reads is exactly
what the program declares. Nothing here imports Pulumi.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sccos_backup.errors import InvalidInput
from sccos_backup.restore.settings import InstanceSettings
from sccos_backup.restore.source import RestoreSource, source_from_config

#: The Pulumi project name; also the namespace of the stack's configuration keys.
PROJECT = "sccos-backup"

#: Stack output names, defined once for the program and the driver.
OUTPUT_IDENTIFIER = "identifier"
OUTPUT_ADDRESS = "address"
OUTPUT_PORT = "port"
OUTPUT_ARN = "arn"
OUTPUT_RESOURCE_ID = "resourceId"

#: Configuration keys (without the ``sccos-backup:`` namespace).
CONFIG_TARGET = "target"
CONFIG_ORIGINAL = "original"
CONFIG_SOURCE = "source"
CONFIG_SETTINGS = "settings"
CONFIG_FINAL_SNAPSHOT = "finalSnapshotIdentifier"
#: Optional: ``true`` for a throw-away copy (a restore drill), which Pulumi may delete.
CONFIG_THROWAWAY = "throwaway"
#: Optional: the restore run that declares the instance (its run tag), and the identifier of an
#: instance that run created in an interrupted ``up`` and that this ``up`` adopts (imports).
CONFIG_RUN = "run"
CONFIG_ADOPT = "adopt"
#: Keys whose values are structured (YAML objects) rather than strings.
OBJECT_KEYS = frozenset({CONFIG_SOURCE, CONFIG_SETTINGS})
CONFIG_KEYS = (
    CONFIG_TARGET,
    CONFIG_ORIGINAL,
    CONFIG_SOURCE,
    CONFIG_SETTINGS,
    CONFIG_FINAL_SNAPSHOT,
    CONFIG_THROWAWAY,
    CONFIG_RUN,
    CONFIG_ADOPT,
)
#: Keys that may be absent: a throw-away copy has no final snapshot.
OPTIONAL_KEYS = frozenset({CONFIG_THROWAWAY, CONFIG_RUN, CONFIG_ADOPT})


@dataclass(frozen=True)
class RestoreSpec:
    """One restored instance: its identifier, its settings and where its data comes from."""

    target_identifier: str
    original_identifier: str
    source: RestoreSource
    settings: InstanceSettings
    #: The final snapshot taken if Pulumi ever deletes the instance ("" for a throw-away copy).
    final_snapshot_identifier: str
    #: A throw-away copy (restore drill): not protected, deleted without a final snapshot and
    #: with its automated backups. A restore never sets it.
    throwaway: bool = False
    #: The restore run (tagged on the instance, so an interrupted create can be recognised).
    run_id: str | None = None
    #: An existing instance of this run to import instead of creating one.
    adopt: str | None = None

    @property
    def declares_roles(self) -> bool:
        """Role associations are declared only under the original's name: a rename replaces
        them (every field of ``aws.rds.RoleAssociation`` forces replacement) while the role
        itself moves with the instance, so the new association would already exist. A throw-away
        copy (a drill) is never renamed and declares them under its own name."""
        return self.throwaway or self.target_identifier == self.original_identifier

    def to_config(self) -> dict[str, Any]:
        """Configuration values by key (without namespace); optional keys only when set."""
        values: dict[str, Any] = {
            CONFIG_TARGET: self.target_identifier,
            CONFIG_ORIGINAL: self.original_identifier,
            CONFIG_SOURCE: self.source.to_config(),
            CONFIG_SETTINGS: self.settings.to_api(),
            CONFIG_FINAL_SNAPSHOT: self.final_snapshot_identifier,
            **({CONFIG_THROWAWAY: True} if self.throwaway else {}),
        }
        if self.run_id:
            values[CONFIG_RUN] = self.run_id
        if self.adopt:
            values[CONFIG_ADOPT] = self.adopt
        return values

    @classmethod
    def from_config(cls, values: Mapping[str, Any]) -> RestoreSpec:
        throwaway = str(values.get(CONFIG_THROWAWAY)).lower() == "true"
        optional = OPTIONAL_KEYS | ({CONFIG_FINAL_SNAPSHOT} if throwaway else set())
        missing = [
            key for key in CONFIG_KEYS if key not in optional and values.get(key) in (None, "")
        ]
        if missing:
            raise InvalidInput(
                f"stack configuration lacks {PROJECT}:{', '.join(missing)}; "
                "write it with `sccos-backup restore capture DB_ID ... --stack NAME`"
            )
        try:
            settings = InstanceSettings.from_api(values[CONFIG_SETTINGS])
        except (ValueError, KeyError, TypeError) as error:
            raise InvalidInput(
                f"stack configuration {PROJECT}:settings is invalid: {error}"
            ) from None
        return cls(
            target_identifier=str(values[CONFIG_TARGET]),
            original_identifier=str(values[CONFIG_ORIGINAL]),
            source=source_from_config(values[CONFIG_SOURCE]),
            settings=settings,
            final_snapshot_identifier=str(values.get(CONFIG_FINAL_SNAPSHOT) or ""),
            throwaway=throwaway,
            run_id=str(values[CONFIG_RUN]) if values.get(CONFIG_RUN) else None,
            adopt=str(values[CONFIG_ADOPT]) if values.get(CONFIG_ADOPT) else None,
        )
