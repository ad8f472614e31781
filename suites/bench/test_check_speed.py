"""How fast the correctness machinery itself runs (pytest-benchmark; `tox -e bench`).

- every registered case × both dtypes on one framework, warm (reference cached, framework
  caches filled by a warm-up round): the suite's steady checks per second, per framework;
- the float64 reference of every case, uncached: the one-time cost per case;
- ``harness.gradcheck`` on a 400-element elementwise function, the size its single-entry
  guarantee is stated for.

All three frameworks are imported in this one process, as in a suite run.
"""

from __future__ import annotations

import numpy as np
import pytest

from harness import check, gradcheck
from harness.frameworks import FRAMEWORKS
from harness.pytest_plugin import load_adapter
from suites.cases import REGISTRY

DTYPES = ("float32", "float64")


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_checks_per_second(benchmark, framework):
    adapter = load_adapter(framework, "cpu")
    # in the test run (benchmarks disabled) a smoke test of the benchmark itself: test_gradients makes these checks
    cases = list(REGISTRY) if not benchmark.disabled else list(REGISTRY)[:3]

    def every_case():
        return [check.run(case, adapter, dtype).outcome.verdict for case in cases for dtype in DTYPES]

    verdicts = benchmark.pedantic(every_case, rounds=3, iterations=1, warmup_rounds=1)
    benchmark.extra_info["checks_per_round"] = len(verdicts)
    if not benchmark.disabled:  # in the test run (--benchmark-disable) it is a one-pass smoke test
        benchmark.extra_info["checks_per_second"] = len(verdicts) / benchmark.stats.stats.median
    assert set(verdicts) == {"pass"}


def test_reference_for_every_case(benchmark):
    def uncached():
        check._reference.cache_clear()
        check.plan.cache_clear()
        check.plan_for.cache_clear()
        return [check.reference_for(case, 0) for case in REGISTRY]

    refs = benchmark.pedantic(uncached, rounds=3, iterations=1, warmup_rounds=1)
    benchmark.extra_info["cases"] = len(refs)


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_gradcheck_400_elements(benchmark, framework):
    xp = load_adapter(framework, "cpu").xp
    x = np.random.default_rng(0).uniform(-2.0, 2.0, 400)
    result = benchmark.pedantic(gradcheck, args=(xp.sin, (x,)), kwargs={"framework": framework},
                                rounds=5, iterations=1, warmup_rounds=1)
    assert result.checked == 400
