"""Several pytest runs in turn in one Python (``pytest.main`` once each): the tests that need many runs pay one
interpreter and framework start-up, not one per run; each run is still its own pytest session."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

#: reads the runs' argument lists from stdin; after each run's output, a line with its exit status
RUNNER = """
import json, sys
import pytest
for args in json.load(sys.stdin):
    code = pytest.main(args)
    print(f"\\n@@ exit {int(code)}", flush=True)
"""


def in_one_python(runs: list[list[str]], timeout: int = 900) -> list[tuple[int, str]]:
    """(exit status, output) of ``pytest <args>`` for each of ``runs``, from the project's root."""
    proc = subprocess.run([sys.executable, "-c", RUNNER], input=json.dumps(runs), cwd=ROOT, capture_output=True,
                          text=True, timeout=timeout, check=False)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    parts = re.split(r"^@@ exit (\d+)$", proc.stdout, flags=re.M)
    found = [(int(code), output) for output, code in zip(parts[0::2], parts[1::2])]
    assert len(found) == len(runs), proc.stdout[-3000:]
    return found
