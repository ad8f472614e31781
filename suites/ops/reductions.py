"""Reductions over all axes, one axis and one axis with keepdims, and cumulative ops; ties and
zeros where the usual formulas (prod / x, the max's indicator) break."""

import numpy as np

from harness import numpy_ops
from harness.cases import source
from harness.domains import away_from, signed, uniform
from harness.expectations import divergence
from harness.frameworks.registry import FRAMEWORKS, JAX, TF, TORCH
from harness.optable import Op, S, at_kink, given, reducing, sample, scanning
from harness.tolerances import Tolerance, with_floor
from suites.ops import low_precision

TIES = [[1.0, 3.0, 3.0, 2.0], [2.0, 2.0, 2.0, 2.0]]
WITH_ZEROS = [[0.0, 2.0, 3.0, -1.5], [0.0, 0.0, 1.5, 2.0]]


def reduction(name, domain=signed, *, extra=(), ties=None, keepdims=True, order=2, divergences=(), tolerances=None,
              ref=None, found=(), **kwargs):
    return Op(name, "reduction", reducing(domain, ties=ties, keepdims=keepdims, **kwargs) + tuple(extra),
              order=order, divergences=tuple(divergences), tolerances=tolerances or {}, ref=ref,
              found=found)


def cumulative(name, domain=signed, *, extra=(), order=2, divergences=(), ref=None, found=()):
    return Op(name, "reduction", scanning(domain) + tuple(extra), order=order, divergences=tuple(divergences),
              ref=ref, found=found)


def norm_samples():
    """Vector norms of several orders; the zero vector and ties where they have kinks."""
    return (sample("l2", x=source((S,)), kwargs={"ord": 2}),
            sample("l1", x=source((S,), away_from(0.0)), kwargs={"ord": 1}, second_order=False),
            sample("linf", x=source(given([0.5, -3.0, 1.0, 2.0])), kwargs={"ord": np.inf}, second_order=False),
            sample("l3", x=source((S,), away_from(0.0)), kwargs={"ord": 3}),
            sample("l2-axis", x=source((3, S)), kwargs={"ord": 2, "axis": -1}),
            sample("l2-zero", x=source(given([0.0, 0.0, 0.0])), kwargs={"ord": 2}, smooth=False),
            sample("l1-zero", x=source(given([0.0, 1.0, -2.0])), kwargs={"ord": 1}, smooth=False),
            sample("linf-ties", x=source(given([3.0, -3.0, 1.0])), kwargs={"ord": np.inf}, smooth=False))


OPS = [
    reduction("sum", order=1),
    reduction("mean", order=1),
    reduction("prod", away_from(0.0, gap=0.5, spread=0.7),
              extra=[sample("zeros", x=source(given(WITH_ZEROS)), kwargs={"axis": -1})], divergences=[
                  # in float16/bfloat16 the wrong 0 can fall inside the second-order tolerance (bfloat16, --grad-seed 5)
                  *(divergence((TF,), "the second derivative of tf.reduce_prod is 0 where a row holds two zeros "
                               "(d²/dx_i dx_j of x_i·x_j·c is c): its gradient formula is not differentiated "
                               "through the zero-handling branch", wrong=True, samples=("zeros",), modes=("order2",),
                               dtypes=dtypes, strict=strict)
                    for dtypes, strict in ((("float32", "float64"), True), (("float16", "bfloat16"), False)))]),
    reduction("max", ties=TIES, order=1, divergences=at_kink(
        "reductions split a tie evenly between the maxima", "TF#51681", samples=("ties",),
        **dict.fromkeys(FRAMEWORKS, [[0.0, 0.5, 0.5, 0.0], [0.25, 0.25, 0.25, 0.25]]))),
    reduction("min", ties=TIES, order=1),
    Op("max_dim", "reduction", (sample("axis", x=source((3, S)), kwargs={"axis": -1}),
                                sample("axis-0", x=source((3, S)), kwargs={"axis": 0}),
                                sample("ties", x=source(given(TIES)), kwargs={"axis": -1}, smooth=False)), order=1,
       divergences=at_kink("torch.max(x, dim).values routes the gradient through the returned index: to one of "
                           "the tied entries (torch.amax splits ties evenly)", "pytorch#56734", samples=("ties",),
                           torch=[[0.0, 1.0, 0.0, 0.0], [1.0, 0.0, 0.0, 0.0]]),
       ref=lambda x, axis: np.max(x, axis=axis)),
    # tolerances: its Hessian-vector entries are differences of softmax products of size up to 1; at the tie
    # (1000, 1000, -1000) they cancel to ~1e-5 (torch float32 at --grad-seed 4: 1.9e-6 off, 8.5x the tolerance at
    # the result's own scale, 0.2x at scale 1)
    reduction("logsumexp", uniform(-3, 3), tolerances=with_floor(1.0),
              # step: the HVP's inner gradient is one Richardson window at a fixed scale (see reference.hvp), and
              # 2⁻⁵·1000 spans the softmax's whole transition (measured: without it all 6 order2 checks fail);
              # first-order references and the HVP's outer derivative find their own step
              extra=[sample("large", x=source(given([[1000.0, 1000.0, -1000.0]])), kwargs={"axis": -1},
                            step=2 ** -14)],
              divergences=[divergence(FRAMEWORKS, "float32 resolves x = 1000 only to 6e-5 (its ULP there), which the "
                                      "softmax's exponentials turn into relative errors of ~3e-4 in the second "
                                      "derivative (torch at --grad-seed 9: 1.01x float32's tolerance), so this "
                                      "sample's float32 Hessian is judged at 10x the tolerance", samples=("large",),
                                      modes=("order2",), dtypes=("float32",), tolerance=Tolerance(1e-3, 1e-4, floor=1.0))],
        found=low_precision.LOGSUMEXP),
    # tolerances: its derivatives are sums of (x - mean)·t terms of size up to ~1 that cancel (TF's float32 JVP at
    # --grad-seed 6: 1.4e-4 ± 3.3e-8, 2.1x the tolerance at the result's own scale)
    reduction("var", tolerances=with_floor(1.0)),
    reduction("std", ties=[[2.0, 2.0, 2.0]], divergences=at_kink(
        "std of a constant row is sqrt(var) at var = 0: torch answers 0, TF and JAX NaN (0/0)", samples=("ties",),
        tensorflow=[[np.nan] * 3], torch=[[0.0] * 3], jax=[[np.nan] * 3])),
    Op("vector_norm", "reduction", norm_samples(), divergences=(
        *at_kink("2-norm of the zero vector: x/||x|| is 0/0, NaN in TF and JAX; torch answers the subgradient 0",
                 "JAX#4177", samples=("l2-zero",), tensorflow=[np.nan] * 3, torch=[0.0] * 3, jax=[np.nan] * 3),
        divergence((JAX,), "1-norm at a zero entry: JAX passes the gradient with sign 1, TF and torch 0",
                   convention=True, samples=("l1-zero",))), ref=numpy_ops.vector_norm),
    cumulative("cumsum", order=1, ref=lambda x, axis: np.cumsum(x, axis=axis)),
    cumulative("cumprod", away_from(0.0, gap=0.5, spread=0.7),
               extra=[sample("zeros", x=source(given(WITH_ZEROS)), kwargs={"axis": -1})], divergences=[
                   divergence((TF,), "tf.math.cumprod's gradient divides by x (reverse cumsum of g·y / x), so a "
                              "zero input gets gradient 0 instead of the product of the others", wrong=True,
                              samples=("zeros",))], ref=lambda x, axis: np.cumprod(x, axis=axis)),
    cumulative("cumlogsumexp", uniform(-3, 3), ref=lambda x, axis: np.logaddexp.accumulate(x, axis=axis),
        found=low_precision.CUMLOGSUMEXP),
    cumulative("cummax", extra=[sample("ties", x=source(given(TIES)), kwargs={"axis": -1}, smooth=False)], order=1,
               divergences=[divergence((TORCH,), "cummax with ties: torch and JAX route the gradient of a tied "
                                       "running max to different indices (TF has no cummax)", convention=True)],
        ref=lambda x, axis: np.maximum.accumulate(x, axis=axis)),
]
