"""gradparity: gradient correctness checks and backward-pass benchmarks for TF, PyTorch and JAX.

The public surface is the checker for your own functions::

    from harness import gradcheck, GradientMismatch
    gradcheck(my_fn, (x,), framework="torch")   # raises GradientMismatch if the gradient is wrong
"""

from harness.gradcheck import GradcheckResult, GradientMismatch, gradcheck

__all__ = ["GradcheckResult", "GradientMismatch", "gradcheck"]
