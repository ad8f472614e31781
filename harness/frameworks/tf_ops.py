"""TensorFlow's side of the op vocabulary: each neutral op name mapped to TF's own op.

Meanings (arguments, layouts) are fixed by :mod:`harness.numpy_ops`. Where TF core has no op,
Keras 3's (``keras.ops``, running TF ops) is used if it has one, and is marked as such; where
neither has one, the entry is :class:`Missing` with the reason.
"""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf
import tensorflow.experimental.numpy as tnp

from harness.frameworks.base import Missing, NotAvailable, Vocabulary
from harness.frameworks.registry import BY_NAME

EPS = 1e-5


def _reduce(op):
    return lambda x, axis=None, keepdims=False: op(x, axis=axis, keepdims=keepdims)


def _matrix_norm(a, ord):
    if ord == "nuc":
        raise NotAvailable("tensorflow has no nuclear norm: tf.norm supports 'fro', 1, 2 and inf for matrices")
    return tf.norm(a, ord=ord, axis=[-2, -1])


def _qr(a):
    q, r = tf.linalg.qr(a)
    s = tf.sign(tf.linalg.diag_part(r))
    return q * s[..., None, :], r * s[..., :, None]


def _column_signs(u):
    index = tf.argmax(tf.abs(u), axis=-2)  # (..., k)
    picked = tf.gather(tf.linalg.matrix_transpose(u), index, axis=-1, batch_dims=u.shape.rank - 2)
    return tf.sign(tf.linalg.diag_part(picked))


def _eigh(a):
    w, v = tf.linalg.eigh(a)
    return w, v * _column_signs(v)[..., None, :]


def _svd(a):
    s, u, v = tf.linalg.svd(a)
    signs = _column_signs(u)[..., None, :]
    return u * signs, s, tf.linalg.matrix_transpose(v * signs)


def _rows(indices):
    return tf.constant(np.asarray(indices)[:, None])


def _conv(x, w, stride, padding, dilation):
    if x.shape.rank == 3:
        return tf.nn.conv1d(x, w, stride=stride, padding=padding, dilations=dilation)
    return tf.nn.conv2d(x, w, strides=stride, padding=padding, dilations=dilation)


def _normalize(x, gamma, beta, axes):
    mean, var = tf.nn.moments(x, axes=axes, keepdims=True)
    return tf.nn.batch_normalization(x, mean, var, beta, gamma, EPS)


EXCEPTIONS = {
    # elementwise unary
    "exp2": tnp.exp2, "log2": tnp.log2, "log10": tnp.log10,
    "trigamma": lambda x: tf.math.polygamma(tf.ones_like(x), x), "i0e": tf.math.bessel_i0e, "i1e": tf.math.bessel_i1e,
    "sinc": tnp.sinc, "logit": Missing("TF has no logit op (nor keras.ops); write log(p) - log1p(-p)"),
    "celu": lambda x, alpha: keras.ops.celu(x, alpha), "gelu": lambda x: tf.nn.gelu(x, approximate=False),
    "gelu_tanh": lambda x: tf.nn.gelu(x, approximate=True), "mish": keras.activations.mish,
    "leaky_relu": lambda x, slope: tf.nn.leaky_relu(x, alpha=slope), "hardtanh": keras.ops.hard_tanh,
    "hard_sigmoid": keras.ops.hard_sigmoid, "trunc": tnp.fix,
    "clip": lambda x, low, high: tf.clip_by_value(x, low, high),
    # binary
    "hypot": tnp.hypot, "fmod": tf.truncatemod, "remainder": tf.math.floormod, "logaddexp": tnp.logaddexp,
    "copysign": Missing("TF has no copysign op; write abs(x) * sign(y)"), "floor_divide": tf.math.floordiv,
    # reductions
    "sum": _reduce(tf.reduce_sum), "mean": _reduce(tf.reduce_mean), "prod": _reduce(tf.reduce_prod),
    "max": _reduce(tf.reduce_max), "min": _reduce(tf.reduce_min),
    "max_dim": Missing("TF has one max, tf.reduce_max (see `max`); torch's max(dim) is a second op"),
    "logsumexp": _reduce(tf.reduce_logsumexp), "var": _reduce(tf.math.reduce_variance),
    "std": _reduce(tf.math.reduce_std), "vector_norm": lambda x, ord, axis=None: tf.norm(x, ord=ord, axis=axis),
    "cumsum": lambda x, axis: tf.math.cumsum(x, axis=axis), "cumprod": lambda x, axis: tf.math.cumprod(x, axis=axis),
    "cumlogsumexp": lambda x, axis: tf.math.cumulative_logsumexp(x, axis=axis),
    "cummax": Missing("TF has no cumulative max op"),
    # linear algebra
    "logabsdet": lambda a: tf.linalg.slogdet(a)[1], "qr": _qr, "eigh": _eigh, "svd": _svd,
    "svdvals": lambda a: tf.linalg.svd(a, compute_uv=False),
    "triangular_solve": lambda a, b: tf.linalg.triangular_solve(a, b, lower=True), "matrix_norm": _matrix_norm,
    "matrix_exp": tf.linalg.expm, "outer": tnp.outer, "tensordot": lambda a, b, axes: tf.tensordot(a, b, axes),
    "diagonal": tf.linalg.diag_part,
    "matrix_power": Missing("TF has no matrix_power op; multiply with tf.linalg.matmul"),
    # shape and indexing
    "transpose": lambda x, axes: tf.transpose(x, axes), "concat": lambda xs, axis: tf.concat(xs, axis),
    "stack": lambda xs, axis: tf.stack(xs, axis), "split": lambda x, n, axis: tuple(tf.split(x, n, axis)),
    "slice": lambda x, index: x[index], "gather": lambda x, indices, axis: tf.gather(x, indices, axis=axis),
    "take_along_axis": lambda x, indices, axis: tnp.take_along_axis(x, indices, axis),
    "scatter": lambda x, updates, indices: tf.tensor_scatter_nd_update(x, _rows(indices), updates),
    "index_add": lambda x, updates, indices: tf.tensor_scatter_nd_add(x, _rows(indices), updates),
    "pad": lambda x, widths, mode: tf.pad(x, widths, mode=mode.upper()), "tile": lambda x, reps: tf.tile(x, reps),
    "repeat": lambda x, n, axis: tf.repeat(x, n, axis=axis), "flip": lambda x, axis: tf.reverse(x, [axis]),
    "roll": lambda x, shift, axis: tf.roll(x, shift, axis), "sort": lambda x, axis: tf.sort(x, axis=axis),
    "topk": lambda x, k: tf.math.top_k(x, k).values, "expand_dims": lambda x, axis: tf.expand_dims(x, axis),
    "broadcast_to": lambda x, shape: tf.broadcast_to(x, shape), "tril": lambda x: tf.linalg.band_part(x, -1, 0),
    "triu": lambda x: tf.linalg.band_part(x, 0, -1), "moveaxis": tnp.moveaxis,
    # neural-network ops
    "softmax": lambda x, axis: tf.nn.softmax(x, axis=axis),
    "softmax_cross_entropy": lambda logits, labels: tf.nn.softmax_cross_entropy_with_logits(labels, logits),
    "sparse_cross_entropy": lambda logits, labels: tf.nn.sparse_softmax_cross_entropy_with_logits(labels, logits),
    "sigmoid_cross_entropy": lambda logits, labels: tf.nn.sigmoid_cross_entropy_with_logits(labels, logits),
    "conv1d": _conv, "conv2d": _conv,
    "max_pool2d": lambda x, window, stride: tf.nn.max_pool2d(x, window, stride, "VALID"),
    "avg_pool2d": lambda x, window, stride: tf.nn.avg_pool2d(x, window, stride, "VALID"),
    "layer_norm": lambda x, gamma, beta: _normalize(x, gamma, beta, [-1]),
    "batch_norm": lambda x, gamma, beta: _normalize(x, gamma, beta, [0]), "embedding": tf.nn.embedding_lookup,
    "attention": keras.ops.dot_product_attention, "dropout": lambda x, mask, rate: x * mask / (1 - rate),
    "l2_normalize": lambda x, axis: tf.math.l2_normalize(x, axis=axis),
}

#: entries that are not one TF core op
COMPOSITES = {
    "celu": "keras.ops.celu", "mish": "keras.activations.mish", "hardtanh": "keras.ops.hard_tanh",
    "hard_sigmoid": "keras.ops.hard_sigmoid", "attention": "keras.ops.dot_product_attention",
    "layer_norm": "tf.nn.moments + tf.nn.batch_normalization", "batch_norm": "tf.nn.moments + tf.nn.batch_normalization",
    "dropout": "x · mask / (1 - rate): tf.nn.dropout draws its own mask",
}

VOCABULARY = Vocabulary("tensorflow", EXCEPTIONS, COMPOSITES, BY_NAME["tensorflow"].namespaces)
