"""Persistent recordings: several gradients from one forward pass, and the one-shot default reused.

``mode="per_target"`` asks for one gradient per target from a single recording (TF
``persistent=True``, torch ``retain_graph=True``, JAX one ``vjp`` pulled back several times).
``mode="reuse"`` does the same with the framework's default one-shot recording: TF and torch raise
on the second gradient; JAX has nothing to release. The fix (a persistent recording) is then
checked against the reference.
"""

from harness.cases import Case, source
from harness.expectations import Expectation
from harness.frameworks.registry import TF, TORCH


def square_then_square(xp, x):
    y = x * x
    return {"y": y, "z": y * y}


REUSE = {
    TF: Expectation("error:RuntimeError", "a non-persistent GradientTape gives one set of gradients; "
                         "use tf.GradientTape(persistent=True)",
                         "https://www.tensorflow.org/api_docs/python/tf/GradientTape"),
    TORCH: Expectation("error:RuntimeError", "the first backward frees the graph's saved tensors; "
                    "pass retain_graph=True", "https://pytorch.org/docs/stable/generated/torch.autograd.grad.html"),
}

CASES = [
    Case("persistent/two-targets", square_then_square, {"x": source([1.0, 3.0])}, mode="per_target",
         doc="y = x·x, z = y·y at [1, 3]: dz/dx = 4x³ and dy/dx = 2x from one recording"),
    Case("persistent/three-targets",
         lambda xp, x: (lambda y: {"a": y, "b": y * x, "c": xp.exp(y * x)})(xp.sin(x)),
         {"x": source((3,))}, mode="per_target"),
    Case("persistent/two-sources",
         lambda xp, x, w: (lambda y: {"y": y, "loss": xp.sum(y ** 2)})(x @ w),
         {"x": source((2, 3)), "w": source((3, 2))}, mode="per_target"),
    Case("persistent/non-persistent-reuse", square_then_square, {"x": source([1.0, 3.0])}, mode="reuse",
         expect=REUSE),
    Case("persistent/non-persistent-reuse-matmul",
         lambda xp, x, w: (lambda h: {"h": h, "loss": xp.mean(h ** 2)})(xp.tanh(x @ w)),
         {"x": source((2, 3)), "w": source((3, 2))}, mode="reuse", expect=REUSE),
]
