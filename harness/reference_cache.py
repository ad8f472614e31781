"""Where a test run keeps the suite's float64 references between runs (a folder beside JAX's compiled programs).

A reference is the float64 finite-difference answer to one case at one seed and rounding (:mod:`harness.modes`), or
a training run's float64 trajectory (:mod:`harness.training`): in the default run 1,368 references (10.3 s of CPU)
and four trajectories (2.8 s), the same every run until the code changes. Kept on disk, the next run (a fresh clone
too, where CI keeps ``~/.cache/gradparity``) loads them instead.

What decides a reference is in its key, so a kept one is never served where it could differ:

- the folder: every file of ``harness/`` and ``suites/`` (the op's reference function, the finite-difference ladder,
  the input domains: any edit starts a new folder), the NumPy, SciPy and mpmath releases, Python's, and the CPU
  (NumPy's vectorized functions round by the instructions they run on);
- the file: the case's id and mode, the seed, the rounding, and the bytes of the inputs, tangents and cotangents (a
  training run's: its data, initial weights, learning rate and batches).

Only the suite's own cases and runs are kept: those the ``@over`` registries of ``suites/`` hand to pytest
(:func:`admit`, by identity). A case built anywhere else (a user's, a test's planted one) is computed every time, and
so is a reference whose code was changed in the running process (a monkeypatch): run with ``--reference-cache off``
for that.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.metadata
import pickle
import shutil
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from harness import compile_cache, env, kept_files

#: the option's value that turns the cache off
OFF = "off"
#: folders of earlier code kept beside the current one (two checkouts may share a cache); older ones are removed
KEEP = 4
ROOT = Path(__file__).resolve().parents[1]

_folder: Path | None = None
_admitted: set[int] = set()
#: this process's hits and misses (for the tests)
stats = {"loaded": 0, "computed": 0}


def fingerprint() -> str:
    """A hash of the code and releases every reference depends on (see the module's docstring)."""
    h = hashlib.sha256()
    for top in (ROOT / "harness", ROOT / "suites"):
        for path in sorted(p for p in top.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
            h.update(str(path.relative_to(ROOT)).encode() + b"\0" + path.read_bytes() + b"\0")
    for dist in ("numpy", "scipy", "mpmath"):
        try:
            h.update(f"{dist}=={importlib.metadata.version(dist)}".encode())
        except importlib.metadata.PackageNotFoundError:
            h.update(f"{dist} absent".encode())
    h.update(f"{sys.version} {env.cpu_key()}".encode())
    return h.hexdigest()[:16]


def use(root: str | Path | None) -> Path | None:
    """Keep the suite's references under ``root/references-<fingerprint>`` (``root`` None: the default root of
    :mod:`harness.compile_cache`), or compute every one with ``"off"``; return the folder, None where none is used."""
    global _folder
    if str(root) == OFF:
        _folder = None
        return None
    base = Path(compile_cache.default_root() if root is None else root).expanduser()
    _folder = base / f"references-{fingerprint()}"
    _prune(base, _folder)
    return _folder


def _prune(base: Path, current: Path) -> None:
    """Remove all but the :data:`KEEP` most recently used folders of earlier code."""
    try:
        old = kept_files.beyond_most_recent((p for p in base.glob("references-*") if p != current and p.is_dir()), KEEP)
    except OSError:
        return
    for folder in old:
        shutil.rmtree(folder, ignore_errors=True)


@contextlib.contextmanager
def suspended():
    """Compute every reference inside (a benchmark of computing them), whatever :func:`use` said."""
    global _folder
    before, _folder = _folder, None
    try:
        yield
    finally:
        _folder = before


def admit(case: Any) -> None:
    """Mark ``case`` (this object) as one of the suite's own: its reference may be kept."""
    _admitted.add(id(case))


def kept(case: Any, key_parts: tuple, compute: Callable[[], Any]) -> Any:
    """``compute()``, or what an earlier run (or process) kept for the same key; keeps what it computes."""
    if _folder is None or id(case) not in _admitted:
        return compute()
    h = hashlib.sha256()
    for part in key_parts:
        h.update(_bytes(part) + b"\0")
    path = _folder / f"{h.hexdigest()[:32]}.pkl"
    try:
        with open(path, "rb") as f:
            value = pickle.load(f)
        stats["loaded"] += 1
        return value
    except Exception:  # none yet, or a torn or foreign file: computed, and written below
        pass
    value = compute()
    stats["computed"] += 1
    try:
        kept_files.write_whole(path, pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))
    except OSError:
        pass  # a full or read-only disk costs the next run the computing, nothing else
    return value


def _bytes(part: Any) -> bytes:
    """A key part as bytes: arrays by dtype, shape and content; containers part by part; the rest by repr."""
    if isinstance(part, np.ndarray):
        return f"{part.dtype.str}{part.shape}".encode() + np.ascontiguousarray(part).tobytes()
    if isinstance(part, dict):
        return b"{" + b",".join(_bytes(k) + b":" + _bytes(v) for k, v in part.items()) + b"}"
    if isinstance(part, (list, tuple)):
        return b"[" + b",".join(_bytes(v) for v in part) + b"]"
    return repr(part).encode()
