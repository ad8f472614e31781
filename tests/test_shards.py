"""A run split across machines gives the reports one run gives: the same selection run whole, and as two pytest-split
shards joined by ``python -m harness merge``, must hold the same records in the same order (the run's wall times and
dates aside), and shards of different runs must not be joined."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from harness.report import merge
from harness.report.store import ResultsFileError
from tests.pytest_runs import in_one_python

ROOT = Path(__file__).resolve().parents[1]
#: a slice that writes all three report kinds: cases, behaviours and an op
SELECTION = ["suites/test_gradients.py", "suites/test_semantics.py", "suites/test_ops.py", "--framework", "torch",
             "--regimes", "eager",
             "-k", "scalar/square or unconnected/default or ops/sin/scalar or ops/sin/vector"]


def pytest_runs(*runs: list[str]) -> list[tuple[int, str]]:
    """(exit status, output) of each pytest run of :data:`SELECTION` plus its own arguments, in one Python: three
    interpreter and torch start-ups cost 19 s of the default run."""
    return in_one_python([["-q", "-p", "no:randomly", *SELECTION, *args] for args in runs])


def reports(directory: Path) -> dict[str, dict]:
    return {p.stem: json.loads(p.read_text()) for p in sorted(directory.glob("*.json"))}


#: every test here on one xdist worker, so the fixture below makes its three runs (about 11 s) once, not once per worker
pytestmark = pytest.mark.xdist_group("test_shards")

@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    pytest.importorskip("pytest_split", reason="pytest-split is not installed: pip install pytest-split")
    pytest.importorskip("torch")
    base = tmp_path_factory.mktemp("shards")
    shards = [["--splits", "2", "--group", str(group), "--durations-path", str(base / "durations"),
               "--results-dir", str(base / f"shard{group}")] for group in (1, 2)]
    for code, output in pytest_runs(["--results-dir", str(base / "whole")], *shards):
        assert code == 0, output[-3000:]
    joined = subprocess.run([sys.executable, "-m", "harness", "merge", str(base / "shard1"), str(base / "shard2"),
                             "--out", str(base / "joined")], cwd=ROOT, capture_output=True, text=True, timeout=300,
                            check=False)
    assert joined.returncode == 0, joined.stderr
    return base


def test_two_shards_joined_hold_the_records_of_one_run_in_its_order(runs):
    whole, joined = reports(runs / "whole"), reports(runs / "joined")
    assert set(whole) == set(joined) == {"correctness", "ops", "semantics"}
    seen = set()
    for name in whole:
        # each shard really holds part of it (not one shard with everything, one with nothing)
        parts = [len(json.loads((runs / f"shard{g}" / f"{name}.json").read_text())["records"])
                 for g in (1, 2) if (runs / f"shard{g}" / f"{name}.json").exists()]
        assert sum(parts) == len(whole[name]["records"]) > 0
        assert joined[name]["records"] == whole[name]["records"], name
        for key in merge.SAME:
            assert joined[name]["run"][key] == whole[name]["run"][key]
        assert joined[name]["run"]["args"] == whole[name]["run"]["args"][:-2]  # the whole run's minus --results-dir
        groups = [s["group"] for s in joined[name]["run"]["shards"]]
        assert groups == sorted(groups) and len(groups) == len(parts)
        seen.update(groups)
    assert seen == {"1", "2"}
    assert (runs / "joined" / "index.html").exists() and (runs / "joined" / "ops.md").exists()
    assert "Run as 2 shards" in (runs / "joined" / "ops.md").read_text()


def test_shards_of_different_runs_or_versions_are_refused(runs, tmp_path):
    other = tmp_path / "other"
    other.mkdir()
    data = json.loads((runs / "shard2" / "ops.json").read_text())
    data["run"]["seed"] = 7
    (other / "ops.json").write_text(json.dumps(data))
    with pytest.raises(ResultsFileError, match="not shards of one run: seed 7 vs 0"):
        merge.merge([runs / "shard1", other], tmp_path / "out")
    data["run"]["seed"] = 0
    data["conditions"]["packages"]["torch"] = "2.14.1"
    (other / "ops.json").write_text(json.dumps(data))
    with pytest.raises(ResultsFileError, match=r"different package versions \(torch\)"):
        merge.merge([runs / "shard1", other], tmp_path / "out")
    with pytest.raises(ResultsFileError, match="no results files"):
        merge.merge([tmp_path / "empty"], tmp_path / "out")
