"""Under ``-n 2 --dist loadgroup`` (the README's command) the tests of one xdist group run on one worker: the suite's
shared work (an op's samples computed together, parity reusing the per-framework results) depends on it, and with
pytest 9.2 pytest-xdist's own grouping is silently lost (``harness/xdist_groups.py``)."""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap
from collections import defaultdict

import pytest

GROUPED = """
import pytest

@pytest.mark.parametrize("i", range(6))
@pytest.mark.parametrize("group", [pytest.param(g, marks=pytest.mark.xdist_group(g)) for g in "abc"])
def test_item(group, i):
    pass
"""

#: the suite's wiring, as the root conftest.py loads it
CONFTEST = """
pytest_plugins = ["harness.suite_plugin"]
"""


def test_each_group_runs_on_one_worker(tmp_path):
    pytest.importorskip("xdist", reason="pytest-xdist is not installed: pip install pytest-xdist")
    (tmp_path / "conftest.py").write_text(textwrap.dedent(CONFTEST))
    (tmp_path / "test_grouped.py").write_text(textwrap.dedent(GROUPED))
    run = subprocess.run([sys.executable, "-m", "pytest", "-n", "2", "--dist", "loadgroup", "-v", "-p",
                          "no:cacheprovider", "--results-dir", str(tmp_path / "results"), str(tmp_path)],
                         cwd=tmp_path, capture_output=True, text=True, timeout=300, check=False)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    workers = defaultdict(set)
    for worker, group in re.findall(r"\[(gw\d+)\].*PASSED \S*test_item\[(\w)-\d+\]", run.stdout):
        workers[group].add(worker)
    assert sorted(workers) == ["a", "b", "c"], run.stdout[-3000:]
    assert all(len(w) == 1 for w in workers.values()), f"a group ran on several workers: {dict(workers)}"
    assert len(set().union(*workers.values())) == 2, f"the groups were not spread over both workers: {dict(workers)}"
