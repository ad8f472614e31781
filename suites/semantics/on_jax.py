"""The semantics scenarios that must call JAX's own API (a tape, a Variable, an optimizer,
a raw op): each function observes one situation. Only this module and the other ``on_<framework>``
modules (and ``harness/frameworks/``) import a framework; a row reaches these functions through
``suites.semantics.raw.JAX_RAW`` when it runs, so a missing framework skips its rows."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from harness.training import Run, flat
from suites.semantics import pitfalls, workflows


def with_x64():
    """``(jax, jax.numpy)`` with ``jax_enable_x64`` on, the suite's standing condition (without it
    float64 silently becomes float32; the row that shows this switches it off in a context)."""
    import jax
    import jax.numpy as jnp

    jax.config.update("jax_enable_x64", True)
    return jax, jnp


def grad(op: Callable, x, dtype: str = "float32"):
    """``jax.grad(lambda v: jnp.sum(op(v)))(x)``."""
    jax, jnp = with_x64()
    return jax.grad(lambda v: jnp.sum(op(v)))(np.asarray(x, dtype=dtype))


def weights():
    jax, jnp = with_x64()

    return jax.grad(lambda w: jnp.sum(w * pitfalls.X ** 2))(pitfalls.W)


def loop():
    jax, _ = with_x64()

    w, grad = 1.0, None
    for _ in range(2):
        grad = jax.grad(lambda v: (3.0 * v - 2.0) ** 2)(w)
        w = w - pitfalls.LR * grad
    return grad


def numpy_inside(fix: bool = False):
    jax, jnp = with_x64()

    return jax.grad(lambda w: jnp.sum(jnp.square(w) if fix else np.square(w)))(pitfalls.W)


def integer(fix: bool = False):
    jax, _ = with_x64()

    return jax.grad(lambda v: v * v)(3.0 if fix else 3)


def two_gradients():
    jax, jnp = with_x64()

    x = jnp.array([1.0, 3.0])
    (y, z), pullback = jax.vjp(lambda v: (v * v, (v * v) ** 2), x)
    pullback((jnp.zeros_like(y), jnp.ones_like(z)))
    return pullback((jnp.ones_like(y), jnp.zeros_like(z)))[0]


def gradient_twice():
    jax, _ = with_x64()

    grad = jax.grad(lambda v: (v * v).sum())
    grad(np.array([2.0]))
    return grad(np.array([2.0]))


def unconnected():
    jax, jnp = with_x64()

    return jax.grad(lambda x, y: jnp.sum(x * x), argnums=1)(pitfalls.X, pitfalls.W)


def nonscalar(fix: bool = False):
    jax, jnp = with_x64()

    if fix:
        y, pullback = jax.vjp(lambda v: v * v, jnp.asarray(pitfalls.X))
        return pullback(jnp.ones_like(y))[0]
    return jax.grad(lambda v: v * v)(pitfalls.X)


def float64(x64: bool = False):
    jax, jnp = with_x64()

    with jax.enable_x64(x64):
        return jax.grad(lambda w: jnp.sum(w * pitfalls.X ** 2))(pitfalls.W)


def stopped(fix: bool = False):
    jax, jnp = with_x64()

    return jax.grad(lambda x: jnp.sum((x if fix else jax.lax.stop_gradient(x)) ** 2))(pitfalls.X)


def second_of_linear():
    jax, _ = with_x64()

    return jax.grad(jax.grad(lambda x: 3.0 * x))(2.0)


def gather():
    jax, jnp = with_x64()

    return jax.grad(lambda x: jnp.sum(x[jnp.array(pitfalls.IDX)]))(jnp.asarray(pitfalls.X))


def grad_of_grad():
    jax, jnp = with_x64()
    return jax.grad(lambda v: jnp.sum(jax.grad(lambda u: jnp.sum(u ** 3))(v)))(jnp.array([1.5, -0.5]))


def python_float(fix: bool = False):
    jax, jnp = with_x64()
    return jax.grad(lambda v: (jnp.sum(v ** 2) if fix else float(jnp.sum(v ** 2))) * 2.0)(jnp.asarray(workflows.X))


def dict_targets(fix: bool = False):
    jax, jnp = with_x64()

    def targets(v):
        return {"a": v ** 2, "b": 1.0 / v}
    if fix:
        out, pullback = jax.vjp(targets, jnp.asarray(workflows.X))
        return pullback(jax.tree_util.tree_map(jnp.ones_like, out))[0]
    return jax.grad(targets)(jnp.asarray(workflows.X))


def train(run: Run, dtype: str, method: str) -> np.ndarray:
    jax, jnp = with_x64()

    def loss(params, xb, yb):
        w, b = params
        return jnp.mean((xb @ w + b - yb) ** 2)

    grad = jax.jit(jax.grad(loss))  # jitted, as JAX training loops are
    params = (jnp.asarray(run.w0, dtype), jnp.asarray(run.b0, dtype))
    x_all, y_all = jnp.asarray(run.x, dtype), jnp.asarray(run.y, dtype)
    rows = [flat(*map(np.asarray, params))]
    for batch in run.batches:
        index = jnp.array(batch)
        gw, gb = grad(params, x_all[index], y_all[index])
        params = (params[0] - run.lr * gw, params[1] - run.lr * gb)
        rows.append(flat(*map(np.asarray, params)))
    return np.array(rows)


def default_gelu():
    """JAX's GELU as called with no arguments (approximate=True: the tanh form)."""
    jax, _ = with_x64()
    return jax.nn.gelu


def forward_through_compiled():
    """The forward-mode derivative of sin(x)·x at ``workflows.X`` along ones, the function jitted."""
    jax, jnp = with_x64()
    from suites.semantics import workflows

    x = jnp.asarray(workflows.X)
    return jax.jvp(jax.jit(lambda y: jnp.sin(y) * y), (x,), (jnp.ones_like(x),))[1]


def forward_of_custom_gradient(fix: bool = False):
    """Forward mode (along ones) at ``workflows.X`` of sin with a ``jax.custom_vjp`` rule; fixed, the rule is a
    ``jax.custom_jvp`` instead (JAX transposes a JVP rule for reverse mode, not the other way)."""
    jax, jnp = with_x64()
    from suites.semantics import workflows

    if fix:
        sin = jax.custom_jvp(jnp.sin)
        sin.defjvp(lambda primals, tangents: (jnp.sin(primals[0]), tangents[0] * jnp.cos(primals[0])))
    else:
        sin = jax.custom_vjp(jnp.sin)
        sin.defvjp(lambda x: (jnp.sin(x), x), lambda x, dy: (dy * jnp.cos(x),))
    x = jnp.asarray(workflows.X)
    return jax.jvp(sin, (x,), (jnp.ones_like(x),))[1]
