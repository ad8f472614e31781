"""Binary elementwise ops, with broadcasting (a row and a scalar against a matrix), hard pairs
(overflowing intermediates, branch cuts) and ties or undefined points as conventions."""

import numpy as np

from harness.domains import away_from, positive, signed, uniform
from harness.expectations import divergence
from harness.frameworks.registry import JAX, TF, TORCH
from harness.optable import Op, at_kink, pairwise
from suites.ops import low_precision

#: |x / y| in (1.09, 1.95): trunc and floor of the ratio are constant, so fmod and friends are smooth
SMOOTH = ("matrix", "broadcast-row", "broadcast-scalar")
QUOTIENT_X, QUOTIENT_Y = away_from(0.0, gap=2.3, spread=1.4), uniform(1.9, 2.1)
#: |x - y| >= 0.2 with either larger: maximum and minimum are smooth at every drawn pair
APART_X, APART_Y = away_from(0.0, gap=0.5, spread=0.5), uniform(-0.3, 0.3)
TIE_TO_X = at_kink("at a tie TF gives the whole gradient to x, torch and JAX split it 1/2 : 1/2", "JAX#37821",
                   tensorflow={"x": [1.0, 1.0], "y": [0.0, 0.0]}, torch={"x": [0.5, 0.5], "y": [0.5, 0.5]},
                   jax={"x": [0.5, 0.5], "y": [0.5, 0.5]})


def binary(name, dx=signed, dy=signed, *, hard=None, ties=None, y_constant=False, order=2,
           divergences=(), zero=False, ref=None, found=()):
    return Op(name, "binary", pairwise(dx, dy, hard=hard, ties=ties, y_constant=y_constant),
              order=order, divergences=tuple(divergences), zero=zero, ref=ref, found=found)


def x_zero_convention(op, derivative):
    why = (f"TF defines d{op}/dx = 0 where x == 0 (its gradient masks x == 0), where the derivative is "
           f"{derivative}: wrong at x = 0, y > 0 where the function is smooth")
    # in float16/bfloat16 a forward-mode answer's tolerance (1-6% of its largest entry, x/y = 1e3 here) can hide it,
    # depending on the drawn tangent (float16: at --grad-seed 2)
    return (divergence((TF,), why, wrong=True, samples=("hard",), dtypes=("float32", "float64")),
            divergence((TF,), why, wrong=True, samples=("hard",), dtypes=("float16", "bfloat16"), strict=False))


AT_ZERO_ZERO = divergence((TF, TORCH, JAX), "at x = 0 with log(y) = -inf: TF answers 0 for both, torch 0 and "
                          "NaN, JAX -inf and NaN", convention=True)


OPS = [
    binary("add", order=1),
    binary("subtract", order=1),
    binary("multiply", hard=([1e19, -1e-19], [1e-19, 1e19])),
    binary("divide", dy=away_from(0.0), hard=([1.0, -1.0], [1e-3, -1e-3])),
    binary("pow", positive, uniform(-2, 2), hard=([1e-3, 2.0], [3.0, 1e-4]),
           ties=([0.0, 0.0, -2.0], [2.0, 0.0, 3.0]), divergences=[
               *at_kink("0**0 w.r.t. x: TF and JAX NaN (0·x^-1), torch special-cases exponent 0 and answers 0; "
                        "(-2)**3 w.r.t. y (log of a negative base): TF 0, torch and JAX NaN",
                        tensorflow={"x": [0.0, np.nan, 12.0], "y": [0.0, 0.0, 0.0]},
                        torch={"x": [0.0, 0.0, 12.0], "y": [0.0, 0.0, np.nan]},
                        jax={"x": [0.0, np.nan, 12.0], "y": [0.0, 0.0, np.nan]})]),
    binary("atan2", away_from(0.0), away_from(0.0), hard=([1e-6, -1e-6], [-1.0, -1.0]),
           ties=([0.0], [0.0]), divergences=[
               divergence((TORCH,), "atan2(0, 0): torch answers 0, TF and JAX NaN", convention=True)],
           found=low_precision.ATAN2),
    binary("maximum", APART_X, APART_Y, ties=([0.5, -1.0], [0.5, -1.0]), order=1, divergences=TIE_TO_X),
    binary("minimum", APART_X, APART_Y, ties=([0.5, -1.0], [0.5, -1.0]), order=1, divergences=TIE_TO_X),
    binary("hypot", away_from(0.0), away_from(0.0), hard=([1e20, -2e20], [1e20, 1e20]), ties=([0.0], [0.0]),
           divergences=[divergence((TF, JAX), "the gradient x / hypot(x, y) is 0 at x = y = 1e20 in float32 "
                                   "(torch: 0.707): the squares overflow on the way", wrong=True,
                                   samples=("hard",), dtypes=("float32",)),
                        divergence((JAX,), "hypot(0, 0): JAX answers a finite value, TF and torch NaN", convention=True)],
        found=low_precision.HYPOT),
    binary("fmod", QUOTIENT_X, QUOTIENT_Y, ties=([4.0, -4.0], [2.0, 2.0]), order=1, divergences=[
        divergence((TF,), "TF registers no gradient for TruncateMod (tf.truncatemod): tape.gradient raises "
                   "LookupError; tf.math.floormod has one", kind="error:LookupError", samples=SMOOTH),
        divergence((TF,), "TF raises (no gradient for TruncateMod)", convention=True)]),
    binary("remainder", QUOTIENT_X, QUOTIENT_Y, ties=([4.0, -4.0], [2.0, 2.0]), order=1),
    binary("logaddexp", uniform(-3, 3), uniform(-3, 3), hard=([100.0, -100.0], [100.0, 100.0]),
           divergences=[divergence((TF,), "tnp.logaddexp's gradient at x == y is 1 for each input instead of "
                                   "1/2: its max(x, y) branch passes the whole gradient to both at a tie",
                                   wrong=True, samples=("hard",))], found=low_precision.LOGADDEXP),
    binary("xlogy", signed, positive, hard=([0.0, 1e-3], [1e-6, 1e-6]), ties=([0.0], [0.0]),
           divergences=[*x_zero_convention("xlogy", "log(y)"), AT_ZERO_ZERO], found=low_precision.XLOGY),
    binary("xlog1py", signed, uniform(-0.5, 2.0), hard=([0.0, 1.0], [-0.999, -0.999]),
           ties=([0.0], [-1.0]), divergences=[*x_zero_convention("xlog1py", "log1p(y)"), AT_ZERO_ZERO]),
    binary("squared_difference", hard=([1e15, -1e15], [-1e15, 1e15]), ref=lambda x, y: (x - y) ** 2),
    binary("copysign", away_from(0.0), away_from(0.0), y_constant=True, ties=([0.0, 0.5], [1.0, 0.0]), order=1,
           divergences=[divergence((JAX,), "copysign(0, 1) w.r.t. x: JAX answers the cotangent (sign 1), torch 0 "
                                   "(TF has no copysign)", convention=True)]),
    binary("floor_divide", QUOTIENT_X, QUOTIENT_Y, ties=([4.0], [2.0]), zero=True, divergences=[
        divergence((TF,), "TF registers no gradient for FloorDiv: None for both inputs", kind="x:none,y:none",
                   samples=SMOOTH),
        divergence((TORCH,), "torch: 'derivative for aten::floor_divide is not implemented'",
                   kind="error:RuntimeError", samples=SMOOTH, regimes=("eager",)),
        divergence((TORCH,), "torch: no derivative for floor_divide; under torch.compile AOTAutograd meets it while "
                   "compiling: BackendCompilerFailed wrapping the RuntimeError", kind="error:BackendCompilerFailed",
                   samples=SMOOTH, regimes=("compiled",)),
        divergence((TORCH,), "torch raises (no derivative for floor_divide)", convention=True)]),
]
