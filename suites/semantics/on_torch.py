"""The semantics scenarios that must call PyTorch's own API (a tape, a Variable, an optimizer,
a raw op): each function observes one situation. Only this module and the other ``on_<framework>``
modules (and ``harness/frameworks/``) import a framework; a row reaches these functions through
``suites.semantics.raw.TORCH_RAW`` when it runs, so a missing framework skips its rows."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from harness.training import Run, flat
from suites.semantics import parameters, pitfalls, workflows


def grad(op: Callable, x, dtype: str = "float32"):
    """``torch.autograd.grad(op(t).sum(), t)`` for a leaf t with ``requires_grad``: may raise."""
    import torch

    t = torch.tensor(np.asarray(x, dtype=dtype), requires_grad=True)
    (g,) = torch.autograd.grad(op(t).sum(), t)
    return g


def plain_weights(fix: bool = False):
    import torch

    w = torch.tensor(pitfalls.W, requires_grad=fix)
    (g,) = torch.autograd.grad((w * torch.tensor(pitfalls.X) ** 2).sum(), w)
    return g


def frozen_parameter(fix: bool = False):
    import torch

    w = torch.nn.Parameter(torch.tensor(pitfalls.W), requires_grad=False)
    if fix:
        w.requires_grad_(True)
    (g,) = torch.autograd.grad((w * torch.tensor(pitfalls.X) ** 2).sum(), w)
    return g


def loop(fix: bool = False):
    import torch

    w = torch.tensor(1.0, dtype=torch.float64, requires_grad=True)
    for step in range(2):
        loss = (3.0 * w - 2.0) ** 2
        loss.backward()
        if step == 1:
            return w.grad
        if fix:
            with torch.no_grad():
                w -= pitfalls.LR * w.grad
            w.grad = None
        else:
            w = w - pitfalls.LR * w.grad  # w is now a non-leaf: its .grad stays None


def numpy_inside(fix: bool = False):
    import torch

    w = torch.tensor(pitfalls.W, requires_grad=True)
    squared = w ** 2 if fix else torch.tensor(np.square(w.numpy()))
    (g,) = torch.autograd.grad(squared.sum(), w)
    return g


def integer(fix: bool = False):
    import torch

    v = torch.tensor(3.0 if fix else 3).requires_grad_()
    (g,) = torch.autograd.grad(v * v, v)
    return g


def two_gradients(retain: bool = False):
    import torch

    x = torch.tensor([1.0, 3.0], dtype=torch.float64, requires_grad=True)
    y = x * x
    z = y * y
    torch.autograd.grad(z.sum(), x, retain_graph=retain)
    (g,) = torch.autograd.grad(y.sum(), x)
    return g


def backward_twice(zero: bool = False):
    import torch

    x = torch.tensor([2.0], dtype=torch.float64, requires_grad=True)
    for _ in range(2):
        if zero:
            x.grad = None
        (x * x).sum().backward()
    return x.grad


def after_zero_grad(set_to_none: bool = True):
    import torch

    p = torch.nn.Parameter(torch.tensor([2.0], dtype=torch.float64))
    opt = torch.optim.SGD([p], lr=0.1)
    (p * p).sum().backward()
    opt.zero_grad(set_to_none=set_to_none)
    return p.grad


def after_zero_grad_then_backward():
    import torch

    p = torch.nn.Parameter(torch.tensor([2.0], dtype=torch.float64))
    opt = torch.optim.SGD([p], lr=0.1)
    (p * p).sum().backward()
    opt.zero_grad()
    (p * p).sum().backward()
    return p.grad


def nonleaf(retain: bool = False):
    import torch

    x = torch.tensor(pitfalls.X, requires_grad=True)
    y = x * 2.0
    if retain:
        y.retain_grad()
    (y ** 2).sum().backward()
    return y.grad


def unconnected(option: str = ""):
    import torch

    x, y = torch.tensor(pitfalls.X, requires_grad=True), torch.tensor(pitfalls.W, requires_grad=True)
    kwargs = {"allow_unused": True} if option == "allow_unused" else {}
    if option == "materialize":
        kwargs = {"allow_unused": True, "materialize_grads": True}
    return torch.autograd.grad((x * x).sum(), [x, y], **kwargs)[1]


def backward_unused():
    import torch

    x, y = torch.tensor(pitfalls.X, requires_grad=True), torch.tensor(pitfalls.W, requires_grad=True)
    (x * x).sum().backward()
    return y.grad


def nonscalar(fix: bool = False):
    import torch

    x = torch.tensor(pitfalls.X, requires_grad=True)
    y = x * x
    y.backward(torch.ones_like(y) if fix else None)
    return x.grad


def stopped(fix: bool = False):
    import torch

    x = torch.tensor(pitfalls.X, requires_grad=True)
    y = x if fix else x.detach()
    (g,) = torch.autograd.grad((y ** 2).sum(), x)
    return g


def no_grad(fix: bool = False):
    import torch

    x = torch.tensor(pitfalls.X, requires_grad=True)
    if fix:
        loss = (x ** 2).sum()
    else:
        with torch.no_grad():
            loss = (x ** 2).sum()
    (g,) = torch.autograd.grad(loss, x)
    return g


def second_of_linear(zero: bool = False):
    import torch

    x = torch.tensor([2.0], dtype=torch.float64, requires_grad=True)
    (g,) = torch.autograd.grad((3.0 * x).sum(), x, create_graph=True)
    if zero and not g.requires_grad:
        return torch.zeros_like(x)  # torch's answer when the gradient is constant: nothing to differentiate
    (h,) = torch.autograd.grad(g.sum(), x)
    return h


def gather():
    import torch

    x = torch.tensor(pitfalls.X, requires_grad=True)
    (g,) = torch.autograd.grad(x[pitfalls.IDX].sum(), x)
    return g


def inplace(fix: bool = False):
    import torch

    x = torch.tensor(pitfalls.X, requires_grad=True)
    e = torch.exp(x)  # exp saves its output for backward
    e = e + 1.0 if fix else e.add_(1.0)
    (g,) = torch.autograd.grad(e.sum(), x)
    return g


def eval_mode():
    import torch

    layer = torch.nn.Linear(2, 2, bias=False, dtype=torch.float64)
    with torch.no_grad():
        layer.weight.copy_(torch.tensor(workflows.K.T))
    layer.eval()
    (layer(torch.tensor(workflows.X[None, :])) ** 2).sum().backward()
    return layer.weight.grad.T


def grad_of_grad(create_graph: bool = False):
    import torch

    x = torch.tensor([1.5, -0.5], dtype=torch.float64, requires_grad=True)
    (g,) = torch.autograd.grad((x ** 3).sum(), x, create_graph=create_graph)
    (h,) = torch.autograd.grad(g.sum(), x)
    return h


def python_float(fix: bool = False):
    import torch

    v = torch.tensor(workflows.X, requires_grad=True)
    loss = (v ** 2).sum()
    scaled = (loss if fix else torch.tensor(loss.item(), dtype=torch.float64)) * 2.0
    (g,) = torch.autograd.grad(scaled, v)
    return g


def convert_after_requires_grad(fix: bool = False):
    import torch

    if fix:
        x = torch.tensor(workflows.X, dtype=torch.float32).double().requires_grad_()
    else:
        x = torch.tensor(workflows.X, dtype=torch.float32, requires_grad=True).double()  # a non-leaf copy
    ((x ** 2).sum()).backward()
    return x.grad


def list_targets(fix: bool = False):
    import torch

    v = torch.tensor(workflows.X, requires_grad=True)
    targets = [v ** 2, 1.0 / v]
    (g,) = torch.autograd.grad(targets, v, grad_outputs=[torch.ones_like(t) for t in targets] if fix else None)
    return g


def nn_module(register: bool):
    import torch

    class Linear(torch.nn.Module):
        def __init__(self):
            super().__init__()
            kernel = torch.tensor(parameters.K)
            self.kernel = torch.nn.Parameter(kernel) if register else kernel.requires_grad_()

        def forward(self, x):
            return x @ self.kernel

    return Linear()


def gradient():
    import torch

    model = nn_module(True)
    (model(torch.tensor(parameters.X)) ** 2).sum().backward()
    return model.kernel.grad


def train(run: Run, dtype: str, method: str) -> np.ndarray:
    import torch

    w = torch.tensor(run.w0.astype(dtype), requires_grad=True)
    b = torch.tensor(run.b0.astype(dtype), requires_grad=True)
    optimizer = torch.optim.SGD([w, b], lr=run.lr) if method == "optim-sgd" else None
    x_all, y_all = torch.tensor(run.x.astype(dtype)), torch.tensor(run.y.astype(dtype))
    rows = [flat(w.detach().numpy(), b.detach().numpy())]
    for batch in run.batches:
        index = list(batch)
        loss = torch.mean((x_all[index] @ w + b - y_all[index]) ** 2)
        loss.backward()
        if optimizer is None:
            with torch.no_grad():
                w -= run.lr * w.grad
                b -= run.lr * b.grad
            w.grad, b.grad = None, None
        else:
            optimizer.step()
            optimizer.zero_grad()
        rows.append(flat(w.detach().numpy(), b.detach().numpy()))
    return np.array(rows)


def default_gelu():
    """PyTorch's GELU as called with no arguments (exact, erf form)."""
    import torch

    return torch.nn.functional.gelu


def forward_through_compiled(fix: bool = False):
    """The forward-mode derivative (tangent along ones) of sin(x)·x at ``workflows.X``, the function under
    ``torch.compile``: raw, a forward-AD dual tensor passed through it; fixed, the JVP itself compiled."""
    import torch
    import torch._dynamo
    import torch.autograd.forward_ad as fwAD

    from suites.semantics import workflows

    torch._dynamo.reset()
    x = torch.tensor(workflows.X)
    t = torch.ones_like(x)
    if fix:
        push = torch.compile(lambda x, t: torch.func.jvp(lambda y: torch.sin(y) * y, (x,), (t,))[1])
        return push(x, t)
    compiled = torch.compile(lambda y: torch.sin(y) * y)
    with fwAD.dual_level():
        return fwAD.unpack_dual(compiled(fwAD.make_dual(x, t))).tangent


def forward_of_custom_gradient(fix: bool = False):
    """Forward mode (along ones) at ``workflows.X`` of sin in a ``torch.autograd.Function`` that defines only
    ``backward``; fixed, the Function also defines ``jvp`` (which forward-mode AD calls)."""
    import torch
    import torch.autograd.forward_ad as fwAD

    from suites.semantics import workflows

    class Sin(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            ctx.save_for_forward(x)
            return torch.sin(x)

        @staticmethod
        def backward(ctx, dy):
            return dy * torch.cos(ctx.saved_tensors[0])

    class SinWithJvp(Sin):
        @staticmethod
        def jvp(ctx, t):
            return t * torch.cos(ctx.saved_tensors[0])

    x = torch.tensor(workflows.X)
    with fwAD.dual_level():
        return fwAD.unpack_dual((SinWithJvp if fix else Sin).apply(fwAD.make_dual(x, torch.ones_like(x)))).tangent
