"""Benchmarks: `make bench` runs `python -m bench.run`; figures go to bench/results.json and .md."""
