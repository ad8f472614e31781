"""Models and parameters: what a framework tracks as trainable when weights are attributes of a
model class (Keras ``Model`` subclass, ``torch.nn.Module``). The observation is the number of
weights the model reports; the fix is the registering form, whose gradient is checked."""

from __future__ import annotations

import numpy as np

from harness.expectations import Expectation, na
from harness.frameworks.registry import JAX, TF, TORCH
from harness.semantics import Behaviour
from suites.semantics.grads import reference_grad
from suites.semantics.raw import TF_RAW, TORCH_RAW

K = np.array([[0.5, -1.0], [2.0, 0.25], [-0.75, 1.5]])
X = np.array([[1.0, 2.0, 3.0]])


def keras_tracked(register: bool):
    model = TF_RAW.keras_model(register)
    model(X)
    return np.array([len(model.trainable_variables)], dtype=np.float64)


def torch_tracked(register: bool):
    return np.array([len(list(TORCH_RAW.nn_module(register).parameters()))], dtype=np.float64)


def reference():
    return reference_grad(lambda k: (X @ k.reshape(K.shape)) ** 2, K)


JAX_NA = "JAX parameters are explicit pytrees passed to the function: nothing is tracked implicitly"

BEHAVIOURS = [
    Behaviour("parameters/unregistered-attribute", "a weight stored as a plain attribute of a model class", {
        TF: Expectation("value", "Keras 3 does not track a raw tf.Variable attribute of a Model subclass "
                               "(Keras 2 did): trainable_variables is empty, so an optimizer never updates it",
                               value=[0.0]),
        TORCH: Expectation("value", "a plain tensor attribute (even with requires_grad) is not a Parameter: "
                          "parameters() is empty", value=[0.0]),
        JAX: na(JAX_NA)},
        {TF: lambda: keras_tracked(False), TORCH: lambda: torch_tracked(False)},
        fix="Keras: self.add_weight(...); torch: nn.Parameter(...)",
        fixed={TF: TF_RAW.keras_gradient, TORCH: TORCH_RAW.gradient}, reference=reference),
    Behaviour("parameters/registered-attribute", "a weight created with add_weight / nn.Parameter", {
        TF: Expectation("value", "add_weight registers it in trainable_variables", value=[1.0]),
        TORCH: Expectation("value", "assigning an nn.Parameter registers it in parameters()", value=[1.0]),
        JAX: na(JAX_NA)},
        {TF: lambda: keras_tracked(True), TORCH: lambda: torch_tracked(True)},
        fix="(this is the fix)", fixed={TF: TF_RAW.keras_gradient, TORCH: TORCH_RAW.gradient}, reference=reference),
]
