"""Messy user code gets the outcome a careful user expects, never a foreign traceback: a random function is named
not deterministic, a derivative that does not exist reads "reference undefined", a value that left the framework
or a custom gradient of the wrong shape is a one-line error naming the fix, and a model is left as it was found."""

from __future__ import annotations

import numpy as np
import pytest

from harness import frameworks, gradcheck, gradcheck_model
from harness.errors import Disconnected, GradcheckError, GradientMismatch, NotDeterministic, ReferenceUndefined
from tests import planted

X = np.random.default_rng(0).uniform(-1.0, 1.0, (4, 3))


def one_line(exc: BaseException) -> str:
    text = str(exc)
    assert "\n" not in text, text
    return text


def need(module: str):
    return pytest.importorskip(module)


# -- not deterministic ----------------------------------------------------------------------------------------------
def random_fns():
    """framework -> a function with randomness inside, as users leave it."""
    fns = {}
    torch = pytest.importorskip("torch")
    fns["torch"] = lambda x: x * (1 + torch.randn_like(x))
    tf = pytest.importorskip("tensorflow")
    fns["tensorflow"] = lambda x: x * (1 + tf.random.normal(tf.shape(x), dtype=x.dtype))
    jnp = pytest.importorskip("jax.numpy")
    fns["jax"] = lambda x: x * (1 + jnp.asarray(np.random.default_rng().normal(size=x.shape), x.dtype))
    return fns


@pytest.mark.parametrize("framework", ["torch", "tensorflow", "jax"])
def test_a_random_function_is_named_not_deterministic(framework):
    with pytest.raises(NotDeterministic, match=r"fn is not deterministic: two calls at the same inputs differ at "
                                                 r"output\[\d, \d\] by .*nondet_tol="):
        gradcheck(random_fns()[framework], (X,), framework=framework)


def test_dropout_left_in_train_mode_is_named_and_eval_passes():
    torch = need("torch")
    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Linear(3, 5), torch.nn.Dropout(0.5), torch.nn.Linear(5, 2)).double()
    with pytest.raises(NotDeterministic, match="inference mode"):
        gradcheck_model(net, X, framework="torch")
    net.eval()
    assert gradcheck_model(net, X, framework="torch").worst_ratio <= 1


def test_a_little_noise_is_accepted_with_nondet_tol_and_stated():
    torch = need("torch")
    noisy = lambda x: torch.sin(x) + 1e-13 * torch.randn_like(x)  # noqa: E731
    with pytest.raises(NotDeterministic):
        gradcheck(noisy, (X,), framework="torch")
    result = gradcheck(noisy, (X,), framework="torch", nondet_tol=1e-11)
    assert 0 < result.nondeterminism <= 1e-11
    with pytest.raises(GradientMismatch):  # the widened allowance still catches a real error
        gradcheck(lambda x: planted.torch_sin(0.05, (4, 3), (2, 1))(x) + 1e-13 * torch.randn_like(x), (X,),
                  framework="torch", nondet_tol=1e-11)


def test_a_nondeterministic_derivative_is_named():
    torch = need("torch")

    def backward(x, dy):
        return dy * torch.cos(x) * (1 + 0.1 * torch.rand_like(x))
    fn = planted.torch_function(torch.sin, backward)
    with pytest.raises(NotDeterministic, match=r"reverse-mode derivative is not deterministic.*args\[0\]\[\d, \d\]"):
        gradcheck(fn, (X,), framework="torch")


# -- the reference is undefined -------------------------------------------------------------------------------------
@pytest.mark.parametrize("framework", ["torch", "tensorflow", "jax"])
def test_relu_at_exactly_zero_reads_reference_undefined_with_its_one_sided_derivatives(framework):
    try:
        xp = frameworks.load(framework).xp
    except frameworks.FrameworkError as exc:
        pytest.skip(str(exc))
    x = np.array([0.5, 0.0, -0.3])
    # reverse mode weighs the output by a random cotangent c: relu's one-sided derivatives there are 0 and c
    with pytest.raises(ReferenceUndefined, match=r"args\[0\]\[1\]: not differentiable here — one-sided derivatives "
                                                 r"0 and -?(0\.\d*[1-9]|[1-9])") as caught:
        gradcheck(xp.ops.relu, (x,), framework=framework, modes=("rev", "fwd"))
    assert "the other 4 passed" in str(caught.value) and "args[0][0]" not in str(caught.value)
    assert "output[1]: not differentiable here" in str(caught.value)  # forward mode names the output entry


def test_a_wrong_gradient_beside_a_kink_is_still_wrong():
    torch = need("torch")
    relu_wrong = planted.torch_function(torch.relu, lambda x, dy: dy * (x > 0) * torch.tensor([1.0, 1.0, 1.1]))
    with pytest.raises(GradientMismatch, match=r"args\[0\]\[2\]: got") as caught:
        gradcheck(relu_wrong, (np.array([0.0, -0.3, 0.8]),), framework="torch")
    assert "args[0][0]: not differentiable here" in str(caught.value)


# -- values that leave the framework, and custom gradients of the wrong shape ---------------------------------------
def test_a_python_float_output_is_a_one_line_error():
    need("torch")
    with pytest.raises(GradcheckError, match=r"output is a Python float.*\.item\(\)"):
        gradcheck(lambda x: float(x.sum()), (X,), framework="torch")
    one_line(pytest.raises(GradcheckError, gradcheck, lambda x: x.sum().item(), (X,), framework="torch").value)


@pytest.mark.parametrize("framework", ["torch", "tensorflow", "jax"])
def test_a_numpy_output_is_a_one_line_error(framework):
    need({"tensorflow": "tensorflow", "torch": "torch", "jax": "jax"}[framework])
    with pytest.raises(GradcheckError, match=r"output is a NumPy array.*operations") as caught:
        gradcheck(lambda x: np.sin(np.asarray(x)), (X,), framework=framework)
    one_line(caught.value)


@pytest.mark.parametrize("framework", ["torch", "tensorflow"])
def test_a_detached_output_is_disconnected_in_one_line(framework):
    if framework == "torch":
        need("torch")
        fn = lambda x: x.detach() * 2  # noqa: E731
    else:
        tf = need("tensorflow")
        fn = lambda x: tf.constant(x.numpy()) * 2  # noqa: E731
    with pytest.raises(Disconnected, match=r"no gradient reaches args\[0\].*depends on it") as caught:
        gradcheck(fn, (X,), framework=framework)
    one_line(caught.value)
    assert isinstance(caught.value, GradcheckError) and isinstance(caught.value, GradientMismatch)


def test_a_custom_gradient_returning_none_for_an_input_it_uses_is_disconnected():
    torch = need("torch")

    class Scale(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x, w):
            ctx.save_for_backward(x, w)
            return x * w

        @staticmethod
        def backward(ctx, dy):
            x, w = ctx.saved_tensors
            return dy * w, None  # forgot w's gradient
    with pytest.raises(Disconnected, match=r"no gradient reaches args\[1\]") as caught:
        gradcheck(Scale.apply, (X, X + 2), framework="torch")
    one_line(caught.value)


def test_a_tf_custom_gradient_that_does_not_sum_a_broadcast_names_the_input_and_both_shapes():
    tf = need("tensorflow")

    @tf.custom_gradient
    def add(x, b):
        return x + b, lambda dy: (dy, dy)  # b was broadcast over 4 rows: its gradient must be summed over them
    with pytest.raises(GradcheckError, match=r"args\[1\] is shaped \(3,\).*\(4, 3\)|shaped \(4, 3\).*args\[1\]") as c:
        gradcheck(add, (X, X[0]), framework="tensorflow")
    one_line(c.value)


def test_a_torch_function_returning_a_gradient_of_the_wrong_shape_is_one_line():
    torch = need("torch")

    class Add(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x, b):
            return x + b

        @staticmethod
        def backward(ctx, dy):
            return dy, dy.sum(1)  # summed over the wrong axis (torch sums a broadcast gradient itself; not this)
    with pytest.raises(GradcheckError, match=r"shaped \(4,\) for args\[1\] shaped \(3,\)") as caught:
        gradcheck(Add.apply, (X, X[0]), framework="torch")
    one_line(caught.value)


def test_a_jax_custom_vjp_of_the_wrong_shape_is_one_line():
    jax, jnp = need("jax"), need("jax.numpy")

    @jax.custom_vjp
    def add(x, b):
        return x + b
    add.defvjp(lambda x, b: (x + b, None), lambda _, dy: (dy, dy))
    with pytest.raises(GradcheckError) as caught:
        gradcheck(add, (X, X[0]), framework="jax")
    assert "jax" in one_line(caught.value)
    del jnp


def test_numpy_inside_a_jax_function_under_differentiation_is_one_line():
    jnp = need("jax.numpy")

    def fn(x):
        return jnp.sin(x) * float(np.asarray(x).sum() > 0)  # fine on concrete values, not on traced ones
    with pytest.raises(GradcheckError, match="takes a value out of jax") as caught:
        gradcheck(fn, (X,), framework="jax")
    one_line(caught.value)


def test_a_custom_keras_layer_given_float64_inputs_names_the_dtypes_and_the_fix():
    keras = need("keras")

    class Dense(keras.layers.Layer):
        def build(self, shape):
            self.kernel = self.add_weight(name="kernel", shape=(shape[-1], 2), initializer="ones")

        def call(self, x):
            return x @ self.kernel  # no cast to self.compute_dtype
    layer = Dense()
    layer.build((None, 3))
    with pytest.raises(GradcheckError, match=r"weights are float32 and its inputs float64.*x\.astype\(np\.float32\)") as c:
        gradcheck_model(layer, X, framework="tensorflow")
    one_line(c.value)
    assert gradcheck_model(layer, X.astype(np.float32), framework="tensorflow").worst_ratio <= 1


# -- order 2 of a function with real inputs and complex outputs ---------------------------------------------------
@pytest.mark.parametrize("framework", ["torch", "tensorflow", "jax"])
def test_order_two_of_real_inputs_with_complex_outputs_is_checked(framework):
    try:
        xp = frameworks.load(framework).xp
    except frameworks.FrameworkError as exc:
        pytest.skip(str(exc))
    x = np.linspace(-1.0, 1.0, 5)
    def fn(x):
        z = xp.astype(x, xp.complex128)
        return xp.exp(z * 1j) * z
    result = gradcheck(fn, (x,), framework=framework, order=2, modes=("rev",))
    assert result.convention and result.worst_ratio <= 1
    with pytest.raises(GradcheckError, match="complex inputs"):
        gradcheck(fn, (x.astype(np.complex128),), framework=framework, order=2)


# -- models are left as found ---------------------------------------------------------------------------------------
def test_a_torch_model_with_batchnorm_in_train_mode_is_left_as_found():
    torch = need("torch")
    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.BatchNorm1d(4), torch.nn.Tanh(),
                              torch.nn.Linear(4, 2)).double().train()
    before = {k: v.detach().clone() for k, v in net.state_dict().items()}
    rng = torch.get_rng_state()
    gradcheck_model(net, X, framework="torch", modes=("rev", "fwd"))
    after = net.state_dict()
    assert set(after) == set(before) and "1.num_batches_tracked" in after
    for key, value in before.items():
        assert torch.equal(after[key], value), f"{key} changed"
    assert torch.equal(torch.get_rng_state(), rng) and net.training


def test_a_keras_model_with_batchnorm_is_left_as_found():
    keras = need("keras")
    keras.utils.set_random_seed(0)
    net = keras.Sequential([keras.Input((3,)), keras.layers.Dense(4), keras.layers.BatchNormalization(),
                            keras.layers.Dense(2)])
    before = [np.array(v.numpy()) for v in net.variables]
    policies = [layer.dtype_policy.name for layer in net.layers]
    gradcheck_model(net, X.astype(np.float32), framework="tensorflow")
    for v, value in zip(net.variables, before):
        np.testing.assert_array_equal(v.numpy(), value, err_msg=v.path)
    assert [layer.dtype_policy.name for layer in net.layers] == policies


def test_a_jax_model_is_left_as_found():
    jnp = need("jax.numpy")
    params = {"w": np.random.default_rng(1).normal(size=(3, 2)), "b": np.zeros(2)}
    copy = {k: v.copy() for k, v in params.items()}
    gradcheck_model((lambda p, x: jnp.tanh(x @ p["w"] + p["b"]), params), X, framework="jax", order=2)
    for key in copy:
        np.testing.assert_array_equal(params[key], copy[key])
