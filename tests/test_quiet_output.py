"""What a user sees: no framework start-up noise in the test run or the bench."""

import os
import subprocess
import sys

import pytest


def test_tensorflow_loads_without_start_up_banners():
    """TF 2.21 prints oneDNN and absl lines from native code while loading; the adapter keeps them out."""
    env = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}
    code = "from harness import frameworks; frameworks.load('tensorflow')"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=300)
    if "not importable" in proc.stderr:
        pytest.skip("tensorflow is not installed")
    assert proc.returncode == 0, proc.stderr
    assert "oneDNN" not in proc.stderr and "absl" not in proc.stderr, proc.stderr
