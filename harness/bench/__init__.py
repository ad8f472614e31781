"""Benchmarks: workloads, the per-framework timing functions, the runner."""
