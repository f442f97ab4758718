"""The restore stack's Pulumi program: read the stack configuration, declare the instance.

``sccos-backup restore capture DB_ID ... --stack NAME`` writes ``Pulumi.NAME.yaml``; then
``pulumi preview --stack NAME`` and ``pulumi up --stack NAME`` run here. No AWS calls are made
by this file itself.
"""

import pulumi

from sccos_backup.restore.declaration import declare
from sccos_backup.restore.spec import CONFIG_KEYS, OBJECT_KEYS, PROJECT, RestoreSpec

_config = pulumi.Config(PROJECT)
_values = {
    key: _config.get_object(key) if key in OBJECT_KEYS else _config.get(key) for key in CONFIG_KEYS
}
database = declare(RestoreSpec.from_config(_values))
