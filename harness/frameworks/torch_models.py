"""The model cases as ``torch.nn`` modules, built with given weights (Keras layout converted).

Each builder returns the module and, per harness weight name, the module's parameter path and
whether PyTorch stores it transposed (``nn.Linear.weight`` is ``(out, in)``; Keras is ``(in, out)``).
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn


class TwoLayerMLP(nn.Module):
    """The subclassing story: weights as ``nn.Parameter`` attributes, registered by assignment."""

    def __init__(self, w1, b1, w2, b2):
        super().__init__()
        self.w1, self.b1 = nn.Parameter(w1), nn.Parameter(b1)
        self.w2, self.b2 = nn.Parameter(w2), nn.Parameter(b2)

    def forward(self, x):
        return torch.tanh(x @ self.w1 + self.b1) @ self.w2 + self.b2


def _linear(kernel: np.ndarray, bias: np.ndarray, **kw) -> nn.Linear:
    layer = nn.Linear(*kernel.shape, **kw)
    with torch.no_grad():
        # through float64, which holds every value exactly: torch reads no ml_dtypes bfloat16 array
        layer.weight.copy_(torch.as_tensor(np.asarray(kernel.T, np.float64)))
        layer.bias.copy_(torch.as_tensor(np.asarray(bias, np.float64)))
    return layer


def build(model: str, weights: dict[str, np.ndarray], **kw) -> tuple[nn.Module, dict[str, tuple[str, bool]]]:
    """The ``torch.nn`` form of ``model`` holding ``weights``; ``kw`` is dtype and device."""
    w = weights
    if model == "dense":
        return _linear(w["w"], w["b"], **kw), {"w": ("weight", True), "b": ("bias", False)}
    if model == "mlp":
        net = nn.Sequential(_linear(w["w1"], w["b1"], **kw), nn.Tanh(), _linear(w["w2"], w["b2"], **kw))
        return net, {"w1": ("0.weight", True), "b1": ("0.bias", False),
                     "w2": ("2.weight", True), "b2": ("2.bias", False)}
    if model == "mlp-subclass":
        tensors = [torch.tensor(np.asarray(w[n], np.float64), **kw) for n in ("w1", "b1", "w2", "b2")]
        return TwoLayerMLP(*tensors), {n: (n, False) for n in ("w1", "b1", "w2", "b2")}
    raise KeyError(f"torch has no model {model!r}")
