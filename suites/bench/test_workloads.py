"""The benchmark worker (``harness/bench/worker.py``) collected into the test run: with benchmarks
disabled it is a smoke test (smallest size of each workload, eager, each phase once)."""

from harness.bench.worker import test_workload  # noqa: F401 (collected here by pytest)
