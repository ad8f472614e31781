"""Models built the framework's own way (Keras layers and Model subclass, torch.nn.Module, a JAX
function) with identical weights in Keras layout, gradients w.r.t. all trainable weights.

The case function is the same model in neutral math: it is the reference's definition, and the
check compares every framework's model object against it.
"""

from harness.cases import Case, const, source
from harness.domains import normal, uniform


def dense_mse(xp, x, t, w, b):
    return xp.mean((x @ w + b - t) ** 2)


def mlp_mse(xp, x, t, w1, b1, w2, b2):
    return xp.mean((xp.tanh(x @ w1 + b1) @ w2 + b2 - t) ** 2)


MLP_INPUTS = {"x": const((8, 3), normal()), "t": const((8, 2), normal()),
              "w1": source((3, 5), uniform(-0.8, 0.8)), "b1": source((5,)),
              "w2": source((5, 2), uniform(-0.8, 0.8)), "b2": source((2,))}

CASES = [
    Case("models/dense", dense_mse,
         {"x": const((6, 3), normal()), "t": const((6, 2), normal()), "w": source((3, 2)), "b": source((2,))},
         mode="model", model="dense", doc="keras.layers.Dense vs torch.nn.Linear (weight transposed) vs JAX"),
    Case("models/mlp-sequential", mlp_mse, MLP_INPUTS, mode="model", model="mlp",
         doc="keras.Sequential([Dense(tanh), Dense]) vs nn.Sequential(Linear, Tanh, Linear)"),
    Case("models/mlp-subclass", mlp_mse, MLP_INPUTS, mode="model", model="mlp-subclass",
         doc="keras.Model subclass with add_weight vs nn.Module with nn.Parameter attributes"),
    Case("models/dense-wide", dense_mse,
         {"x": const((16, 48), normal()), "t": const((16, 24), normal()),
          "w": source((48, 24), uniform(-0.3, 0.3)), "b": source((24,))},
         mode="model", model="dense",
         doc="a 1152-weight kernel: the reference probes coordinates and projections instead of all entries"),
]
