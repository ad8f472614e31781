"""Under ``-n 2 --dist loadgroup`` (the README's command) the tests of one xdist group run on one worker: the suite's
shared work (an op's samples computed together, parity reusing the per-framework results) depends on it, and with
pytest 9.2 pytest-xdist's own grouping is silently lost (``harness/xdist_groups.py``). And a worker leaves once pytest
is done with it, without the exit handlers the frameworks registered (``suite_plugin.pytest_unconfigure``)."""

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

#: a framework's exit handler (registered while the tests run), and garbage that only pytest's end-of-run collection
#: finds, whose finalizer raises (the automatic collections are off from then on)
AT_EXIT = """
import atexit, gc, pathlib

class Cycle:
    def __del__(self):
        raise RuntimeError("planted: a finalizer raised")

def test_registers_an_exit_handler(tmp_path_factory):
    marker = tmp_path_factory.getbasetemp().parent.parent / "exit-handler-ran"
    atexit.register(marker.write_text, "ran")
    gc.disable()
    cycle = Cycle()
    cycle.me = cycle
"""

#: the suite's wiring, as the root conftest.py loads it
CONFTEST = """
pytest_plugins = ["harness.suite_plugin"]
"""


#: every test here on one xdist worker, so the fixture below makes its pytest run once, not once per worker
pytestmark = pytest.mark.xdist_group("test_xdist_groups")

@pytest.fixture(scope="module")
def xdist_run(tmp_path_factory):
    """One ``-n 2 --dist loadgroup`` run of the files above with the suite's plugin."""
    pytest.importorskip("xdist", reason="pytest-xdist is not installed: pip install pytest-xdist")
    root = tmp_path_factory.mktemp("xdist")
    (root / "conftest.py").write_text(textwrap.dedent(CONFTEST))
    (root / "test_grouped.py").write_text(textwrap.dedent(GROUPED))
    (root / "test_at_exit.py").write_text(textwrap.dedent(AT_EXIT))
    (root / "tmp").mkdir()  # a worker's base is tmp/base/gw<n>: the exit handler writes in tmp
    run = subprocess.run([sys.executable, "-m", "pytest", "-n", "2", "--dist", "loadgroup", "-v", "-p",
                          "no:cacheprovider", "--basetemp", str(root / "tmp" / "base"), "--results-dir",
                          str(root / "results"), str(root)], cwd=root, capture_output=True, text=True, timeout=300,
                         check=False)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    return root, run


def test_each_group_runs_on_one_worker(xdist_run):
    _, run = xdist_run
    workers = defaultdict(set)
    for worker, group in re.findall(r"\[(gw\d+)\].*PASSED \S*test_item\[(\w)-\d+\]", run.stdout):
        workers[group].add(worker)
    assert sorted(workers) == ["a", "b", "c"], run.stdout[-3000:]
    assert all(len(w) == 1 for w in workers.values()), f"a group ran on several workers: {dict(workers)}"
    assert len(set().union(*workers.values())) == 2, f"the groups were not spread over both workers: {dict(workers)}"


def test_a_worker_leaves_when_pytest_is_done_with_it(xdist_run):
    root, run = xdist_run
    output = run.stdout + run.stderr
    assert not (root / "tmp" / "exit-handler-ran").exists(), "the worker ran the exit handlers the tests registered"
    assert "planted: a finalizer raised" in output, "pytest's end-of-run check for raising finalizers did not run"
    assert "Not properly terminated" not in output and "crashed" not in output, output[-3000:]
