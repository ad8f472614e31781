"""The reference evaluates a rung of its ladder in one call of the framework's vectorizing map where fn allows it,
and otherwise calls fn once per point, saying which: the verdicts, and the single-entry errors caught, are the same
either way; a map that refuses fn, or answers differently from fn alone, is not used."""

from __future__ import annotations

import numpy as np
import pytest

from harness import frameworks, gradcheck, reference
from harness.errors import GradientMismatch
from tests import planted

FRAMEWORKS = frameworks.FRAMEWORKS
X = np.random.default_rng(3).uniform(-1.5, 1.5, (5, 4))


def need(framework: str):
    try:
        return frameworks.load(framework, "cpu")
    except frameworks.FrameworkError as exc:
        pytest.skip(str(exc))


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_batched_and_point_by_point_references_give_the_same_result(framework, monkeypatch):
    adapter = need(framework)
    xp = adapter.xp
    fn = lambda x, w: xp.tanh(x @ w) * xp.sum(x)  # noqa: E731
    w = np.random.default_rng(4).normal(size=(4, 3))
    batched = gradcheck(fn, (X, w), framework=framework, modes=("rev", "fwd"))
    assert batched.evaluation.startswith("batched") and batched.fn_calls < 40
    monkeypatch.setattr(type(adapter), "vectorized", lambda self, f: None)
    alone = gradcheck(fn, (X, w), framework=framework, modes=("rev", "fwd"))
    assert alone.evaluation.startswith("one call of fn per point") and alone.fn_calls > 10 * batched.fn_calls
    assert batched.checked == alone.checked
    # the two references differ in round-off (a batched matmul sums in another order), inside their error bars
    np.testing.assert_allclose(batched.max_abs_err, alone.max_abs_err, rtol=0, atol=1e-10)


PLANTED = {"torch": planted.torch_sin, "tensorflow": planted.tf_sin, "jax": planted.jax_sin}


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_a_single_wrong_entry_is_caught_by_the_batched_reference(framework):
    need(framework)
    correct = gradcheck(PLANTED[framework](0.0, X.shape, (2, 1)), (X,), framework=framework)
    assert correct.evaluation.startswith("batched"), correct.evaluation
    with pytest.raises(GradientMismatch, match=r"args\[0\]\[2, 1\]"):
        gradcheck(PLANTED[framework](1e-4, X.shape, (2, 1)), (X,), framework=framework)


def test_a_map_that_answers_differently_from_fn_alone_is_not_used(monkeypatch):
    adapter = need("torch")
    import torch

    original = type(adapter).vectorized
    # a planted vectorizing map that is off by 1e-6: the reference must notice and call fn point by point
    monkeypatch.setattr(type(adapter), "vectorized",
                        lambda self, f: (lambda *a: [o + 1e-6 for o in original(self, f)(*a)]))
    result = gradcheck(lambda x: torch.sin(x) * x, (X,), framework="torch")
    assert result.evaluation == "one call of fn per point (torch.func.vmap maps fn to different values than fn alone)"


def test_a_function_the_map_refuses_is_checked_point_by_point_and_says_why():
    need("torch")
    import torch

    def branchy(x):  # .item() inside: torch.func.vmap refuses it
        return torch.sin(x) if x.sum().item() > 0 else torch.cos(x)
    result = gradcheck(branchy, (X,), framework="torch")
    assert result.evaluation.startswith("one call of fn per point (torch.func.vmap cannot map fn: RuntimeError")
    assert "reference: one call of fn per point" in str(result)


def test_the_multi_row_ladder_is_a_ladder_per_row():
    """Rows of one batched ladder end by their own rule: each row's estimate is exactly the one its own ladder gives,
    however long the other rows run (a pole next to a smooth coordinate, a kink, a jump)."""
    x = np.array([np.pi / 2 - 1e-3, 0.3, 0.0, 1.0, -2.0])

    def f(p):
        v = p["x"]
        return np.atleast_1d(np.tan(v[0]) + np.sin(v[1]) + np.abs(v[2]) + np.floor(v[3]) + v[4] ** 5)
    together = reference.directionals(f, {"x": x}, [{"x": np.eye(5)[i]} for i in range(5)])
    for i in range(5):
        alone = reference.directional(f, {"x": x}, {"x": np.eye(5)[i]})
        for field in ("value", "error", "left", "right", "jump"):
            np.testing.assert_array_equal(getattr(together, field)[i], getattr(alone, field), err_msg=f"{i} {field}")
