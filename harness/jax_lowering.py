"""One MLIR context for all of a test process's JAX lowerings.

JAX lowers every program it runs (each eager primitive per shape and dtype, each jitted check) into a module built in a
new MLIR context, and making the context (loading its dialects) took as long as the rest of the lowering: a quarter of a
one-process JAX gradient run (README, "How long the default run takes"). Kept programs (:mod:`harness.compile_cache`)
skip compiling, not lowering: JAX finds a kept program by its lowered module. A context owns only the types and
attributes that modules are built from, and MLIR shares one between modules by design: a module lowered in the shared
context prints the same text (``tests/test_jax_lowering.py``), and a run sharing it finds every program that a run
without it kept (``tests/test_compile_cache.py``).

Shared only in the suite's test run, and only while JAX's programs are kept (``--compile-cache off`` is JAX as a user
runs it): the bench times JAX's first call as a user gets it, and a user's process is never touched.
"""

from __future__ import annotations

import sys

#: set on the replacement, so sharing twice keeps the first context
_MARK = "gradparity_shared_context"


def share() -> bool:
    """From now on, every lowering of the JAX this process imported uses one MLIR context; True where it does.

    False where JAX is not imported yet (nothing to do until it is) or keeps no ``make_ir_context`` to replace (a
    release that moved it): the run is then slower, not different.
    """
    if "jax" not in sys.modules:
        return False
    from jax._src.interpreters import mlir

    make = getattr(mlir, "make_ir_context", None)
    if make is None:
        return False
    if getattr(make, _MARK, False):
        return True
    context = make()

    def the_one_context():
        return context

    setattr(the_one_context, _MARK, True)
    the_one_context.__wrapped__ = make  # JAX's own, for a test to lower beside the shared context
    mlir.make_ir_context = the_one_context
    return True


def shared() -> bool:
    """Whether this process's JAX lowerings share one context (False where JAX is not imported)."""
    module = sys.modules.get("jax._src.interpreters.mlir")
    return bool(module) and getattr(getattr(module, "make_ir_context", None), _MARK, False)
