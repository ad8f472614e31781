"""Closed-form derivatives, checked on top of the finite-difference reference.

The reference decides every verdict in test_gradients; these few cases also have textbook answers
(``d(x²)/dx = 6`` at 3, ``d(2xᵀx)/dx = 4x``, ``dz/dy = 2y``, ``σ' = σ(1 - σ)``, the least-squares
gradient), computed here from the case's own inputs, so a reference bug cannot hide behind itself.
"""

from __future__ import annotations

import numpy as np

from harness import judge, plans
from harness.suite_plugin import over
from harness.tolerances import CLOSED_FORM
from suites.cases import REGISTRY
from suites.test_gradients import checked


def linear_mse(p):
    x = p.inputs
    residual = x["x"] @ x["w"].T + x["b"] - x["t"]
    scale = 2.0 / residual.size
    return {"w": scale * residual.T @ x["x"], "b": scale * residual.sum(axis=0)}


def sigmoid_derivative(p):
    s = 1.0 / (1.0 + np.exp(-p.inputs["x"]))
    return {"x": s * (1.0 - s)}


#: case id -> plan -> the expected framework values, keyed as the check keys them
CLOSED_FORMS = {
    "scalar/square-at-3": lambda p: {"x": np.array([6.0])},  # the literal: x = 3 is fixed
    "matrix/two-xtx": lambda p: {"x": 4.0 * p.inputs["x"]},
    "matrix/linear-mse": linear_mse,
    "intermediate/dz-dy": lambda p: {"x": 4.0 * p.inputs["x"] ** 3, "y": 2.0 * p.inputs["x"] ** 2},
    "nonscalar/sigmoid-linspace": sigmoid_derivative,
    "nonscalar/dict-targets": lambda p: {"x": 2.0 * p.inputs["x"] - 1.0 / p.inputs["x"] ** 2},
    "persistent/two-targets": lambda p: {"y/x": 2.0 * p.inputs["x"], "z/x": 4.0 * p.inputs["x"] ** 3},
    "higher/second-derivative-cubic": lambda p: {"x": 6.0 * p.inputs["x"] * p.tangents["x"]},
}
CASES = [REGISTRY[case_id] for case_id in CLOSED_FORMS]


@over(CASES, frameworks=True, dtypes=True)
def test_closed_form(case, framework, dtype, device, grad_seed):
    result = checked(case, framework, dtype, device, grad_seed)
    assert result.judged is not None, result.outcome.message
    expected = CLOSED_FORMS[case.id](plans.plan(case, grad_seed))
    got = {key: result.judged.got[key] for key in expected}
    found = judge.judge(got, judge.exact(expected), CLOSED_FORM[dtype])
    assert found.verdict == judge.PASSED, f"{case.id} on {framework} {dtype}: {found.summary()}"
