"""The restore drill driver: restore aside, verify, check, destroy, report."""
