"""The float64 finite-difference reference: central differences with Richardson extrapolation.

Every derivative here is built from one primitive, :func:`directional`: the derivative of a
vector function along one direction, from central differences at steps h, h/2, h/4, h/8
combined by Richardson extrapolation (a Neville table in h²), with an error estimate taken
from the last two levels of the table plus the floating-point round-off of the smallest step.
The step is searched for, per output entry, down a ladder of halving steps (see :func:`directional`).
``scipy.differentiate.derivative`` (SciPy ≥ 1.15) searches steps the same way, but only for an
*elementwise* function (``f(xi)[j]`` must equal ``f(xi[j])``, its documentation says): here one step moves
a whole point through a model or a reduction, and every output entry of that one evaluation keeps its
own best window, which that contract cannot express without one evaluation per output entry.

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

#: first step, relative to the moved coordinates' own magnitude (floored at FLOOR, so 0 gets a step too)
STEP = 2.0 ** -5
FLOOR = 2.0 ** -10
#: Richardson depth: one estimate combines central differences at h, h/2, h/4, h/8 (2 evaluations each)
LEVELS = 4
#: the step halves at most this often: far enough to step inside a domain edge 1e-9 away
HALVINGS = 32
#: an estimate whose error bound is below this, relative to its size, ends the search
ACCEPT = 1e-10
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
    ``terms``, where known, is the size of the terms a framework sums into each entry (``|J|·|t|`` for a
    forward-mode answer ``J·t``): its rounding is bounded relative to that, not to the sum, which can cancel.
    """

    value: np.ndarray
    error: np.ndarray
    directions: np.ndarray | None = None
    terms: np.ndarray | None = None


def _richardson(column: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """The Neville table over central differences at h, h/2, ...: the estimate and the difference of the
    last two entries (the truncation error bound). Each column removes the next even power of h."""
    table = [column]
    for j in range(1, len(column)):
        prev = table[-1]
        table.append([(4 ** j * prev[i + 1] - prev[i]) / (4 ** j - 1) for i in range(len(prev) - 1)])
    return table[-1][0], np.abs(table[-1][0] - table[-2][-1])


def _ladder(fun: VectorFn, x: Point, direction: Point, moved: list[str], h0: float, reach: float,
            levels: int = HALVINGS + LEVELS, noise: np.ndarray | float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """Richardson estimates over windows of halving steps from ``h0``; per entry the one with the smallest
    error bound (NaN, with an infinite bound, where no window is finite). ``noise`` is the absolute error of
    ``fun``'s values beyond float64 round-off (an inner finite-difference gradient's): it is divided by the
    step like round-off is."""
    column, sizes = [], []
    best = err = None
    stalled = 0
    with np.errstate(all="ignore"):  # non-finite evaluations are expected near edges, and handled
        for level in range(levels):
            h = h0 / 2 ** level
            plus = fun({**x, **{n: x[n] + h * direction[n] for n in moved}})
            minus = fun({**x, **{n: x[n] - h * direction[n] for n in moved}})
            column.append((plus - minus) / (2 * h))
            sizes.append(np.maximum(np.abs(plus), np.abs(minus)))
            if len(column) < LEVELS:
                continue
            window = column[-LEVELS:]
            value, truncation = _richardson(window)
            roundoff = (8 * _EPS * np.max(sizes[-LEVELS:], axis=0) + 4 * noise) / h * reach
            bound = np.where(np.isfinite(value) & np.isfinite(truncation), truncation + roundoff, np.inf)
            if best is None:
                best, err, floor = np.full_like(value, np.nan), np.full_like(value, np.inf), np.zeros_like(value)
            better = bound < err
            # the round-off of the first finite window: a smaller step can only add round-off to it
            floor = np.where(better & ~np.isfinite(err), 2 * roundoff, floor)
            best, err = np.where(better, value, best), np.where(better, bound, err)
            # count windows without progress only once every entry has a finite estimate
            stalled = 0 if better.any() or not np.isfinite(err).all() else stalled + 1
            done = (err <= ACCEPT * np.abs(best)) | (err <= floor)
            # a poor estimate gets more patience: a step straddling a pole or kink gives finite garbage
            patience = 2 if np.all(err <= 1e-6 * np.abs(best)) else 6
            if np.isfinite(err).all() and (done.all() or stalled >= patience):
                break
    return best, err


def directional(fun: VectorFn, x: Point, direction: Point, *, step: float = STEP,
                adaptive: bool = True, noise: np.ndarray | float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """d/dt fun(x + t·direction) at t = 0, and its estimated absolute error, entry by entry.

    The step is found, not declared: central differences at a ladder of halving steps, starting at
    ``step`` times the moved coordinates' own magnitude; each window of :data:`LEVELS` consecutive steps
    gives a Richardson estimate with an error bound (truncation + round-off), and each output entry keeps
    its best. A step whose evaluation is not finite (it left the domain, crossed a pole) only removes the
    windows that use it, for the entries it spoiled; the ladder goes on shrinking. An entry with no finite
    estimate at any step is NaN with an infinite error: the reference is undefined there.

    Args:
        fun: maps a point (name -> float64 array) to a 1-D float64 array.
        x: the point; names missing from ``direction`` stay fixed.
        direction: name -> array shaped like ``x[name]``.
        step: the first step, relative to the magnitude of the moved coordinates.
        adaptive: ``False`` for one Richardson window at ``step`` times max(1, the largest moved magnitude):
            the inner gradient of an HVP, whose error the outer, adaptive derivative divides anyway.
        noise: the absolute error of ``fun``'s values beyond round-off, per output entry (see :func:`hvp`).

    Returns:
        ``(derivative, error)``, each shaped like ``fun``'s output.
    """
    moved = [n for n in direction if np.any(direction[n])]
    if not moved:
        zero = np.zeros_like(fun(x))
        return zero, zero
    # one moved coordinate (a gradient entry, a Jacobian column) gets a step of its own magnitude: log at
    # 1e-8 a first step of ~3e-10, 1e15 one of ~3e13, 0 one of FLOOR. A direction through many coordinates
    # (a random projection) starts at max(1, their largest) and shrinks from there where it must
    magnitudes = np.concatenate([np.abs(x[n][direction[n] != 0]).ravel() for n in moved])
    single = magnitudes.size == 1
    scale = (float(magnitudes[0]) or FLOOR) if single else max(1.0, float(np.max(magnitudes)))
    reach = max(float(np.max(np.abs(direction[n]))) for n in moved)
    if not adaptive:
        return _ladder(fun, x, direction, moved, step * max(1.0, float(np.max(magnitudes))) / reach, reach,
                       levels=LEVELS, noise=noise)
    best, err = _ladder(fun, x, direction, moved, step * scale / reach, reach, noise=noise)
    if single and scale < 1.0 and not np.all(err <= ACCEPT * np.abs(best)):
        # a small coordinate inside a large sum: round-off follows the sum, so a step of the unit's size
        # can be the better one (x⁵ at 0.3 beside 4⁵); each entry keeps whichever ladder bounds it tighter
        accepted = err <= ACCEPT * np.abs(best)
        wide, wide_err = _ladder(fun, x, direction, moved, step / reach, reach, noise=noise)
        # only where the own-size ladder fell short: a wide step across a kink (abs at 1e-30) gives a
        # consistent wrong answer with a tiny bound
        tighter = (wide_err < err) & ~accepted
        best, err = np.where(tighter, wide, best), np.where(tighter, wide_err, err)
    return best, err


def _unit(name: str, shape: tuple[int, ...], index: int) -> np.ndarray:
    e = np.zeros(int(np.prod(shape)))
    e[index] = 1.0
    return e.reshape(shape)


def gradient(fun: VectorFn, x: Point, sources: Sequence[str], *, rng: np.random.Generator | None = None,
             full_limit: int = FULL_LIMIT, step: float = STEP, adaptive: bool = True) -> dict[str, Estimate]:
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
            pairs = [directional(fun, x, {name: _unit(name, shape, i)}, step=step, adaptive=adaptive) for i in range(size)]
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
        pairs = [directional(fun, x, {name: d.reshape(shape)}, step=step, adaptive=adaptive) for d in directions]
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

    The inner gradient is one Richardson window at a fixed scale (cheap, good to ~1e-12 relative); the
    outer derivative searches its step like any other, counting the inner gradient's own error bound as
    noise that a smaller step divides by less. Without that noise term a zero second derivative (selu
    for x > 0) read as 2e-12 ± 2e-13, and the outer step could not shrink beside a domain edge (logit at 0.06).
    """
    names = list(tangents)
    sizes = [x[n].size for n in names]

    def inner(point: Point) -> dict[str, Estimate]:
        return gradient(fun, point, names, full_limit=max(sizes), step=step, adaptive=False)

    def flat_gradient(point: Point) -> np.ndarray:
        return np.concatenate([g.value.ravel() for g in inner(point).values()])

    noise = np.concatenate([g.error.ravel() for g in inner(x).values()])
    value, error = directional(flat_gradient, x, tangents, step=step, noise=np.where(np.isfinite(noise), noise, 0.0))
    out, start = {}, 0
    for n, size in zip(names, sizes):
        out[n] = Estimate(value[start:start + size].reshape(x[n].shape), error[start:start + size].reshape(x[n].shape))
        start += size
    return out
