"""Every registered case on every selected framework, dtype and regime, against the float64 reference,
then the frameworks against each other. Ids read ``<category>/<case>-<framework>-<dtype>``, with
``-<regime>`` beyond eager (``-compiled``, ``-xla``); a compiled gradient is also compared with the same
framework's eager one. The model cases also run in mixed precision (``test_mixed_precision``, regime ``mixed``)."""

from __future__ import annotations

import dataclasses
import functools

import numpy as np
import pytest

from harness import check
from harness.cases import Case
from harness.expectations import LOW_PRECISION
from harness.frameworks.base import NotAvailable
from harness.suite_plugin import load_adapter, over
from harness.tolerances import MIXED_MOVES
from suites.cases import REGISTRY


@functools.cache
def checked(case: Case, framework: str, dtype: str, device: str, seed: int,
            regime: str = "eager") -> check.Result | NotAvailable:
    """One check, or why the framework cannot run it in ``dtype``; cached so the parity test reuses what the
    per-framework test computed; beyond eager, judged against the framework's eager values too."""
    try:
        result = check.run(case, load_adapter(framework, device, regime), dtype, seed)
    except NotAvailable as exc:
        return exc
    eager = result if regime == "eager" else checked(case, framework, dtype, device, seed)
    return result if eager is result or isinstance(eager, NotAvailable) else check.against_eager(result, eager)


def assert_outcome(result: check.Result, *, case: Case) -> None:
    __tracebackhide__ = True
    o = result.outcome
    if o.verdict == "undefined":
        pytest.skip(f"{o.case} ({o.dtype}): nothing to judge, {o.undefined}")
    if o.verdict != "pass":
        regime = "" if o.regime == "eager" else f", {o.regime}"
        pytest.fail(f"{o.case} on {o.framework} {o.version} ({o.dtype}, {o.device}{regime}) with inputs "
                    f"{o.inputs}: {o.message}" + (f"\n  raw error: {o.raw_error}" if o.raw_error else ""),
                    pytrace=False)


@over(REGISTRY, frameworks=True, dtypes=True, regimes="cases", group=lambda case: case.id)
def test_gradient(case, framework, dtype, regime, device, grad_seed, record):
    result = checked(case, framework, dtype, device, grad_seed, regime)
    if isinstance(result, NotAvailable):
        record(check.unavailable(case, load_adapter(framework, device, regime), dtype, str(result)))
        pytest.skip(f"n/a: {result}")
    record(result.outcome)
    assert_outcome(result, case=case)


@over(REGISTRY, dtypes=True, regimes="cases", group=lambda case: case.id)
def test_frameworks_agree(case, dtype, regime, device, grad_seed, selected_frameworks, record):
    results = {}
    for name in selected_frameworks:
        try:
            result = checked(case, name, dtype, device, grad_seed, regime)
        except pytest.skip.Exception:
            continue  # not installed, no such device or regime: the per-framework test says why
        if not isinstance(result, NotAvailable):
            results[name] = result
    if len(results) < 2:
        pytest.skip(f"parity needs two frameworks; available here: {sorted(results) or 'none'}")
    agreement = check.parity(case, results, dtype, device, regime)
    record(agreement)
    assert agreement.verdict == "pass", f"{case.id} ({dtype}, {regime}): {agreement.message}"


MODELS = [case for case in REGISTRY if case.mode == "model"]


@over(MODELS, frameworks=True, dtypes=LOW_PRECISION, group=lambda case: case.id)
def test_mixed_precision(case, framework, dtype, device, grad_seed, record):
    """The model with float32 weights computing in ``dtype`` by the framework's own mechanism
    (``torch.autocast``, a Keras ``mixed_<dtype>`` policy, JAX casts), against the float32 model's reference
    and the framework's float32 gradient; ids read ``models/<case>-<framework>-<dtype>`` under this test's name."""
    adapter = load_adapter(framework, device)
    try:
        result = check.mixed(case, adapter, dtype, grad_seed)
    except NotAvailable as exc:
        record(dataclasses.replace(check.unavailable(case, adapter, dtype, str(exc)), regime=check.MIXED))
        pytest.skip(f"n/a: {exc}")
    full = checked(case, framework, "float32", device, grad_seed)
    if not isinstance(full, NotAvailable):
        result = check.against_eager(result, full)
    record(result.outcome)
    assert_outcome(result, case=case)
    if isinstance(full, NotAvailable) or full.judged is None or result.judged is None:
        return
    # a policy the model ignores would pass the check above: mixed precision must change the gradient
    low, f32 = result.judged.got, full.judged.got
    moved = max(float(np.max(np.abs(low[k] - f32[k]) / (np.max(np.abs(f32[k])) + 1e-30))) for k in f32)
    assert moved > MIXED_MOVES, (
        f"{case.id} on {framework}: the {dtype} mixed-precision gradient equals the float32 one to {moved:.2g} "
        f"(relative): the model did not compute in {dtype}")
