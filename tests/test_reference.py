"""The finite-difference reference on functions whose derivatives are known in closed form."""

import numpy as np
import pytest

from harness import reference, second_order
from harness.tolerances import ERROR_FACTOR

X = {"x": np.array([0.3, -1.2, 2.5, 4.0, -0.7])}

SMOOTH = [
    ("exp", np.exp, np.exp),
    ("sin", np.sin, np.cos),
    ("x^5", lambda v: v ** 5, lambda v: 5 * v ** 4),
    ("log1p(x^2)", lambda v: np.log1p(v ** 2), lambda v: 2 * v / (1 + v ** 2)),
    ("tanh", np.tanh, lambda v: 1 - np.tanh(v) ** 2),
    ("1/(1+x^2)", lambda v: 1 / (1 + v ** 2), lambda v: -2 * v / (1 + v ** 2) ** 2),
    ("sigmoid", lambda v: 1 / (1 + np.exp(-v)), lambda v: np.exp(-v) / (1 + np.exp(-v)) ** 2),
]


def scalar_of(f):
    return lambda p: np.atleast_1d(np.sum(f(p["x"])))


@pytest.mark.parametrize("name,f,df", SMOOTH, ids=[s[0] for s in SMOOTH])
def test_gradient_is_accurate_to_1e9_relative(name, f, df):
    est = reference.gradient(scalar_of(f), X, ["x"])["x"]
    exact = df(X["x"])
    rel = np.abs(est.value - exact) / np.abs(exact)
    assert rel.max() <= 1e-9, f"{name}: relative error {rel.max():.3g}"


@pytest.mark.parametrize("name,f,df", SMOOTH, ids=[s[0] for s in SMOOTH])
def test_error_estimate_bounds_the_actual_error(name, f, df):
    est = reference.gradient(scalar_of(f), X, ["x"])["x"]
    actual = np.abs(est.value - df(X["x"]))
    assert np.all(actual <= est.error + 1e-15), f"{name}: error {actual} above its estimate {est.error}"


def test_jacobian_of_vector_function():
    a = np.array([[1.0, 2.0], [3.0, -1.0], [0.5, 0.25]])
    fun = lambda p: np.tanh(a @ p["x"])  # noqa: E731
    x = {"x": np.array([0.2, -0.4])}
    est = reference.jacobian(fun, x, ["x"])["x"]
    exact = (1 - np.tanh(a @ x["x"]) ** 2)[:, None] * a
    assert est.value.shape == (3, 2)
    np.testing.assert_allclose(est.value, exact, rtol=1e-10)


def test_jvp_is_the_directional_derivative():
    fun = lambda p: np.sin(p["x"]) * p["y"]  # noqa: E731
    point = {"x": np.array([0.1, 0.7]), "y": np.array([2.0, -1.0])}
    t = {"x": np.array([1.0, -0.5]), "y": np.array([0.3, 0.2])}
    exact = np.cos(point["x"]) * t["x"] * point["y"] + np.sin(point["x"]) * t["y"]
    np.testing.assert_allclose(reference.jvp(fun, point, t).value, exact, rtol=1e-10)


def test_hvp_of_quartic_is_good_to_1e9():
    v = np.array([1.0, -2.0, 0.5, 1.5, 1.0])
    est = second_order.hvp(scalar_of(lambda u: u ** 4), X, {"x": v})["x"]
    exact = 12 * X["x"] ** 2 * v
    assert np.max(np.abs(est.value - exact) / np.abs(exact)) <= 1e-8


def test_hvp_bound_covers_a_zero_second_derivative():
    """selu for x > 0 is linear: its HVP is 0, and the reference's bound must cover what its inner finite-difference
    gradient leaves behind (it read 1.9e-12 ± 1.9e-13 before the inner error counted as noise)."""
    x = {"x": np.array([0.37, 1.9, 2.6])}
    est = second_order.hvp(scalar_of(lambda u: 1.0507 * np.where(u > 0, u, 1.6733 * np.expm1(np.minimum(u, 0)))), x,
                        {"x": np.array([0.8, -1.3, 0.4])})["x"]
    assert np.all(np.abs(est.value) <= ERROR_FACTOR * est.error) and np.all(est.error < 1e-8)


def test_hvp_next_to_a_domain_edge_is_bounded_honestly():
    """logit at 0.06: the outer step shrinks instead of reaching across 0 (the fixed step was 2⁻⁵ = 0.031), and the
    bound covers the error (measured: 2e-6 relative there, 5e-4 absolute against a bound of 6e-2)."""
    x = {"x": np.array([0.06, 0.5, 0.93])}
    v = np.array([1.0, -0.5, 2.0])
    est = second_order.hvp(scalar_of(lambda u: np.log(u) - np.log1p(-u)), x, {"x": v})["x"]
    exact = (2 * x["x"] - 1) / (x["x"] ** 2 * (1 - x["x"]) ** 2) * v
    error = np.abs(est.value - exact)
    assert np.all(error <= ERROR_FACTOR * est.error) and np.all(error <= 1e-5 * np.abs(exact) + 1e-8)


def test_large_input_is_probed_by_coordinates_and_projections():
    x = {"x": np.linspace(-2, 2, reference.FULL_LIMIT + 100)}
    est = reference.gradient(scalar_of(np.sin), x, ["x"], rng=np.random.default_rng(1))["x"]
    assert est.directions.shape == (reference.SAMPLED_COORDINATES + reference.PROJECTIONS, x["x"].size)
    unit_rows = (est.directions == 1.0).sum(axis=1) == 1
    assert unit_rows.sum() == reference.SAMPLED_COORDINATES
    np.testing.assert_allclose(est.value, est.directions @ np.cos(x["x"]), rtol=1e-9, atol=1e-12)


def test_unconnected_source_has_exactly_zero_derivative():
    est = reference.gradient(lambda p: np.atleast_1d(np.sum(p["x"] ** 2)), {"x": np.ones(2), "y": np.ones(3)}, ["y"])
    assert np.array_equal(est["y"].value, np.zeros(3))


def test_numpy_conv2d_matches_a_direct_loop():
    from harness.numpy_ops import conv2d

    rng = np.random.default_rng(0)
    x, w = rng.normal(size=(2, 5, 6, 3)), rng.normal(size=(3, 2, 3, 4))
    out = conv2d(x, w)
    direct = np.zeros((2, 3, 5, 4))
    for i in range(3):
        for j in range(5):
            direct[:, i, j, :] = np.tensordot(x[:, i:i + 3, j:j + 2, :], w, axes=([1, 2, 3], [0, 1, 2]))
    np.testing.assert_allclose(out, direct, rtol=1e-12)


#: (name, f, f', a point near its domain edge or pole): where a first step of 2⁻⁵·max(1, |x|) left the domain
NEAR_EDGES = [
    ("log at 1e-8", np.log, lambda v: 1 / v, 1e-8),
    ("1/x at 1e-6", lambda v: 1 / v, lambda v: -1 / v ** 2, 1e-6),
    ("sqrt at 1e-12", np.sqrt, lambda v: 0.5 / np.sqrt(v), 1e-12),
    ("exp at 700", np.exp, np.exp, 700.0),
    ("tan 1e-3 from pi/2", np.tan, lambda v: 1 / np.cos(v) ** 2, np.pi / 2 - 1e-3),
    ("atanh at 0.999", np.arctanh, lambda v: 1 / (1 - v * v), 0.999),
]


@pytest.mark.parametrize("name,f,df,at", NEAR_EDGES, ids=[e[0] for e in NEAR_EDGES])
def test_reference_is_accurate_next_to_an_edge(name, f, df, at):
    est = reference.gradient(scalar_of(f), {"x": np.array([at])}, ["x"])["x"]
    exact = df(at)
    assert abs(est.value[0] - exact) <= 1e-9 * abs(exact), f"{name}: {est.value[0]!r} vs {exact!r}"
    # the tolerance adds ERROR_FACTOR times the estimate: that much must cover the actual error
    assert abs(est.value[0] - exact) <= ERROR_FACTOR * est.error[0], f"{name}: error above its estimate"


def test_an_output_undefined_at_every_step_is_nan_and_spoils_no_other_entry():
    est = reference.jacobian(lambda p: np.log(p["x"]), {"x": np.array([0.5, -1.0, 2.0])}, ["x"])["x"]
    assert np.all(np.isnan(est.value[1])) and np.all(np.isinf(est.error[1]))  # log(-1): no finite reference
    np.testing.assert_allclose(est.value[[0, 2]], [[2.0, 0.0, 0.0], [0.0, 0.0, 0.5]], rtol=1e-10, atol=1e-14)
    assert np.all(np.isfinite(est.error[[0, 2]]))
