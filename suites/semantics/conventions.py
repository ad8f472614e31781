"""Conventions at kinks, ties and NaN traps: the value each framework's gradient takes where the
derivative is not defined (or where one branch of ``where`` is NaN).

The kinks and ties that are ops of the sweep are declared once, on the op table (``at_kink`` in
``suites/ops``): these rows are generated from those declarations, add the idiomatic fix, and verify it
against the float64 reference where one is defined. The traps that are compositions rather than ops
(``x·sqrt(x)``, ``where`` around ``sqrt``, a cast through an integer) are written once against ``xp``
and asked of every framework through its adapter. Only the GELU row calls each framework's raw API
(in ``on_<framework>``), because the row is about each one's *default*.
"""

from __future__ import annotations

import math
from functools import partial

import numpy as np

from harness.expectations import Expectation
from harness.frameworks.registry import FRAMEWORKS, JAX, TF, TORCH
from harness.semantics import Behaviour, from_op_table, reference_of, written_once
from suites.ops import TABLE
from suites.semantics.grads import GRAD, reference_grad
from suites.semantics.raw import JAX_RAW, TF_RAW, TORCH_RAW

#: the guard inside sqrt that makes norm and std smooth at 0
EPS = 1e-12


def at(op: str, sample: str):
    """The op table's (reverse-mode) check of ``op`` at ``sample``."""
    return next(c for o in TABLE if o.name == op for c in o.checks() if c.sample.label == sample and c.mode == "rev")


def values(why: str, link: str = "", **per_framework) -> dict[str, Expectation]:
    """Expected values per framework (a framework given ``None`` is expected to answer None)."""
    return {fw: Expectation("none", why, link=link) if v is None else Expectation("value", why, value=v, link=link)
            for fw, v in per_framework.items()}


def x_sqrt_x(xp, x):
    return x * xp.sqrt(x)


def where_sqrt(xp, x):
    return xp.where(x > 0, xp.sqrt(x), xp.zeros_like(x))


def double_where(xp, x):
    return xp.where(x > 0, xp.sqrt(xp.where(x > 0, x, xp.ones_like(x))), xp.zeros_like(x))


def squared_norm(xp, x):
    return xp.ops.vector_norm(x, ord=2) ** 2


def sum_squares(xp, x):
    return xp.sum(x ** 2)


def safe_norm(xp, x):
    return xp.sqrt(xp.sum(x ** 2) + EPS)


def safe_std(xp, x):
    return xp.sqrt(xp.mean((x - xp.mean(x, axis=-1, keepdims=True)) ** 2, axis=-1) + EPS)


def through_int(xp, x):
    return xp.astype(xp.astype(x, xp.int32), x.dtype)


def logsumexp(xp, x):
    return xp.ops.logsumexp(x)


def gelu_exact(x):
    return 0.5 * x * (1.0 + np.vectorize(math.erf)(x / math.sqrt(2.0)))


def gelu_tanh(x):
    return 0.5 * x * (1.0 + np.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x ** 3)))


#: each framework's own default GELU (the row is about defaults, so the raw API, in on_<framework>)
DEFAULT_GELU = {TF: TF_RAW.default_gelu, TORCH: TORCH_RAW.default_gelu, JAX: JAX_RAW.default_gelu}


def default_gelu_grad(framework: str, x, dtype: str):
    return GRAD[framework](DEFAULT_GELU[framework](), x, dtype)


SPLIT = "break ties explicitly (where(x > y, x, y)) if the split matters"

BEHAVIOURS = [
    from_op_table(at("abs", "kink"), "d|x|/dx at x = 0", id="kinks/abs-at-0",
                  fix="none needed at 0 (any value in [-1, 1] is a subgradient); avoid relying on it"),
    from_op_table(at("relu", "kink"), "relu'(0)", id="kinks/relu-at-0", fix="none needed: a shared convention"),
    from_op_table(at("maximum", "kink"), "d maximum(x, y)/dx at the ties x = y = 0.5 and x = y = -1",
                  id="kinks/maximum-tie", fix=SPLIT),
    from_op_table(at("minimum", "kink"), "d minimum(x, y)/dx at the ties x = y = 0.5 and x = y = -1",
                  id="kinks/minimum-tie", fix=SPLIT),
    from_op_table(at("clip", "kink"), "d clip(x, -0.5, 0.5)/dx at x = -0.5 and x = 0.5", id="kinks/clip-at-bounds",
                  fix="none needed; know your framework's convention"),
    from_op_table(at("leaky_relu", "kink"), "d leaky_relu(x, 0.2)/dx at x = 0", id="kinks/leaky-relu-at-0",
                  fix="none needed: a convention"),
    from_op_table(at("max", "ties"), "d max(x, axis=-1)/dx at [[1, 3, 3, 2], [2, 2, 2, 2]] (ties in a reduction)",
                  id="ties/reduce-max", fix="none needed: a shared convention"),
    from_op_table(at("max_dim", "ties"), "d torch.max(x, dim=-1).values/dx at the same ties", id="ties/torch-max-dim",
                  fix="use torch.amax to split ties evenly",
                  missing="only torch has a max that returns indices; reduce_max and jnp.max split ties"),
    from_op_table(at("sqrt", "kink"), "d sqrt(x)/dx at 0", id="traps/sqrt-at-0",
                  fix="keep x away from 0 (sqrt(x + eps)) or guard with where"),
    from_op_table(at("log", "kink"), "d log(x)/dx at 0", id="traps/log-at-0",
                  fix="log(x + eps), or log1p where x is a difference from 1"),
    Behaviour("traps/x-sqrt-x-at-0", "d (x·sqrt(x))/dx at 0 (true derivative 0)", values(
        "TF's SqrtGrad returns 0 where the incoming gradient is 0; torch and JAX compute 0·inf = NaN",
        tensorflow=[0.0], torch=[np.nan], jax=[np.nan]), written_once(x_sqrt_x, [0.0]),
        fix="write x ** 1.5, whose derivative 1.5·sqrt(x) is 0 at 0", no_reference="the reference at 0 needs "
        "x < 0, where x·sqrt(x) is undefined; the fix's value 0 is the one-sided limit"),
    Behaviour("traps/where-sqrt", "d where(x > 0, sqrt(x), 0)/dx at [-1, 0, 4]", values(
        "the untaken branch's NaN/inf gradient times 0 is NaN (TF's where gradient masks it)",
        "https://github.com/jax-ml/jax/issues/1052",
        tensorflow=[0.0, 0.0, 0.25], torch=[np.nan, np.nan, 0.25], jax=[np.nan, np.nan, 0.25]),
        written_once(where_sqrt, [-1.0, 0.0, 4.0]),
        fix="double where: sqrt(where(x > 0, x, 1)) inside, so no branch is ever NaN",
        fixed=written_once(double_where, [-1.0, 4.0], "float64"), reference=partial(reference_of, double_where, [-1.0, 4.0])),
    Behaviour("traps/double-where", "d where(x > 0, sqrt(where(x > 0, x, 1)), 0)/dx at [-1, 0, 4]", values(
        "the fix: no branch produces NaN, so every framework agrees",
        tensorflow=[0.0, 0.0, 0.25], torch=[0.0, 0.0, 0.25], jax=[0.0, 0.0, 0.25]),
        written_once(double_where, [-1.0, 0.0, 4.0]), fix="(this is the fix)",
        fixed=written_once(double_where, [-1.0, 4.0], "float64"), reference=partial(reference_of, double_where, [-1.0, 4.0])),
    from_op_table(at("pow", "kink"), "d (x ** y)/dx at (x, y) = (0, 2), (0, 0) and (-2, 3)", id="traps/pow-at-0",
                  fix="avoid a literal exponent 0 (use ones_like(x)); differentiate w.r.t. y only where x > 0"),
    from_op_table(at("vector_norm", "l2-zero"), "d ||x||₂/dx at the zero vector", id="traps/norm-at-zero",
                  fix="sqrt(sum(x²) + eps), or differentiate the squared norm sum(x²)", fixed=safe_norm),
    Behaviour("traps/squared-norm-at-zero", "d ||x||₂²/dx at the zero vector (true derivative 0)", values(
        "the square of norm chains 2||x||·x/||x||: measured per framework",
        tensorflow=[0.0, 0.0], torch=[0.0, 0.0], jax=[np.nan, np.nan]), written_once(squared_norm, [0.0, 0.0]),
        fix="use sum(x ** 2), smooth everywhere",
        fixed=written_once(sum_squares, [0.0, 0.0], "float64"), reference=partial(reference_of, sum_squares, [0.0, 0.0])),
    from_op_table(at("std", "ties"), "d std(x)/dx for a constant row", id="traps/std-of-constant",
                  fix="sqrt(var + eps)", fixed=safe_std),
    from_op_table(at("floor", "kink"), "d floor(x)/dx at the step x = 1", id="steps/floor",
                  fix="TF: unconnected_gradients=ZERO, or a straight-through estimator if a gradient is wanted"),
    from_op_table(at("round", "kink"), "d round(x)/dx at the step x = 0.5", id="steps/round", fix="as for floor"),
    Behaviour("steps/cast-to-int", "d float(int(x))/dx at 1.3", {
        TF: Expectation("none", "the integer cast cuts the tape: None"),
        TORCH: Expectation("error:RuntimeError", "the result does not require grad: autograd.grad refuses"),
        JAX: Expectation("value", "an integer intermediate has a zero (float0) cotangent: 0", value=[0.0])},
        written_once(through_int, [1.3]), fix="keep values floating point (floor/round) if a path is wanted",
        fixed=written_once(through_int, [1.3], "float64", (JAX,)), reference=partial(reference_of, through_int, [1.3])),
    Behaviour("precision/logsumexp-large-float32", "d logsumexp([1000, 1000])/dx in float32 (exact: 0.5, 0.5)",
              values("softmax of equal large logits; torch's float32 kernel is off in the 5th digit",
                     tensorflow=[0.5, 0.5], torch=[0.49998546, 0.49998546], jax=[0.5, 0.5]),
              written_once(logsumexp, [1000.0, 1000.0]), fix="compute in float64 where the 5th digit matters",
              fixed=written_once(logsumexp, [1000.0, 1000.0], "float64"),
              reference=partial(reference_of, logsumexp, [1000.0, 1000.0])),
    Behaviour("defaults/gelu", "d gelu(x)/dx at 0.5, each framework's default GELU", {
        TF: Expectation("value", "tf.nn.gelu defaults to the exact (erf) form",
                                  value=reference_grad(gelu_exact, [0.5]).value),
        TORCH: Expectation("value", "F.gelu defaults to the exact (erf) form",
                             value=reference_grad(gelu_exact, [0.5]).value),
        JAX: Expectation("value", "jax.nn.gelu defaults to approximate=True (the tanh form)",
                           value=reference_grad(gelu_tanh, [0.5]).value)},
        {fw: partial(default_gelu_grad, fw, [0.5], "float64") for fw in FRAMEWORKS},
        fix="pass approximate=False to jax.nn.gelu to match TF and torch",
        fixed={fw: partial(default_gelu_grad, fw, [0.5], "float64") for fw in (TF, TORCH)},
        reference=lambda: reference_grad(gelu_exact, [0.5])),
]
