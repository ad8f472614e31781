"""Where a test run keeps JAX's compiled programs between runs (JAX's persistent compilation cache).

JAX compiles one XLA program per eager primitive, shape and dtype, and one per jitted check: in the default run that
compiling was most of JAX's time (measured in the README). Kept on disk, a program compiled once is loaded, not
compiled, by the other xdist worker, by the tests' own pytest subprocesses and by the next run. JAX keys each program
by its computation, compile options, ``XLA_FLAGS`` and releases, but not by the CPU it was compiled for (XLA compiles
for the host's instructions), so the folder is keyed by the CPU's flags too: a cache shared between machines (a CI
cache) never hands one CPU another's code. The bench turns it off, since it reports the first call's compile time.
"""

from __future__ import annotations

import importlib.metadata
import os
import sys
from pathlib import Path

from harness import env

#: the option's value that turns the cache off
OFF = "off"


def default_root() -> Path:
    """``$GRADPARITY_COMPILE_CACHE``, else ``$XDG_CACHE_HOME/gradparity`` (``~/.cache/gradparity``)."""
    if os.environ.get("GRADPARITY_COMPILE_CACHE"):
        return Path(os.environ["GRADPARITY_COMPILE_CACHE"])
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "gradparity"


def folder(root: str | Path, cpu_flags: frozenset[str] | None = None) -> Path | None:
    """``root/jax-<jaxlib version>-<CPU key>``: the programs of this JAX on this kind of CPU (None without jaxlib)."""
    try:
        version = importlib.metadata.version("jaxlib")
    except importlib.metadata.PackageNotFoundError:
        return None
    return Path(root).expanduser() / f"jax-{version}-{env.cpu_key(cpu_flags)}"


def use(root: str | Path | None) -> Path | None:
    """Have JAX keep every compiled program under :func:`folder` of ``root``, in this process and the processes it
    starts, or compile anew with ``"off"``; return the folder, None where none is used.

    ``root`` None is the default: what the environment already says is kept (a ``JAX_COMPILATION_CACHE_DIR`` set by
    the user or by the run that started this process, ``JAX_ENABLE_COMPILATION_CACHE=false``), else
    :func:`default_root`.
    """
    if str(root) == OFF:
        os.environ["JAX_ENABLE_COMPILATION_CACHE"] = "false"
        _update_loaded_jax(jax_enable_compilation_cache=False)
        return None
    if root is None:
        if os.environ.get("JAX_ENABLE_COMPILATION_CACHE", "").lower() in ("false", "0"):
            return None
        if os.environ.get("JAX_COMPILATION_CACHE_DIR"):
            return Path(os.environ["JAX_COMPILATION_CACHE_DIR"])
    where = folder(default_root() if root is None else root)
    if where is None:
        return None
    settings = {"JAX_COMPILATION_CACHE_DIR": str(where), "JAX_ENABLE_COMPILATION_CACHE": "true",
                # every program, however quick to compile: the eager primitives take ~40 ms each, below JAX's 1 s
                "JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS": "0"}
    os.environ.update(settings)
    _update_loaded_jax(jax_compilation_cache_dir=str(where), jax_enable_compilation_cache=True,
                       jax_persistent_cache_min_compile_time_secs=0.0)
    return where


def _update_loaded_jax(**settings) -> None:
    """JAX reads its environment at import; where it is already imported, set its config too."""
    if "jax" in sys.modules:
        for name, value in settings.items():
            sys.modules["jax"].config.update(name, value)
