"""Benchmarks of sccos-backup: CLI start-up, orchestration overhead and polling politeness.

Run from the checkout with ``.venv/bin/python -m bench`` (``--write`` also writes
``bench/results.md``). Not part of the test run; it reports and always exits 0.
"""
