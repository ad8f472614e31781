"""Matrix cases: the seeds' linear model with MSE, 2xᵀx, chains of matmuls, softmax regression, linalg."""

from harness.cases import Case, const, source
from harness.domains import normal, spd
from harness.expectations import Expectation

# The 5×3 inputs and 5×2 targets of the linear-regression seed (crop yields from temperature,
# rainfall and humidity), used verbatim.
SEED_X = [[73, 67, 43], [91, 88, 64], [87, 134, 58], [102, 43, 37], [69, 96, 70]]
SEED_T = [[56, 70], [81, 101], [119, 133], [22, 37], [103, 119]]


def softmax_cross_entropy(xp, logits, onehot):
    """Mean cross-entropy of softmax(logits) against one-hot labels, in the stable form."""
    shifted = logits - xp.max(logits, axis=1, keepdims=True)
    log_probs = shifted - xp.log(xp.sum(xp.exp(shifted), axis=1, keepdims=True))
    return -xp.mean(xp.sum(onehot * log_probs, axis=1))


ONEHOT = [[1, 0, 0], [0, 1, 0], [0, 0, 1], [0, 1, 0], [1, 0, 0], [0, 0, 1]]

CASES = [
    Case("matrix/linear-mse",
         lambda xp, x, w, b, t: xp.mean((x @ xp.matrix_transpose(w) + b - t) ** 2),
         {"x": const(SEED_X), "w": source((2, 3)), "b": source((2,)), "t": const(SEED_T)},
         doc="the seeds' linear model: preds = x @ wᵀ + b, loss = mean((preds - t)²)"),
    Case("matrix/linear-mse-all-sources",
         lambda xp, x, w, b, t: xp.mean((x @ xp.matrix_transpose(w) + b - t) ** 2),
         {"x": source(SEED_X), "w": source((2, 3)), "b": source((2,)), "t": source(SEED_T)}),
    Case("matrix/two-xtx", lambda xp, x: 2.0 * (xp.matrix_transpose(x) @ x), {"x": source((4, 1))},
         doc="y = 2 xᵀx for a 4×1 column: dy/dx = 4x"),
    Case("matrix/xw-plus-b-mean-square", lambda xp, x, w, b: xp.mean((x @ w + b) ** 2),
         {"x": source((4, 3)), "w": source((3, 2)), "b": source((2,))}),
    Case("matrix/matmul-chain", lambda xp, a, b, c: xp.sum(xp.tanh(a @ b @ c)),
         {"a": source((2, 3)), "b": source((3, 4)), "c": source((4, 2))}),
    Case("matrix/softmax-regression",
         lambda xp, x, w, b, y: softmax_cross_entropy(xp, x @ w + b, y),
         {"x": const((6, 4), normal()), "w": source((4, 3)), "b": source((3,)), "y": const(ONEHOT)},
         expect={"torch:compiled": Expectation(
             "overflow", "under torch.compile (Inductor, CPU) the float16/bfloat16 gradient is NaN throughout; eager "
             "torch is right. The NaN comes through the backward of the max-shift (amax, whose true contribution is "
             "0): amax(...).detach() removes it (measured), as does torch.nn.functional.log_softmax",
             dtypes=("float16", "bfloat16"), fixable=False)}),
    Case("matrix/batched-matmul", lambda xp, a, b: xp.sum((a @ b) ** 2),
         {"a": source((3, 2, 4)), "b": source((3, 4, 2))}),
    Case("matrix/quadratic-form", lambda xp, x, a: xp.matrix_transpose(x) @ a @ x,
         {"x": source((3, 1)), "a": const((3, 3), spd())}),
    Case("matrix/trace-of-product", lambda xp, a, b: xp.sum(a * xp.matrix_transpose(b)),
         {"a": source((3, 4)), "b": source((4, 3))}),
    Case("matrix/solve", lambda xp, a, b: xp.sum(xp.linalg.solve(a, b) ** 2),
         {"a": source((3, 3), spd()), "b": source((3, 2))}),
    Case("matrix/inverse", lambda xp, a, c: xp.sum(xp.linalg.inv(a) * c),
         {"a": source((3, 3), spd()), "c": const((3, 3))}),
    Case("matrix/log-determinant", lambda xp, a: xp.log(xp.linalg.det(a)), {"a": source((3, 3), spd())},
         expect={"tensorflow:xla": Expectation(
             "error:InvalidArgumentError", "tf.linalg.det has no XLA kernel on CPU ('No registered "
             "MatrixDeterminant OpKernel for XLA_CPU_JIT'): drop jit_compile, or write log|det| as "
             "2·sum(log(diag(cholesky(a)))) for a positive-definite a", fixable=False)}),
    Case("matrix/frobenius-norm", lambda xp, a: xp.sqrt(xp.sum(a ** 2)), {"a": source((3, 4))}),
]
