"""Non-scalar targets: vector, dict and list targets (gradient of the sum, as TF does), explicit
output cotangents (``mode="vjp"``), full Jacobians, and forward mode (``mode="jvp"``)."""

from harness.cases import Case, source
from harness.domains import away_from, linspace, uniform
from harness.expectations import Expectation
from harness.frameworks.registry import JAX

CASES = [
    Case("nonscalar/vector-target", lambda xp, x: x ** 2, {"x": source((5,))},
         doc="a vector target: every framework's answer is the gradient of its sum"),
    Case("nonscalar/dict-targets", lambda xp, x: {"y0": x ** 2, "y1": 1.0 / x}, {"x": source([1.0, 3.0])}),
    Case("nonscalar/list-targets", lambda xp, x, y: [xp.sin(x), x * y], {"x": source((3,)), "y": source((3,))}),
    Case("nonscalar/matrix-target", lambda xp, a, b: xp.tanh(a @ b), {"a": source((3, 2)), "b": source((2, 4))}),
    Case("nonscalar/sigmoid-linspace", lambda xp, x: 1.0 / (1.0 + xp.exp(-x)),
         {"x": source((201,), linspace(-10, 10))}, doc="elementwise sigmoid over linspace(-10, 10, 201)",
         expect={JAX: Expectation(
             "underflow", "JAX differentiates 1/d as -d⁻² (integer_pow y=-2): for x < -5.5, d = 1 + e⁻ˣ > 256 and d⁻² "
             "is below float16's smallest normal (6.1e-5), which XLA on CPU flushes to zero, so σ'(x) reads 0 where it "
             "is 0.0025 and more; TF and torch form -g·out/d instead. Write jax.nn.sigmoid, or compute in float32",
             dtypes=("float16",), fixable=False),
             "tensorflow:xla": Expectation(
             "underflow", "under XLA (jit_compile=True) TF's float16 gradient of 1/d loses the same entries as JAX's: "
             "an intermediate below float16's smallest normal (6.1e-5) is flushed to zero on CPU, so σ'(x) reads 0 for "
             "x < -5.5; eager TF and tf.function without XLA are right. Compute in float32, or drop jit_compile",
             dtypes=("float16",), fixable=False)}),
    Case("nonscalar/cotangent-elementwise", lambda xp, x, w: xp.tanh(x) * w,
         {"x": source((4,)), "w": source((4,))}, mode="vjp"),
    Case("nonscalar/cotangent-matmul", lambda xp, a, b: a @ b, {"a": source((3, 2)), "b": source((2, 4))}, mode="vjp"),
    Case("nonscalar/cotangent-dict", lambda xp, x: {"y0": x ** 2, "y1": 1.0 / x},
         {"x": source((3,), away_from(0, 0.5))}, mode="vjp"),
    Case("nonscalar/jacobian-elementwise", lambda xp, x: xp.sin(x) * x, {"x": source((5,), uniform(-3, 3))},
         mode="jacobian"),
    Case("nonscalar/jacobian-dense", lambda xp, w, x: xp.tanh(w @ x), {"w": source((3, 4)), "x": source((4, 1))},
         mode="jacobian"),
    Case("nonscalar/jacobian-softmax", lambda xp, x: xp.exp(x) / xp.sum(xp.exp(x)), {"x": source((5,))},
         mode="jacobian"),
    Case("nonscalar/jvp-elementwise", lambda xp, x: xp.sin(x) * x, {"x": source((5,), uniform(-3, 3))}, mode="jvp"),
    Case("nonscalar/jvp-matmul", lambda xp, a, b: xp.tanh(a @ b), {"a": source((3, 2)), "b": source((2, 4))},
         mode="jvp"),
    Case("nonscalar/jvp-dict", lambda xp, x: {"y0": x ** 2, "y1": xp.exp(x)}, {"x": source((3,))}, mode="jvp"),
]
