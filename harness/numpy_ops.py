"""The float64 reference's op vocabulary (NumPy/SciPy) and the reference implementations the op table's rows name.

By rule a neutral name means NumPy's or SciPy's function of that name (``numpy``, ``scipy.special``,
``numpy.linalg``, ``scipy.linalg``, searched in that order); where it does not, the op's row carries its meaning
(``ref=``), often one of the functions here, and declaring the row teaches it to :data:`REFERENCE`. These meanings
fix what each name *means* (arguments, layout, defaults); each framework's vocabulary maps the same name to its own
op. Layouts: images NHWC, kernels HWIO, sequences NWC; attention ``(batch, time, heads, depth)``; normalisation
epsilon 1e-5. Gradients of these are never taken: the reference differentiates them by finite differences.
"""

from __future__ import annotations

import numpy as np
import scipy.special as sp

from harness.frameworks.base import Vocabulary

EPS = 1e-5  # layer and batch norm
#: the reference's vocabulary: NumPy's and SciPy's own functions by name, and what the op rows declare (``ref=``)
REFERENCE = Vocabulary("numpy", {}, namespaces=("numpy", "scipy.special", "numpy.linalg", "scipy.linalg"),
                       reference=True)


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


def selu(x):
    alpha, scale = 1.6732632423543772, 1.0507009873554805
    return scale * np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0)))


def vector_norm(x, ord, axis=None):
    return np.linalg.norm(x.ravel() if axis is None else x, ord=ord, axis=axis)


def scatter(x, updates, indices):
    out = x.copy()
    out[indices] = updates
    return out


def index_add(x, updates, indices):
    out = x.copy()
    np.add.at(out, indices, updates)
    return out


def topk(x, k):
    order = np.argsort(-x, axis=-1, kind="stable")[..., :k]
    return np.take_along_axis(x, order, -1)


def sparse_xent(logits, labels):
    return -np.take_along_axis(log_softmax(logits), labels[:, None], -1)[:, 0]


def sigmoid_xent(logits, labels):
    return np.maximum(logits, 0) - logits * labels + np.log1p(np.exp(-np.abs(logits)))
