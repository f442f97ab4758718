"""Adapter for Jenkins (python-jenkins)."""
