"""Benchmark harness: this project against the published gradiend 0.2.3 on the same models and data.

Run it with ``nox -s bench`` or ``.venv/bin/python benchmarks/run.py`` (see benchmarks/README.md).
"""
