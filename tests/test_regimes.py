"""Regimes: the selection `--regimes` makes, low-precision result kinds, complex conventions and references."""

import numpy as np
import pytest

from harness import check, complexes, plans, regimes, tolerances
from harness.cases import Case, const, source
from harness.domains import complex_normal
from harness.expectations import classify


def test_selection_default_all_and_a_list():
    default = regimes.parse("default")
    assert default.case_regimes == ("eager", "compiled", "xla") and default.op_regimes == ("eager",)
    assert not default.full
    assert regimes.parse("all").full and regimes.parse("all").op_regimes == ("eager", "compiled", "xla")
    assert regimes.parse("compiled").case_regimes == ("compiled",)
    with pytest.raises(ValueError, match=r"unknown regimes \['jit'\]"):
        regimes.parse("eager,jit")


def test_dtypes_each_kind_of_test_runs_in():
    every = ["float32", "float64", "float16", "bfloat16", "complex64", "complex128"]
    default, full = regimes.parse("default"), regimes.parse("all")
    cases = dict(explicit=False, kind="cases")
    assert default.dtypes_for(every, regime="eager", **cases) == ["float32", "float64", "float16", "bfloat16"]
    assert default.dtypes_for(every, regime="eager", is_complex=True, **cases) == ["complex64", "complex128"]
    assert default.dtypes_for(every, regime="compiled", **cases) == ["float32"]  # the default run's budget
    assert full.dtypes_for(every, regime="compiled", **cases) == ["float32", "float64", "float16", "bfloat16"]
    ops = dict(explicit=False, kind="ops", regime="eager")
    assert default.dtypes_for(every, **ops) == ["float32", "float64"]
    assert full.dtypes_for(every, **ops) == ["float32", "float64", "float16", "bfloat16"]
    assert full.dtypes_for(every, explicit=False, kind="ops", regime="xla") == ["float32"]  # compiled ops: float32
    assert full.dtypes_for(["float64"], explicit=True, kind="ops", regime="compiled") == ["float64"]
    assert default.dtypes_for(["float16"], explicit=True, kind="ops", regime="eager") == ["float16"]
    assert default.dtypes_for(every, explicit=False, kind=None, regime=None) == ["float32", "float64"]
    mixed = default.dtypes_for(every, explicit=False, kind=None, regime=None, only=frozenset({"float16", "bfloat16"}))
    assert mixed == ["float16", "bfloat16"]


def test_which_frameworks_have_which_regime():
    assert regimes.supports("tensorflow", "xla") is None
    assert "XLA" in regimes.supports("torch", "xla") and "XLA" in regimes.supports("jax", "xla")
    assert regimes.known("torch", "compiled", "hvp").kind == "error:RuntimeError"
    assert regimes.known("torch", "eager", "hvp") is None and regimes.known("jax", "compiled", "hvp") is None


def test_overflow_is_a_kind_only_in_low_precision():
    assert classify({"x": np.array([np.inf, 1.0])}, "float16") == "overflow"
    assert classify({"x": np.array([np.nan])}, "bfloat16") == "overflow"
    assert classify({"x": np.array([np.inf, 1.0])}, "float32") == "value"


@pytest.mark.parametrize("framework", ["tensorflow", "torch", "jax"])
def test_float16_overflow_and_rounded_inputs(adapter):
    """exp(2x)/exp(x) at x = 6: the exact derivative exp(6) = 403 fits float16, but exp(12) = 162755 inside is
    beyond its 65504: the gradient overflows, a kind, not a crash; in float32 the same case passes. The float16
    reference is taken at the inputs rounded to float16."""
    tenth = float(np.float32(0.1))  # float32's 0.1, which float16 rounds again
    case = Case("t/exp-inside-overflows", lambda xp, x: xp.sum(xp.exp(2 * x) / xp.exp(x)), {"x": source([6.0, tenth])})
    low = check.run(case, adapter, "float16").outcome
    assert low.kind == "overflow" and low.verdict == "fail" and "result kind 'overflow'" in low.message
    assert check.run(case, adapter, "float32").outcome.verdict == "pass"
    rounded = plans.plan_for(case, 0, "float16").inputs["x"]
    assert rounded[1] == float(np.float16(tenth)) != tenth


def test_complex_reference_is_the_canonical_convention():
    """|z|² + real(z): ∂L/∂x + i·∂L/∂y = 2z + 1, from differences in the real and imaginary parts."""
    z = np.array([1 + 2j, -0.5 + 0.25j])
    est = complexes.gradient(lambda p: np.atleast_1d(np.sum(np.abs(p["z"]) ** 2 + p["z"].real)), {"z": z}, ["z"])["z"]
    np.testing.assert_allclose(est.value[..., 0] + 1j * est.value[..., 1], 2 * z + 1, rtol=1e-9)
    assert complexes.to_canonical(complexes.CONJUGATE, np.array([3 - 4j]))[0] == 3 + 4j
    assert complexes.to_canonical(complexes.CANONICAL, np.array([3 - 4j]))[0] == 3 - 4j


@pytest.mark.parametrize("framework", ["tensorflow", "torch", "jax"])
def test_a_conjugation_error_is_caught(adapter):
    """The framework's answer to real(w·exp(z)) passes; the same answer conjugated (what a wrong convention,
    or a conjugation bug in a backward, gives) fails against the reference."""
    case = Case("t/weighted-exp", lambda xp, z, w: xp.sum(xp.real(w * xp.exp(z))),
                {"z": source((3,), complex_normal()), "w": const((3,), complex_normal())})
    assert check.run(case, adapter, "complex128").outcome.verdict == "pass"
    p = plans.plan_for(case, 0, "complex128")
    right = adapter.vjp(plans.bind(case), p.cast("complex128"), ["z"])
    wrong = {"z": np.conj(right["z"])}
    result = check._judge(case, adapter, "complex128", 0, wrong, None, False)
    assert result.outcome.verdict == "fail" and "x the allowance" in result.outcome.message


def test_a_sample_beyond_the_dtype_is_not_available_there():
    # exp'(11) = 59874 fits float16 (largest 65504); exp'(12) = 162755 does not, and 1e5 rounds to inf
    fits = Case("scalar/exp-11", lambda xp, x: xp.sum(xp.exp(x)), {"x": source([11.0])})
    assert check.beyond_range(fits, 0, "float16") is None
    over = Case("scalar/exp-12", lambda xp, x: xp.sum(xp.exp(x)), {"x": source([12.0])})
    assert "beyond float16's largest number" in check.beyond_range(over, 0, "float16")
    assert check.beyond_range(over, 0, "bfloat16") is None and check.beyond_range(over, 0, "float32") is None
    huge = Case("scalar/square-1e5", lambda xp, x: xp.sum(x * x), {"x": source([1e5])})
    assert "rounds to ±inf" in check.beyond_range(huge, 0, "float16")


def test_an_exact_zero_below_the_dtype_resolution_is_right():
    tol = tolerances.for_dtype("float16")
    ref = np.array([9e-14])  # sigmoid'(-30): float16's least subnormal is 2**-24, about 6e-8
    assert tol.allowance(ref, np.zeros(1), scale=9e-14)[0] >= 9e-14
    assert tolerances.for_dtype("float32").allowance(ref, np.zeros(1), scale=9e-14)[0] < 9e-14
