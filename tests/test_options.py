"""The suite's pytest options as a user meets them: selection, a bad name, a missing framework."""

import os

import pytest

from tests.pytest_runs import in_its_own_python, in_one_python


#: the runs the tests below read, each its own pytest session, all in one Python (one interpreter and torch and JAX
#: start-up, not five); the run with TensorFlow hidden needs its own environment, so its own process
RUNS = {
    "torch persistent": ["suites", "--framework", "torch", "-k", "persistent", "--collect-only", "-q"],
    "eager float32": ["suites/test_gradients.py", "--regimes", "eager", "--dtype", "float32", "-k", "scalar/exp",
                      "--collect-only", "-q"],
    "regimes jit": ["suites", "--regimes", "jit", "--collect-only", "-q"],
    "framework mxnet": ["suites", "--framework", "mxnet", "--collect-only", "-q"],
    # one module: collecting all of suites/ for these checks cost 20 s of the default run; torch and JAX, not
    # TensorFlow (4.5 s to import): each adapter's own error without a GPU is tests/test_adapters.py's
    "cuda": ["suites/test_gradients.py", "--device", "cuda", "-k", "scalar/square-at-3 and test_gradient", "-rs",
             "--framework", "torch,jax", "--regimes", "eager", "--dtype", "float32,float64"],
}

#: the module fixture's runs are made once, on one xdist worker
pytestmark = pytest.mark.xdist_group("test_options")


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict[str, tuple[int, str]]:
    """(exit status, output with stderr) of each of :data:`RUNS`."""
    results = tmp_path_factory.mktemp("options")
    args = [[*run, "--results-dir", str(results / name.replace(" ", "-"))] for name, run in RUNS.items()]
    return dict(zip(RUNS, in_one_python(args)))


def collected(output: str) -> list[str]:
    return [line for line in output.splitlines() if line.startswith("suites/") and "::" in line]


def test_framework_and_k_select_just_those(runs):
    code, output = runs["torch persistent"]
    ids = collected(output)
    assert code == 0, output[-3000:]
    assert ids and all("persistent" in i for i in ids)
    gradient_ids = [i for i in ids if "test_gradient[" in i]
    assert gradient_ids and all("-torch-" in i for i in gradient_ids)
    assert any("persistent/two-targets-torch-float64]" in i for i in ids)
    # the default run: every case in every regime the framework has, and in float16/bfloat16
    assert any("persistent/two-targets-torch-float32-compiled]" in i for i in ids)
    assert any("persistent/two-targets-torch-bfloat16]" in i for i in ids)
    assert not any(i.endswith("-xla]") for i in gradient_ids)  # TensorFlow's regime only


def test_regimes_select_and_reject(runs):
    code, output = runs["eager float32"]
    ids = collected(output)
    assert code == 0 and ids, output[-3000:]
    assert all(i.endswith("-float32]") for i in ids)
    code, output = runs["regimes jit"]
    assert code == 4, output[-3000:]
    assert "--regimes: unknown regimes ['jit']: choose default, all, or from eager, compiled, xla" in output


def test_unknown_framework_is_a_usage_error(runs):
    code, output = runs["framework mxnet"]
    assert code == 4, output[-3000:]
    assert "--framework: unknown framework 'mxnet': choose from tensorflow, torch, jax" in output


def test_uninstalled_framework_skips_with_reason(tmp_path):
    # TensorFlow hidden: the framework slowest to import (4.5 s here) is the one this run does without
    shadow = tmp_path / "shadow" / "tensorflow"
    shadow.mkdir(parents=True)
    (shadow / "__init__.py").write_text("raise ImportError(\"No module named 'tensorflow' (hidden by this test)\")\n")
    env = {**os.environ, "PYTHONPATH": f"{shadow.parent}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    proc = in_its_own_python("suites/test_gradients.py", "-k", "scalar/square-at-3 or persistent/two-targets", "-rs",
                      "--regimes", "eager", "--dtype", "float32,float64", "--results-dir", str(tmp_path / "results"),
                      env=env)
    out = proc.stdout
    assert proc.returncode == 0, out[-3000:]
    assert ("tensorflow is not importable here (No module named 'tensorflow' (hidden by this test)): "
            "pip install tensorflow-cpu") in out
    # 2 cases × 2 dtypes: 4 TF checks skip; torch and JAX checks (8) and their parity (4) pass
    assert "12 passed, 4 skipped" in out


def test_cuda_without_gpu_skips_with_reason(runs):
    from harness.frameworks import FrameworkError, adapter_class
    try:
        if "cuda" in adapter_class("torch").device_names():
            pytest.skip("a GPU is present: this checks the machine without one")
    except FrameworkError:
        pass
    code, output = runs["cuda"]
    assert code == 0, output[-3000:]
    assert "torch sees no CUDA GPU here: run with --device cpu" in output
    assert "JAX sees no cuda device here: run with --device cpu" in output
    # 2 frameworks × 2 dtypes skip, and so does parity (2 dtypes) with no framework left
    assert "6 skipped" in output and "passed" not in output
