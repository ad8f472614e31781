"""A NaN or ±inf where the reference is finite is a wrong gradient, in every front end: the suite's op checks (every
mode, both dtypes, each framework, eager and compiled), the public checker (every mode and order), the judge's own
statistics and the cross-framework comparison. The correct twin of each planted function passes, so these tests can
fail."""

from __future__ import annotations

import re

import numpy as np
import pytest

from harness import check, frameworks, gradcheck, judge, reference
from harness.errors import GradientMismatch, ReferenceUndefined
from harness.frameworks.registry import BY_NAME
from harness.optable import Op, elementwise
from harness.tolerances import for_dtype
from tests import planted

FRAMEWORKS = list(frameworks.FRAMEWORKS)
BAD = {"nan": np.nan, "inf": np.inf, "-inf": -np.inf}
#: the planted entry, as a failure names it: the first entry of a source (x, x[0], x[0, 0]) or of the output (out...)
NAMED = re.compile(r"\b(x|out)(\[0(, 0)*\])?: got (nan|-?inf)\b")


def adapter_of(framework: str, regime: str = "eager"):
    try:
        return frameworks.load(framework).in_regime(regime)
    except frameworks.FrameworkError as exc:
        pytest.skip(str(exc))


def planted_op(framework: str, bad: float) -> Op:
    """``sin`` whose derivative is ``bad`` at the first entry in ``framework`` (NumPy's, the reference, is right)."""
    fn = planted.NONFINITE[framework](bad)
    modules = BY_NAME[framework].modules

    def call(xp, x):
        return fn(x) if type(x).__module__.split(".")[0] in modules else xp.sin(x)
    # elementwise samples but the empty one, which has no entry to plant in
    samples = tuple(s for s in elementwise() if s.label != "empty")
    return Op(f"planted-{framework}", "unary", samples, call=call)


def run_op(op: Op, adapter, dtype: str) -> list:
    """Every check of ``op``, asked as the op sweep asks them: the samples of one mode in one call."""
    results = []
    for mode in ("rev", "fwd", "order2"):
        checks = [c for c in op.checks() if c.mode == mode]
        results += list(zip(checks, check.run_many([c.case for c in checks], adapter, dtype)))
    return results


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("bad", list(BAD), ids=list(BAD))
@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_every_check_of_an_op_with_one_non_finite_entry_fails_naming_it(framework, bad, dtype):
    adapter = adapter_of(framework).one_program_per_check()
    results = run_op(planted_op(framework, BAD[bad]), adapter, dtype)
    assert {c.mode for c, _ in results} == {"rev", "fwd", "order2"}
    for c, result in results:
        o = result.outcome
        assert o.verdict == "fail", f"{c.id} on {framework} ({dtype}) passed with a {bad} planted: {o}"
        assert NAMED.search(o.message), f"{c.id}: the planted entry is not named: {o.message}"


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_the_correct_twin_passes_every_check(framework):
    results = run_op(planted_op(framework, 1.0), adapter_of(framework).one_program_per_check(), "float64")
    assert results and all(r.outcome.verdict == "pass" for _, r in results), [r.outcome.message for _, r in results]


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_a_non_finite_entry_fails_compiled_and_in_half_precision(framework):
    op = planted_op(framework, np.nan)
    for c in op.checks():
        if c.sample.label != "vector" or c.mode != "rev":
            continue
        compiled = check.run(c.case, adapter_of(framework, "compiled"), "float32").outcome
        assert compiled.verdict == "fail" and NAMED.search(compiled.message), compiled
        half = check.run(c.case, adapter_of(framework), "float16").outcome
        assert half.verdict == "fail" and half.kind == "overflow" and NAMED.search(half.message), half


@pytest.mark.parametrize("order,mode", [(1, "rev"), (1, "fwd"), (2, "rev"), (2, "fwd")])
@pytest.mark.parametrize("bad", list(BAD), ids=list(BAD))
@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_gradcheck_fails_a_non_finite_entry_in_every_mode_and_order(framework, bad, order, mode):
    adapter_of(framework)
    x = np.random.default_rng(1).uniform(-2, 2, 5)
    with pytest.raises(GradientMismatch, match=r"(args\[0\]|output)\[0\]: got (nan|-?inf)"):
        gradcheck(planted.NONFINITE[framework](BAD[bad]), (x,), framework=framework, modes=(mode,), order=order)
    assert gradcheck(planted.NONFINITE[framework](1.0), (x,), framework=framework, modes=(mode,), order=order)


def test_the_torch_function_whose_backward_writes_nan_into_entry_2_fails_naming_it():
    torch = pytest.importorskip("torch")

    def backward(x, dy):
        g = dy * torch.cos(x)
        g[2] = float("nan")
        return g
    fn = planted.torch_function(torch.sin, backward)
    with pytest.raises(GradientMismatch, match=r"args\[0\]\[2\]: got nan, reference") as caught:
        gradcheck(fn, (np.linspace(-1, 1, 5),), framework="torch")
    assert "1 of 5 compared entries" in str(caught.value)


def test_a_non_finite_reference_entry_loosens_no_other_and_is_not_counted():
    """A reference entry that is NaN (asin outside [-1, 1]) leaves the others' allowances alone: the scale comes from
    the finite entries, a 1% error beside it is caught, and the detection power counts the entries compared."""
    ref = {"x": reference.Estimate(np.array([1.2, np.nan, 0.9, 1.4]), np.full(4, 1e-12))}
    exact = np.array([1.2, np.nan, 0.9, 1.4])
    right = judge.judge({"x": exact}, ref, for_dtype("float64"))
    assert right.verdict == judge.UNDEFINED and right.compared == 3 and right.undefined["x"].tolist() == [0, 1, 0, 0]
    assert judge.power(right, 0.5).entries == 3 and np.isfinite(right.allowance["x"][[0, 2, 3]]).all()
    assert right.undefined["x"].dtype == bool and right.wrong["x"].dtype == bool
    wrong = judge.judge({"x": exact * np.array([1, 1, 1.01, 1])}, ref, for_dtype("float64"))
    assert wrong.verdict == judge.WRONG and wrong.wrong["x"].tolist() == [0, 0, 1, 0]


@pytest.mark.parametrize("mode", ["rev", "fwd"])
def test_gradcheck_of_asin_with_one_input_outside_its_domain_still_catches_a_bug_beside_it(mode):
    """JAX's asin drawn outside [-1, 1] at one entry: that entry is undefined (asin is NaN there), and a 1% error
    planted in an in-domain entry beside it is caught, in reverse and forward mode."""
    jnp = pytest.importorskip("jax.numpy")
    x = np.array([0.3, 1.5, -0.4, 0.7, 0.1, -0.8])
    scale = planted.scale((6,), (2,), 0.01)

    jax = pytest.importorskip("jax")

    def asin(error):
        @jax.custom_jvp
        def f(v):
            return jnp.arcsin(v)

        @f.defjvp
        def _(primals, tangents):
            (v,), (t,) = primals, tangents
            return jnp.arcsin(v), t / jnp.sqrt(1 - v * v) * (scale if error else 1.0)
        return f
    with pytest.raises(ReferenceUndefined, match=r"args\[0\]\[1\]|output\[1\]"):
        gradcheck(asin(False), (x,), framework="jax", modes=(mode,))
    with pytest.raises(GradientMismatch, match=r"(args\[0\]|output)\[2\]: got") as caught:
        gradcheck(asin(True), (x,), framework="jax", modes=(mode,))
    assert "not finite" in str(caught.value)  # the out-of-domain entry is named as undefined beside the wrong one


def test_two_answers_with_a_nan_where_one_is_finite_are_infinitely_apart():
    ref = judge.exact({"x": np.array([1.0, 2.0])})
    a = judge.judge({"x": np.array([1.0, 2.0])}, ref, for_dtype("float64"))
    b = judge.judge({"x": np.array([1.0, np.nan])}, ref, for_dtype("float64"))
    assert judge.apart(a, b)[1] == np.inf and judge.apart(b, b) == (0.0, 0.0)


def test_an_infinite_answer_is_wrong_even_where_the_allowance_is_infinite():
    """An allowance can be infinite (an extreme-value point whose condition number overflows): ±inf and NaN answers
    stay wrong there, for a finite reference, and an infinite answer equal to an infinite reference is right."""
    ref = judge.exact({"x": np.array([1.0, 1.0, 1.0, np.inf, 2.0])})
    allowance = {"x": np.full(5, np.inf)}
    got = np.array([np.inf, -np.inf, np.nan, np.inf, 1e300])
    judged = judge.judge({"x": got}, ref, None, allowance=allowance, exact_infinities=True)
    assert judged.wrong["x"].tolist() == [True, True, True, False, False]
