"""Python control flow on values: ``if`` on data, ``for`` and ``while`` loops whose trip counts
depend on the data. Eager execution traces only the path taken, so the gradient is the path's.

Conditions are comparisons (``if xp.sum(x) > 0``), which all three frameworks accept under
differentiation. ``float(...)`` of a value is not the same: under ``jax.grad`` it raises
(measured with JAX 0.10), recorded as its own case.

Compiled, they are where the frameworks part ways (measured with TF 2.21, torch 2.13, JAX 0.10):
``jax.jit`` refuses a Python ``if``/``while`` on a traced value; ``tf.function``'s AutoGraph turns
them into ``tf.cond``/``tf.while_loop`` (and ``float(x)`` into a cast to float32); XLA then needs a
loop whose carried values keep their shapes.
"""

from harness.cases import Case, source
from harness.domains import away_from, positive, uniform
from harness.expectations import Expectation
from harness.frameworks.registry import JAX


def branch_on_sum(xp, x):
    if xp.sum(x) > 0:
        return xp.sum(x ** 2)
    return xp.sum(-(x ** 3))


def grow_until(xp, x):
    y = x
    while xp.sum(y) < 20.0:  # trip count depends on x
        y = y * 1.5 + x
    return xp.sum(y ** 2)


def halve_until_small(xp, x):
    y = x * 8.0
    while xp.max(xp.abs(y)) > 1.0:
        y = xp.sin(y) * 0.5 + y * 0.25
    return xp.sum(y)


def elementwise_branches(xp, x):
    total = 0.0
    for i in range(x.shape[0]):
        xi = x[i]
        total = total + (xi ** 2 if xi > 0 else 3.0 * xi)
    return total


def branch_on_float(xp, x):
    scale = float(xp.sum(x))  # leaves the framework: a Python float
    return xp.sum(x ** 2) * (2.0 if scale > 0 else -1.0)


def fixed_loop(xp, x):
    y = x
    for _ in range(5):
        y = xp.sin(y) * x
    return xp.sum(y)


#: jax.jit traces with abstract values: a Python branch or loop condition on one cannot be decided
JIT_BRANCH = Expectation("error:TracerBoolConversionError",
                         "under jax.jit a value is a tracer and Python's if/while needs a concrete bool; write "
                         "jax.lax.cond / jax.lax.while_loop / jnp.where, or mark the deciding argument static",
                         "https://docs.jax.dev/en/latest/errors.html#jax.errors.TracerBoolConversionError",
                         fixable=False)
#: AutoGraph turns the loop into tf.while_loop; y's shape is fixed, but XLA also needs the loop's
#: TensorList (kept for the gradient) to have a maximum size, which a data-dependent trip count lacks
XLA_LOOP = Expectation("error:InvalidArgumentError",
                       "tf.function(jit_compile=True) cannot differentiate a while loop whose trip count depends on "
                       "the data (XLA needs a fixed TensorList size); give tf.while_loop maximum_iterations=, or drop "
                       "jit_compile", "https://www.tensorflow.org/xla/known_issues", fixable=False)
#: AutoGraph's float() of a tensor is tf.cast(x, tf.float32), so a float64 computation meets a float32 scale
AUTOGRAPH_FLOAT = Expectation("error:TypeError",
                              "inside tf.function AutoGraph turns float(x) into tf.cast(x, tf.float32): in any other "
                              "dtype the product with that float32 scale raises; compare the tensor (x > 0) instead",
                              "https://github.com/tensorflow/tensorflow/blob/master/tensorflow/python/autograph/g3doc/"
                              "reference/index.md", fixable=False, dtypes=("float64", "float16", "bfloat16"))

CASES = [
    Case("control/if-positive-branch", branch_on_sum, {"x": source([0.5, 1.25, -0.25])},
         expect={"jax:compiled": JIT_BRANCH}),
    Case("control/if-negative-branch", branch_on_sum, {"x": source([-0.5, -1.25, 0.25])},
         expect={"jax:compiled": JIT_BRANCH}),
    Case("control/for-fixed-count", fixed_loop, {"x": source((4,), uniform(-1.5, 1.5))}),
    Case("control/while-data-dependent", grow_until, {"x": source((3,), positive)},
         expect={"jax:compiled": JIT_BRANCH, "tensorflow:xla": XLA_LOOP}),
    Case("control/while-shrink", halve_until_small, {"x": source((3,), uniform(0.2, 1.0))},
         expect={"jax:compiled": JIT_BRANCH, "tensorflow:xla": XLA_LOOP}),
    Case("control/per-element-branches", elementwise_branches, {"x": source((5,), away_from(0))},
         expect={"jax:compiled": JIT_BRANCH}),
    Case("control/float-of-value", branch_on_float, {"x": source([0.5, 1.25, -0.25])},
         expect={JAX: Expectation("error:ConcretizationTypeError",
                               "under jax.grad a value is a tracer and float() needs a concrete number; "
                               "branch on a comparison (x > 0) or use jax.lax.cond",
                               "https://docs.jax.dev/en/latest/errors.html#jax.errors.ConcretizationTypeError",
                               fixable=False),
                 "tensorflow:compiled": AUTOGRAPH_FLOAT, "tensorflow:xla": AUTOGRAPH_FLOAT},
         doc="float() of a value inside the differentiated function"),
]
