"""The four training-parity runs and how each framework trains them (manual gradient descent,
TF1 graph mode, TF and torch optimizers), all returning the parameter trajectory step by step."""

from __future__ import annotations

import numpy as np

from harness.frameworks.registry import JAX, TF, TORCH
from harness.tolerances import TRAJECTORY, Tolerance
from harness.training import Run
from suites.cases.matrix import SEED_T, SEED_X
from suites.semantics.raw import JAX_RAW, TF_RAW, TORCH_RAW


def _f32(a) -> np.ndarray:
    """Round to float32-representable values, so float32 and float64 runs start identically."""
    return np.asarray(a, dtype=np.float32).astype(np.float64)


def _runs() -> list[Run]:
    rng = np.random.default_rng(2026)
    x_a, y_a = np.array(SEED_X, float), np.array(SEED_T, float)
    x_b = _f32(rng.uniform(-1.0, 1.0, (64, 1)))
    y_b = _f32(3.0 * x_b + 1.0 + rng.normal(0.0, 0.05, x_b.shape))
    order = [tuple(int(i) for i in rng.permutation(64)[k:k + 8]) for _ in range(100) for k in range(0, 64, 8)]
    x_c = np.array([[1.0], [2.0], [3.0], [4.0]])
    x_d = _f32(rng.uniform(-10.0, 10.0, (200, 1)))
    y_d = _f32(0.1 * x_d + 0.3 + rng.normal(0.0, 0.1, x_d.shape))
    return [
        Run("a-crop-yields", x_a, y_a, _f32(rng.normal(0, 1, (3, 2))), _f32(rng.normal(0, 1, 2)), 1e-5,
            tuple((0, 1, 2, 3, 4) for _ in range(100)), converges=False,
            doc="the seeds' 5×3 → 5×2 model, full batch, lr 1e-5, 100 steps: unscaled inputs make it too "
                "ill-conditioned to reach least squares"),
        Run("b-line-3x-plus-1", x_b, y_b, np.zeros((1, 1)), np.zeros(1), 1e-3, tuple(order), converges=False,
            doc="y = 3x + 1 + noise, batches of 8 reshuffled each epoch, lr 0.001, 100 epochs (800 steps): "
                "too small a rate to converge"),
        Run("c-per-sample-2x", x_c, 2.0 * x_c, np.ones((1, 1)), np.ones(1), 0.01,
            tuple((i,) for _ in range(100) for i in range(4)), converges=False,
            doc="x = [1, 2, 3, 4], y = 2x, W = b = 1, lr 0.01, 100 epochs of per-sample updates: ends at "
                "W ≈ 1.89, b ≈ 0.35, still on its way to (2, 0)"),
        Run("d-noisy-line", x_d, y_d, np.zeros((1, 1)), np.zeros(1), 0.01, tuple(tuple(range(200)) for _ in range(1000)),
            converges=True, doc="y = 0.1x + 0.3 + noise, n = 200, x in [-10, 10], full batch, lr 0.01, 1000 steps"),
    ]


RUNS = _runs()


# -- TensorFlow ----------------------------------------------------------------------------------------

# -- PyTorch ----------------------------------------------------------------------------------------------

# -- JAX --------------------------------------------------------------------------------------------------

#: framework -> method -> trainer; "manual" is hand-written gradient descent everywhere
TRAINERS = {
    TF: {"manual": TF_RAW.eager, "keras-sgd": TF_RAW.eager, "tf1-gradients": TF_RAW.graph_graph,
                   "tf1-minimize": TF_RAW.graph_graph, "tf1-compute-apply": TF_RAW.graph_graph},
    TORCH: {"manual": TORCH_RAW.train, "optim-sgd": TORCH_RAW.train},
    JAX: {"manual": JAX_RAW.train},
}
#: the optimizer variants run on (c) and (d); manual descent on all four
VARIANT_RUNS = ("c-per-sample-2x", "d-noisy-line")
#: TF's optimizers keep the learning rate in float32 whatever the variables' dtype (measured: 0.01 becomes
#: 0.0099999998), so their float64 trajectories differ from the update in float64 (harness.tolerances.TRAJECTORY)
LR_IN_FLOAT32 = ("keras-sgd", "tf1-minimize", "tf1-compute-apply")

#: (run, framework, method) to check
TRAININGS = [(run, fw, method) for run in RUNS for fw, methods in TRAINERS.items() for method in methods
             if method == "manual" or run.name in VARIANT_RUNS]


def trajectory_tolerance(method: str, dtype: str) -> Tolerance:
    """The trajectory's tolerance: the dtype's, or float32's rounding of the rate where the optimizer keeps it so."""
    return TRAJECTORY[f"{dtype}:lr-float32" if dtype == "float64" and method in LR_IN_FLOAT32 else dtype]
