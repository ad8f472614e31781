"""What the op sweep found in float16 and bfloat16 (eager, ``--regimes all``; measured 2026-12-02 with TF 2.21,
torch 2.13, JAX 0.10): each a declared wrong value, with the reason, attached to its op by :func:`with_found`.

Most are the dtype's limits met by a formula (1 − tanh² cancels once tanh rounds to 1); some are a framework
computing in the low dtype where another computes in float32 inside (JAX's bfloat16 elementwise ops). A
declaration here is a strict expected failure: the check fails loudly once the framework answers right.
"""

from __future__ import annotations

import dataclasses

from harness.expectations import Expectation, divergence
from harness.frameworks.registry import JAX, TF, TORCH
from harness.optable import Op

LOW = ("float16", "bfloat16")
ALL = (TF, TORCH, JAX)
JAX_BF16 = ("JAX computes bfloat16 elementwise ops in bfloat16 throughout (torch on CPU computes them in float32 "
            "inside and passes): its gradient exceeds bfloat16's tolerance here")


def _wrong(frameworks, why, *, dtypes=LOW, samples=(), modes=()) -> Expectation:
    return divergence(tuple(frameworks), why, wrong=True, dtypes=tuple(dtypes), samples=tuple(samples),
                      modes=tuple(modes))


FOUND: dict[str, tuple[Expectation, ...]] = {
    "tanh": (_wrong(ALL, "tanh'(x) = 1 − tanh(x)² cancels: tanh(±5) rounds to ±1 in float16/bfloat16, so the "
                    "gradient (1.8e-4) comes out 0 in every framework", samples=("hard",), modes=("rev", "fwd")),
             _wrong((JAX,), JAX_BF16 + " (1.0x at a drawn point)", dtypes=("bfloat16",), samples=("scalar",),
                    modes=("rev",))),
    "sigmoid": (_wrong(ALL, "σ'(x) = σ(1 − σ) cancels: σ(30) rounds to 1 in bfloat16, so the gradient (8.4e-14, "
                       "a normal bfloat16 number) comes out 0 in every framework", dtypes=("bfloat16",),
                       samples=("hard",), modes=("rev",)),
                _wrong((JAX,), JAX_BF16 + " (1.7x)", dtypes=("bfloat16",), samples=("scalar",), modes=("rev",))),
    "sinc": (_wrong(ALL, "sinc'(x) = (cos(πx)·πx − sin(πx))/(πx²) cancels near 0: at |x| = 1e-4 float16/bfloat16 "
                    "give 0, inf or noise where the exact value is −3.3e-4", samples=("hard",), modes=("rev", "fwd")),
             *(_wrong((fw,), "sinc's second derivative sums terms of size ~π² that cancel to ~3.5: rounding reaches "
                      "1.1–1.5x the dtype's tolerance", dtypes=dtypes, samples=("scalar",), modes=("order2",))
               for fw, dtypes in ((TF, ("float16",)), (TORCH, ("bfloat16",)), (JAX, LOW)))),
    "exp2": (_wrong((JAX,), JAX_BF16 + ": exp2'(100) = 2¹⁰⁰·ln 2 is 27% off (2.3x)", dtypes=("bfloat16",),
                    samples=("hard",)),),
    "abs": (_wrong((JAX,), "x = ±1e-30 rounds to ±0 in float16, onto abs's kink: JAX answers the one-sided "
                   "derivative ±1 where torch and the central difference give 0 (no derivative exists there)",
                   dtypes=("float16",), samples=("hard",)),),
    "silu": (_wrong((JAX,), JAX_BF16 + " (second order, 2.2x)", dtypes=("bfloat16",), samples=("vector",),
                    modes=("order2",)),),
    "softmax": (_wrong((JAX,), JAX_BF16 + " (second order, 1.6x)", dtypes=("bfloat16",), samples=("rows",),
                       modes=("order2",)),),
    "minimum": (_wrong((TF,), "TF's float16 gradient of minimum(x, y) summed over a (3, 5) broadcast is 3% off "
                       "(1.6x): the 15 cotangents are summed in float16", dtypes=("float16",),
                       samples=("broadcast-scalar",), modes=("rev",)),
                _wrong((JAX,), JAX_BF16 + ": the broadcast sum of 15 cotangents (2.9x)", dtypes=("bfloat16",),
                       samples=("broadcast-scalar",), modes=("rev",))),
    "hypot": (_wrong((JAX,), JAX_BF16 + ": at 1e20 the gradient is 50% off (4.2x)", dtypes=("bfloat16",),
                     samples=("hard",)),),
    "logaddexp": (_wrong((JAX,), JAX_BF16 + " (1.8x)", dtypes=("bfloat16",), samples=("hard",), modes=("rev",)),
                  _wrong((JAX,), JAX_BF16 + " (second order, 1.1x)", dtypes=("bfloat16",),
                         samples=("broadcast-scalar",), modes=("order2",))),
    "xlogy": (_wrong((JAX,), "JAX's float16 gradient of xlogy at y = 1e-6 (a float16 subnormal) overflows to inf "
                     "although the exact one (1e3 and −13.8) fits", dtypes=("float16",), samples=("hard",),
                     modes=("rev",)),),
    "logsumexp": (_wrong((TORCH,), "torch's low-precision logsumexp gradient at ±1000 (the stable form's shift) is "
                         "21% off in float16 (4.9x) and bfloat16, TF and JAX are right (forward mode is too)",
                         samples=("large",), modes=("rev", "order2")),),
    "cumlogsumexp": (_wrong((TF, TORCH), "the second derivative of a cumulative logsumexp in float16/bfloat16 is "
                            "16% off (3.3–9.3x) in TF and torch; JAX is within tolerance", samples=("vector",),
                            modes=("order2",)),),
    "matrix_exp": (_wrong((TORCH,), "torch's float16/bfloat16 matrix_exp gradient overflows (inf) for a normal(1) "
                          "3x3 matrix whose exact gradient is small: its scaling-and-squaring overflows inside"),),
    "layer_norm": tuple(_wrong((fw,), "a constant row has variance 0: (var + eps)^(-3/2) ≈ 3e7 exceeds float16's "
                               "range inside the gradient, so torch (forward mode) and JAX give inf although the "
                               "exact gradient is finite", dtypes=("float16",), samples=("constant-row",), modes=modes)
                        for fw, modes in ((TORCH, ("fwd",)), (JAX, ("rev", "fwd")))),
}


def with_found(op: Op) -> Op:
    """``op`` with what was found for it in low precision added to its declarations."""
    found = FOUND.get(op.name)
    if not found:
        return op
    return dataclasses.replace(op, call=None if op.by_name else op.call, divergences=(*op.divergences, *found))
