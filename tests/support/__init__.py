"""Helpers shared by the test modules (stand-ins live next to them in tests/)."""
