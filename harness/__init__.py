"""gradparity: gradient correctness checks and backward-pass benchmarks for TF, PyTorch and JAX.

The public surface is the checker for your own functions and models::

    from harness import gradcheck, gradcheck_model, GradientMismatch
    gradcheck(my_fn, (x,), framework="torch")   # raises GradientMismatch if the gradient is wrong
    gradcheck_model(net, x, framework="torch")  # every trainable parameter, named in the message
"""

from harness.gradcheck import DetectionPower, GradcheckError, GradcheckResult, GradientMismatch, gradcheck, gradcheck_model

__all__ = ["DetectionPower", "GradcheckError", "GradcheckResult", "GradientMismatch", "gradcheck", "gradcheck_model"]
