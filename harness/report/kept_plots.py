"""Plots kept between runs by what they draw, beside the kept references (``~/.cache/gradparity/plots``).

matplotlib takes about 0.1 s a plot here, and a report of the extreme-value sweep has 57 of them: 6 s each time a
run or ``python -m harness report`` writes one, which the default run does twice (its own report, and the committed
one re-rendered by a test), drawing the same pictures every time. A plot is kept under a hash of everything that
decides its pixels: the data and labels it draws (``inputs``), the source file of the function that draws it,
matplotlib's release and its style settings (``rcParams``). Any change to one of them draws anew; a copy never
stands for a different picture. Measured: the 57 plots of the committed ops report, 6.3 s drawn, 0.3 s copied.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from collections.abc import Callable
from pathlib import Path

from harness import compile_cache, kept_files

#: the folder under the cache root
FOLDER = "plots"
#: plots kept; the least recently used beyond this are removed
KEEP = 1000

#: this process's hits and misses (for the tests)
stats = {"copied": 0, "drawn": 0}
_pruned: set[Path] = set()


def folder() -> Path:
    """Where the plots are kept (under :func:`harness.compile_cache.default_root`)."""
    return compile_cache.default_root().expanduser() / FOLDER


def write(path: Path, inputs: tuple, draw: Callable[[Path], None]) -> Path:
    """The plot of ``inputs`` at ``path``: copied where a run drew the same inputs with the same code, else drawn
    with ``draw(path)`` and kept."""
    import matplotlib

    h = hashlib.sha256(repr(inputs).encode())
    h.update(Path(draw.__code__.co_filename).read_bytes())
    # the style a matplotlibrc may set; not the backend's settings (the plots are drawn by Agg whatever they say;
    # reading "backend" picks one, which imports pyplot, 0.2 s, and pyplot's import turns "backend_fallback" off)
    style = matplotlib.rcParams
    h.update(repr((matplotlib.__version__, [(k, style[k]) for k in sorted(style) if not k.startswith("backend")]))
             .encode())
    kept = folder() / f"{h.hexdigest()[:32]}{path.suffix}"
    try:
        shutil.copyfile(kept, path)
        os.utime(kept)  # recently used: kept by the pruning
        stats["copied"] += 1
        return path
    except OSError:  # none yet (or unreadable): drawn, and kept below
        pass
    draw(path)
    stats["drawn"] += 1
    try:
        kept_files.write_whole(kept, path.read_bytes())
        _prune(kept.parent)
    except OSError:
        pass  # a full or read-only disk costs the next run the drawing, nothing else
    return path


def _prune(where: Path) -> None:
    """Remove all but the :data:`KEEP` most recently used plots (once a process)."""
    if where in _pruned:
        return
    _pruned.add(where)
    for old in kept_files.beyond_most_recent(where.glob("*.png"), KEEP):
        old.unlink(missing_ok=True)
