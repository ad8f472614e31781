"""JAX adapter: ``jax.vjp``/``jax.grad`` over pure functions, with ``jax_enable_x64`` on.

Without ``jax_enable_x64`` JAX silently turns float64 inputs into float32, so every float64
check would quietly be a float32 one. Enabling it is process-wide; float32 checks pass float32
arrays explicitly, so they stay float32.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from harness.errors import GradcheckError
from harness.frameworks import jax_ops
from harness.frameworks.base import (
    Adapter,
    Arrays,
    DeviceUnavailable,
    Grads,
    ModelFunction,
    Namespace,
    Timed,
)
from harness.trees import leaves, paths, rebuild

jax.config.update("jax_enable_x64", True)

def _conv2d(x, w):
    """NHWC images, HWIO kernel, stride 1, VALID."""
    return jax.lax.conv_general_dilated(x, w, (1, 1), "VALID", dimension_numbers=("NHWC", "HWIO", "NHWC"))


XP = Namespace(jnp, conv2d=_conv2d, ops=jax_ops.VOCABULARY)


class JaxAdapter(Adapter):
    """Reverse mode by ``jax.vjp`` (``jax.grad`` for scalar losses), forward by ``jax.jvp``."""

    name = "jax"
    version = str(jax.__version__)
    compile_small_calls = True  # un-jitted JAX pays ~0.2 ms of dispatch per op

    def __init__(self, device: str = "cpu", *, jit: bool = False, regime: str = "eager"):
        self._jit = jit or regime == "compiled"
        self.regime = regime
        platform = "gpu" if device == "cuda" else device
        try:
            self._device = jax.devices(platform)[0]
        except RuntimeError:
            raise DeviceUnavailable(f"JAX sees no {device} device here: run with --device cpu, "
                                    "or install a CUDA-enabled jaxlib on a machine with a GPU") from None
        super().__init__(device)

    @property
    def xp(self) -> Namespace:
        return XP

    def one_program_per_check(self) -> JaxAdapter:
        """This adapter with each vjp/jvp/hvp/jacobian under ``jax.jit``: one XLA compilation per
        check instead of one per primitive and shape. Measured on 396 op-sweep checks, cold: 28.7 s
        instead of 84.9 s eager, which compiles every jnp function anew for every shape."""
        return type(self)(self.device, jit=True, regime=self.regime)

    def in_regime(self, regime: str) -> JaxAdapter:
        """``compiled``: every derivative transformation under ``jax.jit``."""
        if regime not in ("eager", "compiled"):
            return super().in_regime(regime)
        return self if regime == self.regime else type(self)(self.device, regime=regime)

    def _compiled(self, fn: Callable) -> Callable:
        return jax.jit(fn) if self._jit else fn

    @classmethod
    def device_names(cls) -> list[str]:
        names = ["cpu"]
        try:
            jax.devices("gpu")
            names.append("cuda")
        except RuntimeError:
            pass
        return names

    def tensor(self, value: np.ndarray) -> jax.Array:
        return jax.device_put(np.asarray(value), self._device)

    def numpy(self, value: Any) -> np.ndarray:
        return np.asarray(value)

    def sync(self, value: Any = None) -> None:
        # JAX dispatches asynchronously: without blocking, a timer measures only the dispatch
        if value is not None:
            jax.block_until_ready(value)

    def compile(self, fn: Callable) -> Callable:
        return jax.jit(fn)

    vectorizer = "jax.vmap"

    def vectorized(self, fn: Callable) -> Callable | None:
        # eager, not jitted: a jit of the user's function compiles afresh for every check, while eager primitives
        # are compiled once per shape for the whole process (measured: 0.33 s of compiling per 400-element check)
        mapped = jax.vmap(fn)
        widest = 0

        def padded(*args):
            # a rung's batch shrinks as its rows finish, and each new shape compiles every primitive again: a batch
            # narrower than the widest one so far is padded to a power of two (at most that widest), so a check
            # compiles a few shapes; the widest runs as it is (at 400 elements 801 points, not 1,024)
            nonlocal widest
            b = int(np.shape(args[0])[0])
            widest = max(widest, b)
            size = min(1 << max(0, (b - 1).bit_length()), widest)
            if size > b:
                args = [self.tensor(np.concatenate([a, np.repeat(a[-1:], size - b, axis=0)]))
                        for a in map(np.asarray, args)]
            return [np.asarray(o)[:b] for o in mapped(*args)]
        return padded

    def timed(self, f: Callable, inputs: Arrays, sources: Sequence[str], *, compiled: bool) -> Timed:
        g, primals = self._bind(f, inputs, sources)
        forward, forward_backward = g, jax.value_and_grad(g)
        split = lambda p: jax.vjp(g, p)  # noqa: E731
        pull = lambda state: state[1](jnp.ones_like(state[0]))  # noqa: E731  (state: loss, pullback)
        if compiled:
            # a vjp's pullback is a pytree (residuals as leaves), so it can cross jit boundaries
            forward, forward_backward, split, pull = map(jax.jit, (forward, forward_backward, split, pull))

        def blocked(value):
            return jax.block_until_ready(value)  # async dispatch: without this a timer sees only dispatch

        return Timed(forward=lambda: blocked(forward(primals)),
                     forward_backward=lambda: blocked(forward_backward(primals)),
                     backward_setup=lambda: blocked(split(primals)),
                     backward=lambda state: blocked(pull(state)))

    def peak_memory_bytes(self) -> int | None:
        # XLA's allocator keeps one running peak per device (it cannot be reset): on a GPU this is
        # the peak since the process started, stated as such in the report
        if self.device != "cuda":
            return None
        stats = self._device.memory_stats() or {}
        return int(stats["peak_bytes_in_use"]) if "peak_bytes_in_use" in stats else None

    def _bind(self, f: Callable, inputs: Arrays, names: Sequence[str]):
        """``f`` as a pure function of a dict of the named inputs; the rest are closed over."""
        consts = {n: self.tensor(v) for n, v in inputs.items() if n not in names}
        primals = {n: self.tensor(inputs[n]) for n in names}
        return (lambda srcs: f(self.xp, **consts, **srcs)), primals

    def _grads(self, raw: dict[str, Any], sources: Sequence[str]) -> Grads:
        return {n: self.numpy(raw[n]) for n in sources}

    def vjp(self, f: Callable, inputs: Arrays, sources: Sequence[str],
            cotangents: Sequence[np.ndarray] | None = None, *, zero_unconnected: bool = False,
            none_unconnected: bool = False) -> Grads:
        # JAX answers zeros for an unconnected source either way; zero_unconnected and none_unconnected change nothing
        g, primals = self._bind(f, inputs, sources)
        cots = None if cotangents is None else [self.tensor(c) for c in cotangents]

        def pulled(primals, cots):
            out, pullback = jax.vjp(g, primals)
            outs = leaves(out)
            cot = [jnp.ones_like(o) for o in outs] if cots is None else [c.astype(o.dtype) for c, o in zip(cots, outs)]
            return pullback(rebuild(out, cot))[0]
        return self._grads(self._compiled(pulled)(primals, cots), sources)

    def jvp(self, f: Callable, inputs: Arrays, tangents: Arrays) -> list[np.ndarray]:
        g, primals = self._bind(f, inputs, list(tangents))
        pushed = self._compiled(lambda primals, tangents: jax.jvp(g, (primals,), (tangents,))[1])
        return [self.numpy(t) for t in leaves(pushed(primals, {n: self.tensor(t) for n, t in tangents.items()}))]

    def jacobian(self, f: Callable, inputs: Arrays, sources: Sequence[str], *,
                 zero_unconnected: bool = False) -> Grads:
        g, primals = self._bind(f, inputs, sources)
        jac = self._compiled(jax.jacrev(lambda srcs: leaves(g(srcs))[0]))(primals)
        return {n: self.numpy(jac[n]).reshape(-1, inputs[n].size) for n in sources}

    def hvp(self, f: Callable, inputs: Arrays, tangents: Arrays, *, zero_unconnected: bool = False,
            outer: str = "fwd") -> Grads:
        g, primals = self._bind(f, inputs, list(tangents))
        scalar = lambda srcs: leaves(g(srcs))[0]  # noqa: E731
        if outer == "rev":  # reverse-over-reverse: the gradient of <grad, tangent>
            def product(primals, tangents):
                inner = lambda p: sum(jnp.vdot(a, tangents[n]) for n, a in jax.grad(scalar)(p).items())  # noqa: E731
                return jax.grad(inner)(primals)
            hvp = self._compiled(product)
        else:  # forward-over-reverse, the HVP the JAX autodiff cookbook recommends
            hvp = self._compiled(lambda primals, tangents: jax.jvp(jax.grad(scalar), (primals,), (tangents,))[1])
        return self._grads(hvp(primals, {n: self.tensor(t) for n, t in tangents.items()}), list(tangents))

    def per_target(self, f: Callable, inputs: Arrays, sources: Sequence[str], *,
                   persistent: bool = True, zero_unconnected: bool = False) -> dict[str, Grads]:
        # one forward, several pullbacks: JAX's vjp closures may be called any number of times,
        # so there is no persistent/non-persistent distinction to make
        g, primals = self._bind(f, inputs, sources)
        names = []

        def pulled(primals):
            out, pullback = jax.vjp(g, primals)
            outs, names[:] = leaves(out), paths(out)
            return [pullback(rebuild(out, [jnp.ones_like(o) if j == i else jnp.zeros_like(o)
                                           for j, o in enumerate(outs)]))[0] for i in range(len(outs))]
        grads = self._compiled(pulled)(primals)
        return {name: self._grads(g_i, sources) for name, g_i in zip(names, grads)}

    def model_function(self, model: Any, inputs: tuple) -> ModelFunction:
        """A JAX model is the pair ``(apply_fn, params)``, ``apply_fn(params, *inputs)``: already a pure function."""
        if not (isinstance(model, tuple) and len(model) == 2 and callable(model[0])):
            raise GradcheckError("a JAX model is the pair (apply_fn, params), apply_fn(params, *inputs) -> output: "
                                 "pass gradcheck_model((model.apply, params), x, framework='jax')")
        apply_fn, params = model
        if not jax.tree_util.tree_leaves(params):
            raise GradcheckError("the model has no trainable parameters (params is an empty pytree): pass the "
                                 "parameters apply_fn differentiates")
        # copies: the check never writes into the user's arrays
        return ModelFunction(jax.tree_util.tree_map(np.array, params), apply_fn, flat_names=False)

    def model_vjp(self, model: str, fn: Callable, inputs: Arrays, sources: Sequence[str], *,
                  compute: str | None = None) -> Grads:
        # a JAX model is a pure function of a dict of parameters: the neutral loss is the idiom
        if compute:
            # JAX has no autocast: mixed precision is explicit casts (as jmp does): weights and inputs to
            # ``compute``, the target left as is, so ``prediction - t`` and the loss run in float32
            low = getattr(jnp, compute)
            loss = fn

            def fn(xp, **tensors):
                return loss(xp, **{n: v if n == "t" else v.astype(low) for n, v in tensors.items()})
        g, params = self._bind(fn, inputs, sources)
        return self._grads(self._compiled(jax.grad(g))(params), sources)
