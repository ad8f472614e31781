"""A throwaway project of somebody else's, with its own pytest options, to run beside an installed gradparity."""

from __future__ import annotations

import os
import subprocess
import sys
from importlib import metadata
from pathlib import Path

#: a project's own conftest: the option names an ML project commonly has
PROJECT_CONFTEST = '''
def pytest_addoption(parser):
    parser.addoption("--device", default="cpu")
    parser.addoption("--framework", default="numpy")
    parser.addoption("--dtype", default="float32")
'''

PROJECT_TEST = '''
import sys

def test_one(request):
    assert request.config.getoption("--device") == "cpu" and request.config.getoption("--dtype") == "float32"
    heavy = {"numpy", "pandas", "matplotlib", "scipy", "torch", "tensorflow", "jax", "harness.api"} & set(sys.modules)
    assert not heavy, f"imported at startup by a plugin: {sorted(heavy)}"
'''

USES_THE_FIXTURE = '''
import numpy as np
import torch

def wrong(x):
    class Sin(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return torch.sin(x)

        @staticmethod
        def backward(ctx, dy):
            (x,) = ctx.saved_tensors
            return dy * torch.cos(x) * 1.01
    return Sin.apply(x)

def test_wrong_sin(gradcheck):
    gradcheck(wrong, (np.linspace(-1, 1, 4),), framework="torch")
'''


def installed() -> bool:
    return any(ep.value == "harness.pytest_plugin" for ep in metadata.entry_points(group="pytest11"))


def run(project: Path, *args: str) -> subprocess.CompletedProcess:
    """pytest in ``project``, as its owner runs it, without pytest's cache and without pytest-benchmark, which is not
    gradparity's (our test extra brings it; it makes ``.benchmarks/`` in any run): what is left to see is ours."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "COV_"))}
    return subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-p", "no:xdist", "-p",
                           "no:benchmark", *args], cwd=project, env=env, capture_output=True, text=True, timeout=300,
                          check=False)


def files(project: Path) -> set[str]:
    return {str(p.relative_to(project)) for p in project.rglob("*") if "__pycache__" not in p.parts}
