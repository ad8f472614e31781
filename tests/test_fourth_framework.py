"""A framework is its registry row, its adapter and its exceptions table: tests/fourth_framework/ holds exactly those
three for autograd (NumPy's automatic differentiation), and this test registers it and runs a slice of the
correctness cases and the op sweep on it, against the same float64 reference, on the same judge."""

from __future__ import annotations

import pytest

from harness import check, frameworks
from harness.frameworks import registry
from suites.cases import REGISTRY
from suites.ops import TABLE

pytest.importorskip("autograd", reason="autograd is not installed: pip install autograd")
from tests.fourth_framework import ROW  # noqa: E402 (after the skip: the row's modules import autograd)

CASES = ("scalar/square-at-3", "scalar/exp-of-sin", "scalar/softplus", "scalar/two-sources", "matrix/linear-mse",
         "matrix/two-xtx", "matrix/quadratic-form", "nonscalar/vector-target", "nonscalar/cotangent-elementwise",
         "nonscalar/jvp-matmul", "persistent/two-targets", "intermediate/dz-dy")
#: plain ops (found by rule in autograd.numpy / autograd.scipy.special) and two of its exceptions (asin, relu)
OPS = ("sin", "exp", "tanh", "log1p", "erf", "asin", "relu", "multiply", "maximum", "sum", "mean", "matmul")


@pytest.fixture(scope="module")
def adapter():
    registry.register(ROW)
    try:
        yield frameworks.load("autograd")
    finally:
        registry.unregister("autograd")


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_a_slice_of_the_cases_passes_on_a_fourth_framework(adapter, dtype):
    outcomes = [check.run(REGISTRY[case_id], adapter, dtype).outcome for case_id in CASES]
    assert [(o.case, o.verdict) for o in outcomes] == [(c, "pass") for c in CASES], [o.message for o in outcomes]
    assert {o.framework for o in outcomes} == {"autograd"}


def test_a_slice_of_the_op_sweep_passes_on_a_fourth_framework_in_every_mode(adapter):
    ops = [op for op in TABLE if op.name in OPS]
    assert {op.name for op in ops} == set(OPS)
    checks = [c for op in ops for c in op.checks() if c.sample.smooth]
    results = {c.id: check.run(c.case, adapter, "float64", zeros_are_values=True).outcome for c in checks}
    assert {c.mode for c in checks} == {"rev", "fwd", "order2"}
    failed = {k: o.message for k, o in results.items() if o.verdict != "pass"}
    assert not failed, failed


def test_a_wrong_gradient_on_the_fourth_framework_is_still_caught(adapter, monkeypatch):
    import autograd.numpy as anp
    from autograd.extend import defvjp, primitive

    @primitive
    def sin(x):
        return anp.sin(x)
    defvjp(sin, lambda ans, x: lambda g: g * anp.cos(x) * 1.01)  # a 1% error in its derivative
    monkeypatch.setitem(adapter.xp.ops._ops, "sin", sin)
    op = next(op for op in TABLE if op.name == "sin")
    rev = next(c for c in op.checks() if c.mode == "rev" and c.sample.label == "vector")
    assert check.run(rev.case, adapter, "float64").outcome.verdict == "fail"
