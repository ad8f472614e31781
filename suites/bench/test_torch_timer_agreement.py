"""Does this harness's timer agree with torch's own? The torch GMM (d=10, k=10, n=1000) forward
+ backward is timed by pytest-benchmark (as every workload is) and by
``torch.utils.benchmark.Timer.blocked_autorange``; both medians and their ratio are recorded in
extra_info. A benchmark reports the ratio; it does not assert on time."""

from __future__ import annotations

import pytest

from harness.bench import timing
from harness.bench.workloads import gmm_case
from harness.suite_plugin import load_adapter


def test_gmm_timer_agreement(benchmark, request):
    load_adapter("torch", "cpu")
    from torch.utils import benchmark as torch_benchmark

    prepared = timing.prepare(gmm_case(10, 10), "torch", "eager", request.config.getoption("--bench-dtype"), "cpu")
    step = prepared.timed.forward_backward
    benchmark(step)
    if benchmark.disabled:
        pytest.skip("benchmarks disabled: the agreement is measured by `pytest suites/bench --benchmark-only`")
    torch_median = torch_benchmark.Timer(stmt="step()", globals={"step": step}).blocked_autorange(min_run_time=2).median
    ours = benchmark.stats.stats.median
    benchmark.extra_info.update(torch_timer_median_s=torch_median, harness_median_s=ours, ratio=ours / torch_median)
