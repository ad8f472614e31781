"""The suite's float64 references kept between runs (``--reference-cache``): a kept reference is the one computed,
found again only under the same code, case, seed and inputs; a case the suite did not hand over, a torn file, ``off``
and the bench's timing all compute anew."""

from __future__ import annotations

import dataclasses
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from harness import modes, reference_cache, training
from harness.cases import Case, source
from harness.domains import uniform

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def cache(tmp_path, monkeypatch):
    """A fresh cache folder for this test (the process's folder and counters are restored afterwards)."""
    monkeypatch.setattr(reference_cache, "_folder", None)
    monkeypatch.setattr(reference_cache, "stats", {"loaded": 0, "computed": 0})
    folder = reference_cache.use(tmp_path / "cache")
    yield folder


def fresh_reference(case: Case, seed: int = 0) -> dict:
    """The reference as a new process would get it: this process's in-memory copy dropped first."""
    modes._reference.cache_clear()
    return modes.reference_for(case, seed)


def sin_case(case_id: str = "scalar/kept-sin", low: float = -1.0, high: float = 1.0) -> Case:
    return Case(case_id, lambda xp, x: xp.sum(xp.sin(x) * x), {"x": source((5,), uniform(low, high))})


def same(a: dict, b: dict) -> bool:
    return a.keys() == b.keys() and all(np.array_equal(a[n].value, b[n].value) and
                                        np.array_equal(a[n].error, b[n].error) for n in a)


def test_a_kept_reference_is_loaded_and_is_the_one_computed(cache):
    case = sin_case()
    reference_cache.admit(case)
    first = fresh_reference(case)
    assert reference_cache.stats == {"loaded": 0, "computed": 1} and len(list(cache.iterdir())) == 1
    again = fresh_reference(case)
    assert reference_cache.stats == {"loaded": 1, "computed": 1}
    assert same(first, again)
    with reference_cache.suspended():
        assert same(first, fresh_reference(case))  # and computing it anew gives the same numbers
    assert reference_cache.stats == {"loaded": 1, "computed": 1}


def test_the_same_id_with_other_inputs_or_seed_is_computed_not_loaded(cache):
    # two cases of one id and mode whose inputs differ (another domain): a key without the inputs would hand the
    # second the first's reference
    near, far = sin_case(), sin_case(low=2.0, high=3.0)
    for case in (near, far):
        reference_cache.admit(case)
    kept_near = fresh_reference(near)
    kept_far = fresh_reference(far)
    assert reference_cache.stats["computed"] == 2
    with reference_cache.suspended():
        assert same(kept_far, fresh_reference(far)) and not same(kept_near, kept_far)
    fresh_reference(near, seed=1)
    assert reference_cache.stats == {"loaded": 0, "computed": 3}


def test_a_case_the_suite_did_not_hand_over_is_computed_every_time(cache):
    case = sin_case()  # not admitted: built here, as a user's or a planted case is
    fresh_reference(case)
    fresh_reference(case)
    assert reference_cache.stats == {"loaded": 0, "computed": 0} and not cache.exists()


def test_a_torn_file_is_computed_again_and_replaced(cache):
    case = sin_case()
    reference_cache.admit(case)
    first = fresh_reference(case)
    (kept,) = cache.iterdir()
    kept.write_bytes(kept.read_bytes()[:20])
    assert same(first, fresh_reference(case))
    assert reference_cache.stats == {"loaded": 0, "computed": 2}
    assert same(first, fresh_reference(case)) and reference_cache.stats["loaded"] == 1


def test_off_keeps_nothing(tmp_path, monkeypatch):
    monkeypatch.setattr(reference_cache, "stats", {"loaded": 0, "computed": 0})
    monkeypatch.setattr(reference_cache, "_folder", None)
    assert reference_cache.use(reference_cache.OFF) is None
    case = sin_case()
    reference_cache.admit(case)
    fresh_reference(case)
    assert reference_cache.stats == {"loaded": 0, "computed": 0}


@pytest.mark.parametrize("edited", ["harness/ladder.py", "suites/ops/unary.py"])
def test_an_edit_to_the_code_starts_another_folder(tmp_path, monkeypatch, edited):
    copy = tmp_path / "checkout"
    for top in ("harness", "suites"):
        shutil.copytree(ROOT / top, copy / top, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(reference_cache, "ROOT", copy)
    before = reference_cache.fingerprint()
    (copy / edited).write_text((copy / edited).read_text() + "\n# one more line\n")
    assert reference_cache.fingerprint() != before


def test_only_the_suites_registries_are_handed_over(tmp_path):
    """Collecting the suite admits its cases (the op sweep's and the correctness registry's), a test file's none."""
    (tmp_path / "count_admitted.py").write_text(
        "def pytest_collection_finish(session):\n"
        "    from harness import reference_cache\n"
        "    from suites.cases import REGISTRY\n"
        "    print('admitted', len(reference_cache._admitted),\n"
        "          sum(id(c) in reference_cache._admitted for c in REGISTRY))\n")
    proc = subprocess.run([sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider",
                           "-p", "no:xdist", "-p", "count_admitted", "suites/test_gradients.py",
                           "tests/test_reference_cache.py"],
                          cwd=ROOT, env={**os.environ, "PYTHONPATH": str(tmp_path)},
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    from suites.cases import REGISTRY

    admitted, of_registry = map(int, proc.stdout.split("admitted ")[1].split()[:2])
    assert admitted == of_registry == len(list(REGISTRY))


def test_a_training_runs_trajectory_is_kept_by_its_data_and_batches(cache):
    from suites.semantics.training import RUNS

    run = min(RUNS, key=lambda r: r.steps)
    shorter = dataclasses.replace(run, batches=run.batches[:-1])  # same name and data, one step fewer
    for r in (run, shorter):
        reference_cache.admit(r)
    trajectories = []
    for r in (run, shorter, run):
        training.numpy_trajectory.cache_clear()
        trajectories.append(training.numpy_trajectory(r))
    assert reference_cache.stats == {"loaded": 1, "computed": 2}
    assert np.array_equal(trajectories[0], trajectories[2]) and len(trajectories[1]) == len(trajectories[0]) - 1
    with reference_cache.suspended():
        training.numpy_trajectory.cache_clear()
        assert np.array_equal(training.numpy_trajectory(shorter), trajectories[1])


def test_only_the_most_recent_folders_of_earlier_code_are_kept(tmp_path, monkeypatch):
    monkeypatch.setattr(reference_cache, "_folder", None)
    base = tmp_path / "cache"
    for age in range(reference_cache.KEEP + 2):  # references-0 the newest
        old = base / f"references-{age}"
        old.mkdir(parents=True)
        os.utime(old, (1e9 - age, 1e9 - age))
    current = reference_cache.use(base)
    current.mkdir()  # as the first kept reference makes it
    reference_cache.use(base)
    left = sorted(p.name for p in base.iterdir())
    assert left == sorted([current.name, *(f"references-{age}" for age in range(reference_cache.KEEP))])
