"""The check: kinds are classified, a changed expectation fails naming its case, errors are caught."""

import dataclasses

import numpy as np
import pytest

from harness import check, judge, modes, plans, tolerances
from harness.expectations import Expectation
from harness.cases import Case, source
from harness.expectations import classify
from suites.cases import REGISTRY


def test_classify_kinds():
    assert classify({"x": np.ones(2), "y": np.ones(1)}) == "value"
    assert classify({"x": np.ones(2), "y": None}) == "y:none"
    assert classify({"x": np.zeros(2), "y": None}) == "x:zeros,y:none"
    assert classify(RuntimeError("freed")) == "error:RuntimeError"


def test_tap_probe_gives_gradient_wrt_intermediate():
    case = REGISTRY["intermediate/dz-dy"]
    plan = plans.plan(case, 0)
    ref = modes.reference_for(case, 0)
    y = plan.inputs["x"] ** 2
    np.testing.assert_allclose(ref["y"].value, 2 * y, rtol=1e-10)


@pytest.mark.parametrize("framework", ["tensorflow", "torch", "jax"])
def test_changing_one_expected_behaviour_fails_that_row(adapter):
    case = REGISTRY["disconnected/unused-source"]
    assert check.run(case, adapter, "float64").outcome.verdict == "pass"
    wrong = dataclasses.replace(case, expect={**case.expect, adapter.name: Expectation("value", "pretend it is connected")})
    outcome = check.run(wrong, adapter, "float64").outcome
    assert outcome.verdict == "fail"
    assert outcome.case == "disconnected/unused-source" and "expected 'value'" in outcome.message


@pytest.mark.parametrize("framework", ["torch"])
def test_wrong_math_fails_with_the_worst_entry(adapter):
    # the framework differentiates sin, the reference differentiates sin(x)·(1 + 1e-6·x):
    # a 1e-6 relative discrepancy, far inside float32's noise but 10x float64's tolerance
    case = Case("scalar/planted", lambda xp, x: xp.sum(xp.sin(x)), {"x": source((4,))})
    result = check.run(case, adapter, "float64")
    assert result.outcome.verdict == "pass"
    ref = modes.reference_for(case, 0)
    shifted = {"x": dataclasses.replace(ref["x"], value=ref["x"].value * (1 + 1e-6))}
    found = judge.judge({"x": result.judged.got["x"]}, shifted, tolerances.for_dtype("float64"))
    assert found.worst_ratio > 1 and found.worst_at.startswith("x[") and found.verdict == judge.WRONG


@pytest.mark.parametrize("framework", ["torch"])
def test_parity_flags_a_disagreement(adapter):
    case = REGISTRY["scalar/exp"]
    good = check.run(case, adapter, "float64")
    bad = dataclasses.replace(good, judged=dataclasses.replace(good.judged, got={"x": good.judged.got["x"] * 1.001}))
    assert check.parity(case, {"torch": good, "copy": good}, "float64", "cpu").verdict == "pass"
    disagreement = check.parity(case, {"torch": good, "copy": bad}, "float64", "cpu")
    assert disagreement.verdict == "fail" and "copy~torch" in disagreement.message


@pytest.mark.parametrize("framework", ["tensorflow", "torch", "jax"])
def test_mixed_precision_computes_in_the_low_dtype(adapter):
    # the framework's mechanism really lowers the computation: its gradient is within bfloat16's tolerance
    # of the float32 model's reference, and outside float32's (an ignored policy would pass the first alone)
    case = REGISTRY["models/mlp-sequential"]
    result = check.mixed(case, adapter, "bfloat16")
    o = result.outcome
    assert (o.verdict, o.regime, o.dtype, o.tolerance) == ("pass", "mixed", "bfloat16", str(tolerances.for_dtype("bfloat16")))
    as_float32 = judge.judge(result.judged.got, modes.reference_for(case, 0), tolerances.for_dtype("float32"))
    assert as_float32.worst_ratio > 1


def test_mixed_precision_is_for_models():
    with pytest.raises(ValueError, match="mode='model'"):
        check.mixed(REGISTRY["scalar/exp"], None, "float16")


class _RaisingAdapter:
    """Stands in for torch compiled: every HVP raises the double-backward error, and calls are counted."""

    name, version, device = "torch", "test", "cpu"

    def __init__(self, regime: str = "compiled"):
        self.calls, self.regime = 0, regime

    def hvp(self, *args, **kwargs):
        self.calls += 1
        raise RuntimeError("torch.compile with aot_autograd does not currently support double backward")


def test_a_declared_error_of_the_joint_call_answers_every_declared_case_once():
    cases = [Case(f"scalar/cube-{i}", lambda xp, x: xp.sum(x ** 3), {"x": source((2,))}, mode="hvp") for i in range(3)]
    adapter = _RaisingAdapter()
    results = check.run_many(cases, adapter, "float32")
    assert adapter.calls == 1  # regimes.KNOWN declares it for torch compiled HVPs: no compilation per case
    assert [(r.outcome.kind, r.outcome.verdict) for r in results] == [("error:RuntimeError", "pass")] * 3
    undeclared = _RaisingAdapter("eager")
    results = check.run_many(cases, undeclared, "float32")
    assert undeclared.calls == 1 + 3 * 2  # not declared in eager: each case asked alone (and its fix), each fails
    assert all(r.outcome.verdict == "fail" for r in results)


def test_forward_mode_sum_that_cancels_is_judged_against_its_terms():
    """The forward-mode reference of a sum carries Σ|J|·|t|: an answer off by one ulp of the terms passes
    where the sum cancels, and an error of that size relative to the terms still fails."""
    case = Case("scalar/sum-jvp", lambda xp, x: xp.sum(x), {"x": source((15,))}, mode="jvp")
    p = plans.plan(case, 0)
    ref = modes.reference_for(case, 0)["out"]
    terms = np.sum(np.abs(p.tangents["x"]))
    np.testing.assert_allclose(ref.terms, terms, rtol=1e-12)
    np.testing.assert_allclose(ref.value, np.sum(p.tangents["x"]), rtol=1e-9, atol=1e-12)
    # a sum that cancelled to 1% of its terms (a tangent whose entries nearly cancel), moved by 0.5% of its terms:
    # float16's rounding of 15 terms, within its tolerance however small the sum
    cancelled = dataclasses.replace(ref, value=np.asarray(terms / 100))
    near = {"out": cancelled.value + 5e-3 * terms}
    assert judge.judge(near, {"out": cancelled}, tolerances.for_dtype("float16")).worst_ratio <= 1
    assert judge.judge(near, {"out": dataclasses.replace(cancelled, terms=None)},
                       tolerances.for_dtype("float16")).worst_ratio > 1  # judged against |sum|, it fails
    far = {"out": cancelled.value + 5e-2 * terms}
    assert judge.judge(far, {"out": cancelled}, tolerances.for_dtype("float16")).worst_ratio > 1
