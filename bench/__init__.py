"""Benchmarks: ``python -m bench`` measures every target of issue 6 (bench/RESULTS.md)."""
