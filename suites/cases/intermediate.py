"""Gradients with respect to intermediate values, through the ``xp.tap(name, value)`` probe."""

from harness.cases import Case, const, source
from harness.domains import normal
from suites.cases.matrix import ONEHOT, softmax_cross_entropy

CASES = [
    Case("intermediate/dz-dy", lambda xp, x: xp.sum(xp.tap("y", x ** 2) ** 2), {"x": source((3,))}, taps=("y",),
         doc="z = y², y = x²: dz/dy = 2y"),
    Case("intermediate/hidden-activation",
         lambda xp, x, w1, w2: xp.mean((xp.tap("h", xp.tanh(x @ w1)) @ w2) ** 2),
         {"x": const((4, 3)), "w1": source((3, 5)), "w2": source((5, 2))}, taps=("h",)),
    Case("intermediate/logits",
         lambda xp, x, w, y: softmax_cross_entropy(xp, xp.tap("logits", x @ w), y),
         {"x": const((6, 4), normal()), "w": source((4, 3)), "y": const(ONEHOT)}, taps=("logits",),
         doc="d(cross-entropy)/d(logits) = (softmax - onehot) / batch"),
    Case("intermediate/residual",
         lambda xp, x, w, t: xp.mean(xp.tap("r", x @ w - t) ** 2),
         {"x": const((5, 3)), "w": source((3, 2)), "t": const((5, 2))}, taps=("r",)),
    Case("intermediate/two-taps",
         lambda xp, x: xp.sum(xp.tap("b", xp.sin(xp.tap("a", 2.0 * x))) ** 2), {"x": source((4,))}, taps=("a", "b")),
]
