"""Misuse, tried as a new user would: each is one line naming the fix, and no measured data is lost."""

import json
from pathlib import Path

import pytest

from harness import cli
from harness.bench import log, runner, verify
from harness.bench.workloads import WORKLOADS
from tests.pytest_runs import in_its_own_python, in_one_python


@pytest.mark.parametrize("where,message", [
    ("a-file", "is a file, not a directory"),
    ("a-file/below", "cannot write there"),
])
def test_results_dir_that_cannot_be_written_stops_before_the_run(tmp_path, where, message):
    (tmp_path / "a-file").write_text("not a directory")
    proc = in_its_own_python("suites/test_gradients.py", "-k", "scalar/square-at-3", "--results-dir", str(tmp_path / where))
    assert proc.returncode == 4, proc.stdout[-2000:]
    error = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(error) == 1 and message in error[0] and "--results-dir" in error[0], proc.stderr
    assert "passed" not in proc.stdout  # stopped before any check ran


#: a test that takes the results directory away while the run is on (a file where the directory was)
VANISH = """
import shutil
def test_results_directory_goes_away():
    shutil.rmtree({where!r})
    open({where!r}, "w").close()
"""

#: the module fixture's two runs are made once, on one xdist worker
pytestmark = pytest.mark.xdist_group("test_misuse")


@pytest.fixture(scope="module")
def two_checks(tmp_path_factory) -> dict[str, tuple[Path, list[str]]]:
    """Two torch checks run with ``--results-dir``, as they are ("whole") and with a test that takes that directory
    away mid-run ("vanished"), in one Python: per run, its results directory and the lines it printed about its
    records."""
    base = tmp_path_factory.mktemp("misuse")
    vanish = base / "test_vanish.py"
    vanish.write_text(VANISH.format(where=str(base / "vanished")))
    runs = {name: ["suites/test_gradients.py", *extra,
                   "-k", "scalar/square-at-3 and test_gradient or vanish", "--framework", "torch",
                   "--dtype", "float32,float64", "--regimes", "eager", "--results-dir", str(base / name)]
            for name, extra in {"whole": [], "vanished": [str(vanish)]}.items()}
    said = {}
    for name, (code, output) in zip(runs, in_one_python(list(runs.values()))):
        assert code == 0, output[-3000:]
        said[name] = (base / name, [line for line in output.splitlines() if line.startswith("gradparity")])
    return said


def test_a_run_says_where_its_records_went(two_checks):
    results, said = two_checks["whole"]
    assert said[0] == f"gradparity: 2 records -> {results / 'correctness.json'}, {results / 'correctness.md'}", said
    assert said[1] == f"gradparity report: {results / 'index.html'}", said
    assert len(json.loads((results / "correctness.json").read_text())["records"]) == 2


def test_records_are_kept_in_a_named_file_when_the_results_directory_goes_away_mid_run(two_checks):
    _, said = two_checks["vanished"]
    (line,) = said
    assert line.startswith("gradparity: could not write results (") and line.endswith(".json"), line
    kept = Path(line.rsplit(" are in ", 1)[1])
    assert len(json.loads(kept.read_text())["records"]) == 2
    kept.unlink()


def test_resume_finds_the_stamped_log_and_not_the_verify_log(tmp_path):
    for name in ("20261101T000000Z.jsonl", "20261102T000000Z.jsonl", "20261102T000000Z-verify.jsonl", "notes.jsonl"):
        (tmp_path / name).write_text("")
    assert [p.name for p in runner.run_logs(tmp_path)] == ["20261101T000000Z.jsonl", "20261102T000000Z.jsonl"]


def test_ctrl_c_keeps_the_measurements_and_says_how_to_resume(tmp_path, monkeypatch, capsys):
    def interrupted_after_one(*args, **options):
        log_path = args[7]
        log.append(log_path, {"fullname": "x::linear-torch-eager-forward", "extra_info": {"framework": "torch"}})
        raise KeyboardInterrupt

    monkeypatch.setattr(runner, "_measure", interrupted_after_one)
    monkeypatch.chdir(tmp_path)
    code = cli.main(["bench", "--workloads", "linear", "--frameworks", "torch"])
    err = capsys.readouterr().err.strip()
    assert code == 130
    assert len(err.splitlines()) == 1, err
    assert "interrupted: 1 measurements kept in" in err
    assert "resume with: python -m harness bench --profile quick --frameworks torch --workloads linear" in err
    assert "--results-dir results" in err
    assert err.endswith("--resume")
    (kept,) = runner.run_logs(runner.machine_dir(tmp_path / "results"))
    assert len(log.read(kept)) == 1 and kept.with_suffix(".json").exists()


def test_one_framework_is_verified_against_the_reference_at_every_size():
    pytest.importorskip("torch")
    largest = WORKLOADS["linear"].cases("quick")[-1]
    result = verify.verify(largest, ["torch"], against_reference=False)
    assert result["ok"], result["message"]
    assert result["frameworks"] == ["torch"]
