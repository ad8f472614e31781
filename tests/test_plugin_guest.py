"""An installed gradparity is a quiet guest in other projects' pytest runs: its entry-point plugin brings only the
gradcheck fixture, so a project with its own --device, --framework and --dtype options starts, passes, gets no file
from us, and pays no import of a framework, pandas or matplotlib. (How long the plugin adds to such a run is
measured in suites/bench/test_plugin_startup.py; this test asserts the behaviour that bounds it.)"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.guest import PROJECT_CONFTEST, PROJECT_TEST, USES_THE_FIXTURE, files, installed, run

@pytest.fixture
def project(tmp_path: Path) -> Path:
    if not installed():
        pytest.skip("gradparity is not installed here (pip install -e .): its entry point is what is tested")
    (tmp_path / "conftest.py").write_text(PROJECT_CONFTEST)
    (tmp_path / "test_one.py").write_text(PROJECT_TEST)
    return tmp_path


def test_a_project_with_its_own_device_framework_and_dtype_options_runs_untouched(project):
    before = files(project)
    proc = run(project, "--device", "cpu", "--dtype", "float32")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "1 passed" in proc.stdout
    assert files(project) == before, f"the run created {sorted(files(project) - before)}"
    # and the plugin was there: its fixture is offered, under its prefixed options
    fixtures = run(project, "--fixtures", "-q").stdout
    assert "gradcheck" in fixtures, fixtures
    assert "--gradcheck-seed" in run(project, "--help").stdout


def test_a_failing_fixture_check_fails_the_users_test_once_and_writes_nothing(project):
    pytest.importorskip("torch")
    (project / "test_one.py").write_text(USES_THE_FIXTURE)
    before = files(project)
    proc = run(project, "--gradcheck-seed", "3")
    out = proc.stdout
    assert proc.returncode == 1 and "1 failed" in out, out + proc.stderr
    assert out.count("detection power:") == 1 and "During handling of the above exception" not in out
    assert "GradientMismatch: torch" in out and "harness/api.py" not in out and "harness/checker.py" not in out
    assert files(project) == before, f"the run created {sorted(files(project) - before)}"
