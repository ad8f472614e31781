"""The pitfalls people hit porting between TensorFlow, PyTorch and JAX: why a gradient is None,
why a loop drifts, why a call raises. Each scenario is written the way a user writes it, in each
framework; the fix is written the same way and checked against the float64 reference.
"""

from __future__ import annotations

import numpy as np

from harness.expectations import Expectation, na
from harness.frameworks.registry import JAX, TF, TORCH
from harness.semantics import Behaviour
from suites.semantics.grads import reference_grad
from suites.semantics.raw import JAX_RAW, TF_RAW, TORCH_RAW

X = np.array([1.0, 2.0, 3.0])
W = np.array([0.5, -1.0, 2.0])


def weighted_squares(w):
    return w * X ** 2  # loss = sum(w · x²): d/dw = x²


def ref_weighted():
    return reference_grad(weighted_squares, W)


# -- weights that are not sources ------------------------------------------------------------------

# -- a variable replaced by a tensor inside a training loop -----------------------------------------

LR = 0.1


def quadratic(w):
    return (3.0 * w - 2.0) ** 2


def ref_second_step():
    w1 = 1.0 - LR * reference_grad(quadratic, [1.0]).value[0]
    return reference_grad(quadratic, [w1])


# -- values that leave the framework through NumPy --------------------------------------------------

# -- integer inputs ------------------------------------------------------------------------------

# -- one recording, two gradients ------------------------------------------------------------------

# -- .grad accumulation ---------------------------------------------------------------------------

# -- gradient w.r.t. an intermediate ---------------------------------------------------------------

def ref_intermediate():
    return reference_grad(lambda y: y ** 2, 2.0 * X)


# -- sources the target does not use ----------------------------------------------------------------

def ref_unconnected():
    return reference_grad(lambda y: 0.0 * y, W)


# -- non-scalar targets ----------------------------------------------------------------------------

# -- float64 in JAX -----------------------------------------------------------------------------------

def tf_float64():
    return TF_RAW.constant_weights(fix=True)


def torch_float64():
    return TORCH_RAW.plain_weights(fix=True)


# -- stop_gradient / detach / no_grad ------------------------------------------------------------------

def ref_squares():
    return reference_grad(lambda x: x ** 2, X)


# -- second derivative of a linear function -----------------------------------------------------------

def ref_second_of_linear():
    return reference_grad(lambda x: 0.0 * x, [2.0])


# -- gather --------------------------------------------------------------------------------------------

IDX = [1, 2, 2]


def ref_gather():
    return reference_grad(lambda x: x[IDX], X)


# -- in-place modification of a saved tensor ------------------------------------------------------------

def ref_exp():
    return reference_grad(lambda x: np.exp(x) + 1.0, X)


PURE = "JAX differentiates pure functions of their arguments: there is no tape or variable to get wrong"

BEHAVIOURS = [
    Behaviour("sources/plain-tensor-weights", "weights created as a plain tensor, not a variable / leaf", {
        TF: Expectation("none", "a tape watches only tf.Variables (trainable) by default; a tf.constant "
                               "is not watched, so its gradient is None, silently"),
        TORCH: Expectation("error:RuntimeError", "a tensor without requires_grad is not in the graph"),
        JAX: Expectation("value", PURE)},
        {TF: TF_RAW.constant_weights, TORCH: TORCH_RAW.plain_weights, JAX: JAX_RAW.weights},
        fix="TF: tf.Variable (or tape.watch); torch: requires_grad=True",
        fixed={TF: lambda: TF_RAW.constant_weights(True), TORCH: lambda: TORCH_RAW.plain_weights(True),
               JAX: JAX_RAW.weights}, reference=ref_weighted),
    Behaviour("sources/tape-watch-constant", "tape.watch(constant) makes a plain tensor a source", {
        TF: Expectation("value", "watched tensors are recorded like variables"),
        TORCH: na("no tape: requires_grad_() is torch's watch"), JAX: na(PURE)},
        {TF: TF_RAW.watched_constant}, fix="(this is a fix)",
        fixed={TF: TF_RAW.watched_constant}, reference=ref_weighted),
    Behaviour("sources/trainable-false", "a variable marked not trainable", {
        TF: Expectation("none", "trainable=False variables are not watched automatically: None, silently"),
        TORCH: Expectation("error:RuntimeError", "a Parameter with requires_grad=False is not in the graph"),
        JAX: na("JAX has no trainable flag: leave the argument out of argnums, or lax.stop_gradient")},
        {TF: TF_RAW.untrainable, TORCH: TORCH_RAW.frozen_parameter},
        fix="TF: tape.watch(v) if you do want it; torch: requires_grad_(True)",
        fixed={TF: lambda: TF_RAW.untrainable(True), TORCH: lambda: TORCH_RAW.frozen_parameter(True)},
        reference=ref_weighted),
    Behaviour("loops/variable-replaced", "updating weights with w = w - lr·g inside a training loop", {
        TF: Expectation("none", "w becomes a Tensor after the first step; the next tape does not watch it"),
        TORCH: Expectation("none", "w becomes a non-leaf after the first step; its .grad is not populated "
                          "(torch warns)", warns="not a leaf Tensor"),
        JAX: Expectation("value", PURE)},
        {TF: TF_RAW.loop, TORCH: TORCH_RAW.loop, JAX: JAX_RAW.loop},
        fix="TF: w.assign_sub(lr·g); torch: with torch.no_grad(): w -= lr·w.grad, then reset w.grad",
        fixed={TF: lambda: TF_RAW.loop(True), TORCH: lambda: TORCH_RAW.loop(True), JAX: JAX_RAW.loop},
        reference=ref_second_step),
    Behaviour("escape/numpy-inside", "a value taken out through NumPy and back inside the recording", {
        TF: Expectation("none", "the tape cannot see through .numpy(): the path is cut, None, silently"),
        TORCH: Expectation("error:RuntimeError", "torch refuses .numpy() on a tensor that requires grad"),
        JAX: Expectation("error:TracerArrayConversionError", "a traced value cannot become a NumPy array",
                        link="https://docs.jax.dev/en/latest/errors.html")},
        {TF: TF_RAW.numpy_inside, TORCH: TORCH_RAW.numpy_inside, JAX: JAX_RAW.numpy_inside},
        fix="stay in the framework's ops (tf.square, torch.square, jnp.square)",
        fixed={TF: lambda: TF_RAW.numpy_inside(True), TORCH: lambda: TORCH_RAW.numpy_inside(True),
               JAX: lambda: JAX_RAW.numpy_inside(True)},
        reference=lambda: reference_grad(lambda w: w ** 2, W)),
    Behaviour("dtypes/integer-source", "an integer variable / tensor as the source", {
        TF: Expectation("none", "integers are not differentiable: None, with no Python warning (measured)"),
        TORCH: Expectation("error:RuntimeError", "only floating point tensors can require gradients"),
        JAX: Expectation("error:TypeError", "grad requires inexact (float) inputs; allow_int=True gives float0")},
        {TF: TF_RAW.integer, TORCH: TORCH_RAW.integer, JAX: JAX_RAW.integer},
        fix="make the source floating point (3.0, not 3)",
        fixed={TF: lambda: TF_RAW.integer(True), TORCH: lambda: TORCH_RAW.integer(True),
               JAX: lambda: JAX_RAW.integer(True)},
        reference=lambda: reference_grad(lambda v: v * v, [3.0])),
    Behaviour("recording/second-gradient", "a second gradient from one default (one-shot) recording", {
        TF: Expectation("error:RuntimeError", "a non-persistent tape gives one set of gradients"),
        TORCH: Expectation("error:RuntimeError", "the first grad frees the graph's saved tensors"),
        JAX: Expectation("value", "vjp's pullback is a pure function: call it any number of times")},
        {TF: TF_RAW.two_gradients, TORCH: TORCH_RAW.two_gradients, JAX: JAX_RAW.two_gradients},
        fix="TF: GradientTape(persistent=True); torch: retain_graph=True on the first call",
        fixed={TF: lambda: TF_RAW.two_gradients(True), TORCH: lambda: TORCH_RAW.two_gradients(True),
               JAX: JAX_RAW.two_gradients},
        reference=lambda: reference_grad(lambda v: v * v, [1.0, 3.0])),
    Behaviour("recording/gradient-inside-context", "tape.gradient called inside a persistent tape's `with`", {
        TF: Expectation("value", "it works, but records the gradient ops too (slower, more memory); TF "
                               "logs a warning about it once per process, so it is not asserted here"),
        TORCH: na("no tape context"), JAX: na(PURE)},
        {TF: TF_RAW.gradient_inside_context}, fix="call tape.gradient after the with block",
        fixed={TF: lambda: TF_RAW.two_gradients(True)},
        reference=lambda: reference_grad(lambda v: v * v, [1.0, 3.0])),
    Behaviour("accumulation/backward-twice", "two backward passes without resetting the gradient (y = x², x = 2)", {
        TF: Expectation("value", "tape.gradient returns a fresh gradient each call", value=[4.0]),
        TORCH: Expectation("value", ".grad accumulates across backward() calls: 4 + 4 = 8", value=[8.0]),
        JAX: Expectation("value", "grad returns a fresh gradient each call", value=[4.0])},
        {TF: TF_RAW.gradient_twice, TORCH: TORCH_RAW.backward_twice, JAX: JAX_RAW.gradient_twice},
        fix="torch: optimizer.zero_grad() (or x.grad = None) before each backward",
        fixed={TF: TF_RAW.gradient_twice, TORCH: lambda: TORCH_RAW.backward_twice(True),
               JAX: JAX_RAW.gradient_twice},
        reference=lambda: reference_grad(lambda v: v * v, [2.0])),
    Behaviour("accumulation/zero-grad-sets-none", "after optimizer.zero_grad(), what is p.grad?", {
        TF: na("no stored .grad: gradients are returned, not accumulated"),
        TORCH: Expectation("none", "zero_grad sets .grad to None by default (set_to_none=True since torch 2.0); "
                          "code that reads p.grad before the next backward breaks"),
        JAX: na(PURE)},
        {TORCH: TORCH_RAW.after_zero_grad}, fix="zero_grad(set_to_none=False) where zeros are needed; otherwise "
        "read .grad only after backward()",
        fixed={TORCH: TORCH_RAW.after_zero_grad_then_backward}, reference=lambda: reference_grad(lambda v: v * v, [2.0])),
    Behaviour("intermediates/non-leaf-grad", ".grad of an intermediate (non-leaf) value", {
        TF: Expectation("value", "tape.gradient(z, y) differentiates w.r.t. any recorded tensor"),
        TORCH: Expectation("none", ".grad is kept for leaves only; torch warns", warns="not a leaf Tensor"),
        JAX: na("restructure: make the intermediate an argument of the function you differentiate")},
        {TF: TF_RAW.intermediate, TORCH: TORCH_RAW.nonleaf},
        fix="torch: y.retain_grad() before backward, or torch.autograd.grad(z, y)",
        fixed={TF: TF_RAW.intermediate, TORCH: lambda: TORCH_RAW.nonleaf(True)}, reference=ref_intermediate),
    Behaviour("unconnected/default", "a source the loss does not use", {
        TF: Expectation("none", "None for an unconnected source, silently"),
        TORCH: Expectation("error:RuntimeError", "autograd.grad refuses an input that is not in the graph"),
        JAX: Expectation("value", "the gradient of a pure function w.r.t. an unused argument is 0",
                        value=[0.0, 0.0, 0.0])},
        {TF: TF_RAW.unconnected, TORCH: TORCH_RAW.unconnected, JAX: JAX_RAW.unconnected},
        fix="TF: unconnected_gradients=ZERO; torch: materialize_grads=True (with allow_unused)",
        fixed={TF: lambda: TF_RAW.unconnected(True), TORCH: lambda: TORCH_RAW.unconnected("materialize"),
               JAX: JAX_RAW.unconnected}, reference=ref_unconnected),
    Behaviour("unconnected/torch-allow-unused", "torch.autograd.grad(..., allow_unused=True) for an unused input", {
        TF: na("None is already TF's default"), TORCH: Expectation("none", "allow_unused turns the "
                                                                             "error into None"),
        JAX: na(PURE)}, {TORCH: lambda: TORCH_RAW.unconnected("allow_unused")},
        fix="materialize_grads=True for zeros", fixed={TORCH: lambda: TORCH_RAW.unconnected("materialize")},
        reference=ref_unconnected),
    Behaviour("unconnected/backward-leaves-none", "loss.backward() with a leaf the loss does not use", {
        TF: na("no .backward()"), TORCH: Expectation("none", "backward() leaves .grad None for an unused "
                                                               "leaf, silently"),
        JAX: na(PURE)}, {TORCH: TORCH_RAW.backward_unused}, fix="treat None as zeros: p.grad or torch.zeros_like(p)",
        fixed={TORCH: lambda: TORCH_RAW.unconnected("materialize")}, reference=ref_unconnected),
    Behaviour("unconnected/keras3-zero", "unconnected_gradients=ZERO for a Keras 3 layer variable", {
        TF: Expectation("error:AttributeError", "Keras 3 variables break TF's ZERO fill for unconnected "
                               "sources", link="https://github.com/tensorflow/tensorflow/issues/116636"),
        TORCH: na("no Keras"), JAX: na("no Keras")},
        {TF: TF_RAW.keras_unconnected_zero}, fix="take the default None and replace it with zeros_like(var)",
        fixed={TF: lambda: TF_RAW.keras_unconnected_zero(True)},
        reference=lambda: reference_grad(lambda k: 0.0 * k, np.zeros((3, 2)))),
    Behaviour("targets/non-scalar", "the gradient of a vector target (y = x², x = [1, 2, 3])", {
        TF: Expectation("value", "TF sums a non-scalar target silently: the gradient of sum(y)",
                               value=2.0 * X),
        TORCH: Expectation("error:RuntimeError", "backward() needs grad_outputs for a non-scalar output"),
        JAX: Expectation("error:TypeError", "jax.grad needs a scalar output; use jax.vjp or jax.jacrev")},
        {TF: TF_RAW.nonscalar, TORCH: TORCH_RAW.nonscalar, JAX: JAX_RAW.nonscalar},
        fix="torch: y.backward(torch.ones_like(y)); JAX: jax.vjp with ones (or sum first)",
        fixed={TF: TF_RAW.nonscalar, TORCH: lambda: TORCH_RAW.nonscalar(True), JAX: lambda: JAX_RAW.nonscalar(True)},
        reference=lambda: reference_grad(lambda x: x * x, X)),
    Behaviour("dtypes/jax-float64-without-x64", "float64 inputs, default settings", {
        TF: Expectation("value", "float64 stays float64", grad_dtype="float64"),
        TORCH: Expectation("value", "float64 stays float64", grad_dtype="float64"),
        JAX: Expectation("value", "without jax_enable_x64 JAX computes float64 inputs in float32, silently",
                        grad_dtype="float32")},
        {TF: tf_float64, TORCH: torch_float64, JAX: JAX_RAW.float64},
        fix="JAX: jax.config.update('jax_enable_x64', True) at start-up",
        fixed={TF: tf_float64, TORCH: torch_float64, JAX: lambda: JAX_RAW.float64(True)},
        reference=ref_weighted),
    Behaviour("stopping/stop-gradient-only-path", "the loss reaches the source only through stop_gradient / detach", {
        TF: Expectation("none", "tf.stop_gradient cuts the only path: None"),
        TORCH: Expectation("error:RuntimeError", "detach() leaves nothing that requires grad"),
        JAX: Expectation("value", "lax.stop_gradient gives zeros", value=[0.0, 0.0, 0.0])},
        {TF: TF_RAW.stopped, TORCH: TORCH_RAW.stopped, JAX: JAX_RAW.stopped},
        fix="remove the stop where a gradient is wanted",
        fixed={TF: lambda: TF_RAW.stopped(True), TORCH: lambda: TORCH_RAW.stopped(True),
               JAX: lambda: JAX_RAW.stopped(True)}, reference=ref_squares),
    Behaviour("stopping/not-recording", "the loss computed inside tape.stop_recording() / torch.no_grad()", {
        TF: Expectation("none", "ops under stop_recording are not on the tape"),
        TORCH: Expectation("error:RuntimeError", "under no_grad the result does not require grad"),
        JAX: na(PURE)},
        {TF: TF_RAW.not_recording, TORCH: TORCH_RAW.no_grad},
        fix="compute the loss outside the context",
        fixed={TF: lambda: TF_RAW.not_recording(True), TORCH: lambda: TORCH_RAW.no_grad(True)},
        reference=ref_squares),
    Behaviour("higher/second-derivative-of-linear", "d²(3x)/dx² at 2", {
        TF: Expectation("none", "the first gradient is a constant, not connected to x: None"),
        TORCH: Expectation("error:RuntimeError", "the first gradient does not require grad"),
        JAX: Expectation("value", "zeros", value=0.0)},
        {TF: TF_RAW.second_of_linear, TORCH: TORCH_RAW.second_of_linear, JAX: JAX_RAW.second_of_linear},
        fix="TF: unconnected_gradients=ZERO on the outer tape; torch: check g.requires_grad, else zeros",
        fixed={TF: lambda: TF_RAW.second_of_linear(True), TORCH: lambda: TORCH_RAW.second_of_linear(True),
               JAX: JAX_RAW.second_of_linear}, reference=ref_second_of_linear),
    Behaviour("types/gather-gradient", "the gradient of gather(x, [1, 2, 2])", {
        TF: Expectation("value", "TF returns IndexedSlices, not a dense tensor", grad_type="IndexedSlices",
                               value=[0.0, 1.0, 2.0]),
        TORCH: Expectation("value", "dense", grad_type="Tensor", value=[0.0, 1.0, 2.0]),
        JAX: Expectation("value", "dense", grad_type="ArrayImpl", value=[0.0, 1.0, 2.0])},
        {TF: TF_RAW.gather, TORCH: TORCH_RAW.gather, JAX: JAX_RAW.gather},
        fix="TF: tf.convert_to_tensor(grad) where a dense tensor is needed",
        fixed={TF: lambda: TF_RAW.gather(True), TORCH: TORCH_RAW.gather, JAX: JAX_RAW.gather}, reference=ref_gather),
    Behaviour("mutation/inplace-on-saved", "an in-place op on a tensor backward needs (exp's output)", {
        TF: na("TF tensors are immutable"),
        TORCH: Expectation("error:RuntimeError", "the version counter shows the saved tensor was modified in place"),
        JAX: na("JAX arrays are immutable")},
        {TORCH: TORCH_RAW.inplace}, fix="use the out-of-place form (e = e + 1)",
        fixed={TORCH: lambda: TORCH_RAW.inplace(True)}, reference=ref_exp),
]
