"""Comparing gradients: a framework's values against the float64 reference, entry by entry with
per-entry allowances (:func:`compare`), and, where no reference exists (kinks and ties), frameworks'
answers against each other (:func:`groups`, :func:`odd_ones_out`) and against declared values
(:func:`matches`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from harness import reference, tolerances
from harness.tolerances import Tolerance


@dataclass
class Comparison:
    """Fixed framework values against the reference, entry by entry, in one comparison space."""

    got: dict[str, np.ndarray]        # per key: the framework's values, projected where the reference was
    allowance: dict[str, np.ndarray]  # per key: the permitted |got - ref|
    max_abs: float
    max_rel: float
    worst_ratio: float
    worst_at: str


def compare(values: dict[str, np.ndarray | None], ref: dict[str, reference.Estimate], tol: Tolerance) -> Comparison:
    """Compare a framework's (fixed) values with the reference; ``None`` counts as zeros."""
    got_all, allow_all = {}, {}
    max_abs = max_rel = worst = 0.0
    worst_at = ""
    for key, est in ref.items():
        got = values.get(key)
        if got is None:  # a None gradient counts as zeros, the value every framework's fix gives
            got = np.zeros(est.value.shape if est.directions is None else est.directions.shape[1])
        got = np.asarray(got, dtype=np.float64)
        if est.directions is not None:
            got = est.directions @ got.ravel()
        got = got.reshape(est.value.shape)
        scale = float(np.max(tolerances.size(est.value, est.terms), initial=0.0))
        allow = tol.allowance(est.value, est.error, scale, est.terms)
        diff = np.abs(got - est.value)
        rel = diff / np.maximum(np.abs(est.value), max(1e-3 * scale, 1e-300))
        ratio = np.where(diff == 0, 0.0, diff / np.maximum(allow, 1e-300))
        if diff.size:
            max_abs, max_rel = max(max_abs, float(diff.max())), max(max_rel, float(rel.max()))
            i = int(np.argmax(ratio))
            if ratio.flat[i] >= worst:
                worst = float(ratio.flat[i])
                index = [int(j) for j in np.unravel_index(i, ratio.shape)] if ratio.ndim else []
                kind = "probe" if est.directions is not None else "entry"
                worst_at = (f"{key} {kind}{index}: got {got.flat[i]:.9g}, "
                            f"reference {est.value.flat[i]:.9g} ± {est.error.flat[i]:.2g}")
        got_all[key], allow_all[key] = got, allow
    return Comparison(got_all, allow_all, max_abs, max_rel, worst, worst_at)


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
        x = np.zeros_like(y) if x is None else x  # a None gradient counts as zeros, as in compare()
        finite = np.abs(np.where(np.isfinite(x), x, 0.0))
        scale = float(np.max(finite, initial=0.0))
        if x.shape != y.shape or not np.allclose(x, y, rtol=tol.rtol, atol=tol.atol * max(scale, 1.0), equal_nan=True):
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
