"""What an installed gradparity adds to another project's pytest run: a one-test project with its own --device,
--framework and --dtype options, timed with gradparity's entry-point plugin and with it disabled
(``-p no:harness.pytest_plugin``), interleaved, best of several runs each. The promise: at most 0.1 s more. In the
test run (benchmarks disabled) it is a smoke test of the measurement; tests/test_plugin_guest.py asserts the
behaviour that keeps the cost down (no framework, NumPy, pandas or matplotlib imported at startup, no file written).
"""

from __future__ import annotations

import time

import pytest

from tests.guest import PROJECT_CONFTEST, PROJECT_TEST, installed, run

#: what the plugin may add to a run, in seconds (issue: "at most 0.1 s longer")
BUDGET_S = 0.1
ROUNDS = 7


def test_plugin_startup_overhead(benchmark, tmp_path):
    if not installed():
        pytest.skip("gradparity is not installed here (pip install -e .): its entry point is what is timed")
    (tmp_path / "conftest.py").write_text(PROJECT_CONFTEST)
    (tmp_path / "test_one.py").write_text(PROJECT_TEST)
    rounds = 1 if benchmark.disabled else ROUNDS
    best = {"with": float("inf"), "without": float("inf")}
    for _ in range(rounds):  # interleaved: the machine's load changes both alike
        for variant, args in (("with", ()), ("without", ("-p", "no:harness.pytest_plugin"))):
            start = time.perf_counter()
            proc = run(tmp_path, *args)
            best[variant] = min(best[variant], time.perf_counter() - start)
            assert proc.returncode == 0, proc.stdout + proc.stderr
    benchmark.pedantic(lambda: run(tmp_path), rounds=1 if benchmark.disabled else 3, iterations=1)
    benchmark.extra_info.update({"best_with_plugin_s": best["with"], "best_without_plugin_s": best["without"],
                                 "overhead_s": best["with"] - best["without"], "budget_s": BUDGET_S})
    if not benchmark.disabled:
        assert best["with"] - best["without"] <= BUDGET_S, best
