"""How fast the correctness machinery itself runs (pytest-benchmark; `tox -e bench`).

- every registered case × both dtypes on one framework, warm (reference cached, framework
  caches filled by a warm-up round): the suite's steady checks per second, per framework;
- the float64 reference of every case, uncached: the one-time cost per case;
- ``harness.gradcheck`` on a 400-element elementwise function, the size its single-entry
  guarantee is stated for, and beside ``torch.autograd.gradcheck`` on the same function at 400 and
  3,600 elements.

All three frameworks are imported in this one process, as in a suite run.
"""

from __future__ import annotations

import numpy as np
import pytest

from harness import check, gradcheck, modes, plans, reference_cache
from harness.frameworks import FRAMEWORKS
from harness.suite_plugin import load_adapter
from suites.cases import REGISTRY

DTYPES = ("float32", "float64")
COMPLEX_DTYPES = ("complex64", "complex128")
#: elements of the function both checkers check; the test run (benchmarks disabled) smoke-tests the first alone, as
#: the workloads' smoke test runs each workload's smallest case: one 3,600-element torch.autograd.gradcheck takes 18 s
SIZES = (400, 3600)


def pytest_generate_tests(metafunc):
    if "size" in metafunc.fixturenames:
        config = metafunc.config
        smoke = config.getoption("benchmark_disable", False) and not config.getoption("benchmark_enable", False)
        metafunc.parametrize("size", SIZES[:1] if smoke else SIZES)


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_checks_per_second(benchmark, framework):
    adapter = load_adapter(framework, "cpu")
    # in the test run (benchmarks disabled) a smoke test of the benchmark itself: test_gradients makes these checks
    cases = list(REGISTRY) if not benchmark.disabled else list(REGISTRY)[:3]

    def every_case():
        # a complex case runs in complex dtypes only (its reference is in real pairs)
        return [check.run(case, adapter, dtype).outcome.verdict for case in cases
                for dtype in (COMPLEX_DTYPES if case.is_complex else DTYPES)]

    verdicts = benchmark.pedantic(every_case, rounds=3, iterations=1, warmup_rounds=1)
    benchmark.extra_info["checks_per_round"] = len(verdicts)
    if not benchmark.disabled:  # in the test run (--benchmark-disable) it is a one-pass smoke test
        benchmark.extra_info["checks_per_second"] = len(verdicts) / benchmark.stats.stats.median
    assert set(verdicts) == {"pass"}


def test_reference_for_every_case(benchmark):
    def uncached():
        modes._reference.cache_clear()
        plans.plan.cache_clear()
        plans.plan_for.cache_clear()
        with reference_cache.suspended():  # computed, not loaded from an earlier run's folder
            return [modes.reference_for(case, 0) for case in REGISTRY]

    refs = benchmark.pedantic(uncached, rounds=3, iterations=1, warmup_rounds=1)
    benchmark.extra_info["cases"] = len(refs)


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_gradcheck_400_elements(benchmark, framework):
    xp = load_adapter(framework, "cpu").xp
    x = np.random.default_rng(0).uniform(-2.0, 2.0, 400)
    result = benchmark.pedantic(gradcheck, args=(xp.sin, (x,)), kwargs={"framework": framework},
                                rounds=5, iterations=1, warmup_rounds=1)
    benchmark.extra_info["detection_power"] = str(result.power)
    assert result.checked == 400 and result.power.unsampled == 0


@pytest.mark.parametrize("checker", ["harness.gradcheck", "torch.autograd.gradcheck"])
def test_gradcheck_beside_torch_gradcheck(benchmark, size, checker):
    """The same float64 function, ``sin(x)·x`` on ``size`` elements, checked by each: torch's gradcheck builds
    the whole Jacobian both ways (one finite difference per input, one backward per output); ours compares a
    random-cotangent VJP, at every coordinate up to 512 elements and at 48 sampled coordinates plus 8
    projections above (its detection power, recorded beside the time, says what that gives up)."""
    torch = pytest.importorskip("torch")
    load_adapter("torch", "cpu")
    x = np.random.default_rng(0).uniform(-2.0, 2.0, size)
    fn = lambda t: torch.sin(t) * t  # noqa: E731
    if checker == "harness.gradcheck":
        run = lambda: gradcheck(fn, (x,), framework="torch")  # noqa: E731
    else:
        leaf = torch.tensor(x, requires_grad=True)
        run = lambda: torch.autograd.gradcheck(fn, (leaf,))  # noqa: E731
    benchmark.group = f"gradcheck of sin(x)·x, {size} float64 elements"
    result = benchmark.pedantic(run, rounds=3, iterations=1, warmup_rounds=1)
    if checker == "harness.gradcheck":
        benchmark.extra_info["detection_power"] = str(result.power)
        assert result.checked == (size if size <= 512 else 56)
    else:
        assert result is True
