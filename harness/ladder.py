"""The Richardson ladder under every finite difference of the reference (:mod:`harness.reference`): central differences
at halving steps combined by Richardson extrapolation over windows of :data:`LEVELS` steps, each output entry keeping
its best window with an error bound (truncation + round-off), and the one-sided differences of the same evaluations
that say where no derivative exists (a kink, a jump, a tie). :func:`ladders` runs many directions as rows of one
table, each ending by its own rule; :func:`ladder` is one row.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

#: ``at(h) -> (f(x + h·d), f(x - h·d), f(x), noise)``: the evaluations one rung of a ladder needs
Rung = Callable[[float], tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray | float]]

#: Richardson depth: one estimate combines central differences at h, h/2, h/4, h/8 (2 evaluations each)
LEVELS = 4
#: the step halves at most this often: far enough to step inside a domain edge 1e-9 away
HALVINGS = 32
#: an estimate whose error bound is below this, relative to its size, ends the search
ACCEPT = 1e-10
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
        keep = lambda new, old: np.where(live, new, old)
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
            per_row = lambda a: a.reshape(k, -1)
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
    pick = lambda x, y: np.where(take_b, y, x)
    return Estimate(pick(a.value, b.value), pick(a.error, b.error), left=pick(a.left, b.left),
                    right=pick(a.right, b.right), jump=pick(a.jump, b.jump))
