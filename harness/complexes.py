"""Gradients of real losses of complex inputs: the conventions frameworks return, and the reference.

For a real loss L(z), z = x + iy, the frameworks answer with one of two complex numbers per entry
(measured with TF 2.21, torch 2.13, JAX 0.10, and stated as semantics rows in
``suites/semantics/complex_numbers.py``):

- ``∂L/∂x + i·∂L/∂y`` (= 2·∂L/∂z̄, the conjugate Wirtinger derivative): TensorFlow and PyTorch. It is the
  direction of steepest ascent, so ``z -= lr * grad`` descends;
- ``∂L/∂x − i·∂L/∂y`` (= 2·∂L/∂z, its conjugate): JAX, whose ``grad`` is the VJP with cotangent 1, so
  ``z -= lr * jnp.conj(grad)`` descends.

The checker converts each framework's answer to the first (:data:`CANONICAL`) with :func:`to_canonical`
and compares it, as real and imaginary parts, with the float64 reference: ``∂L/∂x`` and ``∂L/∂y`` by
finite differences in the real and imaginary parts (:func:`gradient`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from harness import reference
from harness.frameworks.registry import REGISTRY

CANONICAL = "dL/dx + i·dL/dy"
CONJUGATE = "dL/dx − i·dL/dy"
#: what each framework's gradient of a real loss w.r.t. a complex input is (its registry row says)
CONVENTIONS = {f.name: f.complex_gradient for f in REGISTRY}
DTYPES = ("complex64", "complex128")


def to_canonical(convention: str, grad: np.ndarray | None) -> np.ndarray | None:
    """``grad``, given in ``convention``, in :data:`CANONICAL`'s (the conjugate convention's answer conjugated)."""
    if grad is None or convention == CANONICAL:
        return grad
    return np.conj(grad)


def as_pairs(values: np.ndarray) -> np.ndarray:
    """A complex array as real pairs ``[..., (re, im)]``, the space gradients are compared in."""
    values = np.asarray(values)
    return np.stack([values.real, values.imag], axis=-1).astype(np.float64)


def gradient(loss: Callable[[dict[str, np.ndarray]], np.ndarray], point: dict[str, np.ndarray],
             sources: Sequence[str], **kwargs) -> dict[str, reference.Estimate]:
    """:data:`CANONICAL` by finite differences in the real and imaginary parts of each complex source, as
    real pairs (``value[..., 0]`` = ∂L/∂x, ``value[..., 1]`` = ∂L/∂y); real sources are as
    :func:`reference.gradient` gives them."""
    complex_sources = [s for s in sources if np.iscomplexobj(point[s])]
    split = {n: v for n, v in point.items() if n not in complex_sources}
    for s in complex_sources:
        split[f"{s}.re"], split[f"{s}.im"] = point[s].real.copy(), point[s].imag.copy()

    def joined(p):
        whole = {n: v for n, v in p.items() if not n.endswith((".re", ".im"))}
        return loss(whole | {s: p[f"{s}.re"] + 1j * p[f"{s}.im"] for s in complex_sources})

    names = []
    for s in sources:
        names += [f"{s}.re", f"{s}.im"] if s in complex_sources else [s]
    found = reference.gradient(joined, split, names, **kwargs)
    out = {}
    for s in sources:
        if s in complex_sources:
            re, im = found[f"{s}.re"], found[f"{s}.im"]
            if re.directions is not None:
                raise ValueError(f"complex source {s!r} has {point[s].size} elements: keep complex cases within "
                                 f"{reference.FULL_LIMIT}, where every coordinate is differenced")
            out[s] = reference.stacked([re, im], -1)
        else:
            out[s] = found[s]
    return out
