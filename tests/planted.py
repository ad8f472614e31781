"""Functions with planted gradient errors, written with each framework's own custom-derivative API.

Each builder takes ``error`` (0.0: the correct version) and returns framework code, so a test can
prove the checker catches the error and raises no false alarm on the correct twin.
"""

from __future__ import annotations

import numpy as np
import pytest


def scale(shape: tuple[int, ...], index: tuple[int, ...], error: float) -> np.ndarray:
    """Ones, with ``1 + error`` at ``index``: a relative error confined to one derivative entry."""
    s = np.ones(shape)
    s[index] += error
    return s


# -- an elementwise sin whose derivative is off in one entry, in reverse and forward mode ---------
def tf_sin(error, shape, index):
    tf = pytest.importorskip("tensorflow")
    s = tf.constant(scale(shape, index, error))

    @tf.custom_gradient
    def sin(x):  # reverse mode only: TF's forward mode differentiates tf.sin itself (measured, TF 2.21)
        return tf.sin(x), lambda dy: dy * tf.cos(x) * tf.cast(s, x.dtype)
    return sin


def torch_function(forward, backward, jvp=None):
    """A ``torch.autograd.Function`` (functorch style, so ``torch.func`` transforms accept it) from
    ``forward(x)``, ``backward(x, dy)`` and, where forward mode is wanted, ``jvp(x, t)``."""
    torch = pytest.importorskip("torch")

    class Custom(torch.autograd.Function):
        generate_vmap_rule = True  # torch.func.vmap may map it (the checker's batched reference does)

        @staticmethod
        def forward(x):
            return forward(x)

        @staticmethod
        def setup_context(ctx, inputs, output):
            ctx.save_for_backward(inputs[0])
            ctx.save_for_forward(inputs[0])

        @staticmethod
        def backward(ctx, dy):
            return backward(ctx.saved_tensors[0], dy)

        @staticmethod
        def jvp(ctx, t):
            if jvp is None:
                raise NotImplementedError("no jvp for this planted function")
            return jvp(ctx.saved_tensors[0], t)
    return Custom.apply


def torch_sin(error, shape, index):
    torch = pytest.importorskip("torch")
    s = torch.tensor(scale(shape, index, error))
    return torch_function(torch.sin, lambda x, dy: dy * torch.cos(x) * s.to(x.dtype),
                          lambda x, t: t * torch.cos(x) * s.to(x.dtype))


def jax_sin(error, shape, index):
    jax = pytest.importorskip("jax")
    jnp = pytest.importorskip("jax.numpy")
    s = scale(shape, index, error)

    @jax.custom_jvp  # a JVP rule: JAX transposes it for reverse mode, so both modes carry the error
    def sin(x):
        return jnp.sin(x)

    @sin.defjvp
    def _(primals, tangents):
        (x,), (t,) = primals, tangents
        return jnp.sin(x), t * jnp.cos(x) * s.astype(x.dtype)
    return sin


SIN = {"tensorflow": tf_sin, "torch": torch_sin, "jax": jax_sin}


# -- identity whose gradient is off in one entry: planted inside a model's parameter path ----------
def tf_identity(error, shape, index):
    tf = pytest.importorskip("tensorflow")
    s = scale(shape, index, error)

    @tf.custom_gradient
    def identity(w):
        return tf.identity(w), lambda dy: dy * tf.constant(s, dy.dtype)
    return identity


def torch_identity(error, shape, index):
    torch = pytest.importorskip("torch")
    s = torch.tensor(scale(shape, index, error))
    return torch_function(torch.clone, lambda w, dy: dy * s.to(dy.dtype))


def jax_identity(error, shape, index):
    jax = pytest.importorskip("jax")
    s = scale(shape, index, error)

    @jax.custom_vjp
    def identity(w):
        return w
    identity.defvjp(lambda w: (w, None), lambda _, dy: (dy * s.astype(dy.dtype),))
    return identity


IDENTITY = {"tensorflow": tf_identity, "torch": torch_identity, "jax": jax_identity}


# -- sin with a right first derivative and a wrong second (the backward cuts its own graph) -------
def tf_sin_flat_backward(wrong: bool):
    tf = pytest.importorskip("tensorflow")

    @tf.custom_gradient
    def sin(x):
        def grad(dy):
            cos = tf.cos(x)
            return dy * (tf.stop_gradient(cos) if wrong else cos)
        return tf.sin(x), grad
    return sin


def torch_sin_flat_backward(wrong: bool):
    torch = pytest.importorskip("torch")
    # the jvp is right: forward-over-reverse differentiates the backward, which carries the error
    return torch_function(torch.sin, lambda x, dy: dy * torch.cos(x.detach() if wrong else x),
                          lambda x, t: t * torch.cos(x))


def jax_sin_flat_backward(wrong: bool):
    jax = pytest.importorskip("jax")
    jnp = pytest.importorskip("jax.numpy")

    @jax.custom_vjp
    def sin(x):
        return jnp.sin(x)

    def bwd(x, dy):
        cos = jnp.cos(x)
        return (dy * (jax.lax.stop_gradient(cos) if wrong else cos),)
    sin.defvjp(lambda x: (jnp.sin(x), x), bwd)
    return sin


FLAT_BACKWARD = {"tensorflow": tf_sin_flat_backward, "torch": torch_sin_flat_backward, "jax": jax_sin_flat_backward}


# -- sin that is right eagerly and wrong only where the framework compiles it ---------------------
def tf_compiled_only(error, shape, index):
    tf = pytest.importorskip("tensorflow")
    wrong = tf_sin(error, shape, index)
    return lambda x: tf.sin(x) if tf.executing_eagerly() else wrong(x)


def torch_compiled_only(error, shape, index):
    torch = pytest.importorskip("torch")
    wrong = torch_sin(error, shape, index)
    return lambda x: wrong(x) if torch.compiler.is_compiling() else torch.sin(x)


def jax_compiled_only(error, shape, index):
    jax = pytest.importorskip("jax")
    jnp = pytest.importorskip("jax.numpy")
    wrong = jax_sin(error, shape, index)

    def under_jit(x):
        try:  # a value under jax.jit is abstract: NumPy cannot read it (eagerly, its primal is concrete)
            np.asarray(jax.lax.stop_gradient(x))
            return False
        except jax.errors.TracerArrayConversionError:
            return True
    return lambda x: wrong(x) if under_jit(x) else jnp.sin(x)


COMPILED_ONLY = {"tensorflow": tf_compiled_only, "torch": torch_compiled_only, "jax": jax_compiled_only}


# -- z² with the complex conjugation of its derivative dropped (or added, in JAX) ------------------
def tf_square(conjugation_error: bool):
    tf = pytest.importorskip("tensorflow")

    @tf.custom_gradient
    def square(z):
        slope = 2 * z
        # TF's VJP of a holomorphic f is dy·conj(f'(z)); the planted error forgets the conj
        return z * z, lambda dy: dy * (slope if conjugation_error else tf.math.conj(slope))
    return square


def torch_square(conjugation_error: bool):
    pytest.importorskip("torch")

    def backward(z, dy):
        slope = 2 * z  # torch's VJP of a holomorphic f is dy·conj(f'(z)); the planted error forgets the conj
        return dy * (slope if conjugation_error else slope.conj())
    return torch_function(lambda z: z * z, backward)


def jax_square(conjugation_error: bool):
    jax = pytest.importorskip("jax")
    jnp = pytest.importorskip("jax.numpy")

    @jax.custom_vjp
    def square(z):
        return z * z

    def bwd(z, dy):
        slope = 2 * z  # JAX's VJP is linear: dy·f'(z); the planted error conjugates it
        return (dy * (jnp.conj(slope) if conjugation_error else slope),)
    square.defvjp(lambda z: (z * z, z), bwd)
    return square


SQUARE = {"tensorflow": tf_square, "torch": torch_square, "jax": jax_square}


# -- sin whose derivative is NaN or ±inf at one entry (its first, flat), right everywhere else -------------------
def _bad_first(ones, bad, set_first):
    """``ones`` with ``bad`` at its first entry (an empty array has none)."""
    return set_first(ones, bad) if np.size(ones) else ones


def tf_nonfinite(bad):
    tf = pytest.importorskip("tensorflow")

    @tf.custom_gradient
    def sin(x):
        flat = tf.reshape(tf.ones_like(x), [-1])
        mask = tf.reshape(tf.tensor_scatter_nd_update(flat, [[0]], tf.constant([bad], x.dtype)) if x.shape.num_elements()
                          else flat, tf.shape(x))
        # the forward op carries no tangent (stop_gradient), so TF's forward mode transposes this rule too (as it
        # does for a custom gradient whose forward is not differentiable: semantics row forward-mode-of-custom-gradient)
        return tf.stop_gradient(tf.sin(x)), lambda dy: dy * tf.cos(x) * mask
    return sin


def torch_nonfinite(bad):
    torch = pytest.importorskip("torch")

    def mask(x):
        m = torch.ones_like(x)
        if m.numel():
            m.view(-1)[0] = bad
        return m
    return torch_function(torch.sin, lambda x, dy: dy * torch.cos(x) * mask(x), lambda x, t: t * torch.cos(x) * mask(x))


def jax_nonfinite(bad):
    jax = pytest.importorskip("jax")
    jnp = pytest.importorskip("jax.numpy")

    @jax.custom_jvp  # a JVP rule: JAX transposes it for reverse mode and differentiates it for the second order
    def sin(x):
        return jnp.sin(x)

    @sin.defjvp
    def _(primals, tangents):
        (x,), (t,) = primals, tangents
        mask = jnp.ones(x.shape, x.dtype)
        mask = mask.reshape(-1).at[0].set(bad).reshape(x.shape) if x.size else mask
        return jnp.sin(x), t * jnp.cos(x) * mask
    return sin


NONFINITE = {"tensorflow": tf_nonfinite, "torch": torch_nonfinite, "jax": jax_nonfinite}
