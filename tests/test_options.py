"""The suite's pytest options as a user meets them: selection, a bad name, a missing framework."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def pytest_run(*args, env=None, cwd=ROOT):
    cmd = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-p", "no:xdist", *args]
    return subprocess.run(cmd, capture_output=True, text=True, cwd=cwd, env=env, timeout=600)


def test_framework_and_k_select_just_those():
    proc = pytest_run("suites", "--framework", "torch", "-k", "persistent", "--collect-only", "-q")
    ids = [line for line in proc.stdout.splitlines() if "::" in line]
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert ids and all("persistent" in i for i in ids)
    gradient_ids = [i for i in ids if "test_gradient[" in i]
    assert gradient_ids and all("-torch-" in i for i in gradient_ids)
    assert any("persistent/two-targets-torch-float64]" in i for i in ids)
    # the default run: every case in every regime the framework has, and in float16/bfloat16
    assert any("persistent/two-targets-torch-float32-compiled]" in i for i in ids)
    assert any("persistent/two-targets-torch-bfloat16]" in i for i in ids)
    assert not any(i.endswith("-xla]") for i in gradient_ids)  # TensorFlow's regime only


def test_regimes_select_and_reject():
    proc = pytest_run("suites/test_gradients.py", "--regimes", "eager", "--dtype", "float32", "-k", "scalar/exp",
                      "--collect-only", "-q")
    ids = [line for line in proc.stdout.splitlines() if "::" in line]
    assert proc.returncode == 0 and ids, proc.stdout + proc.stderr
    assert all(i.endswith("-float32]") for i in ids)
    proc = pytest_run("suites", "--regimes", "jit", "--collect-only", "-q")
    assert proc.returncode == 4
    assert "--regimes: unknown regimes ['jit']: choose default, all, or from eager, compiled, xla" in proc.stderr


def test_unknown_framework_is_a_usage_error():
    proc = pytest_run("suites", "--framework", "mxnet", "--collect-only", "-q")
    assert proc.returncode == 4
    assert "--framework: unknown framework 'mxnet': choose from tensorflow, torch, jax" in proc.stderr


def test_uninstalled_framework_skips_with_reason(tmp_path):
    # TensorFlow hidden: the framework slowest to import (4.5 s here) is the one this run does without
    shadow = tmp_path / "shadow" / "tensorflow"
    shadow.mkdir(parents=True)
    (shadow / "__init__.py").write_text("raise ImportError(\"No module named 'tensorflow' (hidden by this test)\")\n")
    env = {**os.environ, "PYTHONPATH": f"{shadow.parent}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    proc = pytest_run("suites/test_gradients.py", "-k", "scalar/square-at-3 or persistent/two-targets", "-rs",
                      "--regimes", "eager", "--dtype", "float32,float64", "--results-dir", str(tmp_path / "results"),
                      env=env)
    out = proc.stdout
    assert proc.returncode == 0, out[-3000:]
    assert ("tensorflow is not importable here (No module named 'tensorflow' (hidden by this test)): "
            "pip install tensorflow-cpu") in out
    # 2 cases × 2 dtypes: 4 TF checks skip; torch and JAX checks (8) and their parity (4) pass
    assert "12 passed, 4 skipped" in out


def test_cuda_without_gpu_skips_with_reason(tmp_path):
    from harness.frameworks import FrameworkError, adapter_class
    try:
        if "cuda" in adapter_class("torch").device_names():
            import pytest
            pytest.skip("a GPU is present: this checks the machine without one")
    except FrameworkError:
        pass
    # one module: collecting all of suites/ for these checks cost 20 s of the default run; torch and JAX, not
    # TensorFlow (4.5 s to import): each adapter's own error without a GPU is tests/test_adapters.py's
    proc = pytest_run("suites/test_gradients.py", "--device", "cuda", "-k", "scalar/square-at-3 and test_gradient", "-rs",
                      "--framework", "torch,jax", "--regimes", "eager", "--dtype", "float32,float64",
                      "--results-dir", str(tmp_path))
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert "torch sees no CUDA GPU here: run with --device cpu" in proc.stdout
    assert "JAX sees no cuda device here: run with --device cpu" in proc.stdout
    # 2 frameworks × 2 dtypes skip, and so does parity (2 dtypes) with no framework left
    assert "6 skipped" in proc.stdout and "passed" not in proc.stdout
