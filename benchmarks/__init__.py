"""Benchmarks: each prints our figure, its baseline measured in the same run, and the ratio."""
