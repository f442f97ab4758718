"""The reviewable record: a restore stack's configuration file, ``Pulumi.<stack>.yaml``.

``restore capture`` writes the captured settings and the source here, under the
``sccos-backup:`` namespace, so that ``pulumi preview`` / ``pulumi up`` in the project folder
declare exactly what the file says. Keys outside our namespace (``encryptionsalt``, the
secrets provider, other config) are kept. No secret is ever written.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sccos_backup.errors import InvalidInput
from sccos_backup.files import write_private
from sccos_backup.restore.spec import CONFIG_KEYS, PROJECT, RestoreSpec

#: AWS services the program's provider talks to; only these get custom endpoints.
ENDPOINT_SERVICES = ("rds", "sts", "iam", "kms", "ec2")


@dataclass(frozen=True)
class AwsTarget:
    """Where the provider points: region, profile, and an optional emulator endpoint."""

    region: str | None = None
    profile: str | None = None
    endpoint_url: str | None = None

    def provider_config(self) -> dict[str, Any]:
        config: dict[str, Any] = {}
        if self.region:
            config["aws:region"] = self.region
        if self.profile:
            config["aws:profile"] = self.profile
        if self.endpoint_url:
            config["aws:endpoints"] = [{svc: self.endpoint_url for svc in ENDPOINT_SERVICES}]
            config["aws:skipCredentialsValidation"] = True
            config["aws:skipRequestingAccountId"] = True
            config["aws:skipMetadataApiCheck"] = True
        return config


def stack_config(spec: RestoreSpec, aws: AwsTarget) -> dict[str, Any]:
    """Every namespaced key the stack needs."""
    values = {f"{PROJECT}:{key}": value for key, value in spec.to_config().items()}
    return {**aws.provider_config(), **values}


def stack_file(work_dir: Path, stack: str) -> Path:
    return work_dir / f"Pulumi.{stack}.yaml"


#: Where to run from when a folder is not the restore project.
RESTORE_FOLDER = "the sccos-backup project folder"


def project_name(work_dir: Path) -> str | None:
    """The project ``work_dir/Pulumi.yaml`` names; None when there is no such file (or it names
    none); :class:`InvalidInput` when it cannot be read."""
    import yaml

    path = work_dir / "Pulumi.yaml"
    if not path.is_file():
        return None
    try:
        loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        raise InvalidInput(f"cannot read '{path}': {error}") from None
    name = loaded.get("name") if isinstance(loaded, dict) else None
    return name if isinstance(name, str) else None


def check_project(work_dir: Path, project: str = PROJECT, *, where: str = RESTORE_FOLDER) -> None:
    """``work_dir`` is the Pulumi project ``project``; else one line saying to run from ``where``
    or pass --work-dir. The one check of a project folder, for the restore and the schedule."""
    hint = f"run from {where} or pass --work-dir"
    path = work_dir / "Pulumi.yaml"
    if not path.is_file():
        raise InvalidInput(f"no Pulumi.yaml in '{work_dir}'; {hint}")
    name = project_name(work_dir)
    if name != project:
        raise InvalidInput(f"'{path}' is project '{name}', not '{project}'; {hint}")


def write_stack_file(
    work_dir: Path,
    stack: str,
    config: dict[str, Any],
    *,
    project: str = PROJECT,
    ours: Iterable[str] | None = None,
) -> Path:
    """Merge ``config`` into ``Pulumi.<stack>.yaml``; our keys are replaced, others kept.

    ``ours``: the namespaced keys this writer owns (default: the restore stack's); another
    project (the schedule) passes its own."""
    import yaml

    check_project(work_dir, project)
    path = stack_file(work_dir, stack)
    document: dict[str, Any] = {}
    if path.exists():
        loaded = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        if not isinstance(loaded, dict):
            raise InvalidInput(f"'{path}' is not a Pulumi stack file; move it away and retry")
        document = loaded
    existing = dict(document.get("config") or {})
    owned = set(ours) if ours is not None else {f"{PROJECT}:{key}" for key in CONFIG_KEYS}
    kept = {k: v for k, v in existing.items() if k not in owned and k not in config}
    document["config"] = {**kept, **config}
    text = yaml.safe_dump(document, sort_keys=False, default_flow_style=False)
    return write_private(path, text, narrow=False)  # the project folder is the user's


def read_stack_spec(work_dir: Path, stack: str) -> RestoreSpec:
    """The spec recorded in a stack file (what ``__main__.py`` will declare)."""
    import yaml

    path = stack_file(work_dir, stack)
    if not path.exists():
        raise InvalidInput(f"'{path}' does not exist; run `sccos-backup restore capture` first")
    config = (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("config") or {}
    return RestoreSpec.from_config({key: config.get(f"{PROJECT}:{key}") for key in CONFIG_KEYS})
