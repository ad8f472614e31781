"""Sources the target does not depend on: each framework's raw answer is recorded and tested.

TF answers ``None`` (zeros with ``unconnected_gradients=ZERO``), ``torch.autograd.grad`` raises
(zeros with ``materialize_grads=True``), JAX answers zeros. Once normalized, all must equal the
reference's exact zeros.
"""

from harness.cases import Case, const, source
from harness.expectations import Expectation
from harness.frameworks.registry import JAX, TF, TORCH

TF_NONE = Expectation("y:none", "TF returns None for a source the target does not use; "
                 "pass unconnected_gradients=tf.UnconnectedGradients.ZERO for zeros",
                 "https://www.tensorflow.org/api_docs/python/tf/UnconnectedGradients")
TORCH_UNUSED = Expectation("error:RuntimeError", "torch.autograd.grad refuses an input not in the graph; "
                      "pass allow_unused=True (None) or materialize_grads=True (zeros)",
                      "https://pytorch.org/docs/stable/generated/torch.autograd.grad.html")
JAX_ZEROS = Expectation("y:zeros", "JAX differentiates a pure function: an unused argument has a zero gradient")

CASES = [
    Case("disconnected/unused-source", lambda xp, x, y: xp.sum(x * 2.0), {"x": source((3,)), "y": source((2,))},
         expect={TF: TF_NONE, TORCH: TORCH_UNUSED, JAX: JAX_ZEROS}),
    Case("disconnected/only-constants", lambda xp, y, c: xp.sum(c ** 2), {"y": source((3,)), "c": const((3,))},
         expect={TF: TF_NONE,
                 TORCH: Expectation("error:RuntimeError", "the output does not require grad at all: "
                                 "element 0 of tensors does not require grad"),
                 JAX: JAX_ZEROS}),
    Case("disconnected/multiplied-by-zero", lambda xp, x, y: xp.sum(x ** 2 + 0.0 * y),
         {"x": source((3,)), "y": source((3,))},
         expect={fw: Expectation("y:zeros", "connected through 0·y: a real zero gradient, not a missing one")
                 for fw in (TF, TORCH, JAX)}),
    Case("disconnected/used-by-one-target", lambda xp, x, y: {"a": x ** 2, "b": x * y},
         {"x": source((3,)), "y": source((3,))}, doc="y reaches only target b: summed targets still connect it"),
]
