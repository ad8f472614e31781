"""autograd's op vocabulary: by rule, the same name in ``autograd.numpy`` and ``autograd.scipy.special``; only
the exceptions are written here."""

import autograd.numpy as anp
import autograd.scipy.special as asp

from harness.frameworks.base import Missing, Vocabulary
from harness.frameworks.registry import BY_NAME

EXCEPTIONS = {
    "asin": anp.arcsin, "acos": anp.arccos, "atan": anp.arctan, "asinh": anp.arcsinh, "acosh": anp.arccosh,
    "atanh": anp.arctanh, "sigmoid": asp.expit, "logit": asp.logit, "lgamma": asp.gammaln,
    "softplus": lambda x: anp.logaddexp(x, 0.0), "relu": lambda x: anp.maximum(x, 0.0),
    "pow": anp.power, "atan2": anp.arctan2,
    "gelu": Missing("autograd has no gelu; write 0.5·x·(1 + erf(x/√2))"),
}

VOCABULARY = Vocabulary("autograd", EXCEPTIONS, namespaces=BY_NAME["autograd"].namespaces)
