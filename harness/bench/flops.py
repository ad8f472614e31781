"""How much arithmetic a workload is, and how much this machine can do: the yardstick that turns a benchmark's time
into achieved GFLOP/s and a fraction of the hardware's peak, so a table says how far each framework is from the
machine, not only from each other.

- **The count** is the workload's, the same for every framework: XLA's cost analysis of the jitted forward and of the
  jitted value-and-gradient (``jax.jit(f).lower(...).compile().cost_analysis()["flops"]``), in the bench's dtype. It is
  the count of the optimized program (after fusion and simplification), with a multiply-add as 2 and a transcendental
  as one op; where JAX is not installed there is no count and the tables say so.
- **The peak** is measured, not quoted: a square matmul (1024², ``2·n³`` operations) timed in each framework's own
  benchmark process, with that process's thread count and dtype, best of five calls after a warm-up.
"""

from __future__ import annotations

import functools
import time

import numpy as np

from harness import frameworks, plans
from harness.cases import Case

#: the matrix side of the peak measurement: large enough that the BLAS kernel, not the call, is timed
PEAK_SIDE = 1024
PEAK_REPEATS = 5
COUNTER = "XLA cost analysis of the jitted program (jax {version})"


def count(case: Case, dtype: str) -> dict | None:
    """``{"forward", "forward_backward", "counter"}`` floating-point operations of ``case`` in ``dtype`` (``None``
    where JAX is not installed or XLA gives no count)."""
    try:
        adapter = frameworks.load("jax", "cpu")
    except frameworks.FrameworkError:
        return None
    import jax

    inputs = plans.plan(case, 0).cast(dtype)
    f = plans.bind(case)
    consts = {n: adapter.tensor(v) for n, v in inputs.items() if n not in case.sources}
    primals = {n: adapter.tensor(inputs[n]) for n in case.sources}

    def loss(srcs):
        return f(adapter.xp, **consts, **srcs)

    def flops(fn) -> float | None:
        analysis = jax.jit(fn).lower(primals).compile().cost_analysis()
        analysis = analysis[0] if isinstance(analysis, (list, tuple)) else analysis
        value = (analysis or {}).get("flops")
        return float(value) if value is not None and value > 0 else None

    forward, both = flops(loss), flops(jax.value_and_grad(loss))
    if forward is None or both is None:
        return None
    return {"forward": forward, "forward_backward": both, "counter": COUNTER.format(version=jax.__version__)}


@functools.cache
def peak_gflops(framework: str, dtype: str, device: str) -> float:
    """This process's best GFLOP/s on a ``PEAK_SIDE``² matmul in ``framework`` and ``dtype``."""
    adapter = frameworks.load(framework, device)
    a = adapter.tensor(np.random.default_rng(0).standard_normal((PEAK_SIDE, PEAK_SIDE)).astype(dtype))
    matmul = adapter.xp.matmul
    adapter.sync(matmul(a, a))
    best = np.inf
    for _ in range(PEAK_REPEATS):
        start = time.perf_counter()
        adapter.sync(matmul(a, a))
        best = min(best, time.perf_counter() - start)
    return 2 * PEAK_SIDE ** 3 / best / 1e9
