"""JAX's side of the op vocabulary: each neutral op name mapped to JAX's own op.

Meanings (arguments, layouts) are fixed by :mod:`harness.numpy_ops`. JAX core has no loss
functions, normalisation layers or pools (those live in optax and flax); where JAX's documented
idiom is a short composition of its own primitives (``jax.nn.log_softmax``, ``jax.nn.standardize``,
``lax.reduce_window``), that composition is the entry, and :data:`COMPOSITES` says so.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import jax.scipy.linalg as jsl
import jax.scipy.special as jss
import numpy as np
from jax import lax

from harness import linalg_signs
from harness.frameworks.base import Missing, Vocabulary
from harness.frameworks.registry import BY_NAME
from harness.numpy_ops import EPS


def _reduce(op):
    return lambda x, axis=None, keepdims=False: op(x, axis=axis, keepdims=keepdims)


def _conv(x, w, stride, padding, dilation):
    spatial = x.ndim - 2
    layout = ("NWC", "WIO", "NWC") if spatial == 1 else ("NHWC", "HWIO", "NHWC")
    return lax.conv_general_dilated(x, w, (stride,) * spatial, padding, rhs_dilation=(dilation,) * spatial,
                                    dimension_numbers=layout)


def _pool(x, window, stride, init, op):
    return lax.reduce_window(x, init, op, (1, window, window, 1), (1, stride, stride, 1), "VALID")


def _log_softmax_xent(logits, labels):
    return -jnp.sum(labels * jax.nn.log_softmax(logits), axis=-1)


def _sparse_xent(logits, labels):
    return -jnp.take_along_axis(jax.nn.log_softmax(logits), jnp.asarray(labels)[:, None], -1)[:, 0]


def _sigmoid_xent(logits, labels):
    return -(labels * jax.nn.log_sigmoid(logits) + (1 - labels) * jax.nn.log_sigmoid(-logits))


EXCEPTIONS = {
    # elementwise unary
    "trigamma": lambda x: jss.polygamma(1, x), "softsign": jax.nn.soft_sign,
    "celu": lambda x, alpha: jax.nn.celu(x, alpha), "gelu": lambda x: jax.nn.gelu(x, approximate=False),
    "gelu_tanh": lambda x: jax.nn.gelu(x, approximate=True),
    "leaky_relu": lambda x, slope: jax.nn.leaky_relu(x, slope), "hardtanh": jax.nn.hard_tanh,
    "clip": lambda x, low, high: jnp.clip(x, low, high),
    # binary
    "squared_difference": Missing("JAX has no squared-difference op; write (x - y) ** 2"),
    # reductions
    "sum": _reduce(jnp.sum), "mean": _reduce(jnp.mean), "prod": _reduce(jnp.prod), "max": _reduce(jnp.max),
    "min": _reduce(jnp.min),
    "max_dim": Missing("JAX has one max, jnp.max (see `max`); torch's max(dim) is a second op"),
    "logsumexp": _reduce(jax.nn.logsumexp), "var": _reduce(jnp.var), "std": _reduce(jnp.std),
    "vector_norm": lambda x, ord, axis=None: jnp.linalg.vector_norm(x, ord=ord, axis=axis),
    "cumsum": lambda x, axis: jnp.cumsum(x, axis), "cumprod": lambda x, axis: jnp.cumprod(x, axis),
    "cumlogsumexp": lambda x, axis: lax.cumlogsumexp(x, axis=axis % x.ndim),
    "cummax": lambda x, axis: lax.cummax(x, axis=axis % x.ndim),
    # linear algebra
    "logabsdet": lambda a: jnp.linalg.slogdet(a)[1], "qr": linalg_signs.qr, "eigh": linalg_signs.eigh,
    "svd": linalg_signs.svd, "trace": lambda a: jnp.trace(a, axis1=-2, axis2=-1),
    "triangular_solve": lambda a, b: jsl.solve_triangular(a, b, lower=True),
    "matrix_norm": lambda a, ord: jnp.linalg.matrix_norm(a, ord=ord), "matrix_exp": jsl.expm,
    "tensordot": lambda a, b, axes: jnp.tensordot(a, b, axes), "lstsq": lambda a, b: jnp.linalg.lstsq(a, b)[0],
    "diagonal": lambda a: jnp.diagonal(a, axis1=-2, axis2=-1),
    # shape and indexing
    "concat": lambda xs, axis: jnp.concatenate(xs, axis), "stack": lambda xs, axis: jnp.stack(xs, axis),
    "split": lambda x, n, axis: tuple(jnp.split(x, n, axis)), "slice": lambda x, index: x[index],
    "gather": lambda x, indices, axis: jnp.take(x, indices, axis=axis),
    "take_along_axis": lambda x, indices, axis: jnp.take_along_axis(x, indices, axis),
    "scatter": lambda x, updates, indices: x.at[indices].set(updates),
    "index_add": lambda x, updates, indices: x.at[indices].add(updates),
    "pad": lambda x, widths, mode: jnp.pad(x, widths, mode=mode), "repeat": lambda x, n, axis: jnp.repeat(x, n, axis),
    "flip": lambda x, axis: jnp.flip(x, axis), "roll": lambda x, shift, axis: jnp.roll(x, shift, axis),
    "sort": lambda x, axis: jnp.sort(x, axis=axis, stable=True), "topk": lambda x, k: lax.top_k(x, k)[0],
    # neural-network ops
    "softmax": lambda x, axis: jax.nn.softmax(x, axis=axis), "log_softmax": jax.nn.log_softmax,
    "softmax_cross_entropy": _log_softmax_xent, "sparse_cross_entropy": _sparse_xent,
    "sigmoid_cross_entropy": _sigmoid_xent, "conv1d": _conv, "conv2d": _conv,
    "max_pool2d": lambda x, window, stride: _pool(x, window, stride, -np.inf, lax.max),
    "avg_pool2d": lambda x, window, stride: _pool(x, window, stride, 0.0, lax.add) / window ** 2,
    "layer_norm": lambda x, gamma, beta: jax.nn.standardize(x, axis=-1, epsilon=EPS) * gamma + beta,
    "batch_norm": lambda x, gamma, beta: jax.nn.standardize(x, axis=0, epsilon=EPS) * gamma + beta,
    "embedding": lambda table, ids: table[jnp.asarray(ids)], "attention": jax.nn.dot_product_attention,
    "dropout": lambda x, mask, rate: x * mask / (1 - rate),
    "l2_normalize": lambda x, axis: x / jnp.linalg.norm(x, axis=axis, keepdims=True),
}

#: entries that are JAX's idiom written from its primitives, not one op
COMPOSITES = {
    "softmax_cross_entropy": "-sum(labels * jax.nn.log_softmax(logits))",
    "sparse_cross_entropy": "-take_along_axis(jax.nn.log_softmax(logits), labels)",
    "sigmoid_cross_entropy": "jax.nn.log_sigmoid both ways",
    "avg_pool2d": "lax.reduce_window(add) / window²", "max_pool2d": "lax.reduce_window(max)",
    "layer_norm": "jax.nn.standardize · gamma + beta", "batch_norm": "jax.nn.standardize · gamma + beta",
    "l2_normalize": "x / jnp.linalg.norm(x)", "dropout": "x · mask / (1 - rate)",
}

VOCABULARY = Vocabulary("jax", EXCEPTIONS, COMPOSITES, BY_NAME["jax"].namespaces)
