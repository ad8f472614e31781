"""Answers compared where no reference judges them (kinks and ties, declared values): frameworks' answers against
each other (:func:`groups`, :func:`odd_ones_out`) and against declared values (:func:`matches`, :func:`same`).
Against the float64 reference, :mod:`harness.judge` decides.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from harness.tolerances import Tolerance


def same(x: Any, y: Any, tol: Tolerance) -> bool:
    """Whether two answers are the same: equal shapes, NaN where the other has NaN, the same infinities, and finite
    entries within ``tol`` (relative to ``y``'s entry, and absolute ``atol`` times the larger of 1 and ``x``'s
    largest finite entry); complex values compared as (re, im) pairs."""
    x, y = np.asarray(x), np.asarray(y)
    if np.iscomplexobj(x) or np.iscomplexobj(y):
        x, y = (np.stack([np.real(v), np.imag(v)], axis=-1) for v in (x, y))
    x, y = x.astype(np.float64), y.astype(np.float64)
    if x.shape != y.shape:
        return False
    scale = float(np.max(np.abs(np.where(np.isfinite(x), x, 0.0)), initial=0.0))
    return bool(np.allclose(x, y, rtol=tol.rtol, atol=tol.atol * max(scale, 1.0) + tol.resolution, equal_nan=True))


# -- where no reference exists: kinks and ties ----------------------------------------------------

def _alike(a: dict | BaseException, b: dict | BaseException, tol: Tolerance) -> bool:
    if isinstance(a, BaseException) or isinstance(b, BaseException):
        return type(a) is type(b)
    if set(a) != set(b):
        return False
    for key in a:
        if a[key] is None and b[key] is None:
            continue
        x = None if a[key] is None else np.asarray(a[key], np.float64)
        y = np.zeros_like(x) if b[key] is None else np.asarray(b[key], np.float64)
        x = np.zeros_like(y) if x is None else x  # a None gradient counts as zeros, as the judge counts it
        if not same(x, y, tol):
            return False
    return True


def matches(answer: dict | BaseException, declared: Any, tol: Tolerance) -> bool:
    """Whether a framework's answer at a kink is the declared one (a list is the gradient of ``x``)."""
    declared = declared if isinstance(declared, dict) else {"x": declared}
    return _alike(answer, {k: np.asarray(v, np.float64) for k, v in declared.items()}, tol)


def groups(answers: dict[str, dict | BaseException], tol: Tolerance) -> list[list[str]]:
    """Frameworks whose answers agree (NaN = NaN, ±inf = ±inf, within ``tol``), largest group first."""
    found: list[list[str]] = []
    for name, answer in answers.items():
        for group in found:
            if _alike(answers[group[0]], answer, tol):
                group.append(name)
                break
        else:
            found.append([name])
    return sorted(found, key=len, reverse=True)


def odd_ones_out(found: list[list[str]]) -> set[str]:
    """The frameworks outside the single largest group; every framework where no group is largest."""
    if len(found) <= 1:
        return set()
    if len(found[0]) == len(found[1]):
        return {name for group in found for name in group}
    return {name for group in found[1:] for name in group}
