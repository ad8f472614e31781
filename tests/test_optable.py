"""The op sweep's declarations and the pieces that judge it: contradictions are rejected, a
missing op reads n/a, conventions group frameworks, and the report renders a fixed record."""

import numpy as np
import pytest

from harness import comparison, judge, modes, plans
from harness.cases import source
from harness.frameworks.base import Missing, NotAvailable, Vocabulary
from harness.expectations import divergence
from harness.optable import Op, elementwise, given, sample
from harness.records import OpConvention
from harness.report import ops as ops_report
from harness.tolerances import for_dtype


def test_duplicate_sample_labels_are_rejected():
    s = sample("vector", x=source((3,)))
    with pytest.raises(ValueError, match="duplicate sample labels"):
        Op("sin", "unary", (s, s))


def test_divergence_naming_a_missing_sample_is_rejected():
    with pytest.raises(ValueError, match="does not have"):
        Op("sin", "unary", elementwise(), divergences=(divergence(("jax",), "why", samples=("nope",)),))


def test_divergence_with_unknown_framework_is_rejected():
    with pytest.raises(ValueError, match="unknown"):
        divergence(("mxnet",), "why")


def test_checks_cover_modes_and_skip_second_order_where_declared():
    op = Op("sin", "unary", elementwise(hard=[1.0, 2.0], kinks=[0.0]))
    modes = {(c.sample.label, c.mode) for c in op.checks()}
    assert ("vector", "order2") in modes and ("hard", "fwd") in modes
    assert ("hard", "order2") not in modes and ("empty", "order2") not in modes
    assert ("kink", "rev") in modes and ("kink", "fwd") not in modes


def test_missing_op_raises_not_available_with_reason():
    vocab = Vocabulary("toy", {"erf": np.tanh, "logit": Missing("no such op here")})
    assert "erf" in vocab and "logit" not in vocab
    with pytest.raises(NotAvailable, match="no such op here"):
        vocab.logit


def test_groups_and_odd_ones_out():
    tol = for_dtype("float64")
    answers = {"tensorflow": {"x": np.array([1.0])}, "torch": {"x": np.array([0.5])},
               "jax": {"x": np.array([0.5])}}
    found = comparison.groups(answers, tol)
    assert found == [["torch", "jax"], ["tensorflow"]]
    assert comparison.odd_ones_out(found) == {"tensorflow"}
    nans = {"a": {"x": np.array([np.nan])}, "b": {"x": np.array([np.nan])}}
    assert comparison.groups(nans, tol) == [["a", "b"]]
    assert comparison.odd_ones_out([["a"], ["b"], ["c"]]) == {"a", "b", "c"}


def test_a_planted_error_in_an_op_is_caught_against_the_reference():
    """A 'framework' whose sin has a 1% wrong derivative fails the check; the true one passes."""
    op = Op("sin", "unary", (sample("vector", x=source(given([0.1, 0.7, -0.4]))),))
    (rev,) = [c for c in op.checks() if c.mode == "rev"]
    ref = modes.reference_for(rev.case, 0)["x"]
    p = plans.plan(rev.case, 0)
    true = np.cos(p.inputs["x"]) * p.cotangents[0]
    assert judge.judge({"x": true}, {"x": ref}, for_dtype("float64")).verdict == judge.PASSED
    assert judge.judge({"x": true * 1.01}, {"x": ref}, for_dtype("float32")).verdict == judge.WRONG


def run_of(records: list[dict]) -> dict:
    """``records`` as a loaded ops.json of a float32 run on a fixed machine."""
    return {"conditions": {"date": "d", "cpu": "c", "cores_usable": 2, "python": "3.11", "commit": "abc",
                           "packages": {}}, "run": {"device": "cpu", "dtypes": ["float32"], "seed": 0, "wall_seconds": 1},
            "records": records}


def test_report_renders_a_fixed_record():
    op = Op("abs", "unary", elementwise(kinks=[0.0]))
    (kink,) = [c for c in op.checks() if not c.sample.smooth]
    records = [
        {"record": "op", "op": "abs", "family": "unary", "sample": "vector", "mode": "rev", "id": "abs/vector/rev",
         "inputs": "x=...", "framework": "torch", "dtype": "float32", "device": "cpu", "verdict": "pass",
         "kind": "value", "max_rel_err": 1e-7, "why": "", "link": "", "composite": ""},
        OpConvention.of(kink, "float32", "cpu", {"torch": {"x": np.array([0.0])}, "jax": {"x": np.array([1.0])}},
                        [["torch"], ["jax"]], [], "fail").to_dict(),
    ]
    text = ops_report.render(run_of(records))
    assert "✓ 1e-07" in text  # the reverse-mode cell: pass, worst relative error
    assert "✗ undeclared" in text and "Disagreements found" in text and "abs** / kink" in text


def test_a_convention_finding_reads_the_same_whichever_framework_was_recorded_first():
    """The order of a record's answers is the order the workers finished in; the report must not depend on it."""
    op = Op("abs", "unary", elementwise(kinks=[0.0]))
    (kink,) = [c for c in op.checks() if not c.sample.smooth]
    answers = {"torch": {"x": np.array([0.0])}, "tensorflow": {"x": np.array([0.0])}, "jax": {"x": np.array([1.0])}}

    def rendered(order):
        record = OpConvention.of(kink, "float32", "cpu", {fw: answers[fw] for fw in order},
                                 [["torch", "tensorflow"], ["jax"]], [], "fail").to_dict()
        return ops_report.render(run_of([record]))
    first = rendered(["jax", "torch", "tensorflow"])
    assert "abs** / kink" in first
    assert first == rendered(["tensorflow", "jax", "torch"])


def test_every_swept_op_draws_its_samples_inside_the_domain_its_sweep_declares():
    """An op's domain is declared once where it is swept (``harness/exact.py``: edges, poles, kinks); its drawn
    samples must lie inside it and off its poles and kinks, whatever the seed, so the two cannot drift apart."""
    from harness import plans
    from suites.ops import TABLE

    swept = [op for op in TABLE if op.sweeps]
    assert len(swept) >= 50
    for op in swept:
        for sweep in op.sweeps:
            if sweep.partner is not None:
                continue  # a binary op swept along one argument with the other fixed: its samples draw both
            for check in op.checks():
                if not check.sample.smooth or check.sample.label == "hard":
                    continue
                for seed in range(3):
                    x = plans.plan(check.case, seed).inputs["x"]
                    assert np.all((x > sweep.low) & (x < sweep.high)), (op.name, check.sample.label, seed)
                    assert not np.isin(x, [*sweep.poles, *sweep.kinks]).any(), (op.name, check.sample.label, seed)
