"""The model cases as ``torch.nn`` modules, built with given weights (Keras layout converted); and a user's module
as a function of its parameters, for :func:`harness.gradcheck_model`.

Each builder returns the module and, per harness weight name, the module's parameter path and
whether PyTorch stores it transposed (``nn.Linear.weight`` is ``(out, in)``; Keras is ``(in, out)``).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import numpy as np
import torch
from torch import nn

from harness.errors import GradcheckError
from harness.frameworks.base import ModelFunction


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


# -- a user's module as a function of its parameters (harness.gradcheck_model) ------------------------------------

def function_of(model: Any) -> ModelFunction:
    """``model`` through ``torch.func.functional_call``: the parameters (``requires_grad``) by name, the buffers
    following their dtype (so a float64 evaluation stays float64) and copied at every call, so a forward that
    updates them in place (BatchNorm's running statistics and ``num_batches_tracked`` in train mode) changes a copy."""
    if not isinstance(model, nn.Module):
        raise GradcheckError(f"framework='torch' needs a torch.nn.Module, got {type(model).__name__}")
    named = {n: p for n, p in model.named_parameters() if p.requires_grad}
    if not named:
        raise GradcheckError("the model has no trainable parameters (no parameter with requires_grad=True): build it "
                             "(call it once on an input) and leave some parameters trainable")
    # NumPy has no bfloat16 of its own: a bfloat16 parameter widens to float32 (exactly)
    params = {n: (p.detach().cpu().float() if p.dtype == torch.bfloat16 else p.detach().cpu()).numpy().copy()
              for n, p in named.items()}
    buffers = dict(model.named_buffers())

    def call(params, *inputs):
        dtype = next(iter(params.values())).dtype
        state = {n: b.to(dtype, copy=True) if b.is_floating_point() else b.clone() for n, b in buffers.items()}
        return torch.func.functional_call(model, {**state, **params}, inputs)
    return ModelFunction(params, call, flat_names=True)


@contextlib.contextmanager
def preserved(model: Any) -> Iterator[None]:
    """``model``'s parameters and buffers and torch's random state (CPU and CUDA), restored on the way out."""
    if not isinstance(model, nn.Module):
        yield
        return
    saved = {k: v.detach().clone() for k, v in model.state_dict(keep_vars=True).items()}
    rng = torch.get_rng_state()
    cuda = torch.cuda.get_rng_state_all() if torch.cuda.is_available() else None
    try:
        yield
    finally:
        with torch.no_grad():
            for k, v in model.state_dict(keep_vars=True).items():
                v.copy_(saved[k])
        torch.set_rng_state(rng)
        if cuda is not None:
            torch.cuda.set_rng_state_all(cuda)
