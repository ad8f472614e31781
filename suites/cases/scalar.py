"""Scalar functions of scalars and vectors: polynomials and exp/log/trig compositions."""

from harness.cases import Case, source
from harness.domains import away_from, positive, uniform

CASES = [
    Case("scalar/square-at-3", lambda xp, x: x ** 2, {"x": source(3.0)}, doc="y = x² at 3: dy/dx = 6"),
    Case("scalar/cubic-polynomial", lambda xp, x: xp.sum(3.0 * x ** 3 - 2.0 * x ** 2 + x - 5.0), {"x": source((5,))}),
    Case("scalar/shifted-quartic", lambda xp, x: xp.sum((x - 1.0) ** 4), {"x": source((4,), uniform(-2, 3))}),
    Case("scalar/exp", lambda xp, x: xp.sum(xp.exp(x)), {"x": source((4,), uniform(-3, 3))}),
    Case("scalar/log", lambda xp, x: xp.sum(xp.log(x)), {"x": source((4,), positive)}),
    Case("scalar/sin-times-cos", lambda xp, x: xp.sum(xp.sin(x) * xp.cos(x)), {"x": source((4,), uniform(-3, 3))}),
    Case("scalar/exp-of-sin", lambda xp, x: xp.sum(xp.exp(xp.sin(x))), {"x": source((4,), uniform(-3, 3))}),
    Case("scalar/softplus", lambda xp, x: xp.sum(xp.log1p(xp.exp(x))), {"x": source((5,), uniform(-4, 4))}),
    Case("scalar/tanh-of-square", lambda xp, x: xp.sum(xp.tanh(x ** 2)), {"x": source((4,), uniform(-1.5, 1.5))}),
    Case("scalar/sqrt", lambda xp, x: xp.sum(xp.sqrt(x)), {"x": source((4,), positive)}),
    Case("scalar/rational", lambda xp, x: xp.sum(1.0 / (1.0 + x ** 2)), {"x": source((4,), uniform(-2, 2))}),
    Case("scalar/fractional-power", lambda xp, x: xp.sum(x ** 1.5), {"x": source((4,), positive)}),
    Case("scalar/arctan-of-reciprocal", lambda xp, x: xp.sum(xp.arctan(1.0 / x)), {"x": source((4,), away_from(0, 0.5))}),
    Case("scalar/two-sources", lambda xp, x, y: xp.sum(x * y + xp.sin(x * y)),
         {"x": source((3,)), "y": source((3,))}),
    Case("scalar/log-sum-exp-stable",
         lambda xp, x: xp.max(x) + xp.log(xp.sum(xp.exp(x - xp.max(x)))), {"x": source((6,), uniform(-3, 3))}),
]
