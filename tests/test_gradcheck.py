"""harness.gradcheck and gradcheck_model catch planted errors in each framework, and raise no false alarm
on the correct twin: one dict leaf, one output of a tuple, one model parameter, a second derivative,
a compiled-only difference, low precision, a complex conjugation; bad input gets a one-line error."""

import re

import numpy as np
import pytest

from harness import (
    GradcheckError,
    GradientMismatch,
    frameworks,
    gradcheck,
    gradcheck_model,
)
from harness.plans import numpy_dtype
from tests import planted

FRAMEWORKS = list(frameworks.FRAMEWORKS)
N, PLANTED = 400, 137
X = np.random.default_rng(0).uniform(-2.0, 2.0, N)


def xp_of(framework):
    try:
        return frameworks.load(framework).xp
    except frameworks.FrameworkError as exc:
        pytest.skip(str(exc))


# -- one entry of a 400-element Jacobian ----------------------------------------------------------
@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_correct_custom_gradient_passes_and_states_its_detection_power(framework, grad_seed):
    result = gradcheck(planted.SIN[framework](0.0, (N,), (PLANTED,)), (X,), framework=framework, seed=grad_seed)
    assert result.worst_ratio <= 1.0 and result.checked == N
    assert result.power.entries == N and result.power.unsampled == 0
    # the guarantee is what it says: a single-entry error above it is caught (test below, at 1%)
    assert 0 < result.power.single_entry < 0.01


@pytest.mark.parametrize("error", [0.01])
@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_single_entry_error_is_caught_and_named(framework, error, grad_seed):
    with pytest.raises(GradientMismatch, match=rf"args\[0\]\[{PLANTED}\]: got") as caught:
        gradcheck(planted.SIN[framework](error, (N,), (PLANTED,)), (X,), framework=framework, seed=grad_seed)
    assert "1 of 400 entries" in str(caught.value) and "± " in str(caught.value)


def test_large_input_error_is_caught_by_projections_and_the_guarantee_is_withdrawn():
    n = 4000  # above FULL_LIMIT: sampled coordinates plus random projections
    x = np.random.default_rng(1).uniform(-2, 2, n)
    result = gradcheck(planted.torch_sin(0.0, (n,), (n - 1,)), (x,), framework="torch")
    assert result.power.single_entry is None and result.power.unsampled == n - result.power.entries
    with pytest.raises(GradientMismatch, match="probe"):
        gradcheck(planted.torch_sin(0.5, (n,), (n - 1,)), (x,), framework="torch")


# -- pytrees: a dict leaf, a tuple output ---------------------------------------------------------
@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_a_wrong_gradient_for_one_dict_leaf_is_named_by_its_path(framework, grad_seed):
    xp = xp_of(framework)
    rng = np.random.default_rng(2)
    args = {"w": rng.normal(size=(3, 4)), "b": rng.normal(size=4), "steps": np.arange(4), "k": 2.0}

    def fn(sin):
        return lambda w, b, steps, k: {"y": xp.sum(sin(w) * b * k, axis=0) + xp.astype(steps, w.dtype)}
    assert gradcheck(fn(planted.SIN[framework](0.0, (3, 4), (2, 3))), args, framework=framework, seed=grad_seed).worst_ratio <= 1
    with pytest.raises(GradientMismatch, match=r"args\['w'\]\[2, 3\]") as caught:
        gradcheck(fn(planted.SIN[framework](0.05, (3, 4), (2, 3))), args, framework=framework, seed=grad_seed)
    assert "args['b']" not in str(caught.value)


#: whether forward mode sees the planted rule (tests/planted.py): TF's ForwardAccumulator differentiates a
#: tf.custom_gradient function's own forward ops instead (measured, TF 2.21; the semantics row
#: workflows/forward-mode-of-custom-gradient), torch calls the Function's jvp, JAX transposes custom_jvp
FORWARD_MODE_USES_CUSTOM_RULE = {"tensorflow": False, "torch": True, "jax": True}


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_one_wrong_output_of_a_tuple_returning_function_is_named(framework, grad_seed):
    xp = xp_of(framework)
    x = np.random.default_rng(3).uniform(-2, 2, 6)

    def fn(sin):
        return lambda x: (x * x, [sin(x), xp.argmax(x)])  # the integer leaf is not checked
    modes = ("rev", "fwd")
    assert gradcheck(fn(planted.SIN[framework](0.0, (6,), (4,))), (x,), framework=framework, modes=modes, seed=grad_seed)
    with pytest.raises(GradientMismatch) as caught:
        gradcheck(fn(planted.SIN[framework](0.05, (6,), (4,))), (x,), framework=framework, modes=modes, seed=grad_seed)
    message = str(caught.value)
    assert "[reverse mode] args[0][4]" in message and "output[0]" not in message
    assert ("[forward mode] output[1][0][4]" in message) == FORWARD_MODE_USES_CUSTOM_RULE[framework]


# -- models ---------------------------------------------------------------------------------------
def torch_model(error):
    torch = pytest.importorskip("torch")
    identity = planted.torch_identity(error, (4, 3), (3, 1))

    class Net(torch.nn.Module):
        def __init__(self):
            super().__init__()
            torch.manual_seed(0)
            self.dense = torch.nn.Linear(3, 4)
            self.out = torch.nn.Linear(4, 2)

        def forward(self, x):
            h = torch.tanh(torch.nn.functional.linear(x, identity(self.dense.weight), self.dense.bias))
            return self.out(h)
    return Net().double(), "dense.weight[3, 1]"


def keras_model(error):
    keras = pytest.importorskip("keras")
    identity = planted.tf_identity(error, (3, 4), (1, 3))

    class Dense(keras.layers.Layer):
        def build(self, shape):
            self.kernel = self.add_weight(name="kernel", shape=(shape[-1], 4), initializer="glorot_uniform")
            self.bias = self.add_weight(name="bias", shape=(4,), initializer="zeros")

        def call(self, x):
            # cast to the compute dtype, as a custom layer must for its policy (the float64 reference uses one)
            kernel, bias = (keras.ops.cast(v, self.compute_dtype) for v in (self.kernel, self.bias))
            return keras.ops.tanh(x @ identity(kernel) + bias)
    keras.utils.set_random_seed(0)
    return keras.Sequential([keras.Input((3,)), Dense(name="dense"), keras.layers.Dense(2, name="out")]), \
        "dense.kernel[1, 3]"


def jax_model(error):
    jnp = pytest.importorskip("jax.numpy")
    identity = planted.jax_identity(error, (3, 4), (1, 3))
    rng = np.random.default_rng(0)
    params = {"dense": {"kernel": rng.normal(size=(3, 4)), "bias": np.zeros(4)}, "out": {"kernel": rng.normal(size=(4, 2))}}

    def apply(p, x):
        return jnp.tanh(x @ identity(p["dense"]["kernel"]) + p["dense"]["bias"]) @ p["out"]["kernel"]
    return (apply, params), "dense.kernel[1, 3]"


MODELS = {"tensorflow": keras_model, "torch": torch_model, "jax": jax_model}
#: the dtype of each model's parameters, which its inputs match (Keras creates float32 weights)
MODEL_DTYPES = {"tensorflow": np.float32, "torch": np.float64, "jax": np.float64}


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_a_wrong_parameter_gradient_inside_a_model_is_named(framework, grad_seed):
    xp_of(framework)
    x = np.random.default_rng(4).normal(size=(5, 3))
    model, _ = MODELS[framework](0.0)
    result = gradcheck_model(model, x, framework=framework, seed=grad_seed)
    assert result.worst_ratio <= 1 and "inputs" in result.dtypes
    model, named = MODELS[framework](0.05)
    with pytest.raises(GradientMismatch, match=re.escape(named)):
        gradcheck_model(model, x, framework=framework, seed=grad_seed)


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_a_correct_model_passes_at_second_order(framework, grad_seed):
    """The float64 reference of a Keras model really is float64: stateless_call rounds float64 values to the
    variables' float32 and a functional model its inputs to its Input's, which made this check fail at 4x."""
    xp_of(framework)
    x = np.random.default_rng(4).normal(size=(5, 3)).astype(MODEL_DTYPES[framework])
    model, _ = MODELS[framework](0.0)
    assert gradcheck_model(model, x, framework=framework, order=2, seed=grad_seed).worst_ratio <= 1


def test_a_model_loss_and_a_keras_float32_model_are_checked_in_float32():
    keras = pytest.importorskip("keras")
    model, _ = keras_model(0.0)
    x = np.random.default_rng(5).normal(size=(5, 3)).astype(np.float32)
    result = gradcheck_model(model, x, framework="tensorflow", loss=lambda out: keras.ops.mean(out ** 2))
    assert set(result.dtypes.values()) == {"float32"} and "rtol=0.0001" in result.tolerance


# -- second order -----------------------------------------------------------------------------------
@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_a_wrong_second_derivative_behind_a_right_first_is_caught(framework, grad_seed):
    x = np.random.default_rng(6).uniform(-2, 2, 5)
    right, wrong = planted.FLAT_BACKWARD[framework](False), planted.FLAT_BACKWARD[framework](True)
    modes = ("rev", "fwd")
    assert gradcheck(wrong, (x,), framework=framework, seed=grad_seed).worst_ratio <= 1  # its first derivative is right
    assert gradcheck(right, (x,), framework=framework, order=2, modes=modes, seed=grad_seed).worst_ratio <= 1
    for mode in modes:
        with pytest.raises(GradientMismatch, match="second order"):
            gradcheck(wrong, (x,), framework=framework, order=2, modes=(mode,), seed=grad_seed)


# -- compiled ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_a_compiled_only_difference_is_caught_compiled_and_only_there(framework, grad_seed):
    x = np.random.default_rng(7).uniform(-2, 2, 8)
    fn = planted.COMPILED_ONLY[framework](0.05, (8,), (3,))
    assert gradcheck(fn, (x,), framework=framework, seed=grad_seed).regime == "eager"
    with pytest.raises(GradientMismatch, match=r"(?s)\(compiled; float64\).*args\[0\]\[3\]"):
        gradcheck(fn, (x,), framework=framework, compiled=True, seed=grad_seed)
    assert gradcheck(planted.COMPILED_ONLY[framework](0.0, (8,), (3,)), (x,), framework=framework,
                     compiled=True, seed=grad_seed).regime == "compiled"


# -- low precision ----------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_correct_low_precision_functions_raise_no_false_alarm(framework, dtype, grad_seed):
    xp = xp_of(framework)
    rng = np.random.default_rng(grad_seed)
    args = {"x": rng.normal(size=(4, 3)).astype(numpy_dtype(dtype)), "w": rng.normal(size=(3, 2)).astype(numpy_dtype(dtype))}
    result = gradcheck(lambda x, w: xp.tanh(x @ w), args, framework=framework, modes=("rev", "fwd"), seed=grad_seed)
    assert set(result.dtypes.values()) == {dtype} and result.worst_ratio <= 1


@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
def test_a_low_precision_error_beyond_the_dtype_is_still_caught(dtype):
    x = np.random.default_rng(8).uniform(-2, 2, 16).astype(numpy_dtype(dtype))
    with pytest.raises(GradientMismatch, match=rf"(?s)\(eager; {dtype}\).*args\[0\]\[5\]"):
        gradcheck(planted.torch_sin(0.5, (16,), (5,)), (x,), framework="torch")


# -- complex ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", ["complex64", "complex128"])
@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_a_complex_conjugation_error_is_caught(framework, dtype, grad_seed):
    rng = np.random.default_rng(9)
    z = (rng.normal(size=6) + 1j * rng.normal(size=6)).astype(dtype)
    result = gradcheck(planted.SQUARE[framework](False), (z,), framework=framework, seed=grad_seed)
    assert result.convention == "dL/dx + i·dL/dy" and result.worst_ratio <= 1
    with pytest.raises(GradientMismatch, match="imaginary part"):
        gradcheck(planted.SQUARE[framework](True), (z,), framework=framework, seed=grad_seed)


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_complex_functions_pass_in_both_modes(framework, grad_seed):
    xp = xp_of(framework)
    rng = np.random.default_rng(10)
    args = (rng.normal(size=(3, 3)) + 1j * rng.normal(size=(3, 3)), rng.normal(size=3))
    fn = lambda z, r: (xp.sum(xp.exp(z) * xp.astype(r, z.dtype), axis=1), xp.abs(z) ** 2, xp.real(z) * xp.imag(z))  # noqa: E731
    assert gradcheck(fn, args, framework=framework, modes=("rev", "fwd"), seed=grad_seed).worst_ratio <= 1


# -- errors: one line naming the fix ----------------------------------------------------------------
def test_bad_input_gets_a_one_line_error_naming_the_fix():
    torch = pytest.importorskip("torch")
    cases = [
        (lambda: gradcheck(lambda x: x, (np.arange(3),), framework="torch"), GradcheckError, "no floating-point"),
        (lambda: gradcheck(lambda x: x, (X,), framework="torch", modes=("sideways",)), GradcheckError, "unknown modes"),
        (lambda: gradcheck(lambda x: x, (X,), framework="mxnet"), frameworks.UnknownFramework, "choose from"),
        (lambda: gradcheck(lambda x: x, X, framework="torch"), GradcheckError, "wrap one array"),
        (lambda: gradcheck(lambda x: x, (torch.ones(3),), framework="torch"), GradcheckError, "pass NumPy arrays"),
        (lambda: gradcheck(lambda x: torch.argmax(x), (X,), framework="torch"), GradcheckError, "nothing is differentiable"),
        (lambda: gradcheck(lambda x: x.reshape(7, -1), (X,), framework="torch"), GradcheckError, "fn failed on the given args"),
        (lambda: gradcheck(lambda x: (x + torch.ones(1, dtype=torch.float32)).to(torch.float32)[:1]
                           if x.dtype == torch.float64 else x, (X.astype(np.float32),), framework="torch"),
         GradcheckError, "changes structure in float64"),
        (lambda: gradcheck(lambda x: x, (X,), framework="torch", order=3), GradcheckError, "order 1 or 2"),
        (lambda: gradcheck_model(torch.nn.ReLU(), X, framework="torch"), GradcheckError, "no trainable parameters"),
        (lambda: gradcheck_model(torch.nn.Linear(2, 2), X, framework="jax"), GradcheckError, "apply_fn"),
    ]
    for call, kind, text in cases:
        with pytest.raises(kind, match=text) as caught:
            call()
        assert "\n" not in str(caught.value), str(caught.value)


def test_a_function_that_fails_in_float64_says_so():
    tf = pytest.importorskip("tensorflow")
    x = X[:4].astype(np.float32)
    with pytest.raises(GradcheckError, match="fails with float64 inputs.*no hard-coded float32"):
        gradcheck(lambda x: x * tf.constant(2.0, tf.float32), (x,), framework="tensorflow")


#: op name -> a point within 1e-3 of its domain edge or pole, where the old fixed first step left the domain
NEAR_EDGE = {"log": 1e-3, "log1p": -0.999, "reciprocal": 1e-3, "sqrt": 1e-3, "rsqrt": 1e-3, "tan": np.pi / 2 - 1e-3,
             "atanh": 0.999}


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("op", NEAR_EDGE)
@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_correct_gradients_pass_next_to_a_domain_edge(framework, op, dtype, grad_seed):
    """The issue's user: harness.gradcheck(torch.log, x in [1e-3, 1)) raised on a correct gradient."""
    xp = xp_of(framework)
    x = np.random.default_rng(1).uniform(0.3, 0.9, 8) * np.sign(NEAR_EDGE[op])
    x[0] = NEAR_EDGE[op]
    result = gradcheck(getattr(xp.ops, op), (x.astype(dtype),), framework=framework, seed=grad_seed)
    assert result.checked == 8


def test_tensorflow_forward_mode_follows_differentiable_forward_ops_not_the_custom_gradient():
    """Why TF's forward mode misses a planted custom-gradient error (and the semantics row's TF text)."""
    pytest.importorskip("tensorflow")
    from suites.semantics import on_tensorflow, workflows

    jvp = on_tensorflow.forward_of_custom_gradient(differentiable_forward=True)  # custom gradient: 10·dy
    np.testing.assert_allclose(np.asarray(jvp), np.cos(workflows.X), rtol=1e-12)
