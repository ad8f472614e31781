"""The raw gradient of ``sum(op(x))`` w.r.t. ``x``, each framework's idiomatic way, for scenarios.

Each function imports its framework when called, so a missing framework fails only the rows
that need it (and those skip with the reason), never the collection of the suite.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from harness.reference import Estimate, gradient


def tf_grad(op: Callable, x, dtype: str = "float32"):
    """``tape.gradient(reduce_sum(op(v)), v)`` for a ``tf.Variable`` v: may be None."""
    import tensorflow as tf

    v = tf.Variable(np.asarray(x, dtype=dtype))
    with tf.GradientTape() as tape:
        y = tf.reduce_sum(op(v))
    return tape.gradient(y, v)


def torch_grad(op: Callable, x, dtype: str = "float32"):
    """``torch.autograd.grad(op(t).sum(), t)`` for a leaf t with ``requires_grad``: may raise."""
    import torch

    t = torch.tensor(np.asarray(x, dtype=dtype), requires_grad=True)
    (g,) = torch.autograd.grad(op(t).sum(), t)
    return g


def jax_x64():
    """``(jax, jax.numpy)`` with ``jax_enable_x64`` on, the suite's standing condition (without it
    float64 silently becomes float32; the row that shows this switches it off in a context)."""
    import jax
    import jax.numpy as jnp

    jax.config.update("jax_enable_x64", True)
    return jax, jnp


def jax_grad(op: Callable, x, dtype: str = "float32"):
    """``jax.grad(lambda v: jnp.sum(op(v)))(x)``."""
    jax, jnp = jax_x64()
    return jax.grad(lambda v: jnp.sum(op(v)))(np.asarray(x, dtype=dtype))


GRAD = {"tensorflow": tf_grad, "torch": torch_grad, "jax": jax_grad}


def reference_grad(fn: Callable[[np.ndarray], np.ndarray], x) -> Estimate:
    """The float64 finite-difference gradient of ``sum(fn(x))`` at ``x``."""
    point = {"x": np.asarray(x, dtype=np.float64)}
    return gradient(lambda p: np.atleast_1d(np.sum(fn(p["x"]))), point, ["x"])["x"]
