"""Least-privilege IAM policies for each command group (``sccos-backup iam-policy``).

Stable API: :func:`policy_document` (``policy_document("schedule", region=..., account=...)``
is the document the schedule stack's Lambda role gets: the ``snapshot`` group's statements
without the restore window, deletes limited to hourly snapshots), :data:`COMMANDS`, :func:`allows`.
"""

from __future__ import annotations

from sccos_backup.permissions.policy import ALL, COMMANDS, allows, policy_document, statements_for

__all__ = ["ALL", "COMMANDS", "allows", "policy_document", "statements_for"]
