"""A user's model as a pure function of its named trainable parameters, for :func:`harness.gradcheck_model`.

Each framework's own functional door is used, so the parameters can be differentiated and evaluated
in float64 without touching the model: ``torch.func.functional_call`` for a ``torch.nn.Module``,
``stateless_call`` for a Keras layer or model, and the pair itself for JAX's ``(apply_fn, params)``.
Parameter names are the framework's: ``fc.weight`` (torch), ``dense.kernel`` (Keras paths with the
model's own name dropped), dict keys joined by dots for a JAX pytree (``dense.kernel``).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from harness.gradcheck import GradcheckError


@dataclass
class ModelFunction:
    """``call(params, *inputs)`` runs the model on framework tensors; ``params`` are NumPy arrays."""

    params: Any  # a dict name -> array (torch, Keras) or the user's pytree (JAX)
    call: Callable[..., Any]
    flat_names: bool  # whether params' keys are already dotted names (else: join the pytree path)


def _numpy_params(named: dict[str, Any], to_numpy: Callable[[Any], np.ndarray], what: str) -> dict[str, np.ndarray]:
    if not named:
        raise GradcheckError(f"the model has no trainable parameters ({what}): build it (call it once on an input) "
                             f"and leave some parameters trainable")
    return {name: np.array(to_numpy(v)) for name, v in named.items()}


def for_torch(model: Any) -> ModelFunction:
    import torch

    named = {n: p for n, p in model.named_parameters() if p.requires_grad}
    params = _numpy_params(named, lambda p: p.detach().cpu().float().numpy() if p.dtype == torch.bfloat16
                           else p.detach().cpu().numpy(), "no parameter with requires_grad=True")
    buffers = dict(model.named_buffers())

    def call(params, *inputs):
        dtype = next(iter(params.values())).dtype
        # buffers (running statistics) follow the parameters' dtype, so a float64 evaluation stays float64
        state = {n: b.to(dtype) if b.is_floating_point() else b for n, b in buffers.items()}
        return torch.func.functional_call(model, {**state, **params}, inputs)
    return ModelFunction(params, call, flat_names=True)


def for_keras(model: Any, inputs: tuple) -> ModelFunction:
    import keras

    if not model.built:
        model(*inputs)
    variables = list(model.trainable_variables)
    prefix = f"{model.name}/"
    named = {v.path.removeprefix(prefix).replace("/", "."): v for v in variables}
    params = _numpy_params(named, lambda v: v.numpy(), "model.trainable_variables is empty")
    order = list(named)
    others = list(model.non_trainable_variables)
    layers = list(model._flatten_layers(include_self=True))

    floating = [v for v in variables + others if "float" in str(v.dtype)]
    # a functional or Sequential model converts its inputs to its Input's dtype (float32) before any layer
    graphs = [obj for obj in (model, getattr(model, "_functional", None), *layers) if obj is not None]
    input_specs = {id(t): t for g in graphs for t in (getattr(g, "_inputs", None) or []) if "float" in str(t.dtype)}
    floating += list(input_specs.values())

    @contextlib.contextmanager
    def computing_in(dtype: str):
        # For the float64 reference the model must compute in float64 throughout: a layer casts its inputs
        # to its policy's compute dtype, and stateless_call casts each value to its variable's dtype (measured,
        # Keras 3.15: a float64 value is rounded to float32, so a 1e-10 step of a parameter changed nothing).
        # Both follow the parameters' dtype while the call runs, as does a functional model's Input spec; Keras
        # has no public switch for these (private ``_dtype``), so _assert_float64_reaches checks it worked.
        saved = [layer.dtype_policy for layer in layers]
        saved_dtypes = [v._dtype for v in floating]
        if dtype != saved[0].compute_dtype:
            for layer in layers:
                layer.dtype_policy = keras.DTypePolicy(dtype)
            for v in floating:
                v._dtype = dtype
        try:
            yield
        finally:
            for layer, policy in zip(layers, saved):
                layer.dtype_policy = policy
            for v, saved_dtype in zip(floating, saved_dtypes):
                v._dtype = saved_dtype

    def call(params, *inputs):
        values = [params[n] for n in order]
        with computing_in(keras.backend.standardize_dtype(values[0].dtype)):
            out, _ = model.stateless_call(values, [v.value for v in others], *inputs)
        return out
    _assert_float64_reaches(call, params, inputs)
    return ModelFunction(params, call, flat_names=True)


def _assert_float64_reaches(call: Callable[..., Any], params: dict[str, np.ndarray], inputs: tuple) -> None:
    """Refuse a model whose float64 evaluation still rounds its parameters (the reference would be float32's):
    every parameter moved by 1e-9 of itself, below float32's resolution, must move the output."""
    import tensorflow as tf

    wide = {n: np.asarray(v, dtype=np.float64) for n, v in params.items()}
    x = [tf.constant(np.asarray(a, dtype=np.float64)) if np.asarray(a).dtype.kind == "f" else a for a in inputs]

    def outputs(values):
        return [np.asarray(o) for o in tf.nest.flatten(call({n: tf.constant(v) for n, v in values.items()}, *x))]
    before = outputs(wide)
    after = outputs({n: v * (1 + 1e-9) + 1e-12 for n, v in wide.items()})
    if all(np.array_equal(a, b) for a, b in zip(before, after)):
        raise GradcheckError("this Keras model rounds its parameters below float64 even with a float64 policy (a 1e-9 "
                             "relative step of every parameter changed nothing), so no float64 reference can be made: "
                             "check its layers with gradcheck on a function instead")
    if any(np.asarray(a).dtype.kind == "f" for a in inputs):
        nudged = [tf.constant(np.asarray(a, dtype=np.float64) * (1 + 1e-9) + 1e-12) if np.asarray(a).dtype.kind == "f"
                  else a for a in inputs]
        moved = [np.asarray(o) for o in tf.nest.flatten(call({n: tf.constant(v) for n, v in wide.items()}, *nudged))]
        if all(np.array_equal(a, b) for a, b in zip(before, moved)):
            raise GradcheckError("this Keras model rounds its float inputs below float64 even with a float64 policy, so "
                                 "no float64 reference can be made: pass the inputs as integer arrays if they are ids, "
                                 "or check its layers with gradcheck on a function")


def for_jax(pair: Any) -> ModelFunction:
    import jax

    if not (isinstance(pair, tuple) and len(pair) == 2 and callable(pair[0])):
        raise GradcheckError("a JAX model is the pair (apply_fn, params), apply_fn(params, *inputs) -> output: "
                             "pass gradcheck_model((model.apply, params), x, framework='jax')")
    apply_fn, params = pair
    flat = jax.tree_util.tree_leaves(params)
    if not flat:
        raise GradcheckError("the model has no trainable parameters (params is an empty pytree): pass the "
                             "parameters apply_fn differentiates")
    params = jax.tree_util.tree_map(np.asarray, params)
    return ModelFunction(params, lambda p, *inputs: apply_fn(p, *inputs), flat_names=False)


def function_of(model: Any, framework: str, inputs: tuple) -> ModelFunction:
    """``model`` as a :class:`ModelFunction` (``framework`` canonical)."""
    if framework == "torch":
        import torch

        if not isinstance(model, torch.nn.Module):
            raise GradcheckError(f"framework='torch' needs a torch.nn.Module, got {type(model).__name__}")
        return for_torch(model)
    if framework == "tensorflow":
        import keras

        if not isinstance(model, keras.layers.Layer):
            raise GradcheckError(f"framework='tensorflow' needs a Keras layer or model, got {type(model).__name__}")
        return for_keras(model, inputs)
    return for_jax(model)
