"""Benchmarks: data generation, in-process figures, and (elsewhere in this package) the HTTP runs."""
