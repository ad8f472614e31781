"""Conventions at kinks, ties and NaN traps: the value each framework's gradient takes where the
derivative is not defined (or where one branch of ``where`` is NaN), measured per framework.

Where the derivative *is* defined (a ``where`` trap away from the kink, ``logsumexp`` at large
inputs, GELU) the fix is checked against the float64 reference; at a kink there is no reference,
and the row records the convention and which framework agrees with which.
Expected values start from ../shared/DIVERGENCES.md (measured once) and are re-measured here.
"""

from __future__ import annotations

import math
from functools import partial

import numpy as np

from harness.cases import FRAMEWORKS
from harness.semantics import Behaviour, Expected, na
from suites.semantics.grads import GRAD, jax_x64, reference_grad

#: the guard inside sqrt that makes norm and std smooth at 0
EPS = 1e-12


def tf_ops():
    import tensorflow as tf

    return {
        "abs": tf.abs, "relu": tf.nn.relu, "max0": lambda x: tf.maximum(x, 0.0), "min1": lambda x: tf.minimum(x, 1.0),
        "clip01": lambda x: tf.clip_by_value(x, 0.0, 1.0), "leaky": lambda x: tf.nn.leaky_relu(x, 0.2),
        "reduce_max": tf.reduce_max, "sqrt": tf.sqrt, "log": tf.math.log, "x_sqrt_x": lambda x: x * tf.sqrt(x),
        "where_sqrt": lambda x: tf.where(x > 0, tf.sqrt(x), 0.0),
        "double_where": lambda x: tf.where(x > 0, tf.sqrt(tf.where(x > 0, x, 1.0)), 0.0),
        "pow0": lambda x: x ** 0.0, "floor": tf.floor, "round": tf.round,
        "cast_int": lambda x: tf.cast(tf.cast(x, tf.int32), x.dtype), "norm": tf.norm,
        "norm_squared": lambda x: tf.norm(x) ** 2, "sum_squares": lambda x: tf.reduce_sum(x ** 2),
        "std": tf.math.reduce_std, "logsumexp": tf.reduce_logsumexp, "gelu": tf.nn.gelu,
        "safe_norm": lambda x: tf.sqrt(tf.reduce_sum(x ** 2) + EPS),
        "safe_std": lambda x: tf.sqrt(tf.reduce_mean((x - tf.reduce_mean(x)) ** 2) + EPS),
    }


def torch_ops():
    import torch

    return {
        "abs": torch.abs, "relu": torch.relu, "max0": lambda x: torch.maximum(x, torch.zeros_like(x)),
        "min1": lambda x: torch.minimum(x, torch.ones_like(x)), "clip01": lambda x: torch.clamp(x, 0.0, 1.0),
        "leaky": lambda x: torch.nn.functional.leaky_relu(x, 0.2), "reduce_max": torch.amax,
        "max_dim": lambda x: torch.max(x, dim=0).values, "sqrt": torch.sqrt, "log": torch.log,
        "x_sqrt_x": lambda x: x * torch.sqrt(x), "where_sqrt": lambda x: torch.where(x > 0, torch.sqrt(x), 0.0),
        "double_where": lambda x: torch.where(x > 0, torch.sqrt(torch.where(x > 0, x, 1.0)), 0.0),
        "pow0": lambda x: x ** 0.0, "floor": torch.floor, "round": torch.round,
        "cast_int": lambda x: x.to(torch.int32).to(x.dtype), "norm": torch.linalg.norm,
        "norm_squared": lambda x: torch.linalg.norm(x) ** 2, "sum_squares": lambda x: (x ** 2).sum(),
        "std": torch.std, "logsumexp": lambda x: torch.logsumexp(x, dim=0), "gelu": torch.nn.functional.gelu,
        "safe_norm": lambda x: torch.sqrt((x ** 2).sum() + EPS),
        "safe_std": lambda x: torch.sqrt(((x - x.mean()) ** 2).mean() + EPS),
    }


def jax_ops():
    jax, jnp = jax_x64()

    return {
        "abs": jnp.abs, "relu": jax.nn.relu, "max0": lambda x: jnp.maximum(x, 0.0), "min1": lambda x: jnp.minimum(x, 1.0),
        "clip01": lambda x: jnp.clip(x, 0.0, 1.0), "leaky": lambda x: jax.nn.leaky_relu(x, 0.2),
        "reduce_max": jnp.max, "sqrt": jnp.sqrt, "log": jnp.log, "x_sqrt_x": lambda x: x * jnp.sqrt(x),
        "where_sqrt": lambda x: jnp.where(x > 0, jnp.sqrt(x), 0.0),
        "double_where": lambda x: jnp.where(x > 0, jnp.sqrt(jnp.where(x > 0, x, 1.0)), 0.0),
        "pow0": lambda x: x ** 0.0, "floor": jnp.floor, "round": jnp.round,
        "cast_int": lambda x: x.astype(jnp.int32).astype(x.dtype), "norm": jnp.linalg.norm,
        "norm_squared": lambda x: jnp.linalg.norm(x) ** 2, "sum_squares": lambda x: jnp.sum(x ** 2),
        "std": jnp.std, "logsumexp": jax.scipy.special.logsumexp, "gelu": jax.nn.gelu,
        "safe_norm": lambda x: jnp.sqrt(jnp.sum(x ** 2) + EPS),
        "safe_std": lambda x: jnp.sqrt(jnp.mean((x - jnp.mean(x)) ** 2) + EPS),
    }


OPS = {"tensorflow": tf_ops, "torch": torch_ops, "jax": jax_ops}


def grad_at(framework: str, op: str, x, dtype: str = "float32"):
    return GRAD[framework](OPS[framework]()[op], x, dtype)


def observers(op: str, x, dtype: str = "float32", frameworks=FRAMEWORKS):
    return {fw: partial(grad_at, fw, op, x, dtype) for fw in frameworks}


def values(why: str, link: str = "", **per_framework) -> dict[str, Expected]:
    """``Expected`` values per framework (a framework given ``None`` is expected to answer None)."""
    return {fw: Expected("none", why, link=link) if v is None else Expected("value", why, value=v, link=link)
            for fw, v in per_framework.items()}


KINK = "a kink: the one-sided derivatives differ, so finite differences define no reference"


def gelu_exact(x):
    return 0.5 * x * (1.0 + np.vectorize(math.erf)(x / math.sqrt(2.0)))


def gelu_tanh(x):
    return 0.5 * x * (1.0 + np.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x ** 3)))


def safe_where_sqrt(x):
    return np.where(x > 0, np.sqrt(np.abs(x)), 0.0)


BEHAVIOURS = [
    Behaviour("kinks/abs-at-0", "d|x|/dx at x = 0", values(
        "each framework picks a subgradient of |x| at 0", "https://github.com/jax-ml/jax/issues/37820",
        tensorflow=[0.0], torch=[0.0], jax=[1.0]), observers("abs", [0.0]),
        fix="none needed at 0 (any value in [-1, 1] is a subgradient); avoid relying on it", no_reference=KINK),
    Behaviour("kinks/relu-at-0", "relu'(0)", values("all three take the left derivative, 0",
                                                  tensorflow=[0.0], torch=[0.0], jax=[0.0]),
              observers("relu", [0.0]), fix="none needed: a shared convention", no_reference=KINK),
    Behaviour("kinks/maximum-tie", "d maximum(x, 0)/dx at x = 0 (a tie)", values(
        "TF sends the whole gradient to the first argument; torch and JAX split a tie evenly",
        "https://github.com/jax-ml/jax/issues/37821", tensorflow=[1.0], torch=[0.5], jax=[0.5]),
        observers("max0", [0.0]), fix="break ties explicitly (where(x > 0, x, 0)) if the split matters",
        no_reference=KINK),
    Behaviour("kinks/minimum-tie", "d minimum(x, 1)/dx at x = 1 (a tie)", values(
        "as for maximum: TF gives the first argument everything, torch and JAX split",
        tensorflow=[1.0], torch=[0.5], jax=[0.5]), observers("min1", [1.0]),
        fix="break ties explicitly if the split matters", no_reference=KINK),
    Behaviour("kinks/clip-at-bounds", "d clip(x, 0, 1)/dx at x = 0 and x = 1", values(
        "TF and torch pass the gradient at the bounds (inclusive); JAX's clip is max/min and splits",
        tensorflow=[1.0, 1.0], torch=[1.0, 1.0], jax=[0.5, 0.5]), observers("clip01", [0.0, 1.0]),
        fix="none needed; know your framework's convention", no_reference=KINK),
    Behaviour("kinks/leaky-relu-at-0", "d leaky_relu(x, 0.2)/dx at x = 0", values(
        "TF and torch take the negative slope at 0; JAX the positive one",
        tensorflow=[0.2], torch=[0.2], jax=[1.0]), observers("leaky", [0.0]),
        fix="none needed: a convention", no_reference=KINK),
    Behaviour("ties/reduce-max", "d max([1, 3, 3])/dx (a tie in a reduction)", values(
        "reductions split a tie evenly between the maxima",
        "https://github.com/tensorflow/tensorflow/issues/51681",
        tensorflow=[0.0, 0.5, 0.5], torch=[0.0, 0.5, 0.5], jax=[0.0, 0.5, 0.5]),
        observers("reduce_max", [1.0, 3.0, 3.0]), fix="none needed: a shared convention", no_reference=KINK),
    Behaviour("ties/torch-max-dim", "d torch.max(x, dim=0).values/dx at [1, 3, 3]", {
        "tensorflow": na("TF has no max that returns indices with a gradient; reduce_max splits ties"),
        "torch": Expected("value", "max(dim) routes the gradient through the returned index: one of the tied",
                          value=[0.0, 1.0, 0.0], link="https://github.com/pytorch/pytorch/issues/56734"),
        "jax": na("jnp.max splits ties; there is no index-returning max")},
        observers("max_dim", [1.0, 3.0, 3.0], frameworks=("torch",)),
        fix="use torch.amax to split ties evenly", no_reference=KINK),
    Behaviour("traps/sqrt-at-0", "d sqrt(x)/dx at 0", values(
        "the derivative is +inf at 0 in every framework", tensorflow=[np.inf], torch=[np.inf], jax=[np.inf]),
        observers("sqrt", [0.0]), fix="keep x away from 0 (sqrt(x + eps)) or guard with where",
        no_reference="infinite at 0"),
    Behaviour("traps/log-at-0", "d log(x)/dx at 0", values(
        "1/0 = +inf everywhere", tensorflow=[np.inf], torch=[np.inf], jax=[np.inf]),
        observers("log", [0.0]), fix="log(x + eps), or log1p where x is a difference from 1",
        no_reference="infinite at 0"),
    Behaviour("traps/x-sqrt-x-at-0", "d (x·sqrt(x))/dx at 0 (true derivative 0)", values(
        "TF's SqrtGrad returns 0 where the incoming gradient is 0; torch and JAX compute 0·inf = NaN",
        tensorflow=[0.0], torch=[np.nan], jax=[np.nan]), observers("x_sqrt_x", [0.0]),
        fix="write x ** 1.5, whose derivative 1.5·sqrt(x) is 0 at 0", no_reference="the reference at 0 needs "
        "x < 0, where x·sqrt(x) is undefined; the fix's value 0 is the one-sided limit"),
    Behaviour("traps/where-sqrt", "d where(x > 0, sqrt(x), 0)/dx at [-1, 0, 4]", values(
        "the untaken branch's NaN/inf gradient times 0 is NaN (TF's where gradient masks it)",
        "https://github.com/jax-ml/jax/issues/1052",
        tensorflow=[0.0, 0.0, 0.25], torch=[np.nan, np.nan, 0.25], jax=[np.nan, np.nan, 0.25]),
        observers("where_sqrt", [-1.0, 0.0, 4.0]),
        fix="double where: sqrt(where(x > 0, x, 1)) inside, so no branch is ever NaN",
        fixed={fw: partial(grad_at, fw, "double_where", [-1.0, 4.0], "float64") for fw in FRAMEWORKS},
        reference=lambda: reference_grad(safe_where_sqrt, [-1.0, 4.0])),
    Behaviour("traps/double-where", "d where(x > 0, sqrt(where(x > 0, x, 1)), 0)/dx at [-1, 0, 4]", values(
        "the fix: no branch produces NaN, so every framework agrees",
        tensorflow=[0.0, 0.0, 0.25], torch=[0.0, 0.0, 0.25], jax=[0.0, 0.0, 0.25]),
        observers("double_where", [-1.0, 0.0, 4.0]), fix="(this is the fix)",
        fixed={fw: partial(grad_at, fw, "double_where", [-1.0, 4.0], "float64") for fw in FRAMEWORKS},
        reference=lambda: reference_grad(safe_where_sqrt, [-1.0, 4.0])),
    Behaviour("traps/pow-zero-at-0", "d (x ** 0.0)/dx at 0", values(
        "TF and JAX compute 0·x^-1 = NaN at 0; torch special-cases exponent 0",
        tensorflow=[np.nan], torch=[0.0], jax=[np.nan]), observers("pow0", [0.0]),
        fix="avoid a literal exponent 0 (use ones_like(x))", no_reference="0^0 is undefined"),
    Behaviour("traps/norm-at-zero", "d ||x||₂/dx at the zero vector", values(
        "x/||x|| is 0/0: NaN in TF and JAX; torch's linalg.norm returns the subgradient 0",
        "https://github.com/jax-ml/jax/issues/4177",
        tensorflow=[np.nan, np.nan], torch=[0.0, 0.0], jax=[np.nan, np.nan]), observers("norm", [0.0, 0.0]),
        fix="sqrt(sum(x²) + eps), or differentiate the squared norm sum(x²)",
        fixed={fw: partial(grad_at, fw, "safe_norm", [0.0, 0.0], "float64") for fw in FRAMEWORKS},
        reference=lambda: reference_grad(lambda x: np.sqrt(np.sum(x ** 2) + EPS), [0.0, 0.0])),
    Behaviour("traps/squared-norm-at-zero", "d ||x||₂²/dx at the zero vector (true derivative 0)", values(
        "the square of norm chains 2||x||·x/||x||: measured per framework",
        tensorflow=[0.0, 0.0], torch=[0.0, 0.0], jax=[np.nan, np.nan]), observers("norm_squared", [0.0, 0.0]),
        fix="use sum(x ** 2), smooth everywhere",
        fixed={fw: partial(grad_at, fw, "sum_squares", [0.0, 0.0], "float64") for fw in FRAMEWORKS},
        reference=lambda: reference_grad(lambda x: x ** 2, [0.0, 0.0])),
    Behaviour("traps/std-of-constant", "d std(x)/dx for a constant vector", values(
        "std is sqrt(var) at var = 0: NaN in TF and JAX, 0 in torch",
        tensorflow=[np.nan] * 3, torch=[0.0] * 3, jax=[np.nan] * 3), observers("std", [2.0, 2.0, 2.0]),
        fix="sqrt(var + eps)",
        fixed={fw: partial(grad_at, fw, "safe_std", [2.0, 2.0, 2.0], "float64") for fw in FRAMEWORKS},
        reference=lambda: reference_grad(lambda x: np.sqrt(np.mean((x - np.mean(x)) ** 2) + EPS), [2.0, 2.0, 2.0])),
    Behaviour("steps/floor", "d floor(x)/dx at 1.3", {
        "tensorflow": Expected("none", "TF registers no gradient for floor: None, silently"),
        "torch": Expected("value", "zero almost everywhere", value=[0.0]),
        "jax": Expected("value", "zero almost everywhere", value=[0.0])},
        observers("floor", [1.3]), fix="TF: unconnected_gradients=ZERO, or a straight-through estimator "
        "if a gradient is wanted",
        fixed={"torch": partial(grad_at, "torch", "floor", [1.3], "float64"),
               "jax": partial(grad_at, "jax", "floor", [1.3], "float64")},
        reference=lambda: reference_grad(np.floor, [1.3])),
    Behaviour("steps/round", "d round(x)/dx at 1.3", {
        "tensorflow": Expected("none", "TF registers no gradient for round: None, silently"),
        "torch": Expected("value", "zero almost everywhere", value=[0.0]),
        "jax": Expected("value", "zero almost everywhere", value=[0.0])},
        observers("round", [1.3]), fix="as for floor",
        fixed={"torch": partial(grad_at, "torch", "round", [1.3], "float64"),
               "jax": partial(grad_at, "jax", "round", [1.3], "float64")},
        reference=lambda: reference_grad(np.round, [1.3])),
    Behaviour("steps/cast-to-int", "d float(int(x))/dx at 1.3", {
        "tensorflow": Expected("none", "the integer cast cuts the tape: None"),
        "torch": Expected("error:RuntimeError", "the result does not require grad: autograd.grad refuses"),
        "jax": Expected("value", "an integer intermediate has a zero (float0) cotangent: 0", value=[0.0])},
        observers("cast_int", [1.3]), fix="keep values floating point (floor/round) if a path is wanted",
        fixed={"jax": partial(grad_at, "jax", "cast_int", [1.3], "float64")},
        reference=lambda: reference_grad(np.floor, [1.3])),
    Behaviour("precision/logsumexp-large-float32", "d logsumexp([1000, 1000])/dx in float32 (exact: 0.5, 0.5)",
              values("softmax of equal large logits; torch's float32 kernel is off in the 5th digit",
                     tensorflow=[0.5, 0.5], torch=[0.49998546, 0.49998546], jax=[0.5, 0.5]),
              observers("logsumexp", [1000.0, 1000.0]), fix="compute in float64 where the 5th digit matters",
              fixed={fw: partial(grad_at, fw, "logsumexp", [1000.0, 1000.0], "float64") for fw in FRAMEWORKS},
              reference=lambda: reference_grad(lambda x: np.log(np.sum(np.exp(x - 1000.0))) + 1000.0,
                                               [1000.0, 1000.0])),
    Behaviour("defaults/gelu", "d gelu(x)/dx at 0.5, each framework's default GELU", {
        "tensorflow": Expected("value", "tf.nn.gelu defaults to the exact (erf) form",
                               value=reference_grad(gelu_exact, [0.5]).value),
        "torch": Expected("value", "F.gelu defaults to the exact (erf) form",
                          value=reference_grad(gelu_exact, [0.5]).value),
        "jax": Expected("value", "jax.nn.gelu defaults to approximate=True (the tanh form)",
                        value=reference_grad(gelu_tanh, [0.5]).value)},
        observers("gelu", [0.5], "float64"), fix="pass approximate=False to jax.nn.gelu to match TF and torch",
        fixed={fw: partial(grad_at, fw, "gelu", [0.5], "float64") for fw in ("tensorflow", "torch")},
        reference=lambda: reference_grad(gelu_exact, [0.5])),
]
