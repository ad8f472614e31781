"""The raw gradient of ``sum(op(x))`` w.r.t. ``x``, each framework's idiomatic way (``GRAD``; the code
is each ``on_<framework>.grad``, reached lazily, so a missing framework fails only the rows that need
it, and those skip with the reason), and the float64 reference for scenarios.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from harness.frameworks.registry import JAX, TF, TORCH
from harness.reference import Estimate, gradient
from suites.semantics.raw import JAX_RAW, TF_RAW, TORCH_RAW

GRAD = {TF: TF_RAW.grad, TORCH: TORCH_RAW.grad, JAX: JAX_RAW.grad}


def reference_grad(fn: Callable[[np.ndarray], np.ndarray], x) -> Estimate:
    """The float64 finite-difference gradient of ``sum(fn(x))`` at ``x``."""
    point = {"x": np.asarray(x, dtype=np.float64)}
    return gradient(lambda p: np.atleast_1d(np.sum(fn(p["x"]))), point, ["x"])["x"]
