"""Benchmarks: `.venv/bin/python bench/run.py` (see README.md). They print figures; not tests."""
