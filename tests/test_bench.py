"""The benchmark harness's own pieces on fixed data: the crash-safe log, the report (derived
backward, flags, ratios), the asv-style comparison and its exit codes, and bad requests."""

import json
import subprocess
import sys

import pytest

from harness.bench import log, runner
from harness.report import bench, compare
from harness.report.store import ResultsFileError


def entry(case, framework, mode, phase, median, iqr=0.0, first=0.5):
    return {"name": f"test_workload[{case}-{framework}-{mode}-{phase}]", "fullname": f"x::{case}-{framework}-{mode}-{phase}",
            "stats": {"median": median, "iqr": iqr, "rounds": 10},
            "extra_info": {"workload": case.split("/")[0], "case": case, "framework": framework, "version": "1",
                           "mode": mode, "phase": phase, "dtype": "float32", "threads": 1, "device": "cpu",
                           "first_call_s": first}}


def run_file(tmp_path, name, benchmarks, cpu_flags=None):
    path = tmp_path / name
    cpu = {"brand_raw": "Test CPU", **({"flags": cpu_flags} if cpu_flags else {})}
    path.write_text(json.dumps({"machine_info": {"node": "box", "cpu": cpu, "cores_usable": 2,
                                                 "packages": {"torch": "2.13.0"}},
                                "commit_info": {"id": "abc"}, "datetime": "2026-11-23", "benchmarks": benchmarks}))
    return path


BENCHMARKS = [
    entry("gmm/d=2", "torch", "eager", "forward", 1e-3), entry("gmm/d=2", "torch", "eager", "forward_backward", 3e-3),
    entry("gmm/d=2", "torch", "eager", "backward", 2e-3),
    entry("gmm/d=2", "tensorflow", "compiled", "forward", 1e-3, iqr=5e-4),
    entry("gmm/d=2", "tensorflow", "compiled", "forward_backward", 6e-3),
]


def test_log_keeps_intact_lines_and_drops_a_torn_last_one(tmp_path):
    path = tmp_path / "run.jsonl"
    log.append(path, {"fullname": "a"})
    log.append(path, {"fullname": "b"})
    with path.open("a") as f:
        f.write('{"fullname": "c"')  # killed mid-write
    assert [r["fullname"] for r in log.read(path)] == ["a", "b"] and log.done(path) == {"a", "b"}
    path.write_text('{"fullname": "a"}\nnot json\n{"fullname": "b"}\n')
    with pytest.raises(ResultsFileError, match="line 2 is not JSON"):
        log.read(path)


def test_report_derives_backward_and_flags(tmp_path):
    frame, machines = bench.load([run_file(tmp_path, "r.json", BENCHMARKS)])
    rows = bench.table(frame).set_index(["framework", "mode"])
    assert rows.loc[("tensorflow", "compiled"), "backward"] == "5 ms (fb−f)"
    assert rows.loc[("tensorflow", "compiled"), "forward"] == "1 ms ±50% ⚠"
    assert rows.loc[("tensorflow", "compiled"), "fb/f"] == "6.00 !"
    assert rows.loc[("torch", "eager"), "fb/f"] == "3.00" and rows.loc[("torch", "eager"), "× fastest"] == "1.00×"
    md = bench.markdown(frame, machines)
    assert "box — Test CPU, 2 usable cores; torch 2.13.0" in md and "## gmm" in md
    written = bench.write([run_file(tmp_path, "r.json", BENCHMARKS)], tmp_path / "out")
    assert "data:image/png;base64," in written[2].read_text()
    assert written[1].read_text().startswith("machine,workload,case,framework")


def test_the_bench_states_the_cpus_vector_instructions_where_recorded(tmp_path):
    frame, machines = bench.load([run_file(tmp_path, "r.json", BENCHMARKS, cpu_flags=["avx2", "avx512f"])])
    assert "box — Test CPU (avx2 avx512f), 2 usable cores" in bench.markdown(frame, machines)


def test_compare_marks_and_threshold():
    assert compare.parse_threshold("median:10%") == ("median", 0.10)
    with pytest.raises(ValueError, match="median:10%"):
        compare.parse_threshold("10 percent")
    assert [compare.mark(r, 0.1) for r in (1.2, 0.8, 1.05, float("nan"))] == ["+", "-", "~", "x"]


def test_compare_cli_exits_1_when_slower_and_2_on_a_bad_file(tmp_path):
    before = run_file(tmp_path, "a.json", BENCHMARKS)
    slower = [dict(b, stats={**b["stats"], "median": b["stats"]["median"] * 1.5}) for b in BENCHMARKS]
    after = run_file(tmp_path, "b.json", slower)
    proc = subprocess.run([sys.executable, "-m", "harness", "compare", str(before), str(after)],
                          capture_output=True, text=True)
    assert proc.returncode == 1 and "| +" in proc.stdout
    same = subprocess.run([sys.executable, "-m", "harness", "compare", str(before), str(before)],
                          capture_output=True, text=True)
    assert same.returncode == 0 and "| ~" in same.stdout
    bad = tmp_path / "bad.json"
    bad.write_text("{oops")
    proc = subprocess.run([sys.executable, "-m", "harness", "compare", str(bad), str(before)],
                          capture_output=True, text=True)
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1 and "corrupt JSON" in proc.stderr


def test_bad_requests_name_the_fix():
    with pytest.raises(runner.BenchError, match="choose from linear, mlp"):
        runner.check_request(["resnet"], [], "cpu")
    try:
        needs_gpu = "cuda" not in __import__("harness.frameworks", fromlist=["adapter_class"]).adapter_class(
            "torch").device_names()
    except Exception:  # noqa: BLE001 - torch absent: nothing to ask a GPU of
        pytest.skip("torch is not installed")
    if needs_gpu:
        with pytest.raises(runner.BenchError, match="run with --device cpu"):
            runner.check_request(["linear"], ["torch"], "cuda")


@pytest.mark.parametrize("planted_error", [1.02, float("nan")], ids=["2%", "nan"])
@pytest.mark.parametrize("framework", ["jax", "tensorflow", "torch"])
def test_compiled_gradient_is_verified_before_timing(framework, planted_error):
    """The gradient a compiled bench callable computes is what gets verified: right, it passes; made 2% wrong
    or NaN in one entry (a planted compiled-only error), the bench refuses it and says where."""
    import dataclasses

    import numpy as np

    from harness import frameworks
    from harness.bench import timing, verify
    from harness.bench.workloads import WORKLOADS

    try:
        adapter = frameworks.load(framework)
    except frameworks.FrameworkError as exc:
        pytest.skip(str(exc))
    case = WORKLOADS["linear"].cases("quick")[0]
    timed = timing.prepare(case, framework, "compiled", "float32", "cpu").timed
    assert verify.compiled(case, adapter, timed, "float32", against_reference=True)["ok"]

    def planted():
        loss, grads = timed.forward_backward()
        first = case.sources[0]
        values = {s: np.array(adapter.numpy(grads[s] if isinstance(grads, dict) else grads[i]))
                  for i, s in enumerate(case.sources)}
        values[first].flat[0] *= planted_error
        return loss, values

    wrong = dataclasses.replace(timed, forward_backward=planted)
    result = verify.compiled(case, adapter, wrong, "float32", against_reference=True)
    assert not result["ok"]
    assert "compiled vs eager (float32)" in result["message"] and "compiled vs float64 reference" in result["message"]
    assert f"{case.sources[0]}[" in result["message"]


def test_achieved_gflops_and_fraction_of_peak_come_from_the_count_and_the_median(tmp_path):
    counted = []
    for e in BENCHMARKS:
        e = json.loads(json.dumps(e))
        phase = e["extra_info"]["phase"]
        e["extra_info"].update(flops={"forward": 1e6, "forward_backward": 3e6, "backward": 2e6}[phase],
                               flops_counter="test counter", peak_gflops=4.0 if "torch" in e["name"] else 2.0)
        counted.append(e)
    frame, machines = bench.load([run_file(tmp_path, "r.json", counted)])
    rows = bench.table(frame).set_index(["framework", "mode"])
    # 3e6 operations in 3 ms: 1 GFLOP/s, a quarter of torch's 4; in 6 ms: 0.5, a quarter of TF's 2
    assert rows.loc[("torch", "eager"), "GFLOP/s"] == "1" and rows.loc[("torch", "eager"), "% of peak"] == "25%"
    assert rows.loc[("tensorflow", "compiled"), "GFLOP/s"] == "0.5"
    assert rows.loc[("tensorflow", "compiled"), "% of peak"] == "25%"
    md = bench.markdown(frame, machines)
    assert "torch 4 GFLOP/s (float32, 1 thread)" in md and "operations counted by test counter" in md
    # a run without counts (no JAX where it was verified) says nothing rather than something wrong
    rows = bench.table(bench.load([run_file(tmp_path, "plain.json", BENCHMARKS)])[0]).set_index(["framework", "mode"])
    assert rows.loc[("torch", "eager"), "GFLOP/s"] == "—" and rows.loc[("torch", "eager"), "% of peak"] == "—"


def test_a_workload_is_counted_as_its_arithmetic():
    pytest.importorskip("jax")
    from harness.bench import flops
    from harness.bench.workloads import mlp_case

    width, batch = 32, 64
    counted = flops.count(mlp_case(width), "float32")
    # three matmuls (2·m·k·n each) dominate; tanh, bias and the mean add a few per element
    matmuls = 2 * batch * (width * width * 2 + width * 8)
    assert matmuls <= counted["forward"] <= 1.1 * matmuls
    # reverse mode costs two matmuls per forward matmul, minus the one for x's unneeded gradient
    assert 2 * matmuls <= counted["forward_backward"] <= 4 * matmuls
