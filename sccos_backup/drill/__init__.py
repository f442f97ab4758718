"""Restore drills: plan, report, history."""
