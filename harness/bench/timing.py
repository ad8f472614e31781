"""What a benchmark times, and how: forward, forward + backward, and backward alone.

- forward: the loss, recorded for differentiation (as in training);
- forward_backward: the loss and its gradient w.r.t. every source;
- backward: the gradient alone, timed with pytest-benchmark's ``pedantic`` whose untimed setup
  runs a fresh forward each round. Where a framework cannot split the two (a ``tf.function``
  keeps its tape inside) it is not measured; the report derives it as forward_backward − forward.

Every callable returns only once the device's work is done. The first call of each prepared set
(tracing and compilation included) is timed on its own and never mixed into the steady state.
"""

from __future__ import annotations

import functools
import time
from dataclasses import dataclass

from harness import frameworks, plans
from harness.cases import Case
from harness.frameworks.base import Timed

PHASES = ("forward", "forward_backward", "backward")
METHOD = {
    "forward": "benchmark(forward)",
    "forward_backward": "benchmark(forward_backward)",
    "backward": "pedantic(backward, setup=forward recorded for differentiation)",
}


@dataclass(frozen=True)
class Prepared:
    timed: Timed
    first_call_s: float  # the first forward_backward: tracing/compilation included


@functools.cache
def prepare(case: Case, framework: str, mode: str, dtype: str, device: str) -> Prepared:
    """The timing callables for one workload size, cached so the three phases share one compile."""
    adapter = frameworks.load(framework, device)
    plan = plans.plan(case, 0)
    timed = adapter.timed(plans.bind(case), plan.cast(dtype), case.sources, compiled=mode == "compiled")
    start = time.perf_counter()
    timed.forward_backward()
    return Prepared(timed, time.perf_counter() - start)


def backward_rounds(timed: Timed, budget_s: float, low: int = 5, high: int = 2000) -> int:
    """Rounds of backward-alone that fit ``budget_s``, from three untimed-setup estimates."""
    costs = []
    for _ in range(3):
        state = timed.backward_setup()
        start = time.perf_counter()
        timed.backward(state)
        costs.append(time.perf_counter() - start)
    return max(low, min(high, int(budget_s / max(min(costs), 1e-9))))
