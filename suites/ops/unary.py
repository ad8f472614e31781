"""Elementwise unary ops: trigonometric, hyperbolic, exponential and logarithmic, special functions,
activations, rounding. Hard values sit where implementations break: large and tiny magnitudes,
the edges of a domain, overflow of an intermediate ``exp``."""

import numpy as np
import scipy.special as sp

from harness import numpy_ops
from harness.domains import avoiding, away_from, integers_avoided, positive, uniform
from harness.expectations import divergence
from harness.frameworks.registry import JAX, TF, TORCH
from harness.optable import Op, at_kink, elementwise
from harness.tolerances import with_floor
from suites.ops import low_precision

EXTREMES = [-90.0, -30.0, 30.0, 90.0]  # exp(90) overflows float32: sigmoid-like ops must not


def unary(name, domain=uniform(-3, 3), *, hard=None, kinks=None, order=2, divergences=(),
          zero=False, tolerances=None, ref=None, found=(), **kwargs):
    return Op(name, "unary", elementwise(domain, hard=hard, kinks=kinks, **kwargs), order=order,
              divergences=tuple(divergences), zero=zero, tolerances=tolerances or {}, ref=ref, found=found)


SINC = ("float32 sinc'(x) = (cos(πx)·πx - sin(πx)) / (πx²) cancels catastrophically near 0: at x = 1e-4 the "
        "gradient is off by 100-300% (a series near 0 would fix it)")
GELU64 = ("TF's float64 gradient of gelu(approximate=False) is off by up to 10x float64's tolerance (1e-7·|g| + "
          "1e-9) for x in about [-3.9, -0.45], in reverse and forward mode and second order (measured on a grid of "
          "1600 points in [-4, 4]; cause inside TF not traced); elsewhere it is exact to ~1e-15")
#: the dtype tolerances with the absolute floor at 1, for derivatives formed from terms of size ~1 that cancel
ORDER_ONE_TERMS = with_floor(1.0)
#: drawn samples: a declaration by range applies where their values reach into it
DRAWN = ("scalar", "vector", "matrix")


STEP = ("at the step the derivative is undefined; with TF's None read as zeros (unconnected_gradients=ZERO) every "
        "framework answers 0, as everywhere else")


def no_gradient(tf_op):
    return divergence((TF,), f"TF registers no gradient for {tf_op}: tape.gradient answers None where torch "
                      "and JAX answer zeros", kind="x:none")


OPS = [
    unary("sin", hard=[-100.0, 1e-6, 100.0]),
    unary("cos", hard=[-100.0, 1e-6, 100.0]),
    unary("tan", uniform(-1.2, 1.2), hard=[-1.5, 1.5]),
    unary("asin", uniform(-0.9, 0.9), hard=[-0.999, 0.0, 0.999]),
    unary("acos", uniform(-0.9, 0.9), hard=[-0.999, 0.0, 0.999]),
    unary("atan", hard=[-1e4, 0.0, 1e4]),
    unary("sinh", hard=[-20.0, 20.0]),
    unary("cosh", hard=[-20.0, 20.0]),
    unary("tanh", hard=[-20.0, -5.0, 5.0, 20.0], divergences=[
        divergence((TF, TORCH, JAX), "float32 derivative 1 - tanh(x)² cancels in the saturated tail: relative "
                   "error 2e-4 to 9e-4 at x = 5 (4 / (e^x + e^-x)² would keep full precision)",
                   wrong=True, samples=("hard",), dtypes=("float32",))], found=low_precision.TANH),
    unary("asinh", hard=[-1e4, 1e-4, 1e4]),
    unary("acosh", uniform(1.2, 3.0), hard=[1.001, 1.01]),
    unary("atanh", uniform(-0.9, 0.9), hard=[-0.999, 0.999], found=low_precision.ATANH),
    unary("exp", hard=[-80.0, 80.0]),
    unary("expm1", hard=[-1e-6, 1e-6, 1e-3]),
    unary("exp2", hard=[-100.0, 100.0], found=low_precision.EXP2),
    unary("log", positive, hard=[1e-6, 1e-3], kinks=[0.0], divergences=[
        *at_kink("1/0 = +inf at the edge of the domain, in every framework", tensorflow=[np.inf], torch=[np.inf],
                 jax=[np.inf])], found=low_precision.LOG),
    unary("log1p", uniform(-0.5, 2.0), hard=[-0.999, 1e-6, 1e-3]),
    unary("log2", positive, hard=[1e-6, 1e-3], found=low_precision.LOG2),
    unary("log10", positive, hard=[1e-6, 1e-3], found=low_precision.LOG10),
    unary("sqrt", positive, hard=[1e-8, 1e-4], kinks=[0.0], divergences=[
        *at_kink("the derivative 1/(2·sqrt(x)) is +inf at 0 in every framework", tensorflow=[np.inf],
                 torch=[np.inf], jax=[np.inf])]),
    unary("rsqrt", positive, hard=[1e-8, 1e-4], ref=lambda x: 1 / np.sqrt(x)),
    unary("reciprocal", away_from(0.0), hard=[-1e-3, 1e-3]),
    unary("square", hard=[-1e15, 1e15]),
    unary("abs", away_from(0.0), hard=[-1e-30, 1e-30], kinks=[0.0], order=1, divergences=[
        *at_kink("d|x|/dx at 0: each framework picks a subgradient; JAX answers 1 (sign with 0 → 1), TF and "
                 "torch 0", "JAX#37820", tensorflow=[0.0], torch=[0.0], jax=[1.0])]),
    unary("sign", away_from(0.0), kinks=[0.0], zero=True),
    unary("negative", order=1),
    unary("erf", hard=[-6.0, 1e-6, 6.0]),
    unary("erfc", hard=[-6.0, 1e-6, 6.0]),
    unary("erfinv", uniform(-0.9, 0.9), hard=[-0.999, 0.0, 0.999]),
    unary("ndtri", uniform(0.05, 0.95), hard=[1e-6, 0.999], order=1, divergences=[
        divergence((TF,), "under XLA, TF's float32 ndtri gradient is 1.3% off at p = 1e-6 (the inverse normal's tail: "
                   "XLA's own ndtri approximation; eager and tf.function are right)", wrong=True, samples=("hard",),
                   regimes=("xla",), dtypes=("float32",))]),
    unary("lgamma", uniform(0.5, 5.0), hard=[-2.5, -0.5, 1e-3], ref=sp.gammaln),
    unary("digamma", uniform(0.5, 5.0), hard=[-2.5, -0.5, 1e-3], found=low_precision.DIGAMMA),
    unary("trigamma", uniform(0.5, 5.0), hard=[0.01, 0.1], ref=lambda x: sp.polygamma(1, x),
        found=low_precision.TRIGAMMA),
    # i0e' = i1e - sign(x)·i0e and i1e' = i0e - i1e/x - sign(x)·i1e: terms of size ~1 cancel, so the absolute floor
    # is atol times 1 (measured: TF's float32 i1e'' at x = -2.67 is 1.03x the tolerance at the result's own scale)
    unary("i0e", away_from(0.0, spread=4.0), hard=[-50.0, 50.0], kinks=[0.0], tolerances=ORDER_ONE_TERMS),
    unary("i1e", away_from(0.0, spread=4.0), hard=[-50.0, 50.0], tolerances=ORDER_ONE_TERMS),
    unary("sinc", hard=[-1e-4, 0.0, 1e-4], divergences=[
        divergence((TORCH, JAX), SINC, wrong=True, samples=("hard",), dtypes=("float32",)),
        divergence((TF, TORCH, JAX), SINC, wrong=True, samples=DRAWN, dtypes=("float32",), within=(-0.03, 0.03)),
        divergence((TF,), SINC, wrong=True, samples=("hard",), dtypes=("float32",), modes=("fwd",)),
        # found by the judge's non-finite rule (2026-12-04): before it, a NaN compared false against the allowance
        divergence((TF,), "TF's reverse-mode sinc'(0) is NaN (the exact value is 0), in every dtype: tnp.sinc is "
                   "where(x == 0, 1, sin(πx)/(πx)), and the gradient of the untaken branch, 0·(0/0), poisons the taken "
                   "one (the where trap; its forward mode gives a number)", "TF#38349", wrong=True,
                   samples=("hard",), modes=("rev",))], found=low_precision.SINC),
    unary("sigmoid", uniform(-5, 5), hard=EXTREMES, divergences=[
        divergence((TF, TORCH, JAX), "float32 reverse-mode sigmoid'(x) = s·(1 - s) is 0 for x ≳ 17, where s rounds to 1, though "
                   "the derivative (9.4e-14 at x = 30) is a normal float32; e^-x / (1 + e^-x)² would keep it. Not "
                   "strict: the finite-difference reference resolves 9.4e-14 beside outputs near 1 only to ±2e-14, so "
                   "whether this sample sees it depends on the cotangent (at --grad-seed 5 it does not); the "
                   "extreme-value sweep checks it strictly against the exact derivative",
                   wrong=True, samples=("hard",), dtypes=("float32",), modes=("rev",), strict=False)], ref=sp.expit,
        found=low_precision.SIGMOID),
    unary("log_sigmoid", uniform(-5, 5), hard=EXTREMES, ref=sp.log_expit, found=low_precision.LOG_SIGMOID),
    unary("logit", uniform(0.05, 0.95), hard=[1e-6, 0.999]),
    unary("softplus", uniform(-5, 5), hard=EXTREMES, ref=lambda x: np.logaddexp(x, 0), found=low_precision.SOFTPLUS),
    unary("softsign", hard=[-1e4, 1e-3, 1e4], divergences=[
        divergence((TF,), "TF's forward mode differentiates the gradient op, and SoftsignGrad has no gradient "
                   "registered: ForwardAccumulator and second derivatives raise LookupError",
                   kind="error:LookupError", modes=("fwd", "order2"))], ref=lambda x: x / (1 + np.abs(x))),
    unary("relu", away_from(0.0), kinks=[0.0], order=1, divergences=[
        *at_kink("relu'(0): all three take the left derivative, 0", tensorflow=[0.0], torch=[0.0], jax=[0.0])],
        ref=lambda x: np.maximum(x, 0)),
    unary("relu6", avoiding(0.0, 6.0, low=-2.0, high=8.0), kinks=[0.0, 6.0], order=1, ref=lambda x: np.clip(x, 0, 6)),
    # elu and celu are differentiable at 0 (both one-sided slopes are 1; only the second derivative jumps): 0 is a
    # hard point judged against the reference, not a kink (the reference's one-sided differences agree there)
    unary("elu", away_from(0.0, spread=3.0), hard=[-30.0, 0.0, 30.0],
        ref=lambda x: np.where(x > 0, x, np.expm1(np.minimum(x, 0)))),
    unary("selu", away_from(0.0, spread=3.0), hard=[-30.0, 30.0], kinks=[0.0], divergences=[
        divergence((TF,), "selu at 0: TF takes the right-hand slope (scale), torch and JAX the left-hand one "
                   "(scale·alpha)", convention=True)], ref=numpy_ops.selu),
    unary("celu", away_from(0.0, spread=3.0), hard=[-30.0, 0.0, 30.0], alpha=0.5, divergences=[
        divergence((TF,), "celu(alpha=0.5)'(0) is 1 (both one-sided slopes are 1, the reference's one-sided "
                   "differences agree), and keras.ops.celu on TF answers 2 there: a wrong gradient at the boundary "
                   "between its branches, not a convention", wrong=True, samples=("hard",), modes=("rev", "fwd"))],
        ref=lambda x, alpha: np.maximum(x, 0) + np.minimum(0, alpha * np.expm1(np.minimum(x, 0) / alpha)),
        found=low_precision.CELU),
    unary("gelu", uniform(-4, 4), hard=[-30.0, -10.0, 10.0], divergences=[
        divergence((TF,), GELU64, wrong=True, samples=DRAWN, dtypes=("float64",), within=(-3.95, -0.4))],
        ref=lambda x: 0.5 * x * (1 + sp.erf(x / np.sqrt(2))), found=low_precision.GELU),
    # 0.5·(1 + tanh(u)) + ... is formed from terms of size 1 that cancel in the left tail, so the absolute floor is
    # atol times their size, not times the tiny derivative (measured at x = -3.8: 3.1e-6 ± 3e-9 in float32, ± 3e-13
    # in TF's float64, which is also up to 1.2x float64's tolerance off near x = -0.75 and [-3.4, -3] at scale 1/2);
    # its second derivative adds x·u'·(1 - tanh²(u)) terms of size up to ~4 on [-4, 4] (TF float32 at --grad-seed 4:
    # 1.2e-5 off at floor 1, 1.1x), so the floor is 4
    unary("gelu_tanh", uniform(-4, 4), hard=[-30.0, -10.0, 10.0], tolerances=with_floor(4.0),
        ref=lambda x: 0.5 * x * (1 + np.tanh(np.sqrt(2 / np.pi) * (x + 0.044715 * x ** 3)))),
    unary("silu", uniform(-5, 5), hard=EXTREMES, ref=lambda x: x * sp.expit(x)),
    # mish'' is formed from tanh(softplus), sech² and sigmoid terms of size ~1 (JAX float32 at --grad-seed 7: 2.7e-3
    # ± 6.3e-7, 1.9x the tolerance at the result's own scale): the absolute floor is 1
    unary("mish", uniform(-5, 5), hard=EXTREMES, tolerances=ORDER_ONE_TERMS,
        ref=lambda x: x * np.tanh(np.logaddexp(x, 0))),
    unary("leaky_relu", away_from(0.0), kinks=[0.0], slope=0.2, order=1, divergences=[
        *at_kink("leaky_relu at 0: JAX takes the slope 1, TF and torch the negative slope 0.2",
                 tensorflow=[0.2], torch=[0.2], jax=[1.0])], ref=lambda x, slope: np.where(x > 0, x, slope * x)),
    unary("hardtanh", avoiding(-1.0, 1.0, low=-2.0, high=2.0), kinks=[-1.0, 1.0], order=1, divergences=[
        divergence((TORCH,), "hardtanh at ±1: torch answers 0 (open interval), keras.ops.hard_tanh and JAX 1",
                   convention=True)], ref=lambda x: np.clip(x, -1, 1)),
    unary("hard_sigmoid", avoiding(-3.0, 3.0, low=-5.0, high=5.0), kinks=[-3.0, 3.0], order=1,
        ref=lambda x: np.clip(x + 3, 0, 6) / 6),
    unary("clip", avoiding(-0.5, 0.5, low=-1.5, high=1.5), kinks=[-0.5, 0.5], low=-0.5, high=0.5, order=1,
          divergences=[*at_kink("clip at its bounds: TF and torch pass the gradient (inclusive bounds); JAX's clip "
                                "is min(max(...)) and splits the tie, 0.5", tensorflow=[1.0, 1.0], torch=[1.0, 1.0],
                                jax=[0.5, 0.5])], ref=lambda x, low, high: np.clip(x, low, high)),
    unary("floor", integers_avoided(-3.0, 3.0), kinks=[1.0], zero=True, divergences=[
        no_gradient("Floor"), *at_kink(STEP, tensorflow=[0.0], torch=[0.0], jax=[0.0])]),
    unary("ceil", integers_avoided(-3.0, 3.0), kinks=[1.0], zero=True, divergences=[no_gradient("Ceil")]),
    unary("round", integers_avoided(-3.0, 3.0), kinks=[0.5], zero=True, divergences=[
        no_gradient("Round"), *at_kink(STEP, tensorflow=[0.0], torch=[0.0], jax=[0.0])]),
    unary("trunc", integers_avoided(-3.0, 3.0), kinks=[1.0], zero=True, divergences=[no_gradient("Truncate")]),
]
