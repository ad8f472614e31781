"""autograd's adapter: ``make_vjp`` for reverse mode, ``make_jvp_reversemode`` for forward mode, the Hessian-vector
product of ``autograd``; arrays are NumPy's own (CPU only)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from importlib import metadata
from typing import Any

import autograd
import autograd.numpy as anp
import numpy as np
from autograd.differential_operators import make_jvp_reversemode

from harness.frameworks.base import Adapter, Arrays, DeviceUnavailable, Grads, Namespace, Timed
from harness.trees import leaves, paths
from tests.fourth_framework.ops import VOCABULARY

XP = Namespace(anp, ops=VOCABULARY, astype=lambda x, dtype: x.astype(dtype),
               matrix_transpose=lambda x: anp.swapaxes(x, -1, -2))


class AutogradAdapter(Adapter):
    name = "autograd"
    version = metadata.version("autograd")

    def __init__(self, device: str = "cpu"):
        if device != "cpu":
            raise DeviceUnavailable("autograd computes with NumPy, on the CPU only: run with --device cpu")
        super().__init__(device)

    @property
    def xp(self) -> Namespace:
        return XP

    @classmethod
    def device_names(cls) -> list[str]:
        return ["cpu"]

    def tensor(self, value: np.ndarray) -> np.ndarray:
        return np.array(value)

    def numpy(self, value: Any) -> np.ndarray:
        return np.asarray(value)

    def sync(self, value: Any = None) -> None:
        """NumPy computes synchronously."""

    def _flat(self, f: Callable, inputs: Arrays, sources: Sequence[str]) -> Callable:
        consts = {n: v for n, v in inputs.items() if n not in sources}

        def g(srcs):
            outs = leaves(f(self.xp, **consts, **dict(zip(sources, srcs))))
            return anp.concatenate([anp.ravel(o) for o in outs])
        return g

    def vjp(self, f, inputs, sources, cotangents=None, *, zero_unconnected=False, none_unconnected=False) -> Grads:
        g = self._flat(f, inputs, sources)
        pull, out = autograd.make_vjp(g)(tuple(inputs[s] for s in sources))
        c = np.ones_like(out) if cotangents is None else np.concatenate([np.ravel(c) for c in cotangents])
        return {s: np.asarray(v).reshape(np.shape(inputs[s])) for s, v in zip(sources, pull(c))}

    def jvp(self, f, inputs, tangents) -> list[np.ndarray]:
        names = list(tangents)
        out = leaves(f(self.xp, **inputs))
        pushed = make_jvp_reversemode(self._flat(f, inputs, names))(tuple(inputs[n] for n in names))(
            tuple(tangents[n] for n in names))
        flat, start, result = np.asarray(pushed), 0, []
        for o in out:
            result.append(flat[start:start + np.size(o)].reshape(np.shape(o)))
            start += np.size(o)
        return result

    def jacobian(self, f, inputs, sources, *, zero_unconnected=False) -> Grads:
        g = self._flat(f, inputs, sources)
        return {s: np.asarray(autograd.jacobian(lambda x, s=s: g(tuple(x if n == s else inputs[n] for n in sources)))(
            inputs[s])).reshape(-1, np.size(inputs[s])) for s in sources}

    def hvp(self, f, inputs, tangents, *, zero_unconnected=False, outer="rev") -> Grads:
        names = list(tangents)
        g = self._flat(f, inputs, names)
        first = autograd.grad(lambda srcs: g(srcs)[0])
        along = tuple(tangents[n] for n in names)  # reverse-over-reverse: the gradient of <gradient, tangent>
        found = autograd.grad(lambda srcs: sum(anp.sum(a * t) for a, t in zip(first(srcs), along)))(
            tuple(inputs[n] for n in names))
        return {n: np.asarray(v) for n, v in zip(names, found)}

    def per_target(self, f, inputs, sources, *, persistent=True, zero_unconnected=False) -> dict[str, Grads]:
        out = f(self.xp, **inputs)
        sizes = [np.size(o) for o in leaves(out)]
        result, start = {}, 0
        for name, size in zip(paths(out), sizes):
            one_hot = [np.zeros(s) for s in sizes]
            one_hot[len(result)][:] = 1.0
            result[name] = self.vjp(f, inputs, sources, one_hot)
            start += size
        return result

    def timed(self, f, inputs, sources, *, compiled: bool) -> Timed:
        g = autograd.grad(lambda srcs: self._flat(f, inputs, sources)(srcs)[0])
        srcs = tuple(inputs[s] for s in sources)
        return Timed(lambda: f(self.xp, **inputs), lambda: g(srcs), None, None)
