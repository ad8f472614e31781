"""The few operations the NumPy reference namespace lacks (NumPy has no convolution)."""

from __future__ import annotations

import numpy as np


def conv2d(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    """2-D convolution (cross-correlation), stride 1, VALID padding.

    Args:
        x: images ``(N, H, W, C)`` (NHWC).
        w: kernel ``(kh, kw, C, O)`` (HWIO).

    Returns:
        ``(N, H - kh + 1, W - kw + 1, O)``.
    """
    kh, kw = w.shape[:2]
    windows = np.lib.stride_tricks.sliding_window_view(x, (kh, kw), axis=(1, 2))  # (N, H', W', C, kh, kw)
    return np.einsum("nhwcab,abco->nhwo", windows, w)
