"""PyTorch's side of the op vocabulary: each neutral op name mapped to torch's own op.

Meanings (arguments, layouts) are fixed by :mod:`harness.numpy_ops`: channels-last layouts
reach torch's channels-first API through permuted views, and index arguments (NumPy integer
arrays) become tensors on the input's device.
"""

from __future__ import annotations

import array_api_compat.torch as torch_xp
import numpy as np
import torch
import torch.nn.functional as F

from harness import linalg_signs
from harness.frameworks.base import Missing, Vocabulary
from harness.frameworks.registry import BY_NAME
from harness.numpy_ops import EPS, same_padding


def _reduce(op):
    return lambda x, axis=None, keepdims=False: op(x, axis=axis, keepdims=keepdims)


def _index(indices, like):
    return torch.as_tensor(np.asarray(indices), device=like.device)


def _logsumexp(x, axis=None, keepdims=False):
    dims = tuple(range(x.ndim)) if axis is None else axis
    return torch.logsumexp(x, dim=dims, keepdim=keepdims)


def _conv(x, w, stride, padding, dilation):
    """Channels-last in and out; TF-style SAME padding (the extra pixel after) made explicit."""
    spatial = x.ndim - 2
    if padding == "SAME":
        pads = [same_padding(x.shape[1 + i], w.shape[i], stride, dilation) for i in range(spatial)]
        x = F.pad(x, [0, 0] + [p for pair in reversed(pads) for p in pair])  # F.pad starts at the last axis
    channels_first = x.movedim(-1, 1)
    kernel = w.movedim(-1, 0).movedim(-1, 1)  # (*k, C, O) -> (O, C, *k)
    conv = F.conv1d if spatial == 1 else F.conv2d
    return conv(channels_first, kernel, stride=stride, dilation=dilation).movedim(1, -1)


def _trailing_pads(widths):
    """F.pad's list (last axis first), without the unpadded leading axes reflect mode refuses."""
    pads = [p for pair in reversed(widths) for p in pair]
    while len(pads) > 2 and pads[-2:] == [0, 0]:
        pads = pads[:-2]
    return pads


def _pool(pool, x, window, stride):
    return pool(x.permute(0, 3, 1, 2), window, stride).permute(0, 2, 3, 1)


def _attention(q, k, v):
    heads_first = [t.transpose(1, 2) for t in (q, k, v)]  # (b, t, h, d) -> (b, h, t, d)
    return F.scaled_dot_product_attention(*heads_first).transpose(1, 2)


EXCEPTIONS = {
    # elementwise unary
    "trigamma": lambda x: torch.special.polygamma(1, x), "log_sigmoid": F.logsigmoid,
    "celu": lambda x, alpha: F.celu(x, alpha), "gelu_tanh": lambda x: F.gelu(x, approximate="tanh"),
    "leaky_relu": lambda x, slope: F.leaky_relu(x, slope), "hard_sigmoid": F.hardsigmoid,
    "clip": lambda x, low, high: torch.clamp(x, low, high),
    # binary
    "squared_difference": Missing("torch has no squared-difference op; write (x - y) ** 2"),
    # reductions (the array-API namespace takes axis/keepdims; its max/min are torch.amax/amin)
    "sum": _reduce(torch_xp.sum), "mean": _reduce(torch_xp.mean), "prod": _reduce(torch_xp.prod),
    "max": _reduce(torch_xp.max), "min": _reduce(torch_xp.min),
    "max_dim": lambda x, axis: torch.max(x, dim=axis).values, "logsumexp": _logsumexp, "var": _reduce(torch_xp.var),
    "std": _reduce(torch_xp.std), "vector_norm": lambda x, ord, axis=None: torch.linalg.vector_norm(x, ord, dim=axis),
    "cumsum": lambda x, axis: torch.cumsum(x, axis), "cumprod": lambda x, axis: torch.cumprod(x, axis),
    "cumlogsumexp": lambda x, axis: torch.logcumsumexp(x, axis),
    "cummax": lambda x, axis: torch.cummax(x, axis).values,
    # linear algebra
    "solve": torch.linalg.solve, "det": torch.linalg.det, "logabsdet": lambda a: torch.linalg.slogdet(a).logabsdet,
    "cholesky": torch.linalg.cholesky, "qr": linalg_signs.qr, "eigh": linalg_signs.eigh, "svd": linalg_signs.svd,
    "triangular_solve": lambda a, b: torch.linalg.solve_triangular(a, b, upper=False),
    "matrix_norm": lambda a, ord: torch.linalg.matrix_norm(a, ord), "matrix_exp": torch.linalg.matrix_exp,
    "tensordot": lambda a, b, axes: torch.tensordot(a, b, dims=axes), "cross": torch.linalg.cross,
    "lstsq": lambda a, b: torch.linalg.lstsq(a, b).solution,
    "diagonal": lambda a: torch.diagonal(a, dim1=-2, dim2=-1), "matrix_power": torch.linalg.matrix_power,
    # shape and indexing
    "transpose": lambda x, axes: torch.permute(x, axes), "concat": lambda xs, axis: torch.cat(xs, axis),
    "stack": lambda xs, axis: torch.stack(xs, axis), "split": lambda x, n, axis: torch.chunk(x, n, axis),
    "slice": lambda x, index: x[index],
    "gather": lambda x, indices, axis: torch.index_select(x, axis, _index(indices, x)),
    "take_along_axis": lambda x, indices, axis: torch.take_along_dim(x, _index(indices, x), axis),
    "scatter": lambda x, updates, indices: x.index_put((_index(indices, x),), updates),
    "index_add": lambda x, updates, indices: torch.index_add(x, 0, _index(indices, x), updates),
    "pad": lambda x, widths, mode: F.pad(x, _trailing_pads(widths), mode=mode),
    "tile": lambda x, reps: torch.tile(x, reps), "repeat": lambda x, n, axis: torch.repeat_interleave(x, n, axis),
    "flip": lambda x, axis: torch.flip(x, (axis,)), "roll": lambda x, shift, axis: torch.roll(x, shift, axis),
    "where": lambda c, x, y: torch.where(_index(c, x), x, y),
    "sort": lambda x, axis: torch.sort(x, dim=axis, stable=True).values, "topk": lambda x, k: torch.topk(x, k).values,
    "expand_dims": lambda x, axis: torch.unsqueeze(x, axis),
    "broadcast_to": lambda x, shape: torch.broadcast_to(x, shape), "moveaxis": torch.movedim,
    # neural-network ops
    "softmax": lambda x, axis: F.softmax(x, dim=axis), "log_softmax": lambda x: F.log_softmax(x, dim=-1),
    "softmax_cross_entropy": lambda logits, labels: F.cross_entropy(logits, labels, reduction="none"),
    "sparse_cross_entropy": lambda logits, labels: F.cross_entropy(logits, _index(labels, logits), reduction="none"),
    "sigmoid_cross_entropy": lambda logits, labels: F.binary_cross_entropy_with_logits(logits, labels,
                                                                                      reduction="none"),
    "conv1d": _conv, "conv2d": _conv, "max_pool2d": lambda x, window, stride: _pool(F.max_pool2d, x, window, stride),
    "avg_pool2d": lambda x, window, stride: _pool(F.avg_pool2d, x, window, stride),
    "layer_norm": lambda x, gamma, beta: F.layer_norm(x, x.shape[-1:], gamma, beta, EPS),
    "batch_norm": lambda x, gamma, beta: F.batch_norm(x, None, None, gamma, beta, training=True, eps=EPS),
    "embedding": lambda table, ids: F.embedding(_index(ids, table), table), "attention": _attention,
    "dropout": lambda x, mask, rate: x * mask / (1 - rate), "l2_normalize": lambda x, axis: F.normalize(x, dim=axis),
}

#: entries that are not one torch op
COMPOSITES = {"dropout": "x · mask / (1 - rate): torch's dropout draws its own mask"}

VOCABULARY = Vocabulary("torch", EXCEPTIONS, COMPOSITES, BY_NAME["torch"].namespaces)
