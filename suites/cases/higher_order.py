"""Second order: second derivatives, Hessian-vector products, gradients of gradients (``mode="hvp"``).

TF nests two tapes, torch differentiates ``autograd.grad(..., create_graph=True)`` again, JAX
takes ``jvp`` of ``grad`` (forward-over-reverse). The reference differentiates its own
finite-difference gradient along the tangent.
"""

from functools import partial

from harness.cases import Case, const, source
from harness.domains import normal, uniform

SecondOrder = partial(Case, mode="hvp")

CASES = [
    SecondOrder("higher/second-derivative-cubic", lambda xp, x: xp.sum(x ** 3), {"x": source([1.5])},
         doc="d²(x³)/dx² = 6x"),
    SecondOrder("higher/hvp-exp-polynomial", lambda xp, x: xp.sum(xp.exp(x) * x ** 2), {"x": source((4,))}),
    SecondOrder("higher/hvp-two-sources", lambda xp, x, y: xp.sum(xp.sin(x * y)), {"x": source((3,)), "y": source((3,))}),
    SecondOrder("higher/hvp-rosenbrock",
         lambda xp, x, y: xp.sum(100.0 * (y - x ** 2) ** 2 + (1.0 - x) ** 2),
         {"x": source((3,), uniform(-1.5, 1.5)), "y": source((3,), uniform(-0.5, 2))}),
    SecondOrder("higher/hvp-mlp-loss",
         lambda xp, x, t, w1, w2: xp.mean((xp.tanh(x @ w1) @ w2 - t) ** 2),
         {"x": const((5, 3), normal()), "t": const((5, 2), normal()), "w1": source((3, 4)), "w2": source((4, 2))}),
    SecondOrder("higher/grad-of-grad-logsumexp",
         lambda xp, x: xp.log(xp.sum(xp.exp(x))), {"x": source((5,))}),
]
