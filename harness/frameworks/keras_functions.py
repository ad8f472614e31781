"""A user's Keras layer or model as a function of its trainable variables, for :func:`harness.gradcheck_model`.

Keras' own functional door, ``stateless_call``, runs the model on given variable values without assigning them, so
the parameters can be differentiated and evaluated in float64 without touching the model. Parameter names are the
variables' paths with the model's own name dropped (``dense.kernel``).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any

import keras
import numpy as np
import tensorflow as tf

from harness.errors import GradcheckError
from harness.frameworks.base import ModelFunction


def function_of(model: Any, inputs: tuple) -> ModelFunction:
    """``model`` (built here by one call on ``inputs`` where it is not) through ``stateless_call``.

    Raises:
        GradcheckError: not a Keras layer, no trainable variables, a float64 evaluation that still rounds to
            float32, or float inputs whose dtype the model's layers do not take.
    """
    if not isinstance(model, keras.layers.Layer):
        raise GradcheckError(f"framework='tensorflow' needs a Keras layer or model, got {type(model).__name__}")
    if not model.built:
        model(*inputs)
    variables = list(model.trainable_variables)
    if not variables:
        raise GradcheckError("the model has no trainable parameters (model.trainable_variables is empty): build it "
                             "(call it once on an input) and leave some parameters trainable")
    prefix = f"{model.name}/"
    named = {v.path.removeprefix(prefix).replace("/", "."): v for v in variables}
    params = {name: np.array(v.numpy()) for name, v in named.items()}
    order = list(named)
    others = list(model.non_trainable_variables)
    computing_in = _dtype_switch(model, variables + others)

    def call(params, *inputs):
        values = [params[n] for n in order]
        dtype = keras.backend.standardize_dtype(values[0].dtype)
        with computing_in(dtype):
            try:
                out, _ = model.stateless_call(values, [v.value for v in others], *inputs)
            except Exception as exc:
                raise _mismatched(exc, dtype, inputs) or exc
        return out
    _assert_float64_reaches(call, params, inputs)
    return ModelFunction(params, call, flat_names=True)


def _mismatched(exc: Exception, weights: str, inputs: tuple) -> GradcheckError | None:
    """The one-line error for a model whose float inputs are not in its weights' dtype and a layer that does not
    convert them (a custom layer's ``x @ self.kernel``), or ``None`` where the dtypes agree."""
    dtypes = [keras.backend.standardize_dtype(x.dtype) for x in inputs if hasattr(x, "dtype")]
    other = sorted({d for d in dtypes if "float" in d and d != weights})
    if not other:
        return None
    first = str(exc).strip().splitlines()[0][:160] if str(exc).strip() else type(exc).__name__
    return GradcheckError(f"the Keras model's weights are {weights} and its inputs {', '.join(other)}, and a layer does "
                          f"not convert its inputs ({type(exc).__name__}: {first}): pass the inputs as {weights} "
                          f"(x.astype(np.{weights})), or build the model in {other[0]} (dtype='{other[0]}'), or cast "
                          f"inputs to self.compute_dtype in the layer's call")


def _dtype_switch(model: Any, variables: list) -> Callable[[str], contextlib.AbstractContextManager]:
    """A context that makes ``model`` compute in a dtype throughout while it is open.

    For the float64 reference the model must compute in float64 throughout: a layer casts its inputs to its
    policy's compute dtype, and stateless_call casts each value to its variable's dtype (measured, Keras 3.15: a
    float64 value is rounded to float32, so a 1e-10 step of a parameter changed nothing). Both follow the parameters'
    dtype while the call runs, as does a functional model's Input spec (it converts its inputs to its own dtype before
    any layer); Keras has no public switch for these (private ``_dtype``), so :func:`_assert_float64_reaches` checks
    that it worked."""
    layers = list(model._flatten_layers(include_self=True))
    floating = [v for v in variables if "float" in str(v.dtype)]
    graphs = [obj for obj in (model, getattr(model, "_functional", None), *layers) if obj is not None]
    input_specs = {id(t): t for g in graphs for t in (getattr(g, "_inputs", None) or []) if "float" in str(t.dtype)}
    floating += list(input_specs.values())

    @contextlib.contextmanager
    def computing_in(dtype: str) -> Iterator[None]:
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
    return computing_in


def _assert_float64_reaches(call: Callable[..., Any], params: dict[str, np.ndarray], inputs: tuple) -> None:
    """Refuse a model whose float64 evaluation still rounds its parameters (the reference would be float32's):
    every parameter moved by 1e-9 of itself, below float32's resolution, must move the output."""
    wide = {n: np.asarray(v, dtype=np.float64) for n, v in params.items()}
    x = [tf.constant(np.asarray(a, dtype=np.float64)) if np.asarray(a).dtype.kind == "f" else a for a in inputs]

    def outputs(values, args):
        return [np.asarray(o) for o in tf.nest.flatten(call({n: tf.constant(v) for n, v in values.items()}, *args))]
    before = outputs(wide, x)
    if all(np.array_equal(a, b) for a, b in zip(before, outputs({n: v * (1 + 1e-9) + 1e-12 for n, v in wide.items()}, x))):
        raise GradcheckError("this Keras model rounds its parameters below float64 even with a float64 policy (a 1e-9 "
                             "relative step of every parameter changed nothing), so no float64 reference can be made: "
                             "check its layers with gradcheck on a function instead")
    if any(np.asarray(a).dtype.kind == "f" for a in inputs):
        nudged = [tf.constant(np.asarray(a, dtype=np.float64) * (1 + 1e-9) + 1e-12) if np.asarray(a).dtype.kind == "f"
                  else a for a in inputs]
        if all(np.array_equal(a, b) for a, b in zip(before, outputs(wide, nudged))):
            raise GradcheckError("this Keras model rounds its float inputs below float64 even with a float64 policy, so "
                                 "no float64 reference can be made: pass the inputs as integer arrays if they are ids, "
                                 "or check its layers with gradcheck on a function")


@contextlib.contextmanager
def preserved(model: Any) -> Iterator[None]:
    """Every variable of ``model`` (moving statistics, seed generators' states, counters) and TF's global random
    generator, restored on the way out."""
    variables = list(model.variables) if isinstance(model, keras.layers.Layer) else []
    saved = [np.array(v.numpy()) for v in variables]
    generator = tf.random.get_global_generator()
    state = generator.state.numpy()
    try:
        yield
    finally:
        for v, value in zip(variables, saved):
            v.assign(value)
        generator.reset(state)
