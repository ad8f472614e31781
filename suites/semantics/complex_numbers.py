"""Complex inputs: which number each framework returns as the gradient of a real loss, and the fix that
turns one convention into the other, verified against the float64 reference (finite differences in the
real and imaginary parts, as ``∂L/∂x + i·∂L/∂y``; see :mod:`harness.complexes`, whose table of
conventions the correctness cases normalize with: these rows are what keeps that table true)."""

from __future__ import annotations

from functools import partial

import numpy as np

from harness import complexes
from harness.expectations import Expectation
from harness.frameworks.registry import JAX
from harness.plans import NUMPY
from harness.semantics import Behaviour, gradient_in

Z = [1 + 2j, -0.5 + 0.25j]
W = [0.5 - 0.75j, 1.25 + 0.25j]
JAX_FAQ = "https://docs.jax.dev/en/latest/notebooks/autodiff_cookbook.html#complex-numbers-and-differentiation"
TORCH_DOC = "https://docs.pytorch.org/docs/stable/notes/autograd.html#complex-autograd-doc"


def abs_squared_plus_real(xp, z):
    return xp.sum(xp.real(z * xp.conj(z))) + xp.sum(xp.real(z))


def weighted_exp(xp, z):
    return xp.sum(xp.real(xp.asarray(W, dtype=z.dtype) * xp.exp(z)))


def reference(fn, z) -> complexes.reference.Estimate:
    point = {"z": np.asarray(z, np.complex128)}
    return complexes.gradient(lambda p: np.atleast_1d(fn(NUMPY, p["z"])), point, ["z"])["z"]


def canonical(fn, z) -> np.ndarray:
    """``∂L/∂x + i·∂L/∂y`` from the reference, for the expected values."""
    est = reference(fn, z)
    return np.round(est.value[..., 0] + 1j * est.value[..., 1], 9)


def raw(framework: str, fn, z):
    return gradient_in(framework, fn, z, "complex128")


def fixed(framework: str, fn, z):
    return complexes.to_canonical(complexes.CONVENTIONS[framework], np.asarray(raw(framework, fn, z)))


def row(id: str, title: str, fn, z) -> Behaviour:
    want = canonical(fn, z)
    frameworks = tuple(complexes.CONVENTIONS)
    expect = {
        fw: Expectation("value", f"{complexes.CONVENTIONS[fw]}" + (
            " (2·∂L/∂z̄, the conjugate Wirtinger derivative): the steepest-ascent direction, so z -= lr·grad descends"
            if complexes.CONVENTIONS[fw] == complexes.CANONICAL else
            " (2·∂L/∂z): jax.grad is the VJP with cotangent 1.0; conjugate it for a descent direction"),
            JAX_FAQ if fw == JAX else TORCH_DOC,
            value=want if complexes.CONVENTIONS[fw] == complexes.CANONICAL else np.conj(want))
        for fw in frameworks}
    return Behaviour(id, title, expect, {fw: partial(raw, fw, fn, z) for fw in frameworks},
                     fix="JAX: jnp.conj(jax.grad(loss)(z)) gives TF's and torch's ∂L/∂x + i·∂L/∂y (and conj of "
                         "theirs gives JAX's); the checker compares every complex case after this conversion",
                     fixed={fw: partial(fixed, fw, fn, z) for fw in frameworks},
                     reference=partial(reference, fn, z))


BEHAVIOURS = [
    row("complex/real-loss-convention", "d/dz of sum(|z|²) + sum(real(z)) at z = [1+2j, -0.5+0.25j] "
        "(non-holomorphic; ∂L/∂x + i·∂L/∂y = 2z + 1)", abs_squared_plus_real, Z),
    row("complex/holomorphic-convention", "d/dz of sum(real(w·exp(z))) at the same z, w = [0.5-0.75j, 1.25+0.25j] "
        "(∂L/∂x + i·∂L/∂y = conj(w·exp(z)))", weighted_exp, Z),
]
