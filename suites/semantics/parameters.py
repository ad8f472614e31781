"""Models and parameters: what a framework tracks as trainable when weights are attributes of a
model class (Keras ``Model`` subclass, ``torch.nn.Module``). The observation is the number of
weights the model reports; the fix is the registering form, whose gradient is checked."""

from __future__ import annotations

import numpy as np

from harness.semantics import Behaviour, Expected, na
from suites.semantics.grads import reference_grad

K = np.array([[0.5, -1.0], [2.0, 0.25], [-0.75, 1.5]])
X = np.array([[1.0, 2.0, 3.0]])


def keras_model(register: bool):
    import tensorflow as tf

    class Linear(tf.keras.Model):
        def __init__(self):
            super().__init__(dtype="float64")
            if register:
                self.kernel = self.add_weight(shape=K.shape, initializer="zeros", dtype="float64")
                self.kernel.assign(K)
            else:
                self.kernel = tf.Variable(K)

        def call(self, x):
            return x @ self.kernel

    return Linear()


def torch_model(register: bool):
    import torch

    class Linear(torch.nn.Module):
        def __init__(self):
            super().__init__()
            kernel = torch.tensor(K)
            self.kernel = torch.nn.Parameter(kernel) if register else kernel.requires_grad_()

        def forward(self, x):
            return x @ self.kernel

    return Linear()


def keras_tracked(register: bool):
    model = keras_model(register)
    model(X)
    return np.array([len(model.trainable_variables)], dtype=np.float64)


def torch_tracked(register: bool):
    return np.array([len(list(torch_model(register).parameters()))], dtype=np.float64)


def keras_gradient():
    import tensorflow as tf

    model = keras_model(True)
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(model(X) ** 2)
    (grad,) = tape.gradient(loss, model.trainable_variables)
    return grad


def torch_gradient():
    import torch

    model = torch_model(True)
    (model(torch.tensor(X)) ** 2).sum().backward()
    return model.kernel.grad


def reference():
    return reference_grad(lambda k: (X @ k.reshape(K.shape)) ** 2, K)


JAX_NA = "JAX parameters are explicit pytrees passed to the function: nothing is tracked implicitly"

BEHAVIOURS = [
    Behaviour("parameters/unregistered-attribute", "a weight stored as a plain attribute of a model class", {
        "tensorflow": Expected("value", "Keras 3 does not track a raw tf.Variable attribute of a Model subclass "
                               "(Keras 2 did): trainable_variables is empty, so an optimizer never updates it",
                               value=[0.0]),
        "torch": Expected("value", "a plain tensor attribute (even with requires_grad) is not a Parameter: "
                          "parameters() is empty", value=[0.0]),
        "jax": na(JAX_NA)},
        {"tensorflow": lambda: keras_tracked(False), "torch": lambda: torch_tracked(False)},
        fix="Keras: self.add_weight(...); torch: nn.Parameter(...)",
        fixed={"tensorflow": keras_gradient, "torch": torch_gradient}, reference=reference),
    Behaviour("parameters/registered-attribute", "a weight created with add_weight / nn.Parameter", {
        "tensorflow": Expected("value", "add_weight registers it in trainable_variables", value=[1.0]),
        "torch": Expected("value", "assigning an nn.Parameter registers it in parameters()", value=[1.0]),
        "jax": na(JAX_NA)},
        {"tensorflow": lambda: keras_tracked(True), "torch": lambda: torch_tracked(True)},
        fix="(this is the fix)", fixed={"tensorflow": keras_gradient, "torch": torch_gradient}, reference=reference),
]
