"""Files a run keeps for the next one (``~/.cache/gradparity``: the references, the plots): written whole, and
pruned to the most recently used."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable
from pathlib import Path


def write_whole(path: Path, data: bytes) -> None:
    """``data`` at ``path``, written beside it and then renamed: a reader (the other xdist worker, another run) never
    finds half a file. Raises ``OSError`` where it cannot be written."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("wb", dir=path.parent, suffix=".tmp", delete=False) as f:
        f.write(data)
    os.replace(f.name, path)


def beyond_most_recent(paths: Iterable[Path], keep: int) -> list[Path]:
    """Those of ``paths`` beyond the ``keep`` most recently modified: the ones to remove."""
    return sorted(paths, key=lambda p: p.stat().st_mtime, reverse=True)[keep:]
