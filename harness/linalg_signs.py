"""Decompositions made unique, so that every framework's answer and the reference's are one function of the input:
QR with a non-negative diagonal of R, eigenvectors and left singular vectors with each column's largest-magnitude
entry positive. Written once against the array API (``array_api_compat``'s NumPy, torch and JAX namespaces; TF's
vocabulary, which has no such namespace, writes the same rule over ``tf.linalg``)."""

from __future__ import annotations

from typing import Any

import array_api_compat


def column_signs(u: Any) -> Any:
    """+1/−1 per column making its largest-magnitude entry positive, shaped ``(..., 1, columns)``."""
    xp = array_api_compat.array_namespace(u)
    index = xp.argmax(xp.abs(u), axis=-2, keepdims=True)
    return xp.sign(xp.take_along_axis(u, index, axis=-2))


def qr(a: Any) -> tuple[Any, Any]:
    """The reduced QR decomposition with R's diagonal made non-negative."""
    xp = array_api_compat.array_namespace(a)
    q, r = xp.linalg.qr(a)
    s = xp.sign(xp.linalg.diagonal(r))
    return q * s[..., None, :], r * s[..., :, None]


def eigh(a: Any) -> tuple[Any, Any]:
    """Eigenvalues (ascending) and eigenvectors with canonical signs."""
    xp = array_api_compat.array_namespace(a)
    w, v = xp.linalg.eigh(a)
    return w, v * column_signs(v)


def svd(a: Any) -> tuple[Any, Any, Any]:
    """The reduced SVD with the left singular vectors' signs canonical (and the right ones' to match)."""
    xp = array_api_compat.array_namespace(a)
    u, s, vh = xp.linalg.svd(a, full_matrices=False)
    signs = column_signs(u)
    return u * signs, s, vh * xp.matrix_transpose(signs)
