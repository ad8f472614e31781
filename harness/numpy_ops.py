"""The reference's side of the op vocabulary: every op of the sweep in float64 NumPy/SciPy.

These definitions fix what each neutral name *means* (its arguments, layout, defaults); each
framework's vocabulary (``harness/frameworks/*_ops.py``) maps the same name to that framework's
own op. Layouts: images NHWC, kernels HWIO, sequences NWC; attention ``(batch, time, heads,
depth)``; normalisation epsilon 1e-5. Gradients of these are never taken: the reference
differentiates them by finite differences.
"""

from __future__ import annotations

import numpy as np
import scipy.linalg
import scipy.special as sp

from harness import linalg_signs

EPS = 1e-5  # layer and batch norm


def conv2d(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    """2-D convolution (cross-correlation), stride 1, VALID padding.

    Args:
        x: images ``(N, H, W, C)`` (NHWC).
        w: kernel ``(kh, kw, C, O)`` (HWIO).

    Returns:
        ``(N, H - kh + 1, W - kw + 1, O)``.
    """
    return conv(x, w, stride=1, padding="VALID", dilation=1)


def same_padding(size: int, kernel: int, stride: int, dilation: int) -> tuple[int, int]:
    """TF's SAME padding (before, after) for one spatial axis: the extra pixel goes after."""
    span = (kernel - 1) * dilation + 1
    out = -(-size // stride)
    total = max((out - 1) * stride + span - size, 0)
    return total // 2, total - total // 2


def conv(x: np.ndarray, w: np.ndarray, *, stride: int, padding: str, dilation: int) -> np.ndarray:
    """N-D convolution, channels last: ``x (N, *spatial, C)``, ``w (*kernel, C, O)``."""
    spatial = x.ndim - 2
    kernel = w.shape[:spatial]
    if padding == "SAME":
        pads = [same_padding(x.shape[1 + i], kernel[i], stride, dilation) for i in range(spatial)]
        x = np.pad(x, [(0, 0), *pads, (0, 0)])
    spans = [(k - 1) * dilation + 1 for k in kernel]
    windows = np.lib.stride_tricks.sliding_window_view(x, spans, axis=tuple(range(1, 1 + spatial)))
    windows = windows[(slice(None),) + tuple(slice(None, None, stride) for _ in range(spatial))]
    windows = windows[(Ellipsis,) + tuple(slice(None, None, dilation) for _ in range(spatial))]
    letters = "abc"[:spatial]
    return np.einsum(f"n{'hwd'[:spatial]}c{letters},{letters}co->n{'hwd'[:spatial]}o", windows, w)


def pool2d(x: np.ndarray, *, window: int, stride: int, reduce) -> np.ndarray:
    """VALID 2-D pooling of NHWC images with ``reduce`` (np.max or np.mean) over each window."""
    windows = np.lib.stride_tricks.sliding_window_view(x, (window, window), axis=(1, 2))[:, ::stride, ::stride]
    return reduce(windows, axis=(-2, -1))


def standardize(x: np.ndarray, axis: int) -> np.ndarray:
    mean = x.mean(axis=axis, keepdims=True)
    var = x.var(axis=axis, keepdims=True)
    return (x - mean) / np.sqrt(var + EPS)


def log_softmax(x: np.ndarray, axis: int = -1) -> np.ndarray:
    return x - sp.logsumexp(x, axis=axis, keepdims=True)


def attention(q: np.ndarray, k: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Scaled dot-product attention over ``(batch, time, heads, depth)``, no mask."""
    logits = np.einsum("bthd,bshd->bhts", q, k) / np.sqrt(q.shape[-1])
    return np.einsum("bhts,bshd->bthd", sp.softmax(logits, axis=-1), v)


def _selu(x):
    alpha, scale = 1.6732632423543772, 1.0507009873554805
    return scale * np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0)))


def _vector_norm(x, ord, axis=None):
    return np.linalg.norm(x.ravel() if axis is None else x, ord=ord, axis=axis)


def _scatter(x, updates, indices):
    out = x.copy()
    out[indices] = updates
    return out


def _index_add(x, updates, indices):
    out = x.copy()
    np.add.at(out, indices, updates)
    return out


def _topk(x, k):
    order = np.argsort(-x, axis=-1, kind="stable")[..., :k]
    return np.take_along_axis(x, order, -1)


def _sparse_xent(logits, labels):
    return -np.take_along_axis(log_softmax(logits), labels[:, None], -1)[:, 0]


def _sigmoid_xent(logits, labels):
    return np.maximum(logits, 0) - logits * labels + np.log1p(np.exp(-np.abs(logits)))


OPS = {
    # elementwise unary
    "sin": np.sin, "cos": np.cos, "tan": np.tan, "asin": np.arcsin, "acos": np.arccos, "atan": np.arctan,
    "sinh": np.sinh, "cosh": np.cosh, "tanh": np.tanh, "asinh": np.arcsinh, "acosh": np.arccosh,
    "atanh": np.arctanh, "exp": np.exp, "expm1": np.expm1, "exp2": np.exp2, "log": np.log, "log1p": np.log1p,
    "log2": np.log2, "log10": np.log10, "sqrt": np.sqrt, "rsqrt": lambda x: 1 / np.sqrt(x),
    "reciprocal": np.reciprocal, "square": np.square, "abs": np.abs, "sign": np.sign, "negative": np.negative,
    "erf": sp.erf, "erfc": sp.erfc, "erfinv": sp.erfinv, "ndtri": sp.ndtri, "lgamma": sp.gammaln,
    "digamma": sp.digamma, "trigamma": lambda x: sp.polygamma(1, x), "i0e": sp.i0e, "i1e": sp.i1e,
    "sinc": np.sinc, "sigmoid": sp.expit, "log_sigmoid": sp.log_expit, "logit": sp.logit,
    "softplus": lambda x: np.logaddexp(x, 0), "softsign": lambda x: x / (1 + np.abs(x)),
    "relu": lambda x: np.maximum(x, 0), "relu6": lambda x: np.clip(x, 0, 6),
    "elu": lambda x: np.where(x > 0, x, np.expm1(np.minimum(x, 0))), "selu": _selu,
    "celu": lambda x, alpha: np.maximum(x, 0) + np.minimum(0, alpha * np.expm1(np.minimum(x, 0) / alpha)),
    "gelu": lambda x: 0.5 * x * (1 + sp.erf(x / np.sqrt(2))),
    "gelu_tanh": lambda x: 0.5 * x * (1 + np.tanh(np.sqrt(2 / np.pi) * (x + 0.044715 * x ** 3))),
    "silu": lambda x: x * sp.expit(x), "mish": lambda x: x * np.tanh(np.logaddexp(x, 0)),
    "leaky_relu": lambda x, slope: np.where(x > 0, x, slope * x), "hardtanh": lambda x: np.clip(x, -1, 1),
    "hard_sigmoid": lambda x: np.clip(x + 3, 0, 6) / 6, "floor": np.floor, "ceil": np.ceil, "round": np.round,
    "trunc": np.trunc, "clip": lambda x, low, high: np.clip(x, low, high),
    # binary
    "add": np.add, "subtract": np.subtract, "multiply": np.multiply, "divide": np.divide, "pow": np.power,
    "atan2": np.arctan2, "maximum": np.maximum, "minimum": np.minimum, "hypot": np.hypot, "fmod": np.fmod,
    "remainder": np.remainder, "logaddexp": np.logaddexp, "xlogy": sp.xlogy, "xlog1py": sp.xlog1py,
    "squared_difference": lambda x, y: (x - y) ** 2, "copysign": np.copysign, "floor_divide": np.floor_divide,
    # reductions
    "sum": np.sum, "mean": np.mean, "prod": np.prod, "max": np.max, "min": np.min,
    "max_dim": lambda x, axis: np.max(x, axis=axis), "logsumexp": sp.logsumexp,
    "var": np.var, "std": np.std, "vector_norm": _vector_norm,
    "cumsum": lambda x, axis: np.cumsum(x, axis=axis), "cumprod": lambda x, axis: np.cumprod(x, axis=axis),
    "cumlogsumexp": lambda x, axis: np.logaddexp.accumulate(x, axis=axis),
    "cummax": lambda x, axis: np.maximum.accumulate(x, axis=axis),
    # linear algebra
    "matmul": np.matmul, "einsum": np.einsum, "solve": np.linalg.solve, "inv": np.linalg.inv,
    "det": np.linalg.det, "logabsdet": lambda a: np.linalg.slogdet(a)[1], "cholesky": np.linalg.cholesky,
    "qr": linalg_signs.qr, "eigh": linalg_signs.eigh, "eigvalsh": np.linalg.eigvalsh, "svd": linalg_signs.svd,
    "svdvals": lambda a: np.linalg.svd(a, compute_uv=False), "trace": lambda a: np.trace(a, axis1=-2, axis2=-1),
    "pinv": np.linalg.pinv, "triangular_solve": lambda a, b: scipy.linalg.solve_triangular(a, b, lower=True),
    "matrix_norm": lambda a, ord: np.linalg.norm(a, ord=ord, axis=(-2, -1)), "matrix_exp": scipy.linalg.expm,
    "outer": np.outer, "tensordot": lambda a, b, axes: np.tensordot(a, b, axes), "cross": np.cross,
    "lstsq": lambda a, b: np.linalg.lstsq(a, b, rcond=None)[0], "diagonal": lambda a: np.diagonal(a, axis1=-2, axis2=-1),
    "matrix_power": np.linalg.matrix_power,
    # shape and indexing
    "reshape": np.reshape, "transpose": np.transpose, "concat": lambda xs, axis: np.concatenate(xs, axis=axis),
    "stack": lambda xs, axis: np.stack(xs, axis=axis), "split": lambda x, n, axis: tuple(np.split(x, n, axis=axis)),
    "slice": lambda x, index: x[index], "gather": lambda x, indices, axis: np.take(x, indices, axis=axis),
    "take_along_axis": lambda x, indices, axis: np.take_along_axis(x, indices, axis), "scatter": _scatter,
    "index_add": _index_add, "pad": lambda x, widths, mode: np.pad(x, widths, mode=mode),
    "tile": np.tile, "repeat": lambda x, n, axis: np.repeat(x, n, axis=axis), "flip": lambda x, axis: np.flip(x, axis),
    "roll": lambda x, shift, axis: np.roll(x, shift, axis), "where": lambda c, x, y: np.where(c, x, y),
    "sort": lambda x, axis: np.sort(x, axis=axis, kind="stable"), "topk": _topk, "squeeze": np.squeeze,
    "expand_dims": np.expand_dims, "broadcast_to": np.broadcast_to, "tril": np.tril, "triu": np.triu,
    "diag": np.diag, "moveaxis": np.moveaxis,
    # neural-network ops
    "softmax": lambda x, axis: sp.softmax(x, axis=axis), "log_softmax": log_softmax,
    "softmax_cross_entropy": lambda logits, labels: -np.sum(labels * log_softmax(logits), axis=-1),
    "sparse_cross_entropy": _sparse_xent, "sigmoid_cross_entropy": _sigmoid_xent,
    "conv1d": conv, "conv2d": conv,
    "max_pool2d": lambda x, window, stride: pool2d(x, window=window, stride=stride, reduce=np.max),
    "avg_pool2d": lambda x, window, stride: pool2d(x, window=window, stride=stride, reduce=np.mean),
    "layer_norm": lambda x, gamma, beta: standardize(x, -1) * gamma + beta,
    "batch_norm": lambda x, gamma, beta: standardize(x, 0) * gamma + beta,
    "embedding": lambda table, ids: table[ids], "attention": attention,
    "dropout": lambda x, mask, rate: x * mask / (1 - rate),
    "l2_normalize": lambda x, axis: x / np.linalg.norm(x, axis=axis, keepdims=True),
}

