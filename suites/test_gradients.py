"""Every registered case on every selected framework and dtype, against the float64 reference,
then the frameworks against each other. Ids read ``<category>/<case>-<framework>-<dtype>``."""

from __future__ import annotations

import functools

import pytest

from harness import check
from harness.cases import Case
from harness.pytest_plugin import load_adapter, over
from suites.cases import REGISTRY


@functools.cache
def checked(case: Case, framework: str, dtype: str, device: str, seed: int) -> check.Result:
    """One check, cached so the parity test reuses what the per-framework test computed."""
    return check.run(case, load_adapter(framework, device), dtype, seed)


def assert_outcome(result: check.Result, *, case: Case) -> None:
    __tracebackhide__ = True
    o = result.outcome
    if o.verdict != "pass":
        pytest.fail(f"{o.case} on {o.framework} {o.version} ({o.dtype}, {o.device}) with inputs "
                    f"{o.inputs}: {o.message}" + (f"\n  raw error: {o.raw_error}" if o.raw_error else ""),
                    pytrace=False)


@over(REGISTRY, frameworks=True, dtypes=True, group=lambda case: case.id)
def test_gradient(case, framework, dtype, device, grad_seed, record):
    result = checked(case, framework, dtype, device, grad_seed)
    record(result.outcome)
    assert_outcome(result, case=case)


@over(REGISTRY, dtypes=True, group=lambda case: case.id)
def test_frameworks_agree(case, dtype, device, grad_seed, selected_frameworks, record):
    results = {}
    for name in selected_frameworks:
        try:
            results[name] = checked(case, name, dtype, device, grad_seed)
        except pytest.skip.Exception:
            continue  # not installed or no such device: the per-framework test says why
    if len(results) < 2:
        pytest.skip(f"parity needs two frameworks; available here: {sorted(results) or 'none'}")
    agreement = check.parity(case, results, dtype, device)
    record(agreement)
    assert agreement.verdict == "pass", f"{case.id} ({dtype}): {agreement.message}"
