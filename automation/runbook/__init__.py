"""The restore runbook: rename, pulumi up, verify, re-sync; resume and roll back."""
