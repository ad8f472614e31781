"""How close a gradient must be to the float64 reference: one per-dtype table, one formula.

An entry passes when ``|got - ref| <= rtol·|ref| + atol·scale + ERROR_FACTOR·err``, where
``scale`` is the largest reference entry of that gradient (the magnitude of the terms that were
summed into it) or the tolerance's ``floor`` where that is larger (the magnitude of the terms a
framework forms an elementwise derivative from: 1 for ``1 + tanh(u)``, however small the sum), and
``err`` is the reference's own error estimate for that entry. Where the reference knows the size of
the terms a framework sums into an entry (forward mode: ``Σ|J|·|t|``), that size takes the place of
``|ref|`` and of the entries in ``scale``: a sum that cancels (the mean of a tangent) keeps its terms'
rounding, the textbook bound for a computed dot product. A case may override the table for one
dtype (a long chain in float32 loses more than one matmul does), or for one framework and dtype
(``"tensorflow:float64"``: a declared imprecision, with its reason beside it).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

#: the reference's error estimate is multiplied by this before it is added to the allowance
ERROR_FACTOR = 4.0


def size(ref: np.ndarray, terms: np.ndarray | None = None) -> np.ndarray:
    """What an entry's rounding is relative to: ``|ref|``, or the size of the terms summed into it where known."""
    return np.abs(ref) if terms is None else np.maximum(np.abs(ref), terms)


@dataclass(frozen=True)
class Tolerance:
    """Relative and scale-relative absolute tolerance for one dtype."""

    rtol: float
    atol: float
    floor: float = 0.0
    #: an absolute allowance every entry gets: the dtype's resolution at zero (its smallest subnormal: a true value
    #: below it rounds to 0 exactly), or an absolute distance that is the criterion itself (a converged run's)
    resolution: float = 0.0

    def allowance(self, ref: np.ndarray, err: np.ndarray, scale: float, terms: np.ndarray | None = None) -> np.ndarray:
        """The permitted absolute difference per entry of ``ref``; ``terms``, where known, the size of the terms
        summed into each entry (see :class:`harness.reference.Estimate`), which takes the place of ``|ref|``."""
        return self.rtol * size(ref, terms) + self.atol * max(scale, self.floor) + ERROR_FACTOR * err + self.resolution

    def __str__(self) -> str:
        floor = f" (scale ≥ {self.floor:g})" if self.floor else ""
        resolution = f" + {self.resolution:.2g}" if self.resolution else ""
        return f"rtol={self.rtol:g}, atol={self.atol:g}·scale{floor}{resolution}"


#: dtype -> tolerance; float32 allows ~1000 ulps of accumulated error, float64 ~10⁹ ulps'
#: headroom only because the reference itself is good to ~1e-12, not 1e-16. float16 and bfloat16 allow
#: about 10 and 8 of their epsilons (2⁻¹⁰, 2⁻⁷): a case's gradient passes through 5-10 intermediates, each
#: rounded to the dtype (inputs are rounded too, but the reference is taken at the rounded inputs). 3e-2
#: for bfloat16 (4 eps) failed a three-matmul chain in TF and JAX at 1.16x (measured 2026-12-01). Both also
#: allow their smallest subnormal: sigmoid'(-30) = 9e-14 is exactly 0 in float16 (2⁻²⁴ ≈ 6e-8 is its least)
TABLE: dict[str, Tolerance] = {
    "float16": Tolerance(rtol=1e-2, atol=1e-2, resolution=2.0 ** -24),
    "bfloat16": Tolerance(rtol=6e-2, atol=6e-2, resolution=2.0 ** -133),
    "float32": Tolerance(rtol=1e-4, atol=1e-5),
    "float64": Tolerance(rtol=1e-7, atol=1e-9),
}
#: a complex gradient is compared as its real and imaginary parts, each held to its part's float dtype
TABLE |= {"complex64": TABLE["float32"], "complex128": TABLE["float64"]}

#: a second derivative in float16/bfloat16 rounds about twice the intermediates a first one does (the function,
#: its VJP, and that VJP's derivative, each in the dtype), and its terms cancel more (σ'' = σ(1 − σ)(1 − 2σ)):
#: its tolerance is this many times the dtype's. Measured on the eager op sweep at --grad-seed 0–9 (1,183 second
#: derivatives: op × sample × framework × dtype, each at its worst seed), error over the first-order tolerance:
#: 99th percentile 2.0 for TF, 1.6 for torch, 3.5 for JAX (which computes in the dtype throughout); what exceeds 3x
#: is declared per op (suites/ops/low_precision.py: cumlogsumexp in TF and torch, a broadcast hypot in TF and JAX,
#: softplus, atanh and log_sigmoid in JAX)
SECOND_ORDER: dict[str, float] = {"float16": 3.0, "bfloat16": 3.0}


def with_floor(floor: float) -> dict[str, Tolerance]:
    """The table with the absolute floor at ``floor``: for an op whose derivative is formed from terms of that size."""
    return {dtype: dataclasses.replace(tol, floor=floor) for dtype, tol in TABLE.items()}


def for_dtype(dtype: str, overrides: dict[str, Tolerance] | None = None, framework: str | None = None, *,
              order: int = 1) -> Tolerance:
    """The tolerance for ``dtype`` (at derivative ``order``), a case's override taking precedence
    (``"<framework>:<dtype>"`` first).

    Raises:
        KeyError: ``dtype`` has no entry (the message lists the ones that do).
    """
    for key in (f"{framework}:{dtype}", dtype):
        if overrides and key in overrides:
            return overrides[key]
    try:
        tol = TABLE[dtype]
    except KeyError:
        raise KeyError(f"no tolerance for dtype {dtype!r}: known {', '.join(TABLE)}") from None
    factor = SECOND_ORDER.get(dtype, 1.0) if order >= 2 else 1.0
    return tol if factor == 1.0 else dataclasses.replace(tol, rtol=factor * tol.rtol, atol=factor * tol.atol)


def between(tol: Tolerance) -> Tolerance:
    """Two computed answers to the same question, each allowed ``tol`` from the truth, may be twice that apart
    (a compiled gradient against the eager one; one framework's against another's where no reference is taken)."""
    return dataclasses.replace(tol, rtol=2 * tol.rtol, atol=2 * tol.atol, resolution=2 * tol.resolution)


def absolute(distance: float) -> Tolerance:
    """Entries may be ``distance`` off, whatever their size."""
    return Tolerance(rtol=0.0, atol=0.0, resolution=distance)


# -- answers that are not judged against finite differences, each with its reason --------------------------------

#: a textbook derivative (d(x²)/dx = 2x, σ' = σ(1 − σ)) computed from the case's own inputs is exact, so the
#: framework's answer is held to a handful of its dtype's roundings, tighter than the table (which also covers the
#: reference's own error): 2e-5 is ~170 float32 ulps, 1e-11 ~45,000 float64 ulps (a least-squares gradient sums
#: 10 products); relative to the entry and to the gradient's largest entry
CLOSED_FORM: dict[str, Tolerance] = {"float32": Tolerance(rtol=2e-5, atol=2e-5), "float64": Tolerance(rtol=1e-11, atol=1e-11)}
#: a declared value (a semantics row's number: an accumulated .grad of 8, a convention at a kink): tight enough to
#: tell torch's float32 logsumexp at [1000, 1000] (0.49998546) from 0.5, loose enough for float32's rounding of it
DECLARED: Tolerance = Tolerance(rtol=1e-6, atol=0.0, resolution=1e-7)
#: a training trajectory against the float64 NumPy one, relative to the largest parameter: float32 accumulates its
#: rounding over 100 steps (measured below 2e-6); float64 only the order of summation. TF's optimizers keep the
#: learning rate in float32 whatever the variables' dtype (0.01 becomes 0.0099999998), so their float64 runs carry
#: float32's rounding of the rate, 1e-7 relative (``"float64:lr-float32"``)
TRAJECTORY: dict[str, Tolerance] = {"float32": Tolerance(rtol=0.0, atol=1e-5), "float64": Tolerance(rtol=0.0, atol=1e-12),
                                    "float64:lr-float32": Tolerance(rtol=0.0, atol=1e-7)}
#: how far from the least-squares answer a converging run may end, per dtype (absolute, in the parameters' units)
CONVERGED: dict[str, Tolerance] = {"float32": absolute(1e-5), "float64": absolute(1e-8)}
#: mixed precision must move the gradient off the float32 one by more than float32's own rounding (4 ulps, relative to
#: the gradient's largest entry): a policy the model ignores computes in float32 and would pass the low-precision check
MIXED_MOVES = 4 * float(np.finfo(np.float32).eps)
