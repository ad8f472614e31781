"""The Case type rejects contradictions with a message that says what to do; inputs are stable."""

import numpy as np
import pytest

from harness.expectations import Expectation
from harness.cases import Case, Registry, const, source
from harness.domains import positive


def square(xp, x):
    return x ** 2


@pytest.mark.parametrize("kwargs,message", [
    (dict(id="no-category"), "<category>/<name>"),
    (dict(mode="sideways"), "unknown mode"),
    (dict(inputs={"x": const((2,))}), "nothing to differentiate"),
    (dict(taps=("x",)), "share a name"),
    (dict(expect={"mxnet": Expectation("value", "")}), "unknown frameworks"),
    (dict(mode="model"), "go together"),
    (dict(mode="model", model="dense"), "needs const inputs 'x'"),
])
def test_contradictions_are_rejected(kwargs, message):
    args = dict(id="scalar/square", fn=square, inputs={"x": source((2,))}) | kwargs
    with pytest.raises(ValueError, match=message):
        Case(**args)


def test_given_values_must_be_float32_exact():
    with pytest.raises(ValueError, match="float32"):
        source([0.1])


def test_draw_is_deterministic_float32_exact_and_in_domain():
    case = Case("scalar/log", lambda xp, x: xp.log(x), {"x": source((50,), positive)})
    a, b = case.draw(0)["x"], case.draw(0)["x"]
    assert np.array_equal(a, b)
    assert np.array_equal(a, a.astype(np.float32).astype(np.float64))
    assert a.min() >= 0.5 and a.max() < 2.0
    assert not np.array_equal(a, case.draw(1)["x"])


def test_registry_rejects_duplicates_and_keeps_order():
    first = Case("a/one", square, {"x": source((1,))})
    registry = Registry([first, Case("b/two", square, {"x": source((1,))})])
    assert [c.id for c in registry] == ["a/one", "b/two"] and registry.categories() == ["a", "b"]
    with pytest.raises(ValueError, match="duplicate"):
        registry.add(Case("a/one", square, {"x": source((1,))}))
