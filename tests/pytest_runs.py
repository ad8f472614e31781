"""Several pytest runs in turn in one Python (``pytest.main`` once each): the tests that need many runs pay one
interpreter and framework start-up, not one per run; each run is still its own pytest session."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

#: reads the runs' argument lists from stdin; after each run's output, a line with its exit status. What the runs
#: before left (the frameworks, pytest's modules) is frozen out of the garbage collector: pytest ends each run with five
#: full collections (its check for exceptions raised where objects are freed), which then walk only this run's objects
#: (tests/test_reproduce.py and tests/test_shards.py, interleaved: 22.4 and 19.9 s without, 15.6 and 14.7 s with)
RUNNER = """
import gc, json, sys
import pytest
for args in json.load(sys.stdin):
    gc.freeze()
    code = pytest.main(args)
    print(f"\\n@@ exit {int(code)}", flush=True)
"""


def in_its_own_python(*args: str, env: dict | None = None, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    """``pytest <args>`` in a process of its own (a run that needs its own environment, or its own stderr), without
    pytest's cache and without xdist."""
    return subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-p", "no:xdist", *args],
                          capture_output=True, text=True, cwd=cwd, env=env, timeout=600)


def in_one_python(runs: list[list[str]], timeout: int = 900) -> list[tuple[int, str]]:
    """(exit status, output) of ``pytest <args>`` for each of ``runs``, from the project's root, without pytest's
    cache. The output holds what the run wrote to stderr too (a usage error): each run's marker line flushes stdout,
    so what follows is the next run's."""
    runs = [["-p", "no:cacheprovider", *args] for args in runs]
    proc = subprocess.run([sys.executable, "-c", RUNNER], input=json.dumps(runs), cwd=ROOT, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True, timeout=timeout, check=False)
    assert proc.returncode == 0, proc.stdout[-3000:]
    parts = re.split(r"^@@ exit (\d+)$", proc.stdout, flags=re.M)
    found = [(int(code), output) for output, code in zip(parts[0::2], parts[1::2])]
    assert len(found) == len(runs), proc.stdout[-3000:]
    return found
