"""The correctness renderer on a small fixed record set, and the CLI's one-line errors."""

import re
import json
import subprocess
import sys
from pathlib import Path

import pytest

from harness.records import from_dict
from harness.report import correctness, kinds, measured

RUN = {"args": [], "seed": 0, "device": "cpu", "dtypes": ["float32", "float64"], "frameworks": ["torch", "jax"],
       "wall_seconds": 1.5}
CONDITIONS = {"date": "2026-11-23T00:00:00+00:00", "cpu": "Test CPU", "cores_usable": 2, "python": "3.11.7",
              "commit": "abc1234", "packages": {"torch": "2.13.0", "jax": "0.10.2"}}


def outcome(framework, dtype, verdict="pass", kind="value", rel=1e-7, case="scalar/exp"):
    return {"record": "outcome", "case": case, "category": case.split("/")[0], "mode": "grad",
            "framework": framework, "version": "1", "dtype": dtype, "device": "cpu", "inputs": "x:source[4]",
            "kind": kind, "expected_kind": "value", "max_abs_err": rel, "max_rel_err": rel, "worst_ratio": 0.1,
            "worst_at": "", "tolerance": "rtol=1e-07", "verdict": verdict,
            "message": "" if verdict == "pass" else "max abs error 1 at x entry[0]"}


RECORDS = [
    outcome("torch", "float32", rel=3e-7), outcome("torch", "float64", rel=2e-13),
    outcome("jax", "float32", kind="y:zeros"), outcome("jax", "float64", verdict="fail", rel=0.5),
    {"record": "parity", "case": "scalar/exp", "category": "scalar", "dtype": "float64", "device": "cpu",
     "frameworks": ["jax", "torch"], "max_abs_diff": {"jax~torch": 0.25}, "worst_ratio": 9.0, "verdict": "fail",
     "message": "jax~torch differ by 0.25"},
]


def render():
    return correctness.render({"schema": correctness.SCHEMA, "conditions": CONDITIONS, "run": RUN, "records": RECORDS})


def test_markdown_shows_cells_conditions_and_failures():
    md = render()
    assert "Test CPU, 2 cores, Python 3.11.7, commit abc1234" in md
    assert "**4 checks**" in md and "3 pass, 1 fail" in md
    # records from before regimes existed read as eager
    assert "| scalar/exp | eager | ✓ 3e-07 · 2e-13 | ✗ `y:zeros` 1e-07 · 5e-01 | ✗ 2e-01 |" in re.sub(" +", " ", md)
    assert "- `scalar/exp-jax-float64` (eager): max abs error 1 at x entry[0]" in md
    assert "- parity `scalar/exp-float64` (eager): jax~torch differ by 0.25" in md


def test_the_cpus_vector_instructions_are_stated_where_the_run_recorded_them():
    # some verdicts depend on them (TF hands float16 to oneDNN only with AVX512-FP16): a report says which it ran on
    data = {"schema": correctness.SCHEMA, "conditions": {**CONDITIONS, "cpu_features": ["avx2", "avx512f"]},
            "run": RUN, "records": RECORDS}
    assert "Test CPU (avx2 avx512f), 2 cores" in correctness.render(data)


def test_write_then_load_round_trips(tmp_path):
    paths = kinds.write(correctness, RECORDS, RUN, tmp_path)
    assert [p.name for p in paths] == ["correctness.json", "correctness.md"]
    assert kinds.load(paths[0])["records"] == RECORDS


@pytest.mark.parametrize("content,message", [
    ("{not json", "corrupt JSON"),
    (json.dumps({"records": []}), "not a gradparity results file of gradparity/correctness/1"),
])
def test_cli_report_gives_one_line_error_for_bad_file(tmp_path, content, message):
    bad = tmp_path / "correctness.json"
    bad.write_text(content)
    proc = subprocess.run([sys.executable, "-m", "harness", "report", str(bad)], capture_output=True, text=True)
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and message in proc.stderr and str(bad) in proc.stderr


def test_cli_report_rerenders_markdown(tmp_path):
    json_path, md_path = kinds.write(correctness, RECORDS, RUN, tmp_path)
    md_path.unlink()
    proc = subprocess.run([sys.executable, "-m", "harness", "report", str(json_path)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert "# Gradient correctness" in md_path.read_text()
    assert (tmp_path / "index.html").exists()  # the page beside the file it rendered, not in ./results


def test_cli_missing_file_says_how_to_create_it(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "harness", "report", str(tmp_path / "nope.json")],
                          capture_output=True, text=True)
    assert proc.returncode == 2 and "run `pytest suites/`" in proc.stderr


def test_semantics_page_shows_summary_sections_and_training():
    from harness.report import semantics

    row = {"record": "behaviour", "id": "unconnected/default", "section": "unconnected", "title": "an unused source",
           "expected": "none", "link": "", "detail": "", "fix": "unconnected_gradients=ZERO"}
    records = [
        {**row, "framework": "tensorflow", "why": "None, silently", "observed": "none", "fix_verified": True,
         "fix_detail": "max abs error 0", "verdict": "pass", "message": ""},
        {**row, "framework": "torch", "why": "refuses", "observed": "value [0.] float64", "fix_verified": True,
         "fix_detail": "max abs error 0", "verdict": "fail", "message": "kind 'value', expected 'error:RuntimeError'"},
        {**row, "framework": "jax", "why": "no such concept", "observed": "n/a", "fix_verified": None,
         "fix_detail": "", "verdict": "n/a", "message": ""},
        {"record": "training", "run": "d-line", "doc": "a line", "framework": "torch", "method": "manual",
         "dtype": "float64", "steps": 10, "max_trajectory_diff": 2.5e-16, "relative_diff": 1e-15,
         "final_vs_closed_form": 4.9e-10, "tolerance": "rtol 1e-12", "verdict": "pass", "message": ""},
    ]
    md = semantics.render({"schema": semantics.SCHEMA, "conditions": CONDITIONS, "run": RUN, "records": records})
    assert "**1 behaviours × 3 frameworks**: 1 as stated, 1 changed, 1 n/a" in md
    summary_row = next(line for line in md.splitlines() if line.startswith("| unconnected/default"))
    assert [c.strip() for c in summary_row.strip("|").split("|")] == [
        "unconnected/default", "✓ none", "✗ value [0.] float64", "n/a", "✓", "—"]  # measured in: not attached
    assert "> ✗ torch: kind 'value', expected 'error:RuntimeError'" in md
    assert "- **d-line**: a line" in md and "2.50e-16" in md and "4.90e-10" in md


@pytest.mark.parametrize("module", kinds.REPORTS.values(), ids=lambda m: m.NAME)
def test_every_committed_results_file_rebuilds_its_records_and_rerenders(module, tmp_path):
    """Each stored record is a known dataclass (no stray keys), and `python -m harness report` re-renders
    every report kind from its JSON alone (ops.json included)."""
    committed = Path(__file__).resolve().parent.parent / "results" / kinds.REFERENCE / f"{module.NAME}.json"
    if not committed.exists():
        pytest.skip(f"{committed} is not committed")
    data = kinds.load(committed)
    for record in data["records"][:200]:
        assert from_dict(record).to_dict() == {**dict.fromkeys(from_dict(record).to_dict()), **record}
    copy = tmp_path / committed.name
    copy.write_text(committed.read_text())
    proc = subprocess.run([sys.executable, "-m", "harness", "report", str(copy)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    # what a directory renders is its JSON with the releases each fact was measured in (none beside the copy)
    assert copy.with_suffix(".md").read_text() == module.render(measured.attach(data, tmp_path, module.NAME))


def test_each_op_cell_shows_the_worst_verdict_and_its_count_else_the_largest_error():
    import pandas as pd

    from harness.frameworks.registry import LABELS
    from harness.report import ops

    def check(op, verdict, err=None, undefined="", framework="torch", regime="eager"):
        return {"family": "unary", "op": op, "framework": framework, "dtype": "float32", "regime": regime,
                "verdict": verdict, "max_rel_err": err, "undefined": undefined}

    checks = pd.DataFrame([
        check("a", "pass", 1e-7), check("a", "pass", 3e-6), check("a", "pass"),
        check("b", "pass", 1e-7), check("b", "known"), check("b", "fail"), check("b", "fail"),
        check("c", "pass", 1e-7), check("c", "known"), check("c", "n/a"),
        check("d", "n/a"), check("d", "pass", 1e-7),
        check("e", "pass", 2e-7, "inf at 0"), check("e", "pass", 1e-7, "nan at 0"),
        check("f", "undefined", None, "nan at 0"),
        check("a", "pass", 1e-3, framework="jax", regime="compiled"),
    ])
    table = ops.mode_frame(checks)
    torch, jax = f"{LABELS['torch']} f32", f"{LABELS['jax']} f32 compiled"
    assert list(table.columns) == ["family", "op", torch, jax]
    assert dict(zip(table["op"], table[torch])) == {"a": "✓ 3e-06", "b": "✗ 2", "c": "K 1", "d": "n/a",
                                                    "e": "✓ 2e-07 ?2", "f": "? ?1"}
    assert dict(zip(table["op"], table[jax])) == {"a": "✓ 1e-03", "b": "—", "c": "—", "d": "—", "e": "—", "f": "—"}
