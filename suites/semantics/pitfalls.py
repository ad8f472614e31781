"""The pitfalls people hit porting between TensorFlow, PyTorch and JAX: why a gradient is None,
why a loop drifts, why a call raises. Each scenario is written the way a user writes it, in each
framework; the fix is written the same way and checked against the float64 reference.
"""

from __future__ import annotations

import numpy as np

from harness.semantics import Behaviour, Expected, na
from suites.semantics.grads import jax_x64, reference_grad

X = np.array([1.0, 2.0, 3.0])
W = np.array([0.5, -1.0, 2.0])


def weighted_squares(w):
    return w * X ** 2  # loss = sum(w · x²): d/dw = x²


def ref_weighted():
    return reference_grad(weighted_squares, W)


# -- weights that are not sources ------------------------------------------------------------------

def tf_constant_weights(fix: bool = False):
    import tensorflow as tf

    w = tf.Variable(W) if fix else tf.constant(W)
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(w * X ** 2)
    return tape.gradient(loss, w)


def tf_watched_constant():
    import tensorflow as tf

    w = tf.constant(W)
    with tf.GradientTape() as tape:
        tape.watch(w)
        loss = tf.reduce_sum(w * X ** 2)
    return tape.gradient(loss, w)


def torch_plain_weights(fix: bool = False):
    import torch

    w = torch.tensor(W, requires_grad=fix)
    (g,) = torch.autograd.grad((w * torch.tensor(X) ** 2).sum(), w)
    return g


def jax_weights():
    jax, jnp = jax_x64()

    return jax.grad(lambda w: jnp.sum(w * X ** 2))(W)


def tf_untrainable(fix: bool = False):
    import tensorflow as tf

    w = tf.Variable(W, trainable=False)
    with tf.GradientTape() as tape:
        if fix:
            tape.watch(w)
        loss = tf.reduce_sum(w * X ** 2)
    return tape.gradient(loss, w)


def torch_frozen_parameter(fix: bool = False):
    import torch

    w = torch.nn.Parameter(torch.tensor(W), requires_grad=False)
    if fix:
        w.requires_grad_(True)
    (g,) = torch.autograd.grad((w * torch.tensor(X) ** 2).sum(), w)
    return g


# -- a variable replaced by a tensor inside a training loop -----------------------------------------

LR = 0.1


def quadratic(w):
    return (3.0 * w - 2.0) ** 2


def ref_second_step():
    w1 = 1.0 - LR * reference_grad(quadratic, [1.0]).value[0]
    return reference_grad(quadratic, [w1])


def tf_loop(fix: bool = False):
    import tensorflow as tf

    w = tf.Variable(1.0, dtype=tf.float64)
    for step in range(2):
        with tf.GradientTape() as tape:
            loss = (3.0 * w - 2.0) ** 2
        grad = tape.gradient(loss, w)
        if step == 1:
            return grad
        if fix:
            w.assign_sub(LR * grad)
        else:
            w = w - LR * grad  # w is now a plain Tensor: the next tape does not watch it


def torch_loop(fix: bool = False):
    import torch

    w = torch.tensor(1.0, dtype=torch.float64, requires_grad=True)
    for step in range(2):
        loss = (3.0 * w - 2.0) ** 2
        loss.backward()
        if step == 1:
            return w.grad
        if fix:
            with torch.no_grad():
                w -= LR * w.grad
            w.grad = None
        else:
            w = w - LR * w.grad  # w is now a non-leaf: its .grad stays None


def jax_loop():
    jax, _ = jax_x64()

    w, grad = 1.0, None
    for _ in range(2):
        grad = jax.grad(lambda v: (3.0 * v - 2.0) ** 2)(w)
        w = w - LR * grad
    return grad


# -- values that leave the framework through NumPy --------------------------------------------------

def tf_numpy_inside(fix: bool = False):
    import tensorflow as tf

    w = tf.Variable(W)
    with tf.GradientTape() as tape:
        squared = tf.square(w) if fix else tf.constant(np.square(w.numpy()))
        loss = tf.reduce_sum(squared)
    return tape.gradient(loss, w)


def torch_numpy_inside(fix: bool = False):
    import torch

    w = torch.tensor(W, requires_grad=True)
    squared = w ** 2 if fix else torch.tensor(np.square(w.numpy()))
    (g,) = torch.autograd.grad(squared.sum(), w)
    return g


def jax_numpy_inside(fix: bool = False):
    jax, jnp = jax_x64()

    return jax.grad(lambda w: jnp.sum(jnp.square(w) if fix else np.square(w)))(W)


# -- integer inputs ------------------------------------------------------------------------------

def tf_integer(fix: bool = False):
    import tensorflow as tf

    v = tf.Variable(3.0 if fix else 3)
    with tf.GradientTape() as tape:
        y = v * v
    return tape.gradient(y, v)


def torch_integer(fix: bool = False):
    import torch

    v = torch.tensor(3.0 if fix else 3).requires_grad_()
    (g,) = torch.autograd.grad(v * v, v)
    return g


def jax_integer(fix: bool = False):
    jax, _ = jax_x64()

    return jax.grad(lambda v: v * v)(3.0 if fix else 3)


# -- one recording, two gradients ------------------------------------------------------------------

def tf_two_gradients(persistent: bool = False):
    import tensorflow as tf

    x = tf.Variable([1.0, 3.0], dtype=tf.float64)
    with tf.GradientTape(persistent=persistent) as tape:
        y = x * x
        z = y * y
    tape.gradient(z, x)
    return tape.gradient(y, x)


def torch_two_gradients(retain: bool = False):
    import torch

    x = torch.tensor([1.0, 3.0], dtype=torch.float64, requires_grad=True)
    y = x * x
    z = y * y
    torch.autograd.grad(z.sum(), x, retain_graph=retain)
    (g,) = torch.autograd.grad(y.sum(), x)
    return g


def jax_two_gradients():
    jax, jnp = jax_x64()

    x = jnp.array([1.0, 3.0])
    (y, z), pullback = jax.vjp(lambda v: (v * v, (v * v) ** 2), x)
    pullback((jnp.zeros_like(y), jnp.ones_like(z)))
    return pullback((jnp.ones_like(y), jnp.zeros_like(z)))[0]


def tf_gradient_inside_context():
    import tensorflow as tf

    x = tf.Variable([1.0, 3.0], dtype=tf.float64)
    with tf.GradientTape(persistent=True) as tape:
        y = x * x
        g = tape.gradient(y, x)
    return g


# -- .grad accumulation ---------------------------------------------------------------------------

def torch_backward_twice(zero: bool = False):
    import torch

    x = torch.tensor([2.0], dtype=torch.float64, requires_grad=True)
    for _ in range(2):
        if zero:
            x.grad = None
        (x * x).sum().backward()
    return x.grad


def tf_gradient_twice():
    import tensorflow as tf

    x = tf.Variable([2.0], dtype=tf.float64)
    with tf.GradientTape(persistent=True) as tape:
        y = tf.reduce_sum(x * x)
    tape.gradient(y, x)
    return tape.gradient(y, x)


def jax_gradient_twice():
    jax, _ = jax_x64()

    grad = jax.grad(lambda v: (v * v).sum())
    grad(np.array([2.0]))
    return grad(np.array([2.0]))


def torch_after_zero_grad(set_to_none: bool = True):
    import torch

    p = torch.nn.Parameter(torch.tensor([2.0], dtype=torch.float64))
    opt = torch.optim.SGD([p], lr=0.1)
    (p * p).sum().backward()
    opt.zero_grad(set_to_none=set_to_none)
    return p.grad


def torch_after_zero_grad_then_backward():
    import torch

    p = torch.nn.Parameter(torch.tensor([2.0], dtype=torch.float64))
    opt = torch.optim.SGD([p], lr=0.1)
    (p * p).sum().backward()
    opt.zero_grad()
    (p * p).sum().backward()
    return p.grad


# -- gradient w.r.t. an intermediate ---------------------------------------------------------------

def torch_nonleaf(retain: bool = False):
    import torch

    x = torch.tensor(X, requires_grad=True)
    y = x * 2.0
    if retain:
        y.retain_grad()
    (y ** 2).sum().backward()
    return y.grad


def tf_intermediate():
    import tensorflow as tf

    x = tf.Variable(X)
    with tf.GradientTape() as tape:
        y = x * 2.0
        z = tf.reduce_sum(y ** 2)
    return tape.gradient(z, y)


def ref_intermediate():
    return reference_grad(lambda y: y ** 2, 2.0 * X)


# -- sources the target does not use ----------------------------------------------------------------

def tf_unconnected(zero: bool = False):
    import tensorflow as tf

    x, y = tf.Variable(X), tf.Variable(W)
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(x * x)
    return tape.gradient(loss, [x, y], unconnected_gradients="zero" if zero else "none")[1]


def torch_unconnected(option: str = ""):
    import torch

    x, y = torch.tensor(X, requires_grad=True), torch.tensor(W, requires_grad=True)
    kwargs = {"allow_unused": True} if option == "allow_unused" else {}
    if option == "materialize":
        kwargs = {"allow_unused": True, "materialize_grads": True}
    return torch.autograd.grad((x * x).sum(), [x, y], **kwargs)[1]


def torch_backward_unused():
    import torch

    x, y = torch.tensor(X, requires_grad=True), torch.tensor(W, requires_grad=True)
    (x * x).sum().backward()
    return y.grad


def jax_unconnected():
    jax, jnp = jax_x64()

    return jax.grad(lambda x, y: jnp.sum(x * x), argnums=1)(X, W)


def tf_keras_unconnected_zero(fix: bool = False):
    import tensorflow as tf

    layer = tf.keras.layers.Dense(2, dtype="float64")
    layer.build((None, 3))
    x = tf.constant(X[None, :])
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(x * 2.0)
    if fix:
        grad = tape.gradient(loss, layer.kernel)
        return tf.zeros_like(layer.kernel) if grad is None else grad
    return tape.gradient(loss, layer.kernel, unconnected_gradients=tf.UnconnectedGradients.ZERO)


def ref_unconnected():
    return reference_grad(lambda y: 0.0 * y, W)


# -- non-scalar targets ----------------------------------------------------------------------------

def tf_nonscalar():
    import tensorflow as tf

    x = tf.Variable(X)
    with tf.GradientTape() as tape:
        y = x * x
    return tape.gradient(y, x)


def torch_nonscalar(fix: bool = False):
    import torch

    x = torch.tensor(X, requires_grad=True)
    y = x * x
    y.backward(torch.ones_like(y) if fix else None)
    return x.grad


def jax_nonscalar(fix: bool = False):
    jax, jnp = jax_x64()

    if fix:
        y, pullback = jax.vjp(lambda v: v * v, jnp.asarray(X))
        return pullback(jnp.ones_like(y))[0]
    return jax.grad(lambda v: v * v)(X)


# -- float64 in JAX -----------------------------------------------------------------------------------

def jax_float64(x64: bool = False):
    jax, jnp = jax_x64()

    with jax.enable_x64(x64):
        return jax.grad(lambda w: jnp.sum(w * X ** 2))(W)


def tf_float64():
    return tf_constant_weights(fix=True)


def torch_float64():
    return torch_plain_weights(fix=True)


# -- stop_gradient / detach / no_grad ------------------------------------------------------------------

def tf_stopped(fix: bool = False):
    import tensorflow as tf

    x = tf.Variable(X)
    with tf.GradientTape() as tape:
        y = x if fix else tf.stop_gradient(x)
        loss = tf.reduce_sum(y ** 2)
    return tape.gradient(loss, x)


def torch_stopped(fix: bool = False):
    import torch

    x = torch.tensor(X, requires_grad=True)
    y = x if fix else x.detach()
    (g,) = torch.autograd.grad((y ** 2).sum(), x)
    return g


def jax_stopped(fix: bool = False):
    jax, jnp = jax_x64()

    return jax.grad(lambda x: jnp.sum((x if fix else jax.lax.stop_gradient(x)) ** 2))(X)


def tf_not_recording(fix: bool = False):
    import tensorflow as tf

    x = tf.Variable(X)
    with tf.GradientTape() as tape:
        if fix:
            loss = tf.reduce_sum(x ** 2)
        else:
            with tape.stop_recording():
                loss = tf.reduce_sum(x ** 2)
    return tape.gradient(loss, x)


def torch_no_grad(fix: bool = False):
    import torch

    x = torch.tensor(X, requires_grad=True)
    if fix:
        loss = (x ** 2).sum()
    else:
        with torch.no_grad():
            loss = (x ** 2).sum()
    (g,) = torch.autograd.grad(loss, x)
    return g


def ref_squares():
    return reference_grad(lambda x: x ** 2, X)


# -- second derivative of a linear function -----------------------------------------------------------

def tf_second_of_linear(zero: bool = False):
    import tensorflow as tf

    x = tf.Variable([2.0], dtype=tf.float64)
    unconnected = "zero" if zero else "none"
    with tf.GradientTape() as outer:
        with tf.GradientTape() as inner:
            y = tf.reduce_sum(3.0 * x)
        g = inner.gradient(y, x)
    return outer.gradient(g, x, unconnected_gradients=unconnected)


def torch_second_of_linear(zero: bool = False):
    import torch

    x = torch.tensor([2.0], dtype=torch.float64, requires_grad=True)
    (g,) = torch.autograd.grad((3.0 * x).sum(), x, create_graph=True)
    if zero and not g.requires_grad:
        return torch.zeros_like(x)  # torch's answer when the gradient is constant: nothing to differentiate
    (h,) = torch.autograd.grad(g.sum(), x)
    return h


def jax_second_of_linear():
    jax, _ = jax_x64()

    return jax.grad(jax.grad(lambda x: 3.0 * x))(2.0)


def ref_second_of_linear():
    return reference_grad(lambda x: 0.0 * x, [2.0])


# -- gather --------------------------------------------------------------------------------------------

IDX = [1, 2, 2]


def tf_gather(dense: bool = False):
    import tensorflow as tf

    x = tf.Variable(X)
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(tf.gather(x, IDX))
    g = tape.gradient(loss, x)
    return tf.convert_to_tensor(g) if dense else g


def torch_gather():
    import torch

    x = torch.tensor(X, requires_grad=True)
    (g,) = torch.autograd.grad(x[IDX].sum(), x)
    return g


def jax_gather():
    jax, jnp = jax_x64()

    return jax.grad(lambda x: jnp.sum(x[jnp.array(IDX)]))(jnp.asarray(X))


def ref_gather():
    return reference_grad(lambda x: x[IDX], X)


# -- in-place modification of a saved tensor ------------------------------------------------------------

def torch_inplace(fix: bool = False):
    import torch

    x = torch.tensor(X, requires_grad=True)
    e = torch.exp(x)  # exp saves its output for backward
    e = e + 1.0 if fix else e.add_(1.0)
    (g,) = torch.autograd.grad(e.sum(), x)
    return g


def ref_exp():
    return reference_grad(lambda x: np.exp(x) + 1.0, X)


PURE = "JAX differentiates pure functions of their arguments: there is no tape or variable to get wrong"

BEHAVIOURS = [
    Behaviour("sources/plain-tensor-weights", "weights created as a plain tensor, not a variable / leaf", {
        "tensorflow": Expected("none", "a tape watches only tf.Variables (trainable) by default; a tf.constant "
                               "is not watched, so its gradient is None, silently"),
        "torch": Expected("error:RuntimeError", "a tensor without requires_grad is not in the graph"),
        "jax": Expected("value", PURE)},
        {"tensorflow": tf_constant_weights, "torch": torch_plain_weights, "jax": jax_weights},
        fix="TF: tf.Variable (or tape.watch); torch: requires_grad=True",
        fixed={"tensorflow": lambda: tf_constant_weights(True), "torch": lambda: torch_plain_weights(True),
               "jax": jax_weights}, reference=ref_weighted),
    Behaviour("sources/tape-watch-constant", "tape.watch(constant) makes a plain tensor a source", {
        "tensorflow": Expected("value", "watched tensors are recorded like variables"),
        "torch": na("no tape: requires_grad_() is torch's watch"), "jax": na(PURE)},
        {"tensorflow": tf_watched_constant}, fix="(this is a fix)",
        fixed={"tensorflow": tf_watched_constant}, reference=ref_weighted),
    Behaviour("sources/trainable-false", "a variable marked not trainable", {
        "tensorflow": Expected("none", "trainable=False variables are not watched automatically: None, silently"),
        "torch": Expected("error:RuntimeError", "a Parameter with requires_grad=False is not in the graph"),
        "jax": na("JAX has no trainable flag: leave the argument out of argnums, or lax.stop_gradient")},
        {"tensorflow": tf_untrainable, "torch": torch_frozen_parameter},
        fix="TF: tape.watch(v) if you do want it; torch: requires_grad_(True)",
        fixed={"tensorflow": lambda: tf_untrainable(True), "torch": lambda: torch_frozen_parameter(True)},
        reference=ref_weighted),
    Behaviour("loops/variable-replaced", "updating weights with w = w - lr·g inside a training loop", {
        "tensorflow": Expected("none", "w becomes a Tensor after the first step; the next tape does not watch it"),
        "torch": Expected("none", "w becomes a non-leaf after the first step; its .grad is not populated "
                          "(torch warns)", warns="not a leaf Tensor"),
        "jax": Expected("value", PURE)},
        {"tensorflow": tf_loop, "torch": torch_loop, "jax": jax_loop},
        fix="TF: w.assign_sub(lr·g); torch: with torch.no_grad(): w -= lr·w.grad, then reset w.grad",
        fixed={"tensorflow": lambda: tf_loop(True), "torch": lambda: torch_loop(True), "jax": jax_loop},
        reference=ref_second_step),
    Behaviour("escape/numpy-inside", "a value taken out through NumPy and back inside the recording", {
        "tensorflow": Expected("none", "the tape cannot see through .numpy(): the path is cut, None, silently"),
        "torch": Expected("error:RuntimeError", "torch refuses .numpy() on a tensor that requires grad"),
        "jax": Expected("error:TracerArrayConversionError", "a traced value cannot become a NumPy array",
                        link="https://docs.jax.dev/en/latest/errors.html")},
        {"tensorflow": tf_numpy_inside, "torch": torch_numpy_inside, "jax": jax_numpy_inside},
        fix="stay in the framework's ops (tf.square, torch.square, jnp.square)",
        fixed={"tensorflow": lambda: tf_numpy_inside(True), "torch": lambda: torch_numpy_inside(True),
               "jax": lambda: jax_numpy_inside(True)},
        reference=lambda: reference_grad(lambda w: w ** 2, W)),
    Behaviour("dtypes/integer-source", "an integer variable / tensor as the source", {
        "tensorflow": Expected("none", "integers are not differentiable: None, with no Python warning (measured)"),
        "torch": Expected("error:RuntimeError", "only floating point tensors can require gradients"),
        "jax": Expected("error:TypeError", "grad requires inexact (float) inputs; allow_int=True gives float0")},
        {"tensorflow": tf_integer, "torch": torch_integer, "jax": jax_integer},
        fix="make the source floating point (3.0, not 3)",
        fixed={"tensorflow": lambda: tf_integer(True), "torch": lambda: torch_integer(True),
               "jax": lambda: jax_integer(True)},
        reference=lambda: reference_grad(lambda v: v * v, [3.0])),
    Behaviour("recording/second-gradient", "a second gradient from one default (one-shot) recording", {
        "tensorflow": Expected("error:RuntimeError", "a non-persistent tape gives one set of gradients"),
        "torch": Expected("error:RuntimeError", "the first grad frees the graph's saved tensors"),
        "jax": Expected("value", "vjp's pullback is a pure function: call it any number of times")},
        {"tensorflow": tf_two_gradients, "torch": torch_two_gradients, "jax": jax_two_gradients},
        fix="TF: GradientTape(persistent=True); torch: retain_graph=True on the first call",
        fixed={"tensorflow": lambda: tf_two_gradients(True), "torch": lambda: torch_two_gradients(True),
               "jax": jax_two_gradients},
        reference=lambda: reference_grad(lambda v: v * v, [1.0, 3.0])),
    Behaviour("recording/gradient-inside-context", "tape.gradient called inside a persistent tape's `with`", {
        "tensorflow": Expected("value", "it works, but records the gradient ops too (slower, more memory); TF "
                               "logs a warning about it once per process, so it is not asserted here"),
        "torch": na("no tape context"), "jax": na(PURE)},
        {"tensorflow": tf_gradient_inside_context}, fix="call tape.gradient after the with block",
        fixed={"tensorflow": lambda: tf_two_gradients(True)},
        reference=lambda: reference_grad(lambda v: v * v, [1.0, 3.0])),
    Behaviour("accumulation/backward-twice", "two backward passes without resetting the gradient (y = x², x = 2)", {
        "tensorflow": Expected("value", "tape.gradient returns a fresh gradient each call", value=[4.0]),
        "torch": Expected("value", ".grad accumulates across backward() calls: 4 + 4 = 8", value=[8.0]),
        "jax": Expected("value", "grad returns a fresh gradient each call", value=[4.0])},
        {"tensorflow": tf_gradient_twice, "torch": torch_backward_twice, "jax": jax_gradient_twice},
        fix="torch: optimizer.zero_grad() (or x.grad = None) before each backward",
        fixed={"tensorflow": tf_gradient_twice, "torch": lambda: torch_backward_twice(True),
               "jax": jax_gradient_twice},
        reference=lambda: reference_grad(lambda v: v * v, [2.0])),
    Behaviour("accumulation/zero-grad-sets-none", "after optimizer.zero_grad(), what is p.grad?", {
        "tensorflow": na("no stored .grad: gradients are returned, not accumulated"),
        "torch": Expected("none", "zero_grad sets .grad to None by default (set_to_none=True since torch 2.0); "
                          "code that reads p.grad before the next backward breaks"),
        "jax": na(PURE)},
        {"torch": torch_after_zero_grad}, fix="zero_grad(set_to_none=False) where zeros are needed; otherwise "
        "read .grad only after backward()",
        fixed={"torch": torch_after_zero_grad_then_backward}, reference=lambda: reference_grad(lambda v: v * v, [2.0])),
    Behaviour("intermediates/non-leaf-grad", ".grad of an intermediate (non-leaf) value", {
        "tensorflow": Expected("value", "tape.gradient(z, y) differentiates w.r.t. any recorded tensor"),
        "torch": Expected("none", ".grad is kept for leaves only; torch warns", warns="not a leaf Tensor"),
        "jax": na("restructure: make the intermediate an argument of the function you differentiate")},
        {"tensorflow": tf_intermediate, "torch": torch_nonleaf},
        fix="torch: y.retain_grad() before backward, or torch.autograd.grad(z, y)",
        fixed={"tensorflow": tf_intermediate, "torch": lambda: torch_nonleaf(True)}, reference=ref_intermediate),
    Behaviour("unconnected/default", "a source the loss does not use", {
        "tensorflow": Expected("none", "None for an unconnected source, silently"),
        "torch": Expected("error:RuntimeError", "autograd.grad refuses an input that is not in the graph"),
        "jax": Expected("value", "the gradient of a pure function w.r.t. an unused argument is 0",
                        value=[0.0, 0.0, 0.0])},
        {"tensorflow": tf_unconnected, "torch": torch_unconnected, "jax": jax_unconnected},
        fix="TF: unconnected_gradients=ZERO; torch: materialize_grads=True (with allow_unused)",
        fixed={"tensorflow": lambda: tf_unconnected(True), "torch": lambda: torch_unconnected("materialize"),
               "jax": jax_unconnected}, reference=ref_unconnected),
    Behaviour("unconnected/torch-allow-unused", "torch.autograd.grad(..., allow_unused=True) for an unused input", {
        "tensorflow": na("None is already TF's default"), "torch": Expected("none", "allow_unused turns the "
                                                                             "error into None"),
        "jax": na(PURE)}, {"torch": lambda: torch_unconnected("allow_unused")},
        fix="materialize_grads=True for zeros", fixed={"torch": lambda: torch_unconnected("materialize")},
        reference=ref_unconnected),
    Behaviour("unconnected/backward-leaves-none", "loss.backward() with a leaf the loss does not use", {
        "tensorflow": na("no .backward()"), "torch": Expected("none", "backward() leaves .grad None for an unused "
                                                               "leaf, silently"),
        "jax": na(PURE)}, {"torch": torch_backward_unused}, fix="treat None as zeros: p.grad or torch.zeros_like(p)",
        fixed={"torch": lambda: torch_unconnected("materialize")}, reference=ref_unconnected),
    Behaviour("unconnected/keras3-zero", "unconnected_gradients=ZERO for a Keras 3 layer variable", {
        "tensorflow": Expected("error:AttributeError", "Keras 3 variables break TF's ZERO fill for unconnected "
                               "sources", link="https://github.com/tensorflow/tensorflow/issues/116636"),
        "torch": na("no Keras"), "jax": na("no Keras")},
        {"tensorflow": tf_keras_unconnected_zero}, fix="take the default None and replace it with zeros_like(var)",
        fixed={"tensorflow": lambda: tf_keras_unconnected_zero(True)},
        reference=lambda: reference_grad(lambda k: 0.0 * k, np.zeros((3, 2)))),
    Behaviour("targets/non-scalar", "the gradient of a vector target (y = x², x = [1, 2, 3])", {
        "tensorflow": Expected("value", "TF sums a non-scalar target silently: the gradient of sum(y)",
                               value=2.0 * X),
        "torch": Expected("error:RuntimeError", "backward() needs grad_outputs for a non-scalar output"),
        "jax": Expected("error:TypeError", "jax.grad needs a scalar output; use jax.vjp or jax.jacrev")},
        {"tensorflow": tf_nonscalar, "torch": torch_nonscalar, "jax": jax_nonscalar},
        fix="torch: y.backward(torch.ones_like(y)); JAX: jax.vjp with ones (or sum first)",
        fixed={"tensorflow": tf_nonscalar, "torch": lambda: torch_nonscalar(True), "jax": lambda: jax_nonscalar(True)},
        reference=lambda: reference_grad(lambda x: x * x, X)),
    Behaviour("dtypes/jax-float64-without-x64", "float64 inputs, default settings", {
        "tensorflow": Expected("value", "float64 stays float64", dtype="float64"),
        "torch": Expected("value", "float64 stays float64", dtype="float64"),
        "jax": Expected("value", "without jax_enable_x64 JAX computes float64 inputs in float32, silently",
                        dtype="float32")},
        {"tensorflow": tf_float64, "torch": torch_float64, "jax": jax_float64},
        fix="JAX: jax.config.update('jax_enable_x64', True) at start-up",
        fixed={"tensorflow": tf_float64, "torch": torch_float64, "jax": lambda: jax_float64(True)},
        reference=ref_weighted),
    Behaviour("stopping/stop-gradient-only-path", "the loss reaches the source only through stop_gradient / detach", {
        "tensorflow": Expected("none", "tf.stop_gradient cuts the only path: None"),
        "torch": Expected("error:RuntimeError", "detach() leaves nothing that requires grad"),
        "jax": Expected("value", "lax.stop_gradient gives zeros", value=[0.0, 0.0, 0.0])},
        {"tensorflow": tf_stopped, "torch": torch_stopped, "jax": jax_stopped},
        fix="remove the stop where a gradient is wanted",
        fixed={"tensorflow": lambda: tf_stopped(True), "torch": lambda: torch_stopped(True),
               "jax": lambda: jax_stopped(True)}, reference=ref_squares),
    Behaviour("stopping/not-recording", "the loss computed inside tape.stop_recording() / torch.no_grad()", {
        "tensorflow": Expected("none", "ops under stop_recording are not on the tape"),
        "torch": Expected("error:RuntimeError", "under no_grad the result does not require grad"),
        "jax": na(PURE)},
        {"tensorflow": tf_not_recording, "torch": torch_no_grad},
        fix="compute the loss outside the context",
        fixed={"tensorflow": lambda: tf_not_recording(True), "torch": lambda: torch_no_grad(True)},
        reference=ref_squares),
    Behaviour("higher/second-derivative-of-linear", "d²(3x)/dx² at 2", {
        "tensorflow": Expected("none", "the first gradient is a constant, not connected to x: None"),
        "torch": Expected("error:RuntimeError", "the first gradient does not require grad"),
        "jax": Expected("value", "zeros", value=0.0)},
        {"tensorflow": tf_second_of_linear, "torch": torch_second_of_linear, "jax": jax_second_of_linear},
        fix="TF: unconnected_gradients=ZERO on the outer tape; torch: check g.requires_grad, else zeros",
        fixed={"tensorflow": lambda: tf_second_of_linear(True), "torch": lambda: torch_second_of_linear(True),
               "jax": jax_second_of_linear}, reference=ref_second_of_linear),
    Behaviour("types/gather-gradient", "the gradient of gather(x, [1, 2, 2])", {
        "tensorflow": Expected("value", "TF returns IndexedSlices, not a dense tensor", type="IndexedSlices",
                               value=[0.0, 1.0, 2.0]),
        "torch": Expected("value", "dense", type="Tensor", value=[0.0, 1.0, 2.0]),
        "jax": Expected("value", "dense", type="ArrayImpl", value=[0.0, 1.0, 2.0])},
        {"tensorflow": tf_gather, "torch": torch_gather, "jax": jax_gather},
        fix="TF: tf.convert_to_tensor(grad) where a dense tensor is needed",
        fixed={"tensorflow": lambda: tf_gather(True), "torch": torch_gather, "jax": jax_gather}, reference=ref_gather),
    Behaviour("mutation/inplace-on-saved", "an in-place op on a tensor backward needs (exp's output)", {
        "tensorflow": na("TF tensors are immutable"),
        "torch": Expected("error:RuntimeError", "the version counter shows the saved tensor was modified in place"),
        "jax": na("JAX arrays are immutable")},
        {"torch": torch_inplace}, fix="use the out-of-place form (e = e + 1)",
        fixed={"torch": lambda: torch_inplace(True)}, reference=ref_exp),
]
