"""Benchmarks: every figure printed as a ratio to a raw ceiling measured in the same run."""
