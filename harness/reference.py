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

from collections.abc import Callable, Mapping, Sequence
import dataclasses
from dataclasses import dataclass

import numpy as np

Point = Mapping[str, np.ndarray]
VectorFn = Callable[[Point], np.ndarray]
#: ``at(h) -> (f(x + h·d), f(x - h·d), f(x), noise)``: the evaluations one rung of a ladder needs
Rung = Callable[[float], tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray | float]]

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
#: one-sided estimates disagree significantly when they differ by more than this many times their joint error bar
JUMP_FACTOR = 4.0
#: a window's f(x + h) − f(x − h) must shrink below this fraction over its steps (a linear f's shrinks to 1/8)
JUMP_SHRINK = 0.5
#: a kink's one-sided derivatives stay apart by a steady amount: within this fraction from one window to the next,
#: and at least KINK_STAYS of it when round-off outgrows it
KINK_STEADY = 0.25
KINK_STAYS = 0.5
#: the round-off of the one-sided difference R − L relative to the central estimate's: (f(x+h) − 2f(x) + f(x−h))/h
#: rounds 4x more than (f(x+h) − f(x−h))/2h, and a Richardson table in h (weights summing to 6.4 in magnitude)
#: amplifies it more than one in h² (1.9): 13.5x, kept at 16
JUMP_ROUNDOFF = 16.0

_EPS = np.finfo(np.float64).eps


@dataclass(frozen=True)
class Estimate:
    """Derivative estimates with their estimated absolute errors (same shape).

    ``directions`` is ``None`` when ``value`` is the full derivative (shaped like the source, or
    ``(outputs, source.size)`` for a Jacobian); otherwise ``value[k]`` estimates
    ``directions[k] · gradient`` for each row of ``directions`` (``(k, source.size)``).
    ``terms``, where known, is the size of the terms a framework sums into each entry (``|J|·|t|`` for a
    forward-mode answer ``J·t``): its rounding is bounded relative to that, not to the sum, which can cancel.
    ``left`` and ``right`` are the one-sided derivatives and ``jump`` how far apart they are where that is
    significant (0 elsewhere): an entry with a jump has no derivative, only one-sided ones (a kink, a tie). A
    non-finite ``value`` means no finite difference converged there: the reference is undefined too.
    """

    value: np.ndarray
    error: np.ndarray
    directions: np.ndarray | None = None
    terms: np.ndarray | None = None
    left: np.ndarray | None = None
    right: np.ndarray | None = None
    jump: np.ndarray | None = None

    def undefined(self) -> np.ndarray:
        """Where no derivative exists: not finite, or one-sided derivatives apart (by any amount; the judge
        weighs the amount against its allowance)."""
        out = ~np.isfinite(self.value)
        return out if self.jump is None else out | (self.jump > 0)

    def reshaped(self, shape: tuple[int, ...], part: slice | tuple = slice(None)) -> Estimate:
        """This estimate's entries ``part`` (of the flat arrays), reshaped."""
        def cut(a):
            return None if a is None else np.asarray(a).reshape(-1)[part].reshape(shape)
        return Estimate(cut(self.value), cut(self.error), None, cut(self.terms), cut(self.left), cut(self.right),
                        cut(self.jump))


def zero(shape: tuple[int, ...]) -> Estimate:
    """The exact derivative 0 (an empty or unmoved source)."""
    zeros = np.zeros(shape)
    return Estimate(zeros, zeros, terms=zeros, left=zeros, right=zeros, jump=zeros)


def _richardson(column: list[np.ndarray], base: int) -> tuple[np.ndarray, np.ndarray]:
    """The Neville table over differences at h, h/2, ...: the estimate and the difference of the last two entries
    (the truncation error bound). Each column removes the next power of ``base``'s step: 4 for central differences
    (even powers of h), 2 for one-sided ones (every power)."""
    table = [column]
    for j in range(1, len(column)):
        prev = table[-1]
        table.append([(base ** j * prev[i + 1] - prev[i]) / (base ** j - 1) for i in range(len(prev) - 1)])
    return table[-1][0], np.abs(table[-1][0] - table[-2][-1])


class _Kinks:
    """Where a ladder's one-sided derivatives disagree, followed down the ladder until it is settled.

    At a kink the two one-sided derivatives stay apart however small the step, by a steady amount, until round-off
    outgrows it. Where the function only curves on the scale of the step (logsumexp at 1000 with a step of 31, whose
    central differences are exact at any step; tan next to its pole) they look apart at large steps, by an amount
    that changes from window to window, and close as the step shrinks. So a disagreement is followed while it is
    significant; when it stops being so, it is a kink only if it was steady over its last two windows and did not
    shrink (round-off hid it), and the same where the ladder ends while it is still followed.
    """

    def __init__(self, shape: tuple[int, ...]):
        self.size, self.previous = np.zeros(shape), np.zeros(shape)
        self.left, self.right = np.full(shape, np.nan), np.full(shape, np.nan)
        self.following, self.kept = np.zeros(shape, bool), np.zeros(shape, bool)

    def _steady(self) -> np.ndarray:
        return (self.previous > 0) & (np.abs(self.size - self.previous) <= KINK_STEADY * self.size)

    def update(self, apart: np.ndarray, margin: np.ndarray, left: np.ndarray, right: np.ndarray,
               live: np.ndarray | bool = True) -> None:
        """One more window: its one-sided estimates' distance ``apart`` and the ``margin`` it must exceed; entries
        outside ``live`` (rows whose ladder has ended) keep their state."""
        significant = np.isfinite(apart) & (apart > margin)
        ended = self.following & ~significant
        kept = np.where(ended, self._steady() & (apart >= KINK_STAYS * self.size), self.kept & ~significant)
        previous = np.where(significant, np.where(self.following, self.size, 0.0), self.previous)
        size = np.where(significant, apart, self.size)
        left, right = np.where(significant, left, self.left), np.where(significant, right, self.right)
        keep = lambda new, old: np.where(live, new, old)  # noqa: E731
        self.kept, self.previous, self.size = keep(kept, self.kept), keep(previous, self.previous), keep(size, self.size)
        self.left, self.right = keep(left, self.left), keep(right, self.right)
        self.following = keep(significant, self.following)

    def settled(self) -> Estimate:
        """The kinks found, with their one-sided derivatives."""
        size = np.where(self.kept | (self.following & self._steady()), self.size, 0.0)
        return Estimate(np.zeros_like(size), np.zeros_like(size), left=self.left, right=self.right, jump=size)


def ladder(at: Rung, h0: float, reach: float, levels: int = HALVINGS + LEVELS) -> Estimate:
    """Richardson estimates over windows of halving steps from ``h0``; per entry the one with the smallest error
    bound (NaN, with an infinite bound, where no window is finite), and the one-sided derivatives where they stay
    apart (:class:`_Kinks`).

    ``at(h)`` evaluates one rung; its ``noise`` is the absolute error of the values beyond float64 round-off (an
    inner finite-difference gradient's), divided by the step as round-off is. ``reach`` is the direction's
    largest component: round-off in x is h·reach. (One row of :func:`ladders`.)
    """
    def rows(h: np.ndarray, live: np.ndarray):
        plus, minus, center, noise = at(float(h[0]))
        return plus[None], minus[None], np.asarray(center)[None], np.asarray(noise, np.float64)[None]
    est = ladders(rows, np.array([h0]), np.array([reach]), levels)
    return Estimate(est.value[0], est.error[0], left=est.left[0], right=est.right[0], jump=est.jump[0])


RowsRung = Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]]


def ladders(at: RowsRung, h0: np.ndarray, reach: np.ndarray, levels: int = HALVINGS + LEVELS) -> Estimate:
    """:func:`ladder` for ``k`` directions at once: row ``r`` descends from its own first step ``h0[r]`` and ends
    by its own rule, exactly as it would alone, so its estimate is the one a ladder of its own gives; the rows only
    share the evaluations (one batched call of the function per rung, where the caller can make one).

    ``at(h, live)`` evaluates one rung of every row (``h``: each row's step, shape ``(k,)``) and returns ``plus``,
    ``minus``, ``center`` shaped ``(k, m)`` and ``noise`` broadcastable to them; rows outside ``live`` have ended
    and may be left unevaluated (any value).
    """
    k = len(h0)
    h0, reach = np.asarray(h0, np.float64), np.asarray(reach, np.float64)
    central, right, left, sizes, noises = [], [], [], [], []
    best = err = floor = kinks = center = None
    live = np.ones(k, bool)
    stalled = np.zeros(k, int)
    with np.errstate(all="ignore"):  # non-finite evaluations are expected near edges, and handled
        for level in range(levels):
            h = h0 / 2 ** level
            plus, minus, at_center, noise = at(h, live.copy())
            hh = h.reshape((k,) + (1,) * (plus.ndim - 1))
            on = live.reshape(hh.shape)
            center = at_center if center is None else np.where(on, at_center, center)
            rr = reach.reshape(hh.shape)
            central.append((plus - minus) / (2 * hh))
            right.append((plus - center) / hh)
            left.append((center - minus) / hh)
            sizes.append(np.maximum(np.maximum(np.abs(plus), np.abs(minus)), np.abs(center)))
            noises.append(np.broadcast_to(np.asarray(noise, np.float64).reshape(
                np.shape(noise) + (1,) * (plus.ndim - np.ndim(noise))), plus.shape))
            if len(central) < LEVELS:
                continue
            value, truncation = _richardson(central[-LEVELS:], 4)
            roundoff = (8 * _EPS * np.max(sizes[-LEVELS:], axis=0) + 4 * np.max(noises[-LEVELS:], axis=0)) / hh * rr
            # f(x + h) − f(x − h) of a continuous function shrinks with h (8x over a window; faster where f' = 0):
            # where it does not, f jumps at x (sign at 0, floor at 1) and the window's "derivative" is c/h, which
            # Richardson extrapolates as confidently as a real one, so such a window is no estimate
            first, last = central[-LEVELS] * (2 * hh * 2 ** (LEVELS - 1)), central[-1] * (2 * hh)
            jumps = (np.abs(last) > JUMP_SHRINK * np.abs(first)) & (np.abs(last) > 2 * roundoff * hh / rr)
            bound = np.where(np.isfinite(value) & np.isfinite(truncation) & ~jumps, truncation + roundoff, np.inf)
            if best is None:
                best, err, floor = np.full_like(value, np.nan), np.full_like(value, np.inf), np.zeros_like(value)
                kinks = _Kinks(value.shape)
            better = (bound < err) & on
            # the round-off of the first finite window: a smaller step can only add round-off to it
            floor = np.where(better & ~np.isfinite(err), 2 * roundoff, floor)
            best, err = np.where(better, value, best), np.where(better, bound, err)
            r, r_trunc = _richardson(right[-LEVELS:], 2)
            l_, l_trunc = _richardson(left[-LEVELS:], 2)
            kinks.update(np.abs(r - l_), JUMP_FACTOR * (r_trunc + l_trunc + JUMP_ROUNDOFF * roundoff), l_, r, on)
            per_row = lambda a: a.reshape(k, -1)  # noqa: E731
            finite = np.isfinite(per_row(err)).all(axis=1)
            # count windows without progress only once every entry of the row has a finite estimate
            stalled = np.where(live, np.where(per_row(better).any(axis=1) | ~finite, 0, stalled + 1), stalled)
            done = per_row((err <= ACCEPT * np.abs(best)) | (err <= floor)).all(axis=1)
            # a poor estimate gets more patience: a step straddling a pole or kink gives finite garbage
            patience = np.where(per_row(err <= 1e-6 * np.abs(best)).all(axis=1), 2, 6)
            live &= ~(finite & (done | (stalled >= patience)) & ~per_row(kinks.following).any(axis=1))
            if not live.any():
                break
    sides = kinks.settled()
    # where f(x) itself is not finite there is nothing to differentiate, whatever the differences converged to
    best = np.where(np.isfinite(center), best, np.nan)
    jump = np.where(np.isfinite(best), sides.jump, 0.0)
    # where no kink was found both one-sided derivatives are the derivative: sums of them (cᵀJ) stay meaningful
    left, right = (np.where(jump > 0, side, best) for side in (sides.left, sides.right))
    return Estimate(best, np.where(np.isfinite(best), err, np.inf), left=left, right=right, jump=jump)


def _choose(a: Estimate, b: Estimate, take_b: np.ndarray) -> Estimate:
    pick = lambda x, y: np.where(take_b, y, x)  # noqa: E731
    return Estimate(pick(a.value, b.value), pick(a.error, b.error), left=pick(a.left, b.left),
                    right=pick(a.right, b.right), jump=pick(a.jump, b.jump))


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
    moved = [[n for n in d if np.any(d[n])] for d in directions]
    scale, reach, single = np.ones(k), np.ones(k), np.zeros(k, bool)
    for r, (d, names) in enumerate(zip(directions, moved)):
        if not names:
            continue
        # one moved coordinate (a gradient entry, a Jacobian column) gets a step of its own magnitude: log at
        # 1e-8 a first step of ~3e-10, 1e15 one of ~3e13, 0 one of FLOOR. A direction through many coordinates
        # (a random projection) starts at max(1, their largest) and shrinks from there where it must
        magnitudes = np.concatenate([np.abs(x[n][d[n] != 0]).ravel() for n in names])
        single[r] = magnitudes.size == 1
        scale[r] = (float(magnitudes[0]) or FLOOR) if single[r] else max(1.0, float(np.max(magnitudes)))
        reach[r] = max(float(np.max(np.abs(d[n]))) for n in names)
    rows = [r for r in range(k) if moved[r]]
    batched = getattr(fun, "stacked", None) is not None

    def run(chosen: list[int], h0: np.ndarray) -> Estimate:
        def at(h: np.ndarray, live: np.ndarray):
            todo = [i for i in range(len(chosen)) if live[i]]
            with np.errstate(all="ignore"):
                if batched:
                    values = _rung_batch(fun, x, [(directions[chosen[i]], moved[chosen[i]], h[i]) for i in todo])
                else:
                    points = []
                    for i in todo:
                        d, names = directions[chosen[i]], moved[chosen[i]]
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


def _rung_batch(fun: VectorFn, x: Point, moves: list[tuple[Point, list[str], float]]) -> np.ndarray:
    """One rung in one batched call: the center first (so that every value of the rung comes from the same kernels:
    a batched reduction may round differently from the function called alone), then ``x ± h·d`` for each move."""
    b = 1 + 2 * len(moves)
    batch = {n: np.empty((b,) + np.shape(v)) for n, v in x.items()}
    for n, v in x.items():
        batch[n][0] = v
    for r, (d, names, h) in enumerate(moves):
        for n, rows in batch.items():
            plus, minus = rows[1 + 2 * r], rows[2 + 2 * r]
            plus[...] = minus[...] = x[n]
            if n in names:
                # only the direction's nonzero entries move (a sampled coordinate moves one of 100,000)
                at = np.flatnonzero(d[n])
                step = h * d[n].flat[at]
                plus.flat[at] += step
                minus.flat[at] -= step
    return np.asarray(fun.stacked(batch), np.float64)


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
