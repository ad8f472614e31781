"""Each framework adapter on trivial functions whose derivatives are known, and the errors a user
sees for an unknown framework, a missing one, or a device that is not there."""

import numpy as np
import pytest

from harness import frameworks
from harness.frameworks.base import FrameworkUnavailable

pytestmark = pytest.mark.parametrize("framework", frameworks.FRAMEWORKS)

X = np.array([1.0, -2.0, 0.5])


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_vjp_of_sum_of_squares_keeps_dtype(adapter, dtype):
    grads = adapter.vjp(lambda xp, x: xp.sum(x ** 2), {"x": X.astype(dtype)}, ["x"])
    assert grads["x"].dtype == np.dtype(dtype), "float64 must stay float64 (JAX needs jax_enable_x64)"
    np.testing.assert_allclose(grads["x"], 2 * X, rtol=1e-6)


def test_vjp_with_cotangent_and_dict_target(adapter):
    cot = [np.array([1.0, 0.0, 2.0])]
    grads = adapter.vjp(lambda xp, x: xp.sin(x), {"x": X}, ["x"], cot)
    np.testing.assert_allclose(grads["x"], np.cos(X) * cot[0], rtol=1e-12)
    summed = adapter.vjp(lambda xp, x: {"a": x ** 2, "b": 3.0 * x}, {"x": X}, ["x"])
    np.testing.assert_allclose(summed["x"], 2 * X + 3.0, rtol=1e-12)


def test_zero_unconnected_gives_zeros(adapter):
    grads = adapter.vjp(lambda xp, x, y: xp.sum(x), {"x": X, "y": X}, ["x", "y"], zero_unconnected=True)
    assert np.array_equal(grads["y"], np.zeros(3))


def test_jvp_jacobian_hvp(adapter):
    f = lambda xp, x: x ** 3  # noqa: E731
    (tangent,) = adapter.jvp(f, {"x": X}, {"x": np.ones(3)})
    np.testing.assert_allclose(tangent, 3 * X ** 2, rtol=1e-12)
    jac = adapter.jacobian(f, {"x": X}, ["x"])["x"]
    np.testing.assert_allclose(jac, np.diag(3 * X ** 2), rtol=1e-12)
    hv = adapter.hvp(lambda xp, x: xp.sum(x ** 3), {"x": X}, {"x": np.ones(3)})["x"]
    np.testing.assert_allclose(hv, 6 * X, rtol=1e-12)


def test_per_target_gives_one_gradient_per_target(adapter):
    def f(xp, x):
        y = x * x
        return {"y": y, "z": y * y}
    grads = adapter.per_target(f, {"x": X}, ["x"])
    np.testing.assert_allclose(grads["y"]["x"], 2 * X)
    np.testing.assert_allclose(grads["z"]["x"], 4 * X ** 3)


def test_tensor_numpy_round_trip(adapter):
    a = np.arange(6.0).reshape(2, 3)
    back = adapter.numpy(adapter.tensor(a))
    assert back.dtype == a.dtype and np.array_equal(back, a)


def test_cuda_absent_is_a_clear_error(framework):
    try:
        cls = frameworks.adapter_class(framework)
    except FrameworkUnavailable as exc:
        pytest.skip(str(exc))
    if "cuda" in cls.device_names():
        pytest.skip(f"{framework} sees a GPU here; the error path needs a machine without one")
    with pytest.raises(frameworks.DeviceUnavailable, match="--device cpu"):
        cls("cuda")


def test_unknown_framework_names_the_choices(framework):
    assert frameworks.canonical(framework.upper()) == framework
    with pytest.raises(frameworks.UnknownFramework, match="choose from tensorflow, torch, jax"):
        frameworks.canonical("mxnet")


def test_missing_framework_names_the_install(framework, monkeypatch):
    from dataclasses import replace

    from harness.frameworks import registry

    entry = registry.BY_NAME[framework]
    broken = replace(entry, adapter="harness.frameworks.not_a_module:" + entry.adapter.split(":")[1])
    monkeypatch.setitem(registry.BY_NAME, framework, broken)
    frameworks.adapter_class.cache_clear()
    try:
        with pytest.raises(FrameworkUnavailable, match=f"pip install {entry.install.split()[0]}"):
            frameworks.adapter_class(framework)
    finally:
        frameworks.adapter_class.cache_clear()

