"""The public checker from the shell (``python -m harness check``) and from a user's own pytest test
(the ``gradcheck`` fixture): exit codes, messages, and pytest-style failures."""

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from harness import cli

ROOT = Path(__file__).resolve().parent.parent

USER_MODULE = '''
import torch

def gelu(x, w):
    return torch.nn.functional.gelu(x @ w)

class _Wrong(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return torch.log(x)

    @staticmethod
    def backward(ctx, dy):
        (x,) = ctx.saved_tensors
        return dy / (x + 0.01)  # should be dy / x

def wrong_log(x):
    return _Wrong.apply(x)

def square(z):
    return z * z


def float32_only(x):
    if x.dtype != torch.float32:
        raise TypeError("float32 only")
    return x * 2


from harness.gradcheck_cli import draw_args

DRAWN = torch.tensor(draw_args(["x=4"], [], "float64", 0)["x"])  # what `--arg x=4` draws at --seed 0


def at_its_kink(x):
    return torch.abs(x - DRAWN)  # |x - x0| at x0: a kink at every entry


def noisy(x):
    return x * (1 + torch.randn_like(x))
'''


@pytest.fixture
def user_module(tmp_path, monkeypatch):
    pytest.importorskip("torch")
    (tmp_path / "user_ops.py").write_text(USER_MODULE)
    monkeypatch.syspath_prepend(str(tmp_path))
    return tmp_path


def test_a_right_gradient_exits_0(user_module, capsys):
    rc = cli.main(["check", "user_ops:gelu", "--framework", "torch", "--arg", "x=3,4", "--arg", "w=4,2",
                   "--modes", "rev,fwd", "--order", "2"])
    out = capsys.readouterr().out
    assert rc == 0 and out.startswith("OK user_ops:gelu: torch") and "order 2" in out


def test_complex_inputs_are_drawn_complex(user_module, capsys):
    rc = cli.main(["check", "user_ops:gelu", "--framework", "torch", "--arg", "x=3,4", "--arg", "w=4,2",
                   "--dtype", "complex128", "--domain", "w=normal"])
    out = capsys.readouterr()
    # torch's gelu has no complex kernel: the check says so in one line rather than passing silently
    assert rc == 2 and "fn failed on the given args" in out.err, out.out + out.err
    rc = cli.main(["check", "user_ops:square", "--framework", "torch", "--arg", "z=5", "--dtype", "complex64"])
    out = capsys.readouterr().out
    assert rc == 0 and "complex convention dL/dx + i·dL/dy" in out


def test_a_wrong_gradient_exits_1_from_the_shell(user_module):
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(user_module), str(ROOT)]))
    proc = subprocess.run([sys.executable, "-m", "harness", "check", "user_ops:wrong_log", "--framework", "torch",
                           "--arg", "x=5", "--domain", "positive", "--dtype", "float32"],
                          capture_output=True, text=True, cwd=user_module, env=env, timeout=300, check=False)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "MISMATCH user_ops:wrong_log" in proc.stdout and "args['x'][" in proc.stdout and "float32" in proc.stdout


@pytest.mark.parametrize("function, rc, text", [
    ("user_ops:at_its_kink", 3, "UNDEFINED user_ops:at_its_kink: torch"),
    ("user_ops:noisy", 4, "NOT DETERMINISTIC user_ops:noisy: fn is not deterministic"),
])
def test_an_undefined_reference_exits_3_and_a_random_function_4(user_module, capsys, function, rc, text):
    assert cli.main(["check", function, "--framework", "torch", "--arg", "x=4"]) == rc
    out = capsys.readouterr()
    assert text in out.out + out.err, out


@pytest.mark.parametrize("argv, text", [
    (["user_ops:nothing", "--arg", "x=3"], "has no 'nothing'"),
    (["no_such_module:f", "--arg", "x=3"], "cannot import 'no_such_module'"),
    (["user_ops", "--arg", "x=3"], "module.path:function"),
    (["user_ops:gelu", "--arg", "x=3,a"], "comma-separated integers"),
    (["user_ops:gelu", "--arg", "x=3", "--domain", "bumpy"], "unknown domain"),
    (["user_ops:gelu"], "no --arg given"),
    (["user_ops:float32_only", "--arg", "x=3", "--dtype", "float32"], "fails with float64 inputs"),
])
def test_a_check_that_cannot_be_made_exits_2_with_one_line(user_module, capsys, argv, text):
    rc = cli.main(["check", *argv[:1], "--framework", "torch", *argv[1:]])
    err = capsys.readouterr().err
    assert rc == 2 and text in err and err.count("\n") == 1, err


def test_an_unknown_framework_exits_2(user_module, capsys):
    assert cli.main(["check", "user_ops:gelu", "--framework", "mxnet", "--arg", "x=3"]) == 2
    assert "unknown framework 'mxnet'" in capsys.readouterr().err


USER_TEST = '''
import numpy as np
import torch
from user_ops import gelu, wrong_log

def test_gelu(gradcheck):
    gradcheck(gelu, (np.random.rand(3, 4), np.random.rand(4, 2)), framework="torch")

def test_log(gradcheck):
    gradcheck(wrong_log, (np.random.rand(5) + 0.5,), framework="torch")
'''


def test_the_pytest_fixture_fails_a_users_test_with_the_checkers_message_only(user_module):
    (user_module / "test_user.py").write_text(textwrap.dedent(USER_TEST))
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(user_module), str(ROOT)]))
    proc = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-p", "no:xdist", "-p",
                           "harness.pytest_plugin", "test_user.py", "--gradcheck-seed", "3"],
                          capture_output=True, text=True, cwd=user_module, env=env, timeout=300, check=False)
    out = proc.stdout
    assert proc.returncode == 1 and "1 failed, 1 passed" in out, out + proc.stderr
    assert "[reverse mode] args[0][" in out
    assert "harness/api.py" not in out and "harness/pytest_plugin.py" not in out  # no harness traceback
    # the message once (its last line is not in pytest's one-line summary), and no chained exception
    assert out.count("detection power:") == 1 and "During handling of the above exception" not in out
