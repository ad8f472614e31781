"""The extreme-value sweep: each elementwise op's reverse-mode gradient across its whole domain, judged
against the exact derivative (:mod:`harness.exact`) in ULPs of the dtype under test.

A point is a **defect** where the gradient is 0, ±inf or NaN although the exact derivative is a
finite normal number of the dtype (or NaN anywhere: the derivative exists at every swept point);
**inexact** where it is off by more than :data:`ULPS` units in the last place times the derivative's
condition number where that exceeds 1 (|x·f''/f'|: the error of an answer that is exact for an input
a few ULPs from x; near a zero of f' or an edge no formula in the dtype does better without special
care); otherwise ok. Below the smallest normal, errors count in units of the smallest normal:
frameworks may flush subnormals to zero, and that is not a wrong gradient. Where the exact derivative
overflows the dtype, the right answer is the infinity of its sign.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from harness import exact
from harness import judge as judges
from harness.reference import Estimate

#: allowed error in units in the last place of the dtype, per dtype. A derivative composed of a few
#: library functions, each good to a few ULPs, lands within tens of ULPs (measured: mish' reaches 51 in
#: float64 at x = 14, silu' = s + x·s·(1 - s) is four rounded ops); 64 leaves room for that composition and
#: still flags what cancellation or a lost range costs, which is thousands of ULPs or more
ULPS = {"float32": 64.0, "float64": 64.0}
OK, DEFECT, INEXACT = "ok", "defect", "inexact"


def judge(x: np.ndarray, got: np.ndarray, derivative: np.ndarray, dtype: str,
          condition: np.ndarray | None = None) -> pd.DataFrame:
    """Per point: the exact derivative, the gradient got, its error in ULPs, the ULPs allowed, the verdict."""
    info = np.finfo(dtype)
    got = np.asarray(got, np.float64)
    with np.errstate(over="ignore", invalid="ignore"):
        rounded = derivative.astype(dtype).astype(np.float64)
        normal = np.isfinite(rounded) & (np.abs(rounded) >= float(info.tiny))
        unit = np.where(normal, np.abs(np.spacing(np.abs(rounded).astype(dtype))).astype(np.float64), float(info.tiny))
        ulps = np.where(np.isfinite(rounded), np.abs(got - derivative) / unit,
                        np.where(got == rounded, 0.0, np.inf))
    ulps = np.where(np.isnan(ulps), np.inf, ulps)
    condition = np.ones_like(derivative) if condition is None else np.nan_to_num(condition, nan=np.inf)
    with np.errstate(over="ignore"):  # a condition number near float64's top allows anything, as inf does
        allowed = ULPS[dtype] * np.maximum(1.0, condition)
    # the one judge, with the sweep's allowance in ULPs; where the exact derivative overflows the dtype, the right
    # answer is the infinity of its sign, compared exactly
    expected = np.where(np.isfinite(rounded), derivative, rounded)
    wrong = judges.judge({"x": got}, {"x": Estimate(expected, np.zeros_like(expected))}, None,
                         allowance={"x": allowed * unit}, exact_infinities=True).wrong["x"]
    # NaN and ±inf for a finite derivative are wrong whatever the allowance (the one judge's rule); an exact 0 only
    # beyond it: at a point so ill-conditioned that an input an ULP away has derivative 0, 0 is an answer
    defect = wrong & (np.isnan(got) | (normal & (~np.isfinite(got) | (got == 0))))
    verdict = np.where(defect, DEFECT, np.where(wrong, INEXACT, OK))
    return pd.DataFrame({"x": x, "exact": derivative, "got": got, "ulps": ulps, "allowed": allowed,
                         "verdict": verdict})


def excess(judged: pd.DataFrame) -> pd.Series:
    """How far each point is beyond its allowance (ulps / allowed; a defect counts as infinitely far)."""
    ratio = np.where(judged["verdict"] == DEFECT, np.inf, judged["ulps"] / judged["allowed"])
    return pd.Series(np.nan_to_num(ratio, nan=0.0, posinf=1e300), index=judged.index)


def worst(judged: pd.DataFrame) -> pd.Series:
    """The point furthest beyond its allowance."""
    return judged.loc[excess(judged).idxmax()]


def failing_ranges(judged: pd.DataFrame) -> list[tuple[float, float]]:
    """The runs of consecutive failing points (by x), as closed intervals ``[first, last]``."""
    ranges, start, last = [], None, None
    for x, bad in zip(judged["x"], judged["verdict"] != OK):
        if bad and start is None:
            start = x
        if bad:
            last = x
        elif start is not None:
            ranges.append((start, last))
            start = None
    if start is not None:
        ranges.append((start, last))
    return ranges


def describe(ranges: list[tuple[float, float]]) -> str:
    """``[-1e+30, -89.4] ∪ [2e-38, 2e-38]``, as a report reads."""
    return " ∪ ".join(f"[{a:.3g}, {b:.3g}]" for a, b in ranges) or "none"


@dataclass(frozen=True)
class Points:
    """One op's sweep in one dtype: the points and their exact derivatives, from the data file."""

    spec: exact.Swept
    dtype: str
    x: np.ndarray
    derivative: np.ndarray
    condition: np.ndarray


def points_of(table: pd.DataFrame, key: str, dtype: str) -> Points:
    """The swept points of ``key`` in ``dtype`` from the loaded data file, checked against the sweep's spec.

    Raises:
        LookupError: the file has no such rows, or other points than the spec gives (regenerate it).
    """
    rows = table[(table["op"] == key) & (table["dtype"] == dtype)].sort_values("x")
    spec = exact.BY_KEY[key]
    expected = exact.points(spec, dtype)
    if len(rows) != len(expected) or not np.array_equal(rows["x"].to_numpy(), expected):
        raise LookupError(f"{exact.DATA.name} does not hold the points of {key} in {dtype} the sweep defines: "
                          "regenerate it with `python -m harness exact`")
    return Points(spec, dtype, rows["x"].to_numpy(), rows["derivative"].to_numpy(), rows["condition"].to_numpy())


def call(spec: exact.Swept, xp, x, partner=None):
    """``spec``'s op at ``x``, with its partner argument (a constant input, so no gradient flows through it)."""
    op = getattr(xp.ops, spec.op)
    if spec.partner is None:
        return op(x, **spec.kwargs)
    if spec.partner == "same":
        return op(x, x)
    return op(x, partner) if spec.wrt == "x" else op(partner, x)


def gradient_at(adapter, key: str, dtype: str, x) -> np.ndarray:
    """The framework's reverse-mode gradient of ``sum(op(x))`` at every point of ``x``, in one call.

    The one-line reproduction of a finding:
    ``python -c "from harness.extremes import reproduce; reproduce('sigmoid', 'torch', 'float32', 30.0)"``.
    """
    spec = exact.BY_KEY[key]
    inputs = {"x": np.asarray(x, np.float64).astype(dtype)}
    if isinstance(spec.partner, float):
        inputs["partner"] = np.full_like(inputs["x"], spec.partner)
    grads = adapter.vjp(lambda xp, **t: call(spec, xp, **t), inputs, ["x"], zero_unconnected=True)
    return np.asarray(grads["x"], np.float64)


def reproduce(key: str, framework: str, dtype: str, *x: float) -> None:
    """Print the framework's gradient and the exact derivative at the points ``x``."""
    from harness import frameworks

    spec = exact.BY_KEY[key]
    got = gradient_at(frameworks.load(framework, "cpu"), key, dtype, list(x))
    for xi, gi in zip(x, got):
        xi = float(np.asarray(xi, dtype))
        print(f"{key} on {framework} ({dtype}) at x = {xi!r}: gradient {float(gi)!r}, exact {exact.derivative(spec, xi)!r}")
