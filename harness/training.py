"""Training parity: a linear regression trained by gradient descent, step for step, anywhere.

A :class:`Run` fixes the data, the initial weights, the learning rate and which rows each step
uses. Every framework trains it its own way (suites/semantics/trainers.py); this module gives the
float64 NumPy trajectory to hold them to (each step's gradient from the finite-difference
reference, not a hand-derived formula), the closed-form least-squares answer, and the comparison.
The model is ``pred = x @ w + b`` with loss ``mean((pred - y)²)``.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from harness import reference, reference_cache
from harness.judge import PASSED, exact
from harness.judge import judge as judge_values
from harness.tolerances import Tolerance


@dataclass(frozen=True, eq=False)
class Run:
    """One training run: data, initial weights, learning rate, and the rows of each step."""

    name: str
    x: np.ndarray        # (n, d_in)
    y: np.ndarray        # (n, d_out)
    w0: np.ndarray       # (d_in, d_out)
    b0: np.ndarray       # (d_out,)
    lr: float
    batches: tuple[tuple[int, ...], ...]  # row indices used by each step, in order
    converges: bool      # whether the final weights should reach the least-squares answer
    doc: str = ""

    @property
    def steps(self) -> int:
        return len(self.batches)


def loss(x: np.ndarray, y: np.ndarray, w: np.ndarray, b: np.ndarray) -> float:
    return float(np.mean((x @ w + b - y) ** 2))


def flat(w, b) -> np.ndarray:
    """The parameters as one vector (w row-major, then b): one row of a trajectory."""
    return np.concatenate([np.ravel(w), np.ravel(b)])


@functools.lru_cache(maxsize=None)
def numpy_trajectory(run: Run) -> np.ndarray:
    """The float64 trajectory ``(steps + 1, params)`` with finite-difference gradients (kept between runs for
    the suite's own runs: :mod:`harness.reference_cache`)."""
    key = (run.name, run.x, run.y, run.w0, run.b0, run.lr, repr(run.batches))
    return reference_cache.kept(run, key, lambda: _trajectory(run))


def _trajectory(run: Run) -> np.ndarray:
    w, b = run.w0.astype(np.float64), run.b0.astype(np.float64)
    rows = [flat(w, b)]
    for batch in run.batches:
        xb, yb = run.x[list(batch)], run.y[list(batch)]
        scalar = lambda p, xb=xb, yb=yb: np.atleast_1d(loss(xb, yb, p["w"], p["b"]))  # noqa: E731
        grads = reference.gradient(scalar, {"w": w, "b": b}, ["w", "b"])
        w, b = w - run.lr * grads["w"].value, b - run.lr * grads["b"].value
        rows.append(flat(w, b))
    return np.array(rows)


def least_squares(run: Run) -> np.ndarray:
    """The closed-form minimiser of the loss over all rows, as a flat parameter vector."""
    design = np.hstack([run.x, np.ones((len(run.x), 1))])
    solution, *_ = np.linalg.lstsq(design, run.y, rcond=None)
    return flat(solution[:-1], solution[-1])


@dataclass(frozen=True)
class Verdict:
    """How a framework's trajectory compares."""

    max_trajectory_diff: float       # max over steps and parameters of |framework - numpy|
    relative_diff: float             # the same, divided by the largest |parameter| seen
    final_vs_closed_form: float | None
    passed: bool
    message: str


def judge(run: Run, trajectory: np.ndarray, tol: Tolerance, converged: Tolerance) -> Verdict:
    """Compare a framework's trajectory with the NumPy one (``tol``: relative to the parameters' scale, its ``atol``)
    and the final parameters with the least-squares answer where the run converges (``converged``), on the one judge:
    a NaN or ±inf parameter is never within either."""
    expected = numpy_trajectory(run)
    if trajectory.shape != expected.shape:
        return Verdict(np.inf, np.inf, None, False,
                       f"trajectory shape {trajectory.shape}, expected {expected.shape}")
    steps = judge_values({"trajectory": trajectory}, exact({"trajectory": expected}), tol)
    scale = max(float(np.max(np.abs(expected))), 1e-300)
    problems = []
    if steps.verdict != PASSED:
        (step, param) = next(e.index for e in steps.entries("trajectory", "wrong", 1))
        problems.append(f"step {step}, parameter {param}: {trajectory[step, param]:.9g} vs NumPy "
                        f"{expected[step, param]:.9g} (relative {steps.max_abs / scale:.2g} > {tol.atol:g})")
    final_gap = None
    if run.converges:
        final = judge_values({"final": trajectory[-1]}, exact({"final": least_squares(run)}), converged)
        final_gap = final.max_abs
        if final.verdict != PASSED:
            problems.append(f"final parameters {final_gap:.3g} from least squares (> {converged.resolution:g})")
    return Verdict(steps.max_abs, steps.max_abs / scale, final_gap, not problems, "; ".join(problems))
