"""PyTorch adapter: ``requires_grad`` leaves and ``torch.autograd``, as PyTorch users write them."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence
from typing import Any

import array_api_compat.torch as torch_xp
import numpy as np
import torch

from harness.frameworks import torch_ops
from harness.frameworks.base import (
    Adapter,
    Arrays,
    DeviceUnavailable,
    Grads,
    ModelFunction,
    Namespace,
    Timed,
)
from harness.trees import leaves, paths


def _conv2d(x, w):
    """NHWC images, HWIO kernel, stride 1, VALID. The permutes are views: torch convolves the
    channels-last-strided tensor natively, so no copy is made to reach its NCHW/OIHW API."""
    out = torch.nn.functional.conv2d(x.permute(0, 3, 1, 2), w.permute(3, 2, 0, 1))
    return out.permute(0, 2, 3, 1)


XP = Namespace(torch_xp, conv2d=_conv2d, ops=torch_ops.VOCABULARY)


class TorchAdapter(Adapter):
    """``torch.autograd.grad`` for reverse mode, ``torch.func`` for forward mode and Jacobians."""

    name = "torch"
    version = str(torch.__version__)  # a TorchVersion str subclass, which execnet (xdist) cannot send

    def __init__(self, device: str = "cpu", *, regime: str = "eager"):
        if device == "cuda" and not torch.cuda.is_available():
            raise DeviceUnavailable("torch sees no CUDA GPU here: run with --device cpu, or on a machine with one")
        super().__init__(device)
        self.regime = regime
        self._device = torch.device(device)

    def in_regime(self, regime: str) -> TorchAdapter:
        """``compiled``: the user's function under ``torch.compile`` and autograd outside it, as users
        write it (AOTAutograd compiles the backward graph alongside the forward)."""
        if regime not in ("eager", "compiled"):
            return super().in_regime(regime)
        return self if regime == self.regime else type(self)(self.device, regime=regime)

    def _call(self, f: Callable) -> Callable:
        """``f(**tensors)`` in this adapter's regime: compiled afresh per call, so one check's graph
        never serves another's."""
        run = lambda **tensors: f(self.xp, **tensors)  # noqa: E731
        if self.regime == "eager":
            return run
        # every check compiles the same lambda's code object: past dynamo's recompile limit (8) it would
        # run the rest eagerly without a word, so each compilation starts from an empty cache
        torch._dynamo.reset()
        return torch.compile(run)

    @property
    def xp(self) -> Namespace:
        return XP

    @classmethod
    def device_names(cls) -> list[str]:
        return ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])

    def tensor(self, value: np.ndarray) -> torch.Tensor:
        value = np.asarray(value)
        if value.dtype.name == "bfloat16":  # torch reads no ml_dtypes array: widen exactly, then narrow
            return torch.tensor(value.astype(np.float32), device=self._device).to(torch.bfloat16)
        return torch.tensor(value, device=self._device)

    def numpy(self, value: Any) -> np.ndarray:
        if isinstance(value, torch.Tensor):
            value = value.detach().cpu()
            if value.dtype == torch.bfloat16:  # NumPy has no bfloat16 of its own: ml_dtypes' (exact)
                import ml_dtypes

                return value.float().numpy().astype(ml_dtypes.bfloat16)
            return value.numpy()
        return np.asarray(value)

    def sync(self, value: Any = None) -> None:
        if self._device.type == "cuda":
            torch.cuda.synchronize(self._device)

    vectorizer = "torch.func.vmap"

    def vectorized(self, fn: Callable) -> Callable | None:
        return torch.func.vmap(fn)

    def timed(self, f: Callable, inputs: Arrays, sources: Sequence[str], *, compiled: bool) -> Timed:
        tensors = self._tensors(inputs, sources)
        srcs = [tensors[s] for s in sources]
        loss_of = torch.compile(lambda t: f(self.xp, **t)) if compiled else (lambda t: f(self.xp, **t))

        def synced(value):
            self.sync()
            return value

        def forward_backward():
            loss = loss_of(tensors)
            return loss, torch.autograd.grad(loss, srcs)

        return Timed(forward=lambda: synced(loss_of(tensors)), forward_backward=lambda: synced(forward_backward()),
                     backward_setup=lambda: synced(loss_of(tensors)),
                     backward=lambda loss: synced(torch.autograd.grad(loss, srcs)))

    def reset_peak_memory(self) -> None:
        if self._device.type == "cuda":
            torch.cuda.reset_peak_memory_stats(self._device)

    def peak_memory_bytes(self) -> int | None:
        return int(torch.cuda.max_memory_allocated(self._device)) if self._device.type == "cuda" else None

    def _tensors(self, inputs: Arrays, sources: Sequence[str]) -> dict[str, torch.Tensor]:
        tensors = {name: self.tensor(value) for name, value in inputs.items()}
        for name in sources:
            tensors[name].requires_grad_(True)
        return tensors

    def _grads(self, raw: Sequence[torch.Tensor | None], sources: Sequence[str]) -> Grads:
        return {name: None if g is None else self.numpy(g) for name, g in zip(sources, raw)}

    def _cotangents(self, outs: list[torch.Tensor], cotangents: Sequence[np.ndarray] | None):
        if cotangents is not None:
            return [self.tensor(c).to(o.dtype) for c, o in zip(cotangents, outs)]
        if len(outs) == 1 and outs[0].ndim == 0:
            return None  # a scalar loss needs no grad_outputs: the idiomatic call
        return [torch.ones_like(o) for o in outs]

    def vjp(self, f: Callable, inputs: Arrays, sources: Sequence[str],
            cotangents: Sequence[np.ndarray] | None = None, *, zero_unconnected: bool = False,
            none_unconnected: bool = False) -> Grads:
        tensors = self._tensors(inputs, sources)
        outs = leaves(self._call(f)(**tensors))
        if (zero_unconnected or none_unconnected) and not any(o.requires_grad for o in outs):
            # no output is connected to any source: autograd.grad refuses before allow_unused or materialize_grads
            # apply, so what they would give is stated here
            return {s: np.zeros_like(inputs[s]) if zero_unconnected else None for s in sources}
        raw = torch.autograd.grad(outs, [tensors[s] for s in sources],
                                  grad_outputs=self._cotangents(outs, cotangents),
                                  allow_unused=zero_unconnected or none_unconnected, materialize_grads=zero_unconnected)
        return self._grads(raw, sources)

    def _positional(self, f: Callable, inputs: Arrays, names: Sequence[str]):
        consts = {n: self.tensor(v) for n, v in inputs.items() if n not in names}
        run = self._call(f)
        return lambda *args: tuple(leaves(run(**consts, **dict(zip(names, args)))))

    def jvp(self, f: Callable, inputs: Arrays, tangents: Arrays) -> list[np.ndarray]:
        names = list(tangents)
        consts = {n: self.tensor(v) for n, v in inputs.items() if n not in names}

        def push(primals, tangents, consts):
            # the constants are arguments, not closed over: dynamo's guard on a closed-over integer tensor
            # fails inside torch.func.jvp ("Guard failed on the same frame it was created", torch 2.13)
            g = lambda *args: tuple(leaves(f(self.xp, **consts, **dict(zip(names, args)))))  # noqa: E731
            return torch.func.jvp(g, primals, tangents)[1]
        if self.regime == "compiled":
            # compiled forward mode is the transformation under torch.compile (as jax.jit(jax.jvp(...))):
            # torch.func.jvp *of* a compiled function captures no graph (it runs eagerly), and a
            # forward-AD dual tensor passed through a compiled function loses its tangent (measured, torch 2.13)
            torch._dynamo.reset()
            push = torch.compile(push)
        out_tangents = push(tuple(self.tensor(inputs[n]) for n in names), tuple(self.tensor(tangents[n]) for n in names),
                            consts)
        return [self.numpy(t) for t in out_tangents]

    def jacobian(self, f: Callable, inputs: Arrays, sources: Sequence[str], *,
                 zero_unconnected: bool = False) -> Grads:
        g = self._positional(f, inputs, sources)
        jac = torch.func.jacrev(lambda *a: g(*a)[0], argnums=tuple(range(len(sources))))(
            *(self.tensor(inputs[n]) for n in sources))
        return {n: self.numpy(j).reshape(-1, inputs[n].size) for n, j in zip(sources, jac)}

    def hvp(self, f: Callable, inputs: Arrays, tangents: Arrays, *, zero_unconnected: bool = False,
            outer: str = "rev") -> Grads:
        sources = list(tangents)
        if outer == "fwd":  # forward-over-reverse: torch.func.jvp of torch.func.grad
            g = self._positional(f, inputs, sources)
            grad = torch.func.grad(lambda *a: g(*a)[0], argnums=tuple(range(len(sources))))
            _, second = torch.func.jvp(grad, tuple(self.tensor(inputs[n]) for n in sources),
                                       tuple(self.tensor(tangents[n]) for n in sources))
            return self._grads(second, sources)
        tensors = self._tensors(inputs, sources)
        (out,) = leaves(self._call(f)(**tensors))
        srcs = [tensors[s] for s in sources]
        grads = torch.autograd.grad(out, srcs, create_graph=True,
                                    allow_unused=zero_unconnected, materialize_grads=zero_unconnected)
        dot = sum((g * self.tensor(tangents[s])).sum() for s, g in zip(sources, grads))
        if zero_unconnected and not dot.requires_grad:
            return {s: np.zeros_like(inputs[s]) for s in sources}
        second = torch.autograd.grad(dot, srcs, allow_unused=zero_unconnected,
                                     materialize_grads=zero_unconnected)
        return self._grads(second, sources)

    def per_target(self, f: Callable, inputs: Arrays, sources: Sequence[str], *,
                   persistent: bool = True, zero_unconnected: bool = False) -> dict[str, Grads]:
        tensors = self._tensors(inputs, sources)
        out = self._call(f)(**tensors)
        result = {}
        for name, target in zip(paths(out), leaves(out)):
            # retain_graph is torch's "persistent": without it the first grad frees the graph
            raw = torch.autograd.grad(target, [tensors[s] for s in sources],
                                      grad_outputs=torch.ones_like(target), retain_graph=persistent,
                                      allow_unused=zero_unconnected, materialize_grads=zero_unconnected)
            result[name] = self._grads(raw, sources)
        return result

    def model_function(self, model: Any, inputs: tuple) -> ModelFunction:
        from harness.frameworks.torch_models import function_of

        return function_of(model)

    def preserved(self, model: Any) -> contextlib.AbstractContextManager:
        from harness.frameworks.torch_models import preserved

        return preserved(model)

    def model_vjp(self, model: str, fn: Callable, inputs: Arrays, sources: Sequence[str], *,
                  compute: str | None = None) -> Grads:
        from harness.frameworks.torch_models import build

        dtype = getattr(torch, str(inputs["x"].dtype))
        module, param_of = build(model, inputs, dtype=dtype, device=self._device)
        x, t = self.tensor(inputs["x"]), self.tensor(inputs["t"])
        module.zero_grad(set_to_none=True)
        if self.regime == "compiled":
            torch._dynamo.reset()
        forward = torch.compile(module) if self.regime == "compiled" else module
        # mixed precision: autocast around the forward only (as its docs say), the loss in the weights' dtype
        with torch.autocast(self._device.type, dtype=getattr(torch, compute or "float32"), enabled=bool(compute)):
            prediction = forward(x)
        loss = torch.mean((prediction.to(dtype) - t) ** 2)
        loss.backward()
        params = dict(module.named_parameters())
        grads: Grads = {}
        for name in sources:
            path, transposed = param_of[name]
            grad = params[path].grad
            grads[name] = None if grad is None else self.numpy(grad.T if transposed else grad)
        return grads
