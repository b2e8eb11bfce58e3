"""Benchmarks: each module is `python -m bench.<name>`, prints its numbers and writes bench/results/<name>*.json.

They measure and never fail on a number. The tests use their helpers (bench/common.py, bench/site.py, the
metrics of bench/metrics.py) but never run a benchmark.
"""
