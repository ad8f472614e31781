"""The extreme-value sweep: every swept elementwise op, on every framework and dtype, across its whole domain
(log-spaced magnitudes of both signs from the smallest normal to the largest finite value, subnormals,
points beside poles and domain edges), in reverse mode, against the exact derivative in ULPs.

One framework call per op × framework × dtype, on the array of all its points; the exact values come from
the committed data file (:mod:`harness.exact`). ``test_extreme_values`` fails on a failing point outside
every range ``suites/ops/extreme_values.py`` declares; ``test_extreme_declared`` is a strict expected failure per declared
range, so a range that no longer fails (the framework was fixed) is reported.
"""

from __future__ import annotations

import functools

import numpy as np
import pytest

from harness import exact, extremes, reproduce
from harness.frameworks.base import NotAvailable
from harness.records import ExtremeRecord
from harness.suite_plugin import load_adapter, over
from suites.ops.extreme_values import FOUND

#: bins of log10|x| per side of 0 in a record's error profile
PROFILE_BINS = 48


def declared(spec: exact.Swept, framework: str | None = None, dtype: str | None = None) -> list:
    """The ranges ``suites/ops/extreme_values.py`` declares for this op (and framework and dtype)."""
    return [d for d in FOUND.get(spec.key, ()) if d.applies(framework=framework, dtype=dtype)]


@functools.cache
def _data():
    return exact.load()


@functools.cache
def swept(key: str, framework: str, dtype: str, device: str):
    """(the judged points, the framework's version), or NotAvailable: computed once per worker."""
    points = extremes.points_of(_data(), key, dtype)
    adapter = load_adapter(framework, device)
    try:
        with np.errstate(all="ignore"):
            got = extremes.gradient_at(adapter, key, dtype, points.x)
    except NotAvailable as exc:
        return exc
    return extremes.judge(points.x, got, points.derivative, dtype, points.condition), adapter.version


def _profile(judged) -> list[list[float]]:
    """The worst error per bin of log10|x| on each side of 0, as ``[x, ulps]`` (ulps capped at 1e30)."""
    out = []
    for side in (judged[judged["x"] < 0], judged[judged["x"] > 0]):
        if side.empty:
            continue
        logs = np.log10(np.abs(side["x"].to_numpy()))
        bins = np.digitize(logs, np.linspace(logs.min(), logs.max(), PROFILE_BINS))
        for _, group in side.groupby(bins):
            worst = group.loc[group["ulps"].idxmax()]
            out.append([float(worst["x"]), float(min(worst["ulps"], 1e30))])
    return sorted(out)


def _findings(judged, framework: str, dtype: str, key: str) -> str:
    lines = []
    for low, high in extremes.failing_ranges(judged):
        inside = judged[(judged["x"] >= low) & (judged["x"] <= high)]
        worst = extremes.worst(inside)
        kinds = "/".join(sorted(set(inside["verdict"])))
        lines.append(f"  x in [{low:.6g}, {high:.6g}] ({len(inside)} points, {kinds}): worst at x = {float(worst['x'])!r}, "
                     f"gradient {float(worst['got'])!r}, exact {float(worst['exact'])!r} ({worst['ulps']:.3g} ulps, "
                     f"{worst['allowed']:.3g} allowed)\n"
                     f"    reproduce: python -c \"from harness.extremes import reproduce; "
                     f"reproduce({key!r}, {framework!r}, {dtype!r}, {float(worst['x'])!r})\"")
    return "\n".join(lines)


def extreme_id(spec: exact.Swept) -> str:
    return f"extremes/{spec.key}"


def extreme_group(spec) -> str:
    spec = spec if isinstance(spec, exact.Swept) else spec[0]
    return f"extremes/{spec.op}"


@over(exact.SWEPT, args=("spec",), frameworks=True, dtypes=True, ids=extreme_id, group=extreme_group)
def test_extreme_values(spec, framework, dtype, device, record):
    result = swept(spec.key, framework, dtype, device)
    if isinstance(result, NotAvailable):
        record(ExtremeRecord(spec.key, framework, dtype, device, verdict="n/a", why=str(result)))
        pytest.skip(f"n/a: {result}")
    judged, version = result
    ranges = declared(spec, framework, dtype)
    bad = judged["verdict"] != extremes.OK
    covered = np.zeros(len(judged), bool)
    for d in ranges:
        covered |= d.covers(judged["x"].to_numpy())
    outside = judged[bad & ~covered]
    worst = extremes.worst(judged) if len(judged) else None
    counts = judged["verdict"].value_counts()
    record(ExtremeRecord(
        spec.key, framework, dtype, device, version=version,
        verdict="fail" if len(outside) else ("known" if bad.any() else "pass"),
        why="; ".join(dict.fromkeys(d.why for d in ranges if (bad & d.covers(judged["x"].to_numpy())).any())),
        points=len(judged), ok=int(counts.get(extremes.OK, 0)), defects=int(counts.get(extremes.DEFECT, 0)),
        inexact=int(counts.get(extremes.INEXACT, 0)), tolerance_ulps=extremes.ULPS[dtype],
        failing=extremes.describe(extremes.failing_ranges(judged)),
        worst_ulps=None if worst is None else float(min(worst["ulps"], 1e30)),
        worst_allowed=None if worst is None else float(min(worst["allowed"], 1e30)),
        worst_x=None if worst is None else float(worst["x"]), worst_got=None if worst is None else float(worst["got"]),
        worst_exact=None if worst is None else float(worst["exact"]),
        declared=[[d.within[0], d.within[1], d.why] for d in ranges], profile=_profile(judged)))
    if len(outside):
        pytest.fail(f"{spec.key} on {framework} {version} ({dtype}): {len(outside)} of {len(judged)} points fail "
                    f"outside the declared ranges (tolerance {extremes.ULPS[dtype]:g} ulps × the condition number "
                    f"where it exceeds 1; defect: 0, ±inf or NaN "
                    f"where the exact derivative is a finite normal number)\n"
                    + _findings(judged[bad & ~covered], framework, dtype, spec.key), pytrace=False)


DECLARED = [(spec, d, fw, dtype) for spec in exact.SWEPT for d in declared(spec) for fw in d.frameworks
            for dtype in exact.DTYPES if d.applies(framework=fw, dtype=dtype)]


def _declared_id(item) -> str:
    """``extremes/sigmoid/declared-2-torch-float32``: the declaration's place among its op's (stable when its range
    is re-measured), then the framework and dtype, as every item's id ends."""
    spec, d, framework, dtype = item
    return reproduce.test_id(f"extremes/{spec.key}/declared-{declared(spec).index(d)}", framework, dtype)


@over(DECLARED, args=("spec", "divergence", "framework", "dtype"), ids=_declared_id, group=extreme_group,
      known_wrong=lambda item, framework, dtype, seed, regime: item[1])
def test_extreme_declared(spec, divergence, framework, dtype, device):
    """Every point of a declared range is within tolerance: expected to fail, strictly."""
    result = swept(spec.key, framework, dtype, device)
    if isinstance(result, NotAvailable):
        pytest.skip(f"n/a: {result}")
    judged, _ = result
    inside = judged[divergence.covers(judged["x"].to_numpy())]
    failing = inside[inside["verdict"] != extremes.OK]
    assert inside.size and failing.empty, (f"{spec.key} on {framework} ({dtype}): {len(failing)} of {len(inside)} "
                                           f"points in {divergence.within} fail:\n"
                                           + _findings(failing, framework, dtype, spec.key))
