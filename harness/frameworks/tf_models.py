"""The model cases as Keras 3 models (``tf.keras``), built with given weights (Keras layout).

Each builder returns the model and, per harness weight name, the Keras variable that holds it.
Keras casts inputs to the layer dtype (float32 by default), so every layer is built with the
dtype of the weights, or with a mixed-precision policy (``mixed_float16``: float32 variables,
float16 computation; Keras casts inputs and, inside ``call``, variables to the compute dtype).
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf

keras = tf.keras


class TwoLayerMLP(keras.Model):
    """The subclassing story: weights created with ``add_weight``.

    Keras 3 tracks ``add_weight`` variables in ``trainable_variables``; a plain ``tf.Variable``
    attribute is *not* tracked there (measured with TF 2.21 / Keras 3.15), unlike Keras 2.
    """

    def __init__(self, weights: dict[str, np.ndarray], dtype: str):
        super().__init__(dtype=dtype)
        for name in ("w1", "b1", "w2", "b2"):
            var = self.add_weight(shape=weights[name].shape, initializer="zeros", dtype=self.variable_dtype, name=name)
            var.assign(weights[name])
            setattr(self, name, var)

    def call(self, x):
        return tf.tanh(x @ self.w1 + self.b1) @ self.w2 + self.b2


def _dense(kernel: np.ndarray, bias: np.ndarray, dtype: str, activation=None) -> keras.layers.Dense:
    layer = keras.layers.Dense(kernel.shape[1], activation=activation, dtype=dtype)
    layer.build((None, kernel.shape[0]))
    layer.kernel.assign(kernel)
    layer.bias.assign(bias)
    return layer


def build(model: str, weights: dict[str, np.ndarray], dtype: str):
    """The Keras form of ``model`` holding ``weights``, and the variable behind each weight name."""
    w = weights
    if model == "dense":
        layer = _dense(w["w"], w["b"], dtype)
        return layer, {"w": layer.kernel, "b": layer.bias}
    if model == "mlp":
        first, second = _dense(w["w1"], w["b1"], dtype, "tanh"), _dense(w["w2"], w["b2"], dtype)
        net = keras.Sequential([first, second])
        return net, {"w1": first.kernel, "b1": first.bias, "w2": second.kernel, "b2": second.bias}
    if model == "mlp-subclass":
        net = TwoLayerMLP(w, dtype)
        return net, {n: getattr(net, n) for n in ("w1", "b1", "w2", "b2")}
    raise KeyError(f"tensorflow has no model {model!r}")
