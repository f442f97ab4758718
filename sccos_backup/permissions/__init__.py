"""Least-privilege IAM policies for each command group (``sccos-backup iam-policy``).

Stable API: :func:`policy_document` (``policy_document("schedule", region=..., account=...)``
is the document the schedule stack's Lambda role gets: reads, hourly snapshots only, and
explicit denies on re-tagging), :data:`COMMANDS`, :func:`allows`.
"""

from __future__ import annotations

from sccos_backup.permissions.policy import (
    ALL,
    COMMANDS,
    Context,
    allows,
    policy_document,
    statements_for,
)

__all__ = ["ALL", "COMMANDS", "Context", "allows", "policy_document", "statements_for"]
