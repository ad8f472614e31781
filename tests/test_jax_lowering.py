"""JAX's lowerings share one MLIR context in a test run (``harness.jax_lowering``) and print the same modules as in
contexts of their own; that a run sharing it finds the programs of a run without it: tests/test_compile_cache.py."""

from __future__ import annotations

import sys

import pytest

from harness import jax_lowering


@pytest.fixture
def mlir():
    """JAX's MLIR module, imported by the test, not at collection (a run without JAX never loads it)."""
    pytest.importorskip("jax")
    from jax._src.interpreters import mlir

    return mlir


def lowered(x):
    """A program lowered now, not found in JAX's caches: each call jits a new function (the same computation)."""
    import jax
    import jax.numpy as jnp

    return jax.jit(lambda v: jnp.sin(v) * v + jnp.sum(v**2)).lower(x).compiler_ir("stablehlo")


def test_lowerings_share_one_context_and_print_what_their_own_contexts_print(mlir, monkeypatch):
    import jax.numpy as jnp

    x = jnp.arange(3.0)
    assert jax_lowering.share() and jax_lowering.shared()
    first, second = lowered(x), lowered(x.reshape(3, 1))
    assert first.context is second.context is mlir.make_ir_context()
    monkeypatch.setattr(mlir, "make_ir_context", mlir.make_ir_context.__wrapped__)  # JAX's own: a context per call
    assert not jax_lowering.shared()
    own = lowered(x)
    assert own.context is not first.context
    assert str(own) == str(first)


def test_sharing_again_keeps_the_first_context(mlir):
    assert jax_lowering.share()
    context = mlir.make_ir_context()
    assert jax_lowering.share() and mlir.make_ir_context() is context


def test_nothing_is_shared_before_jax_is_imported(mlir, monkeypatch):
    monkeypatch.delitem(sys.modules, "jax")
    assert not jax_lowering.share()
