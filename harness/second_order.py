"""The float64 reference for second derivatives: the Hessian of a scalar function times a tangent, ``H·t``, as the
derivative along ``t`` of its finite-difference gradient, on one ladder of steps.

The inner gradient's central step is tied to the outer step (``h = s`` at every rung), so one Richardson table in
``s²`` removes both truncations together and the search shrinks both until they stop straddling what they must not
cross: a jump of the second derivative (softsign'' at 0), a switch point (``max`` of two values 2% apart). A fixed
inner step (one Richardson window at 2⁻⁵ of max(1, |x|), as before) averaged the second derivative across such a
jump and reported the average with a small error bar (softsign: 0.153213 ± 0.00012 where the frameworks agree on
0.146826). The one-sided outer derivatives at the chosen window say where the gradient itself has a kink along
``t``, and with it no second derivative exists (:attr:`harness.reference.Estimate.jump`).
"""

from __future__ import annotations

import numpy as np

from harness.reference import STEP, Estimate, Point, VectorFn, evaluate, ladder, zero

_EPS = np.finfo(np.float64).eps


def hvp(fun: VectorFn, x: Point, tangents: Point, *, step: float = STEP, noise: float = 0.0) -> dict[str, Estimate]:
    """``H·t`` of a scalar (1-element) ``fun`` at ``x``, per source named in ``tangents`` (shaped like it).

    Args:
        fun: maps a point (name -> float64 array) to a 1-element float64 array.
        x: the point; names missing from ``tangents`` stay fixed.
        tangents: source name -> the tangent ``t`` (shaped like ``x[name]``).
        step: the first step, relative to max(1, the largest moved coordinate).
        noise: how much ``fun``'s values may differ between two calls at the same point (see
            :func:`harness.reference.directional`).
    """
    names = list(tangents)
    moved = [n for n in names if np.any(tangents[n])]
    if not moved:
        return {n: zero(x[n].shape) for n in names}
    units = [(n, i) for n in names for i in range(x[n].size)]
    noise_of_fun = noise

    def at(s: float):
        # the inner step is the outer one: the whole window's error then expands in even powers of s. Every
        # evaluation of the rung (three points, each moved ± s along every coordinate) is one batch
        bases = [{**x, **{n: x[n] + sign * s * tangents[n] for n in moved}} for sign in (1.0, -1.0)] + [x]
        points = []
        for base in bases:
            for n, i in units:
                e = np.zeros(x[n].size)
                e[i] = s
                e = e.reshape(x[n].shape)
                points += [{**base, n: base[n] + e}, {**base, n: base[n] - e}]
        values = evaluate(fun, points)[:, 0].reshape(3, len(units), 2)
        grads = (values[..., 0] - values[..., 1]) / (2 * s)
        peak = float(np.max(np.where(np.isnan(values), 0.0, np.abs(values))))  # a NaN evaluation says nothing of size
        noise = (8 * _EPS * peak + 4 * noise_of_fun) / s
        return grads[0], grads[1], grads[2], noise if np.isfinite(noise) else 0.0

    magnitudes = np.concatenate([np.abs(x[n][tangents[n] != 0]).ravel() for n in moved])
    reach = max(float(np.max(np.abs(tangents[n]))) for n in moved)
    with np.errstate(all="ignore"):  # non-finite evaluations are expected near edges, and handled by the ladder
        est = ladder(at, step * max(1.0, float(np.max(magnitudes))) / reach, reach)
    out, start = {}, 0
    for n in names:
        size = x[n].size
        out[n] = est.reshaped(x[n].shape, slice(start, start + size))
        start += size
    return out
