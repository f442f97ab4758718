"""Backups: named and hourly snapshots, their listing, rotation and policy check."""
