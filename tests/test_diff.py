"""``python -m harness diff A B``: between two small result sets that differ in exactly three planted ways — a verdict
that broke, a declared divergence that no longer holds (fixed upstream) and a benchmark that got slower beyond its
rounds' noise — each is reported with its id and rerun command, and nothing else is (a check only one run selected is
counted as not compared, not called a change)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np

from harness.report import correctness, diff, html, ops, store

CONDITIONS = {"date": "2026-12-04T00:00:00+00:00", "cpu": "Test CPU", "cores_usable": 2, "python": "3.11.7",
              "machine": "box", "commit": "abc1234", "packages": {"torch": "2.13.0", "jax": "0.10.2"}}
RUN = {"args": [], "seed": 0, "device": "cpu", "dtypes": ["float32"], "frameworks": ["torch", "jax"],
       "wall_seconds": 1.0}


def outcome(framework, verdict="pass", case="scalar/exp", kind="value"):
    return {"record": "outcome", "case": case, "category": "scalar", "mode": "grad", "framework": framework,
            "version": "1", "dtype": "float32", "device": "cpu", "inputs": "x", "kind": kind, "expected_kind": "value",
            "max_abs_err": 1e-8, "max_rel_err": 1e-8, "worst_ratio": 0.1, "worst_at": "", "tolerance": "t",
            "verdict": verdict, "message": "", "regime": "eager"}


def op(framework, verdict, why=""):
    return {"record": "op", "op": "gelu", "family": "unary", "sample": "vector", "mode": "rev", "id": "gelu/vector/rev",
            "inputs": "x", "framework": framework, "dtype": "float32", "device": "cpu", "verdict": verdict, "why": why,
            "kind": "value", "link": "", "message": "", "undefined": "", "regime": "eager", "composite": "",
            "max_rel_err": 1e-7}


def bench_run(directory: Path, median: float, seed: int) -> None:
    rng = np.random.default_rng(seed)
    rounds = 1e-3 * median * (1 + 0.01 * rng.standard_normal(50))  # 1% noise over 50 rounds
    rows = []
    for case, scale in (("gmm/d=2", 1.0), ("mlp/width=32", 0.5)):
        times = rounds * scale if case == "gmm/d=2" else 1e-3 * scale * (1 + 0.01 * rng.standard_normal(50))
        rows.append({"name": case, "fullname": case, "stats": {"mean": float(times.mean()), "stddev": float(times.std()),
                                                              "rounds": 50, "median": float(np.median(times)),
                                                              "iqr": 0.0},
                     "extra_info": {"workload": case.split("/")[0], "case": case, "framework": "torch",
                                    "mode": "eager", "phase": "forward_backward", "dtype": "float32"}})
    path = directory / "bench" / "box" / "20261204T000000Z.json"
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps({"machine_info": {"node": "box"}, "benchmarks": rows}))


def result_set(directory: Path, *, torch_exp: str, jax_gelu: str, gmm_ms: float, seed: int,
               torch_version: str, wider: bool = False) -> Path:
    """A small run; ``wider`` selects one more check (a compiled regime), as --regimes all does beside the default."""
    conditions = {**CONDITIONS, "packages": {**CONDITIONS["packages"], "torch": torch_version}}
    extra = [{**outcome("torch", "fail"), "regime": "compiled"}] if wider else []
    store.save(directory / "correctness.json", correctness.SCHEMA,
               [outcome("torch", torch_exp), outcome("jax"), outcome("jax", case="scalar/sin", kind="y:zeros"),
                *extra], RUN, conditions)
    store.save(directory / "ops.json", ops.SCHEMA,
               [op("torch", "pass"), op("jax", jax_gelu, why="JAX's gelu was off (fixed in 0.x)")], RUN, conditions)
    bench_run(directory, gmm_ms, seed)
    return directory


def test_each_planted_change_is_reported_and_nothing_else(tmp_path):
    a = result_set(tmp_path / "a", torch_exp="pass", jax_gelu="known", gmm_ms=1.0, seed=1, torch_version="2.13.0")
    b = result_set(tmp_path / "b", torch_exp="fail", jax_gelu="pass", gmm_ms=1.2, seed=2, torch_version="2.14.1",
                   wider=True)
    changes, text = diff.diff(a, b, tmp_path / "out")
    found = {(c.what, c.check, c.before, c.after, c.meaning.split(" ×")[0].split(":")[0]) for c in changes}
    assert found == {
        ("verdict", "scalar/exp-torch-float32", "pass", "fail", "newly broken"),
        ("verdict", "ops/gelu/vector/rev-jax-float32", "known", "pass", "fixed upstream"),
        ("benchmark", "gmm/d=2 torch eager forward_backward float32", "1 ms", "1.2 ms", "slower"),
    }, changes
    rerun = {c.check: c.command for c in changes}
    assert rerun["scalar/exp-torch-float32"] == ('pytest "suites/test_gradients.py::test_gradient'
                                                 '[scalar/exp-torch-float32]" --regimes eager --dtype float32 '
                                                 '--framework torch --grad-seed 0')
    assert "| torch | torch 2.13.0 | torch 2.14.1 |" in text and (tmp_path / "out" / "diff.json").exists()
    # the check only B selected is counted as not compared, not reported as a change
    assert "Not compared: 1 checks ran in only one of the two" in text
    assert json.loads((tmp_path / "out" / "diff.json").read_text())["not_compared"] == [
        {"only in": "B", "record": "outcome", "regime": "compiled", "dtype": "float32", "checks": 1}]
    # and the page of a results directory holding the diff shows it
    html.write(b, [])
    diff.diff(a, b, b)
    page, _ = html.write(b, [])
    assert "Changes between releases" in page.read_text() and "newly broken" in page.read_text()
    # the shell command's exit status gates an upgrade: 1 when a verdict changed, 0 when nothing did
    cli = [sys.executable, "-m", "harness", "diff"]
    assert subprocess.run([*cli, str(a), str(b)], capture_output=True, check=False).returncode == 1
    same = subprocess.run([*cli, str(a), str(a)], capture_output=True, text=True, check=False)
    assert same.returncode == 0 and "0 changes, 0 of them verdicts" in same.stdout


def test_a_benchmark_of_an_unchanged_release_is_called_the_machines_move(tmp_path):
    """Two runs of the same torch release: its benchmark's move is the machine's drift between the runs, said so, and
    the drift is stated for the reader to weigh the other frameworks' moves against."""
    a = result_set(tmp_path / "a", torch_exp="pass", jax_gelu="known", gmm_ms=1.0, seed=1, torch_version="2.13.0")
    b = result_set(tmp_path / "b", torch_exp="pass", jax_gelu="known", gmm_ms=1.2, seed=2, torch_version="2.13.0")
    changes, text = diff.diff(a, b)
    (moved,) = changes
    assert moved.what == "benchmark" and moved.meaning.endswith("the same release in both runs: the machine moved")
    assert "Machine drift between the two runs" in text and "(torch, jax) moved by ×" in text


def test_a_missing_results_directory_is_one_line(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "harness", "diff", str(tmp_path), str(tmp_path)], capture_output=True,
                          text=True, check=False)
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1 and "no results files" in proc.stderr
