"""gradparity: gradient correctness checks and backward-pass benchmarks for TF, PyTorch and JAX.

The public surface is the checker for your own functions and models::

    from harness import gradcheck, gradcheck_model, GradientMismatch
    gradcheck(my_fn, (x,), framework="torch")   # raises GradientMismatch if the gradient is wrong
    gradcheck_model(net, x, framework="torch")  # every trainable parameter, named in the message

Outcomes other than a pass are exceptions (:mod:`harness.errors`): ``GradientMismatch`` (wrong gradient),
``ReferenceUndefined`` (no derivative at some entries), ``NotDeterministic``, ``GradcheckError`` (cannot check).
"""

from harness.errors import Disconnected, GradcheckError, GradientMismatch, NotDeterministic, ReferenceUndefined
from harness.gradcheck import GradcheckResult, gradcheck, gradcheck_model
from harness.judge import DetectionPower

__all__ = ["DetectionPower", "Disconnected", "GradcheckError", "GradcheckResult", "GradientMismatch", "NotDeterministic",
           "ReferenceUndefined", "gradcheck", "gradcheck_model"]
