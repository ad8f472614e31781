"""Pitfalls of everyday workflows: inference modes, second derivatives, values taken out as Python
numbers, dtype conversions of sources, several targets at once, lazily built models."""

from __future__ import annotations

import numpy as np

from harness import reference
from harness.semantics import Behaviour, Expected, na
from suites.semantics.grads import jax_x64, reference_grad

X = np.array([1.0, 2.0])
K = np.array([[0.5, -1.0], [2.0, 0.25]])


def dense_loss(k):
    return (X[None, :] @ k.reshape(K.shape)) ** 2


# -- inference mode does not stop gradients ------------------------------------------------------

def keras_inference_mode():
    import tensorflow as tf

    layer = tf.keras.layers.Dense(2, use_bias=False, dtype="float64")
    layer.build((None, 2))
    layer.kernel.assign(K)
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(layer(X[None, :], training=False) ** 2)
    return tape.gradient(loss, layer.kernel)


def torch_eval_mode():
    import torch

    layer = torch.nn.Linear(2, 2, bias=False, dtype=torch.float64)
    with torch.no_grad():
        layer.weight.copy_(torch.tensor(K.T))
    layer.eval()
    (layer(torch.tensor(X[None, :])) ** 2).sum().backward()
    return layer.weight.grad.T


# -- a gradient of a gradient ------------------------------------------------------------------------

def tf_grad_of_grad(nested: bool = False):
    import tensorflow as tf

    x = tf.Variable([1.5, -0.5], dtype=tf.float64)
    if nested:
        with tf.GradientTape() as outer:
            with tf.GradientTape() as inner:
                y = tf.reduce_sum(x ** 3)
            g_sum = tf.reduce_sum(inner.gradient(y, x))  # inside the outer context, so it is recorded
        return outer.gradient(g_sum, x)
    with tf.GradientTape(persistent=True) as tape:
        y = tf.reduce_sum(x ** 3)
    g = tape.gradient(y, x)  # computed outside the context: not recorded
    return tape.gradient(tf.reduce_sum(g), x)


def torch_grad_of_grad(create_graph: bool = False):
    import torch

    x = torch.tensor([1.5, -0.5], dtype=torch.float64, requires_grad=True)
    (g,) = torch.autograd.grad((x ** 3).sum(), x, create_graph=create_graph)
    (h,) = torch.autograd.grad(g.sum(), x)
    return h


def jax_grad_of_grad():
    jax, jnp = jax_x64()
    return jax.grad(lambda v: jnp.sum(jax.grad(lambda u: jnp.sum(u ** 3))(v)))(jnp.array([1.5, -0.5]))


def ref_grad_of_grad():
    point = {"x": np.array([1.5, -0.5])}
    return reference.hvp(lambda p: np.atleast_1d(np.sum(p["x"] ** 3)), point, {"x": np.ones(2)})["x"]


# -- the loss taken out as a Python number -----------------------------------------------------------

def tf_python_float(fix: bool = False):
    import tensorflow as tf

    v = tf.Variable(X)
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(v ** 2)
        scaled = (loss if fix else tf.constant(float(loss), dtype=tf.float64)) * 2.0
    return tape.gradient(scaled, v)


def torch_python_float(fix: bool = False):
    import torch

    v = torch.tensor(X, requires_grad=True)
    loss = (v ** 2).sum()
    scaled = (loss if fix else torch.tensor(loss.item(), dtype=torch.float64)) * 2.0
    (g,) = torch.autograd.grad(scaled, v)
    return g


def jax_python_float(fix: bool = False):
    jax, jnp = jax_x64()
    return jax.grad(lambda v: (jnp.sum(v ** 2) if fix else float(jnp.sum(v ** 2))) * 2.0)(jnp.asarray(X))


# -- requires_grad set before a dtype conversion --------------------------------------------------------

def torch_convert_after_requires_grad(fix: bool = False):
    import torch

    if fix:
        x = torch.tensor(X, dtype=torch.float32).double().requires_grad_()
    else:
        x = torch.tensor(X, dtype=torch.float32, requires_grad=True).double()  # a non-leaf copy
    ((x ** 2).sum()).backward()
    return x.grad


def tf_cast_variable():
    import tensorflow as tf

    v = tf.Variable(X.astype(np.float32))
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(tf.cast(v, tf.float64) ** 2)
    return tape.gradient(loss, v)


# -- several targets at once ------------------------------------------------------------------------------

def tf_dict_targets():
    import tensorflow as tf

    v = tf.Variable(X)
    with tf.GradientTape() as tape:
        targets = {"a": v ** 2, "b": 1.0 / v}
    return tape.gradient(targets, v)


def torch_list_targets(fix: bool = False):
    import torch

    v = torch.tensor(X, requires_grad=True)
    targets = [v ** 2, 1.0 / v]
    (g,) = torch.autograd.grad(targets, v, grad_outputs=[torch.ones_like(t) for t in targets] if fix else None)
    return g


def jax_dict_targets(fix: bool = False):
    jax, jnp = jax_x64()

    def targets(v):
        return {"a": v ** 2, "b": 1.0 / v}
    if fix:
        out, pullback = jax.vjp(targets, jnp.asarray(X))
        return pullback(jax.tree_util.tree_map(jnp.ones_like, out))[0]
    return jax.grad(targets)(jnp.asarray(X))


# -- a Keras model before it is built ----------------------------------------------------------------------

def keras_lazy(build: bool = False):
    import tensorflow as tf

    model = tf.keras.Sequential([tf.keras.layers.Dense(2, use_bias=False, dtype="float64")])
    if build:
        model.build((None, 2))
        model.layers[0].kernel.assign(K)
    with tf.GradientTape() as tape:
        variables = list(model.trainable_variables)  # taken before the first call, as an optimizer set-up might
        loss = tf.reduce_sum(model(X[None, :]) ** 2)
    grads = tape.gradient(loss, variables)
    return grads[0] if build else np.array([len(grads)], dtype=np.float64)


BEHAVIOURS = [
    Behaviour("modes/inference-mode-differentiates", "gradients in inference mode (training=False, model.eval())", {
        "tensorflow": Expected("value", "training=False changes layer behaviour (dropout, batch norm), not recording"),
        "torch": Expected("value", "eval() switches layer behaviour; only torch.no_grad() stops recording"),
        "jax": na("no modes: a flag is an ordinary argument")},
        {"tensorflow": keras_inference_mode, "torch": torch_eval_mode},
        fix="for inference without gradients: torch.no_grad() / not recording on a tape",
        fixed={"tensorflow": keras_inference_mode, "torch": torch_eval_mode},
        reference=lambda: reference_grad(dense_loss, K)),
    Behaviour("higher/grad-of-grad-one-level", "a second derivative taken from a gradient that was not recorded", {
        "tensorflow": Expected("none", "a gradient computed outside the tape's context is not on the tape: None"),
        "torch": Expected("error:RuntimeError", "without create_graph=True the first gradient has no graph"),
        "jax": Expected("value", "grad composes: grad(grad(f)) just works")},
        {"tensorflow": tf_grad_of_grad, "torch": torch_grad_of_grad, "jax": jax_grad_of_grad},
        fix="TF: nest two tapes; torch: create_graph=True on the first grad",
        fixed={"tensorflow": lambda: tf_grad_of_grad(True), "torch": lambda: torch_grad_of_grad(True),
               "jax": jax_grad_of_grad}, reference=ref_grad_of_grad),
    Behaviour("escape/python-float", "the loss turned into a Python float (float(loss), loss.item()) and back", {
        "tensorflow": Expected("none", "a Python number carries no tape history: None, silently"),
        "torch": Expected("error:RuntimeError", "a tensor made from .item() does not require grad"),
        "jax": Expected("error:ConcretizationTypeError", "under grad the loss is a tracer; float() needs a value")},
        {"tensorflow": tf_python_float, "torch": torch_python_float, "jax": jax_python_float},
        fix="keep the loss a tensor; take .item() / float() only for logging",
        fixed={"tensorflow": lambda: tf_python_float(True), "torch": lambda: torch_python_float(True),
               "jax": lambda: jax_python_float(True)},
        reference=lambda: reference_grad(lambda v: np.full_like(v, 2.0 * np.sum(v ** 2) / v.size), X)),
    Behaviour("sources/requires-grad-then-convert", "requires_grad set, then the tensor converted (.double())", {
        "tensorflow": Expected("value", "a cast of a variable stays on the tape; the gradient comes back float32",
                               dtype="float32"),
        "torch": Expected("none", ".double() returns a new non-leaf tensor; the leaf is the float32 one: .grad is "
                          "None (torch warns)", warns="not a leaf Tensor"),
        "jax": na("JAX differentiates a function of its argument, whatever its dtype")},
        {"tensorflow": tf_cast_variable, "torch": torch_convert_after_requires_grad},
        fix="torch: convert first, then requires_grad_() (or create with dtype=...)",
        fixed={"tensorflow": tf_cast_variable, "torch": lambda: torch_convert_after_requires_grad(True)},
        reference=lambda: reference_grad(lambda v: v ** 2, X)),
    Behaviour("targets/several-targets", "several non-scalar targets at once ({'a': x², 'b': 1/x})", {
        "tensorflow": Expected("value", "TF sums every element of every target, silently",
                               value=2.0 * X - 1.0 / X ** 2),
        "torch": Expected("error:RuntimeError", "non-scalar outputs need grad_outputs"),
        "jax": Expected("error:TypeError", "jax.grad needs a scalar output; use jax.vjp")},
        {"tensorflow": tf_dict_targets, "torch": torch_list_targets, "jax": jax_dict_targets},
        fix="torch: grad_outputs=[ones_like(t) ...]; JAX: jax.vjp with a tree of ones",
        fixed={"tensorflow": tf_dict_targets, "torch": lambda: torch_list_targets(True),
               "jax": lambda: jax_dict_targets(True)},
        reference=lambda: reference_grad(lambda v: v ** 2 + 1.0 / v, X)),
    Behaviour("parameters/keras-before-build", "model.trainable_variables read before the model's first call", {
        "tensorflow": Expected("value", "Keras builds layers lazily: before the first call there are no "
                               "variables, so a gradient list taken then is empty", value=[0.0]),
        "torch": na("nn.Linear creates its weights in __init__ (LazyLinear aside)"),
        "jax": na("parameters are explicit arguments")},
        {"tensorflow": keras_lazy}, fix="model.build(input_shape) or call the model once first",
        fixed={"tensorflow": lambda: keras_lazy(True)}, reference=lambda: reference_grad(dense_loss, K)),
]
