"""Benchmarks (run with `make bench`); figures go to bench/results-*.json, not into tests."""
