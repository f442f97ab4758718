"""The restore stack's Pulumi program, shared by every project folder that runs it: the checkout's
``__main__.py``, a folder made by ``sccos-backup init`` and the packaged project in the user's
data folder all hold the same two lines that call :func:`main`."""

from __future__ import annotations

from typing import Any


def main() -> Any:
    """Read the stack configuration (``Pulumi.<stack>.yaml``) and declare the instance."""
    import pulumi

    from sccos_backup.restore.declaration import declare
    from sccos_backup.restore.spec import CONFIG_KEYS, OBJECT_KEYS, PROJECT, RestoreSpec

    config = pulumi.Config(PROJECT)
    values = {
        key: config.get_object(key) if key in OBJECT_KEYS else config.get(key)
        for key in CONFIG_KEYS
    }
    return declare(RestoreSpec.from_config(values))
