"""Python control flow on values: ``if`` on data, ``for`` and ``while`` loops whose trip counts
depend on the data. Eager execution traces only the path taken, so the gradient is the path's.

Conditions are comparisons (``if xp.sum(x) > 0``), which all three frameworks accept under
differentiation. ``float(...)`` of a value is not the same: under ``jax.grad`` it raises
(measured with JAX 0.10), recorded as its own case.
"""

from harness.expectations import Expectation
from harness.cases import Case, source
from harness.domains import away_from, positive, uniform


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


CASES = [
    Case("control/if-positive-branch", branch_on_sum, {"x": source([0.5, 1.25, -0.25])}),
    Case("control/if-negative-branch", branch_on_sum, {"x": source([-0.5, -1.25, 0.25])}),
    Case("control/for-fixed-count", fixed_loop, {"x": source((4,), uniform(-1.5, 1.5))}),
    Case("control/while-data-dependent", grow_until, {"x": source((3,), positive)}),
    Case("control/while-shrink", halve_until_small, {"x": source((3,), uniform(0.2, 1.0))}),
    Case("control/per-element-branches", elementwise_branches, {"x": source((5,), away_from(0))}),
    Case("control/float-of-value", branch_on_float, {"x": source([0.5, 1.25, -0.25])},
         expect={"jax": Expectation("error:ConcretizationTypeError",
                               "under jax.grad a value is a tracer and float() needs a concrete number; "
                               "branch on a comparison (x > 0) or use jax.lax.cond",
                               "https://docs.jax.dev/en/latest/errors.html#jax.errors.ConcretizationTypeError",
                               fixable=False)},
         doc="float() of a value inside the differentiated function"),
]
