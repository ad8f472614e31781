"""The benchmark log: one JSON line per measurement, appended and flushed the moment it is taken,
so an interrupted run keeps what it measured and a re-run can skip what is already there."""

from __future__ import annotations

import json
import os
from pathlib import Path

from harness.report.store import ResultsFileError


def append(path: str | Path, record: dict) -> None:
    """Append ``record`` as one line and push it to disk before returning."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as f:
        f.write(json.dumps(record, sort_keys=True) + "\n")
        f.flush()
        os.fsync(f.fileno())


def read(path: str | Path) -> list[dict]:
    """Every record of a log; a torn last line (the run was killed mid-write) is dropped.

    Raises:
        ResultsFileError: a line other than the last is not JSON (the file is corrupt).
    """
    path = Path(path)
    if not path.exists():
        return []
    lines = path.read_text().splitlines()
    records = []
    for number, line in enumerate(lines, 1):
        try:
            records.append(json.loads(line))
        except json.JSONDecodeError:
            if number == len(lines):
                break  # interrupted while writing: everything before it is intact
            raise ResultsFileError(f"{path}: line {number} is not JSON; the log is corrupt: "
                                   "delete it (or that line) and re-run") from None
    return records


def done(path: str | Path) -> set[str]:
    """The ``fullname`` of every measurement already in the log (for ``--bench-resume``)."""
    return {r["fullname"] for r in read(path) if "fullname" in r}
