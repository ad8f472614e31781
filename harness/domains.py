"""Named input domains: where a case draws its inputs from, as readable factories.

Every value is rounded to the nearest float32 before use, so the float32 and float64 runs of a
case evaluate the very same point and share one float64 reference.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Domain:
    """A named way to fill an array of a given shape from a seeded generator."""

    name: str
    draw: Callable[[np.random.Generator, tuple[int, ...]], np.ndarray]

    def __call__(self, rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
        values = np.asarray(self.draw(rng, shape), dtype=np.float64).reshape(shape)
        return values.astype(np.float32).astype(np.float64)

    def __repr__(self) -> str:
        return self.name


def uniform(low: float, high: float) -> Domain:
    """Uniform on ``[low, high)``."""
    return Domain(f"uniform({low}, {high})", lambda rng, shape: rng.uniform(low, high, shape))


def normal(std: float = 1.0) -> Domain:
    """Centred normal with standard deviation ``std``."""
    return Domain(f"normal({std})", lambda rng, shape: rng.normal(0.0, std, shape))


def away_from(point: float, gap: float = 0.25, spread: float = 1.0) -> Domain:
    """Uniform on ``[point - spread - gap, point - gap] ∪ [point + gap, point + gap + spread]``."""
    def draw(rng, shape):
        side = rng.choice([-1.0, 1.0], shape)
        return point + side * (gap + rng.uniform(0.0, spread, shape))
    return Domain(f"away_from({point})", draw)


def linspace(start: float, stop: float) -> Domain:
    """Evenly spaced from ``start`` to ``stop`` over the whole array (row-major)."""
    return Domain(f"linspace({start}, {stop})",
                  lambda rng, shape: np.linspace(start, stop, int(np.prod(shape))).reshape(shape))


def spd(jitter: float = 1.0, gap: float = 0.0) -> Domain:
    """Symmetric positive definite matrices (``a aᵀ + jitter·I``; last two axes square), redrawn until adjacent
    eigenvalues are at least ``gap`` apart: eigenvectors' derivatives grow as 1/gap (second ones as 1/gap²), and
    near a tie a finite difference cannot follow them."""
    def one(rng, shape):
        a = rng.normal(0.0, 1.0, shape)
        return a @ np.swapaxes(a, -1, -2) / shape[-1] + jitter * np.eye(shape[-1])

    def draw(rng, shape):
        for _ in range(100):
            m = one(rng, shape)
            if not gap or np.min(np.diff(np.linalg.eigvalsh(m), axis=-1), initial=np.inf) >= gap:
                return m
        raise ValueError(f"spd(gap={gap}): no draw of {shape} in 100 has eigenvalues that far apart")
    return Domain(f"spd({jitter}, gap={gap})" if gap else f"spd({jitter})", draw)




def avoiding(*points: float, low: float, high: float, gap: float = 0.25) -> Domain:
    """Uniform on ``[low, high]`` with a ``gap`` around each of ``points`` (an op's kinks) left out."""
    def draw(rng, shape):
        values = rng.uniform(low, high, shape)
        for _ in range(100):  # rejection: redraw what fell near a kink
            near = np.zeros(np.shape(values), bool)
            for p in points:
                near |= np.abs(values - p) < gap
            if not near.any():
                return values
            values = np.where(near, rng.uniform(low, high, np.shape(values)), values)
        raise ValueError(f"avoiding{points}: [{low}, {high}] leaves no room outside the gaps")
    return Domain(f"avoiding({', '.join(map(str, points))}; {low}..{high})", draw)


def integers_avoided(low: float, high: float) -> Domain:
    """Uniform on ``[low, high]`` at least 0.1 from every integer and half-integer (floor, round)."""
    halves = [k / 2 for k in range(int(2 * low) - 1, int(2 * high) + 2)]
    return avoiding(*halves, low=low, high=high, gap=0.1)


def invertible(shift: float = 3.0) -> Domain:
    """Square matrices ``normal + shift·I`` (last two axes): well conditioned, not symmetric."""
    return Domain(f"invertible({shift})",
                  lambda rng, shape: rng.normal(0.0, 1.0, shape) + shift * np.eye(shape[-1]))


def probabilities() -> Domain:
    """Rows (last axis) of positive entries summing to 1: soft labels."""
    def draw(rng, shape):
        p = rng.uniform(0.1, 1.0, shape)
        return p / p.sum(axis=-1, keepdims=True)
    return Domain("probabilities", draw)


def bernoulli(keep: float) -> Domain:
    """0/1 entries, 1 with probability ``keep``: a fixed dropout mask."""
    return Domain(f"bernoulli({keep})", lambda rng, shape: (rng.uniform(0, 1, shape) < keep).astype(float))


def graded(sign_margin: float = 0.1) -> Domain:
    """Normal entries with columns scaled 1, 2, 3, ...: well-separated singular values (SVD), redrawn until in
    every singular vector the largest entry's magnitude leads the next by ``sign_margin`` of it: the SVD's sign
    is fixed by that entry (``numpy_ops._canonical_signs``), so a near-tie is a jump a finite difference crosses
    (at --grad-seed 6 a lead of 0.6% put the HVP reference at 145 ± 20 for 0.27)."""
    def lead(m, axis):
        top = np.sort(np.abs(m), axis=axis)
        return np.min((np.take(top, -1, axis=axis) - np.take(top, -2, axis=axis)) / np.take(top, -1, axis=axis))

    def draw(rng, shape):
        for _ in range(100):
            a = rng.normal(0.0, 1.0, shape) * np.arange(1, shape[-1] + 1)
            u, _, vt = np.linalg.svd(a, full_matrices=False)
            if min(lead(u, -2), lead(vt, -1)) >= sign_margin:
                return a
        raise ValueError(f"graded(sign_margin={sign_margin}): no draw of {shape} in 100 leads by that much")
    return Domain("graded", draw)

#: the domains most cases need, by name
positive = uniform(0.5, 2.0)
signed = uniform(-1.0, 1.0)


@dataclass(frozen=True)
class ComplexDomain(Domain):
    """Complex values: real and imaginary parts drawn independently, each rounded to float32 (so complex64
    and complex128 runs evaluate the same point)."""

    center: complex = 0j

    def __call__(self, rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
        parts = [np.asarray(self.draw(rng, shape), np.float64).reshape(shape) for _ in range(2)]
        re, im = (np.float32(c) + p for c, p in zip((self.center.real, self.center.imag), parts))
        return re.astype(np.float32).astype(np.float64) + 1j * im.astype(np.float32).astype(np.float64)


def complex_normal(std: float = 1.0, center: complex = 0j) -> ComplexDomain:
    """``center`` plus real and imaginary parts each normal with standard deviation ``std``."""
    name = f"complex_normal({std}" + (f", center={center})" if center else ")")
    return ComplexDomain(name, lambda rng, shape: rng.normal(0.0, std, shape),
                         center=complex(center))


#: the random weights of a cotangent or tangent have magnitudes in [WEIGHT_MIN, 2 - WEIGHT_MIN]
WEIGHT_MIN = 0.5


def weights(rng: np.random.Generator, shape: tuple[int, ...], dtype: np.dtype | str = np.float64) -> np.ndarray:
    """A random cotangent or tangent: magnitudes uniform in [WEIGHT_MIN, 2 − WEIGHT_MIN] with a random sign (a random
    phase where ``dtype`` is complex), exact in ``dtype``. A standard normal weight can be 0.01 and hide an error in the
    one Jacobian entry it weighs; with these, every entry of a weighted sum counts at least half, which is what a
    check's single-entry guarantee (:func:`harness.judge.power`) rests on."""
    dtype = np.dtype(dtype)
    size = rng.uniform(WEIGHT_MIN, 2 - WEIGHT_MIN, shape)
    if dtype.kind == "c":
        w = size * np.exp(1j * rng.uniform(0, 2 * np.pi, shape))
    else:
        w = size * rng.choice([-1.0, 1.0], shape)
    return np.asarray(w).astype(dtype)
