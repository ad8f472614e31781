"""The float64 finite-difference reference: central differences with Richardson extrapolation.

Every derivative here is built from one primitive, :func:`directional`: the derivative of a
vector function along one direction, from central differences at steps h, h/2, h/4, h/8
combined by Richardson extrapolation (a Neville table in h²), with an error estimate taken
from the last two levels of the table plus the floating-point round-off of the smallest step.

For large inputs a full gradient costs one directional derivative per element. Random
projections alone are cheap but blind to an error confined to one Jacobian entry (torch's
``gradcheck(fast_mode=True)`` misses a 50% error in 1 of 400 entries), so large inputs are probed
along random projections *plus* a sample of single coordinates.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

Point = Mapping[str, np.ndarray]
VectorFn = Callable[[Point], np.ndarray]

#: base step, relative to max(1, |x|): small enough for Richardson, large enough for round-off
STEP = 2.0 ** -5
#: central differences taken at STEP, STEP/2, ... (2 evaluations each)
LEVELS = 4
#: a source with more elements than this is probed, not fully differentiated
FULL_LIMIT = 512
#: probes of a large source: single coordinates and random unit projections
SAMPLED_COORDINATES = 48
PROJECTIONS = 8

_EPS = np.finfo(np.float64).eps


@dataclass(frozen=True)
class Estimate:
    """Derivative estimates with their estimated absolute errors (same shape).

    ``directions`` is ``None`` when ``value`` is the full derivative (shaped like the source, or
    ``(outputs, source.size)`` for a Jacobian); otherwise ``value[k]`` estimates
    ``directions[k] · gradient`` for each row of ``directions`` (``(k, source.size)``).
    """

    value: np.ndarray
    error: np.ndarray
    directions: np.ndarray | None = None


def directional(fun: VectorFn, x: Point, direction: Point, *, step: float = STEP) -> tuple[np.ndarray, np.ndarray]:
    """d/dt fun(x + t·direction) at t = 0, and its estimated absolute error.

    Args:
        fun: maps a point (name -> float64 array) to a 1-D float64 array.
        x: the point; names missing from ``direction`` stay fixed.
        direction: name -> array shaped like ``x[name]``.
        step: the first step, relative to the magnitude of the moved coordinates.

    Returns:
        ``(derivative, error)``, each shaped like ``fun``'s output.
    """
    moved = [n for n in direction if np.any(direction[n])]
    if not moved:
        zero = np.zeros_like(fun(x))
        return zero, zero
    # the step follows the magnitude of the coordinates actually moved: a tiny entry next to a
    # huge one (log at 1e-3 beside 1e3) gets a step its own size allows
    scale = max(1.0, *(float(np.max(np.abs(x[n][direction[n] != 0]))) for n in moved))
    reach = max(float(np.max(np.abs(direction[n]))) for n in moved)
    h0 = step * scale / reach
    column, largest = [], 0.0
    for level in range(LEVELS):
        h = h0 / 2 ** level
        plus = fun({**x, **{n: x[n] + h * direction[n] for n in moved}})
        minus = fun({**x, **{n: x[n] - h * direction[n] for n in moved}})
        largest = max(largest, float(np.max(np.abs(plus), initial=0.0)), float(np.max(np.abs(minus), initial=0.0)))
        column.append((plus - minus) / (2 * h))
    # Neville table: each column removes the next even power of h from the error
    table = [column]
    for j in range(1, LEVELS):
        prev = table[-1]
        table.append([(4 ** j * prev[i + 1] - prev[i]) / (4 ** j - 1) for i in range(len(prev) - 1)])
    best = table[-1][0]
    truncation = np.abs(best - table[-2][-1])
    roundoff = 8 * _EPS * largest / (h0 / 2 ** (LEVELS - 1)) * reach
    return best, truncation + roundoff


def _unit(name: str, shape: tuple[int, ...], index: int) -> np.ndarray:
    e = np.zeros(int(np.prod(shape)))
    e[index] = 1.0
    return e.reshape(shape)


def gradient(fun: VectorFn, x: Point, sources: Sequence[str], *, rng: np.random.Generator | None = None,
             full_limit: int = FULL_LIMIT, step: float = STEP) -> dict[str, Estimate]:
    """The gradient of a scalar function (a 1-element ``fun``) w.r.t. each source.

    Sources of at most ``full_limit`` elements get every coordinate; larger ones get
    :data:`SAMPLED_COORDINATES` coordinates and :data:`PROJECTIONS` random unit directions,
    drawn from ``rng`` (seeded by the caller, so a run is reproducible).
    """
    rng = rng if rng is not None else np.random.default_rng(0)
    result = {}
    for name in sources:
        shape, size = x[name].shape, x[name].size
        if size <= full_limit:
            pairs = [directional(fun, x, {name: _unit(name, shape, i)}, step=step) for i in range(size)]
            value = np.array([p[0][0] for p in pairs]).reshape(shape)
            error = np.array([p[1][0] for p in pairs]).reshape(shape)
            result[name] = Estimate(value, error)
            continue
        picks = rng.choice(size, size=min(SAMPLED_COORDINATES, size), replace=False)
        rows = [np.eye(1, size, int(i))[0] for i in picks]
        for _ in range(PROJECTIONS):
            v = rng.standard_normal(size)
            rows.append(v / np.linalg.norm(v))
        directions = np.array(rows)
        pairs = [directional(fun, x, {name: d.reshape(shape)}, step=step) for d in directions]
        result[name] = Estimate(np.array([p[0][0] for p in pairs]), np.array([p[1][0] for p in pairs]),
                                directions)
    return result


def jacobian(fun: VectorFn, x: Point, sources: Sequence[str], *, step: float = STEP) -> dict[str, Estimate]:
    """The full Jacobian of ``fun`` w.r.t. each source, shaped ``(outputs, source.size)``."""
    result = {}
    for name in sources:
        shape = x[name].shape
        cols = [directional(fun, x, {name: _unit(name, shape, i)}, step=step) for i in range(x[name].size)]
        result[name] = Estimate(np.stack([c[0] for c in cols], axis=1), np.stack([c[1] for c in cols], axis=1))
    return result


def jvp(fun: VectorFn, x: Point, tangents: Point, *, step: float = STEP) -> Estimate:
    """The directional derivative of ``fun`` along ``tangents`` (forward mode's answer)."""
    value, error = directional(fun, x, tangents, step=step)
    return Estimate(value, error)


def hvp(fun: VectorFn, x: Point, tangents: Point, *, step: float = STEP) -> dict[str, Estimate]:
    """The Hessian of a scalar ``fun`` times ``tangents``, as a derivative of the FD gradient.

    The inner gradient is itself a Richardson estimate; its error (~1e-12 relative) is divided
    by the outer step, which leaves the result good to ~1e-9 relative on smooth functions.
    """
    names = list(tangents)
    sizes = [x[n].size for n in names]

    def flat_gradient(point: Point) -> np.ndarray:
        grads = gradient(fun, point, names, full_limit=max(sizes), step=step)
        return np.concatenate([grads[n].value.ravel() for n in names])

    value, error = directional(flat_gradient, x, tangents, step=step)
    out, start = {}, 0
    for n, size in zip(names, sizes):
        out[n] = Estimate(value[start:start + size].reshape(x[n].shape), error[start:start + size].reshape(x[n].shape))
        start += size
    return out
