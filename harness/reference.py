"""The float64 finite-difference reference: central differences with Richardson extrapolation, and one-sided
differences that say where no derivative exists.

Every first derivative here is built from one primitive, :func:`directional`: the derivative of a vector function
along one direction, from central differences at steps h, h/2, h/4, h/8 combined by Richardson extrapolation (a
Neville table in h²), with an error estimate taken from the last two levels of the table plus the floating-point
round-off of the smallest step. The step is searched for, per output entry, down a ladder of halving steps.
``scipy.differentiate.derivative`` (SciPy ≥ 1.15) searches steps the same way, but only for an *elementwise*
function: here one step moves a whole point through a model or a reduction, and every output entry of that one
evaluation keeps its own best window.

The same evaluations give the one-sided derivatives (forward and backward differences, Richardson in h) at the
window chosen: where they disagree beyond their error bars, the point is a kink, a jump or a tie in that direction
and no derivative exists (:attr:`Estimate.jump`). A central difference there is a confident average of the two
sides (0.5 for relu at 0), which is why it cannot be the judge alone. Second derivatives (:mod:`harness.second_order`)
reuse the ladder.

For large inputs a full gradient costs one directional derivative per element. Random projections alone are
cheap but blind to an error confined to one Jacobian entry (torch's ``gradcheck(fast_mode=True)`` misses a 50%
error in 1 of 400 entries), so large inputs are probed along random projections *plus* a sample of coordinates.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence

import numpy as np

# the ladder's names are part of this module's interface too (reference.Estimate, reference.ladder, ...)
from harness.ladder import (  # noqa: F401
    ACCEPT,
    HALVINGS,
    LEVELS,
    Estimate,
    RowsRung,
    Rung,
    _choose,
    ladder,
    ladders,
    zero,
)

Point = Mapping[str, np.ndarray]
VectorFn = Callable[[Point], np.ndarray]

#: first step, relative to the moved coordinates' own magnitude (floored at FLOOR, so 0 gets a step too)
STEP = 2.0 ** -5
FLOOR = 2.0 ** -10
#: a source with more elements than this is probed, not fully differentiated
FULL_LIMIT = 512
#: probes of a large source: single coordinates and random unit projections
SAMPLED_COORDINATES = 48
PROJECTIONS = 8


def directional(fun: VectorFn, x: Point, direction: Point, *, step: float = STEP,
                center: np.ndarray | None = None, noise: float = 0.0) -> Estimate:
    """d/dt fun(x + t·direction) at t = 0, entry by entry, with its estimated absolute error and one-sided values.

    The step is found, not declared: central differences at a ladder of halving steps, starting at ``step`` times
    the moved coordinates' own magnitude; each window of :data:`LEVELS` consecutive steps gives a Richardson
    estimate with an error bound (truncation + round-off), and each output entry keeps its best. A step whose
    evaluation is not finite (it left the domain, crossed a pole) only removes the windows that use it, for the
    entries it spoiled; the ladder goes on shrinking. An entry with no finite estimate at any step is NaN with an
    infinite error: the reference is undefined there.

    Args:
        fun: maps a point (name -> float64 array) to a 1-D float64 array.
        x: the point; names missing from ``direction`` stay fixed.
        direction: name -> array shaped like ``x[name]``.
        step: the first step, relative to the magnitude of the moved coordinates.
        center: ``fun(x)``, where the caller has it (it is the same for every direction).
        noise: how much ``fun``'s values may differ between two calls at the same point (a function accepted as
            not quite deterministic): divided by the step as round-off is, it widens the error bar honestly.
    """
    est = directionals(fun, x, [direction], step=step, center=center, noise=noise)
    return Estimate(est.value[0], est.error[0], left=est.left[0], right=est.right[0], jump=est.jump[0])


def evaluate(fun: VectorFn, points: Sequence[Point]) -> np.ndarray:
    """``fun`` at each point, stacked ``(len(points), m)``: in one call where ``fun`` offers a batched form
    (``fun.stacked(batch)``, the points stacked along a new first axis, through a vectorizing map of the
    framework's), else one call at a time."""
    stacked = getattr(fun, "stacked", None)
    if stacked is not None and len(points) > 1:
        return np.asarray(stacked({n: np.stack([p[n] for p in points]) for n in points[0]}), np.float64)
    return np.stack([np.asarray(fun(p), np.float64) for p in points])


def directionals(fun: VectorFn, x: Point, directions: Sequence[Point], *, step: float = STEP,
                 center: np.ndarray | None = None, noise: float = 0.0) -> Estimate:
    """:func:`directional` along each of ``directions``, shaped ``(len(directions), *fun's output)``: each row is
    the estimate its own ladder gives (:func:`ladders`), the evaluations of a rung made together (:func:`evaluate`).
    """
    center = _at_point(fun, x) if center is None else center
    k = len(directions)
    out_shape = np.shape(center)
    if k == 0:
        return zero((0,) + out_shape)
    # only a direction's nonzero entries move (a sampled coordinate moves one of 100,000): found once, not per rung
    sparse = [_moves(d) for d in directions]
    scale, reach, single = np.ones(k), np.ones(k), np.zeros(k, bool)
    for r, nonzero in enumerate(sparse):
        if not nonzero:
            continue
        # one moved coordinate (a gradient entry, a Jacobian column) gets a step of its own magnitude: log at
        # 1e-8 a first step of ~3e-10, 1e15 one of ~3e13, 0 one of FLOOR. A direction through many coordinates
        # (a random projection) starts at max(1, their largest) and shrinks from there where it must
        magnitudes = np.concatenate([np.abs(np.ravel(x[n])[at]) for n, (at, _) in nonzero.items()])
        single[r] = magnitudes.size == 1
        scale[r] = (float(magnitudes[0]) or FLOOR) if single[r] else max(1.0, float(np.max(magnitudes)))
        reach[r] = max(float(np.max(np.abs(values))) for _, values in nonzero.values())
    rows = [r for r in range(k) if sparse[r]]
    batched = getattr(fun, "stacked", None) is not None

    def run(chosen: list[int], h0: np.ndarray) -> Estimate:
        def at(h: np.ndarray, live: np.ndarray):
            todo = [i for i in range(len(chosen)) if live[i]]
            with np.errstate(all="ignore"):
                if batched:
                    values = _rung_batch(fun, x, [(sparse[chosen[i]], h[i]) for i in todo])
                else:
                    points = []
                    for i in todo:
                        d, names = directions[chosen[i]], list(sparse[chosen[i]])
                        points += [{**x, **{n: x[n] + h[i] * d[n] for n in names}},
                                   {**x, **{n: x[n] - h[i] * d[n] for n in names}}]
                    values = evaluate(fun, points)
            mid = values[0].reshape(out_shape) if batched else center
            values = values[1:] if batched else values
            plus = np.full((len(chosen),) + out_shape, np.nan)
            minus = plus.copy()
            plus[todo], minus[todo] = values[0::2].reshape((len(todo),) + out_shape), values[1::2].reshape(
                (len(todo),) + out_shape)
            return plus, minus, np.broadcast_to(mid, plus.shape), np.full(len(chosen), noise)
        return ladders(at, h0, reach[chosen])

    value, error = np.zeros((k,) + out_shape), np.zeros((k,) + out_shape)
    left, right, jump = value.copy(), value.copy(), value.copy()
    if rows:
        est = run(rows, step * scale[rows] / reach[rows])
        accepted = (est.error <= ACCEPT * np.abs(est.value)).reshape(len(rows), -1).all(axis=1)
        # a small coordinate inside a large sum: round-off follows the sum, so a step of the unit's size
        # can be the better one (x⁵ at 0.3 beside 4⁵); each entry keeps whichever ladder bounds it tighter,
        # only where the own-size ladder fell short. A wide step across a kink (abs at 1e-30 beside 3) gives a
        # consistent central difference with a tiny bound, but its one-sided values say what it straddles: no
        # step fine enough to resolve the kink survives the sum's round-off, so the reference is undefined there
        again = [i for i, r in enumerate(rows) if single[r] and scale[r] < 1.0 and not accepted[i]]
        if again:
            wide = run([rows[i] for i in again], step / reach[[rows[i] for i in again]])
            own = Estimate(*(getattr(est, f)[again] for f in ("value", "error")),
                           left=est.left[again], right=est.right[again], jump=est.jump[again])
            chosen = _choose(own, wide, (wide.error < own.error) & ~(own.error <= ACCEPT * np.abs(own.value)))
            est = Estimate(*(_put(getattr(est, f), again, getattr(chosen, f)) for f in ("value", "error")),
                           left=_put(est.left, again, chosen.left), right=_put(est.right, again, chosen.right),
                           jump=_put(est.jump, again, chosen.jump))
        for full, part in ((value, est.value), (error, est.error), (left, est.left), (right, est.right),
                           (jump, est.jump)):
            full[rows] = part
    return Estimate(value, error, left=left, right=right, jump=jump)


def _rung_batch(fun: VectorFn, x: Point, moves: list[tuple[dict[str, tuple[np.ndarray, np.ndarray]], float]]) -> np.ndarray:
    """One rung in one batched call: the center first (so that every value of the rung comes from the same kernels:
    a batched reduction may round differently from the function called alone), then ``x ± h·d`` for each move, a
    move being a direction's nonzero entries (name -> flat indices and values) and its step."""
    b = 1 + 2 * len(moves)
    batch = {}
    for n, v in x.items():
        flat = np.array(np.broadcast_to(np.ravel(v), (b, np.size(v))), np.float64)
        parts = [(r, *move[n], h) for r, (move, h) in enumerate(moves) if n in move]
        if parts:
            r, at, values, h = zip(*parts)
            counts = [a.size for a in at]
            rows, cols = np.repeat(r, counts), np.concatenate(at)
            steps = np.concatenate(values) * np.repeat(h, counts)
            # each (row, entry) once per move, so these fancy-indexed updates add every step exactly once
            flat[1 + 2 * rows, cols] += steps
            flat[2 + 2 * rows, cols] -= steps
        batch[n] = flat.reshape((b,) + np.shape(v))
    return np.asarray(fun.stacked(batch), np.float64)


def _moves(d: Point) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """The inputs a direction moves: name -> the flat indices and values of its nonzero entries."""
    found = {}
    for n, v in d.items():
        at = np.flatnonzero(v)
        if at.size:
            found[n] = at, np.ravel(v)[at]
    return found


def _put(a: np.ndarray, rows: list[int], values: np.ndarray) -> np.ndarray:
    out = a.copy()
    out[rows] = values
    return out


def _at_point(fun: VectorFn, x: Point) -> np.ndarray:
    with np.errstate(all="ignore"):  # a value that is not finite at x is an answer: the reference is undefined there
        return fun(x)


def _unit(shape: tuple[int, ...], index: int) -> np.ndarray:
    e = np.zeros(int(np.prod(shape)))
    e[index] = 1.0
    return e.reshape(shape)


def stacked(estimates: list[Estimate], axis: int, shape: tuple[int, ...] | None = None,
            directions: np.ndarray | None = None) -> Estimate:
    """Estimates side by side along a new ``axis`` (optionally reshaped): Jacobian columns, gradient entries."""
    def stack(field):
        out = np.stack([getattr(e, field) for e in estimates], axis=axis)
        return out if shape is None else out.reshape(shape)
    return Estimate(stack("value"), stack("error"), directions, None, stack("left"), stack("right"), stack("jump"))


def gradient(fun: VectorFn, x: Point, sources: Sequence[str], *, rng: np.random.Generator | None = None,
             full_limit: int = FULL_LIMIT, step: float = STEP, noise: float = 0.0) -> dict[str, Estimate]:
    """The gradient of a scalar function (a 1-element ``fun``) w.r.t. each source.

    Sources of at most ``full_limit`` elements get every coordinate; larger ones get
    :data:`SAMPLED_COORDINATES` coordinates and :data:`PROJECTIONS` random unit directions,
    drawn from ``rng`` (seeded by the caller, so a run is reproducible). ``noise``: as for :func:`directional`.
    """
    rng = rng if rng is not None else np.random.default_rng(0)
    center = _at_point(fun, x)
    result = {}
    for name in sources:
        shape, size = x[name].shape, x[name].size
        if size <= full_limit:
            found = directionals(fun, x, [{name: _unit(shape, i)} for i in range(size)], step=step, center=center,
                                 noise=noise)
            result[name] = _rows(found, shape) if size else zero(shape)
            continue
        picks = rng.choice(size, size=min(SAMPLED_COORDINATES, size), replace=False)
        rows = [np.eye(1, size, int(i))[0] for i in picks]
        for _ in range(PROJECTIONS):
            v = rng.standard_normal(size)
            rows.append(v / np.linalg.norm(v))
        directions = np.array(rows)
        found = directionals(fun, x, [{name: d.reshape(shape)} for d in directions], step=step, center=center,
                             noise=noise)
        result[name] = dataclasses.replace(_rows(found, (len(directions),)), directions=directions)
    return result


def _rows(est: Estimate, shape: tuple[int, ...], transpose: bool = False) -> Estimate:
    """A stack of per-direction estimates of a scalar (or, ``transpose``, of a vector: Jacobian columns), reshaped."""
    def cut(a):
        return a.T if transpose else a.reshape(shape)
    return Estimate(cut(est.value), cut(est.error), None, None, cut(est.left), cut(est.right), cut(est.jump))


def jacobian(fun: VectorFn, x: Point, sources: Sequence[str], *, step: float = STEP) -> dict[str, Estimate]:
    """The full Jacobian of ``fun`` w.r.t. each source, shaped ``(outputs, source.size)``."""
    center = _at_point(fun, x)
    result = {}
    for name in sources:
        shape = x[name].shape
        cols = directionals(fun, x, [{name: _unit(shape, i)} for i in range(x[name].size)], step=step, center=center)
        result[name] = _rows(cols.reshaped((x[name].size, np.size(center))), (), transpose=True) if x[name].size \
            else zero((np.size(center), 0))
    return result


def jvp(fun: VectorFn, x: Point, tangents: Point, *, step: float = STEP, noise: float = 0.0) -> Estimate:
    """The directional derivative of ``fun`` along ``tangents`` (forward mode's answer)."""
    return directional(fun, x, tangents, step=step, noise=noise)


def pulled(jac: Estimate, weights: np.ndarray, shape: tuple[int, ...]) -> Estimate:
    """``wᵀJ`` of a Jacobian estimate (reverse mode's answer for cotangent ``w``), shaped ``shape``, with the size
    of its terms ``Σ|w|·|J|``: each entry is the derivative of ``w·f`` in one coordinate, so its one-sided values
    are ``wᵀ`` times the one-sided columns."""
    w = np.asarray(weights, np.float64)
    return Estimate((w @ jac.value).reshape(shape), (np.abs(w) @ jac.error).reshape(shape), None,
                    (np.abs(w) @ np.abs(jac.value)).reshape(shape), (w @ jac.left).reshape(shape),
                    (w @ jac.right).reshape(shape), (np.abs(w) @ jac.jump).reshape(shape))


def pushed(jacs: Mapping[str, Estimate], tangents: Point) -> Estimate:
    """``Σ J·t`` over sources (forward mode's answer), with the size of its terms ``Σ|J|·|t|``. Moving along ``t``
    moves a coordinate with ``t_j < 0`` backwards: its right-hand derivative is that column's left-hand one."""
    def total(f):
        return sum(f(jacs[n], np.ravel(tangents[n])) for n in jacs)
    forwards = {n: np.ravel(tangents[n]) > 0 for n in jacs}
    value = total(lambda j, t: j.value @ t)
    right = sum(np.where(forwards[n], jacs[n].right, jacs[n].left) @ np.ravel(tangents[n]) for n in jacs)
    left = sum(np.where(forwards[n], jacs[n].left, jacs[n].right) @ np.ravel(tangents[n]) for n in jacs)
    return Estimate(np.asarray(value, np.float64), np.asarray(total(lambda j, t: j.error @ np.abs(t)), np.float64),
                    None, np.asarray(total(lambda j, t: np.abs(j.value) @ np.abs(t)), np.float64),
                    np.asarray(left, np.float64), np.asarray(right, np.float64),
                    np.asarray(total(lambda j, t: j.jump @ np.abs(t)), np.float64))
