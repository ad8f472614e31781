"""Pitfalls of everyday workflows: inference modes, second derivatives, values taken out as Python
numbers, dtype conversions of sources, several targets at once, lazily built models, forward mode
through a compiled function and of a custom gradient."""

from __future__ import annotations

import numpy as np

from harness import second_order
from harness.expectations import Expectation, na
from harness.frameworks.registry import JAX, TF, TORCH
from harness.semantics import Behaviour
from suites.semantics.grads import reference_grad
from suites.semantics.raw import JAX_RAW, TF_RAW, TORCH_RAW

X = np.array([1.0, 2.0])
K = np.array([[0.5, -1.0], [2.0, 0.25]])


def dense_loss(k):
    return (X[None, :] @ k.reshape(K.shape)) ** 2


# -- inference mode does not stop gradients ------------------------------------------------------

# -- a gradient of a gradient ------------------------------------------------------------------------

def ref_grad_of_grad():
    point = {"x": np.array([1.5, -0.5])}
    return second_order.hvp(lambda p: np.atleast_1d(np.sum(p["x"] ** 3)), point, {"x": np.ones(2)})["x"]


# -- the loss taken out as a Python number -----------------------------------------------------------

# -- requires_grad set before a dtype conversion --------------------------------------------------------

# -- several targets at once ------------------------------------------------------------------------------

# -- a Keras model before it is built ----------------------------------------------------------------------

BEHAVIOURS = [
    Behaviour("modes/inference-mode-differentiates", "gradients in inference mode (training=False, model.eval())", {
        TF: Expectation("value", "training=False changes layer behaviour (dropout, batch norm), not recording"),
        TORCH: Expectation("value", "eval() switches layer behaviour; only torch.no_grad() stops recording"),
        JAX: na("no modes: a flag is an ordinary argument")},
        {TF: TF_RAW.keras_inference_mode, TORCH: TORCH_RAW.eval_mode},
        fix="for inference without gradients: torch.no_grad() / not recording on a tape",
        fixed={TF: TF_RAW.keras_inference_mode, TORCH: TORCH_RAW.eval_mode},
        reference=lambda: reference_grad(dense_loss, K)),
    Behaviour("higher/grad-of-grad-one-level", "a second derivative taken from a gradient that was not recorded", {
        TF: Expectation("none", "a gradient computed outside the tape's context is not on the tape: None"),
        TORCH: Expectation("error:RuntimeError", "without create_graph=True the first gradient has no graph"),
        JAX: Expectation("value", "grad composes: grad(grad(f)) just works")},
        {TF: TF_RAW.grad_of_grad, TORCH: TORCH_RAW.grad_of_grad, JAX: JAX_RAW.grad_of_grad},
        fix="TF: nest two tapes; torch: create_graph=True on the first grad",
        fixed={TF: lambda: TF_RAW.grad_of_grad(True), TORCH: lambda: TORCH_RAW.grad_of_grad(True),
               JAX: JAX_RAW.grad_of_grad}, reference=ref_grad_of_grad),
    Behaviour("escape/python-float", "the loss turned into a Python float (float(loss), loss.item()) and back", {
        TF: Expectation("none", "a Python number carries no tape history: None, silently"),
        TORCH: Expectation("error:RuntimeError", "a tensor made from .item() does not require grad"),
        JAX: Expectation("error:ConcretizationTypeError", "under grad the loss is a tracer; float() needs a value")},
        {TF: TF_RAW.python_float, TORCH: TORCH_RAW.python_float, JAX: JAX_RAW.python_float},
        fix="keep the loss a tensor; take .item() / float() only for logging",
        fixed={TF: lambda: TF_RAW.python_float(True), TORCH: lambda: TORCH_RAW.python_float(True),
               JAX: lambda: JAX_RAW.python_float(True)},
        reference=lambda: reference_grad(lambda v: np.full_like(v, 2.0 * np.sum(v ** 2) / v.size), X)),
    Behaviour("sources/requires-grad-then-convert", "requires_grad set, then the tensor converted (.double())", {
        TF: Expectation("value", "a cast of a variable stays on the tape; the gradient comes back float32",
                               grad_dtype="float32"),
        TORCH: Expectation("none", ".double() returns a new non-leaf tensor; the leaf is the float32 one: .grad is "
                          "None (torch warns)", warns="not a leaf Tensor"),
        JAX: na("JAX differentiates a function of its argument, whatever its dtype")},
        {TF: TF_RAW.cast_variable, TORCH: TORCH_RAW.convert_after_requires_grad},
        fix="torch: convert first, then requires_grad_() (or create with dtype=...)",
        fixed={TF: TF_RAW.cast_variable, TORCH: lambda: TORCH_RAW.convert_after_requires_grad(True)},
        reference=lambda: reference_grad(lambda v: v ** 2, X)),
    Behaviour("targets/several-targets", "several non-scalar targets at once ({'a': x², 'b': 1/x})", {
        TF: Expectation("value", "TF sums every element of every target, silently",
                               value=2.0 * X - 1.0 / X ** 2),
        TORCH: Expectation("error:RuntimeError", "non-scalar outputs need grad_outputs"),
        JAX: Expectation("error:TypeError", "jax.grad needs a scalar output; use jax.vjp")},
        {TF: TF_RAW.dict_targets, TORCH: TORCH_RAW.list_targets, JAX: JAX_RAW.dict_targets},
        fix="torch: grad_outputs=[ones_like(t) ...]; JAX: jax.vjp with a tree of ones",
        fixed={TF: TF_RAW.dict_targets, TORCH: lambda: TORCH_RAW.list_targets(True),
               JAX: lambda: JAX_RAW.dict_targets(True)},
        reference=lambda: reference_grad(lambda v: v ** 2 + 1.0 / v, X)),
    Behaviour("parameters/keras-before-build", "model.trainable_variables read before the model's first call", {
        TF: Expectation("value", "Keras builds layers lazily: before the first call there are no "
                               "variables, so a gradient list taken then is empty", value=[0.0]),
        TORCH: na("nn.Linear creates its weights in __init__ (LazyLinear aside)"),
        JAX: na("parameters are explicit arguments")},
        {TF: TF_RAW.keras_lazy}, fix="model.build(input_shape) or call the model once first",
        fixed={TF: lambda: TF_RAW.keras_lazy(True)}, reference=lambda: reference_grad(dense_loss, K)),
    Behaviour("compiled/forward-mode-through-compiled", "forward mode (a JVP) through a compiled function", {
        TF: Expectation("value", "a ForwardAccumulator watches through a tf.function call"),
        TORCH: Expectation("none", "a forward-AD dual tensor passed through a torch.compile'd function comes back "
                             "without a tangent (unpack_dual(...).tangent is None), silently; and torch.func.jvp "
                             "of a compiled function runs it uncompiled (dynamo captures no graph; measured, torch "
                             "2.13)"),
        JAX: Expectation("value", "jax.jvp of a jitted function: jit and jvp compose")},
        {TF: TF_RAW.forward_through_compiled, TORCH: TORCH_RAW.forward_through_compiled,
         JAX: JAX_RAW.forward_through_compiled},
        fix="torch: compile the transformation, torch.compile(lambda x, t: torch.func.jvp(f, (x,), (t,)))",
        fixed={TF: TF_RAW.forward_through_compiled,
               TORCH: lambda: TORCH_RAW.forward_through_compiled(True), JAX: JAX_RAW.forward_through_compiled},
        reference=lambda: reference_grad(lambda v: np.sin(v) * v, X)),
    Behaviour("workflows/forward-mode-of-custom-gradient", "forward mode (a JVP) of sin computed outside autodiff, "
              "its derivative given only as a custom reverse-mode gradient", {
        TF: Expectation("value", "a ForwardAccumulator transposes tf.custom_gradient's function here, "
                                  "where the forward ops carry no tangent (stop_gradient); where they do, it follows "
                                  "them and ignores the custom gradient, silently (sin forward with a 10·dy custom "
                                  "gradient: JVP cos(x), VJP 10; measured, TF 2.21)"),
        TORCH: Expectation("error:NotImplementedError", "forward-mode AD needs the Function's jvp staticmethod "
                             "(\"You must implement the jvp function ...\")",
                             "https://docs.pytorch.org/docs/stable/notes/extending.html#forward-mode-ad"),
        JAX: Expectation("error:TypeError", "\"can't apply forward-mode autodiff (jvp) to a custom_vjp function\": "
                           "JAX transposes a custom_jvp rule for reverse mode, never a VJP for forward mode",
                           "https://docs.jax.dev/en/latest/notebooks/Custom_derivative_rules_for_Python_code.html")},
        {TF: TF_RAW.forward_of_custom_gradient, TORCH: TORCH_RAW.forward_of_custom_gradient,
         JAX: JAX_RAW.forward_of_custom_gradient},
        fix="torch: define jvp(ctx, t) beside backward (with ctx.save_for_forward); JAX: write the rule as "
            "jax.custom_jvp, which reverse mode transposes; TF: where the forward ops are differentiable, wrap them in "
            "tf.stop_gradient so forward mode transposes the custom gradient instead of ignoring it",
        fixed={TF: TF_RAW.forward_of_custom_gradient,
               TORCH: lambda: TORCH_RAW.forward_of_custom_gradient(True),
               JAX: lambda: JAX_RAW.forward_of_custom_gradient(True)},
        reference=lambda: reference_grad(np.sin, X)),
]
