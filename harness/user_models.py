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

    @contextlib.contextmanager
    def computing_in(dtype: str):
        # a layer casts its inputs to its policy's compute dtype (float32): for the float64 reference
        # every layer's policy follows the parameters' dtype while the call runs
        saved = [layer.dtype_policy for layer in layers]
        if dtype not in ("float32", saved[0].compute_dtype):
            for layer in layers:
                layer.dtype_policy = keras.DTypePolicy(dtype)
        try:
            yield
        finally:
            for layer, policy in zip(layers, saved):
                layer.dtype_policy = policy

    def call(params, *inputs):
        values = [params[n] for n in order]
        with computing_in(keras.backend.standardize_dtype(values[0].dtype)):
            out, _ = model.stateless_call(values, [v.value for v in others], *inputs)
        return out
    return ModelFunction(params, call, flat_names=True)


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
