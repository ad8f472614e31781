"""gradparity: gradient correctness checks and backward-pass benchmarks for TF, PyTorch and JAX.

The public surface is the checker for your own functions and models::

    from harness import gradcheck, gradcheck_model, GradientMismatch
    gradcheck(my_fn, (x,), framework="torch")   # raises GradientMismatch if the gradient is wrong
    gradcheck_model(net, x, framework="torch")  # every trainable parameter, named in the message

Outcomes other than a pass are exceptions (:mod:`harness.errors`): ``GradientMismatch`` (wrong gradient),
``ReferenceUndefined`` (no derivative at some entries), ``NotDeterministic``, ``GradcheckError`` (cannot check).
"""

from __future__ import annotations

import importlib
from typing import Any

#: the public names and the module each lives in: imported on first use, so that importing the package (as pytest
#: does for the gradcheck fixture's plugin, in every run of every project where gradparity is installed) costs
#: nothing until the checker is asked for
_PUBLIC = {"Disconnected": "errors", "GradcheckError": "errors", "GradientMismatch": "errors",
           "NotDeterministic": "errors", "ReferenceUndefined": "errors", "DetectionPower": "judge",
           "GradcheckResult": "checker", "gradcheck": "api", "gradcheck_model": "api"}
__all__ = sorted(_PUBLIC)


def __getattr__(name: str) -> Any:
    if name not in _PUBLIC:
        raise AttributeError(f"module 'harness' has no attribute {name!r}")
    return getattr(importlib.import_module(f"harness.{_PUBLIC[name]}"), name)
