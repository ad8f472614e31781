"""What the op sweep found in float16 and bfloat16 (eager, ``--regimes all``; measured 2026-12-02 with TF 2.21,
torch 2.13, JAX 0.10): each a declared wrong value, with the reason, attached to its op by :func:`with_found`.

Most are the dtype's limits met by a formula (1 − tanh² cancels once tanh rounds to 1); some are a framework
computing in the low dtype where another computes in float32 inside (JAX's bfloat16 elementwise ops). A wrong
value at a fixed point is a strict expected failure (the check fails loudly once the framework answers right); an
error at drawn points, which moves with the seed, is a declared imprecision judged at IMPRECISION times the dtype's
tolerance (measured at --grad-seed 0–3).
"""

from __future__ import annotations

import dataclasses

from harness.expectations import Expectation, divergence
from harness.frameworks.registry import JAX, TF, TORCH
from harness.optable import Op
from harness.tolerances import TABLE

LOW = ("float16", "bfloat16")
ALL = (TF, TORCH, JAX)
JAX_BF16 = ("JAX computes bfloat16 elementwise ops in bfloat16 throughout (torch on CPU computes them in float32 "
            "inside and passes): its gradient exceeds bfloat16's tolerance here")
JAX_LOW = "JAX computes float16/bfloat16 elementwise ops in that dtype throughout (torch on CPU in float32 inside)"
#: how far past the dtype's tolerance a declared imprecision may go: the drawn points of seeds 0–3 reached 3.3x
IMPRECISION = 4.0


def _wrong(frameworks, why, *, dtypes=LOW, samples=(), modes=(), strict=True, within=None) -> Expectation:
    return divergence(tuple(frameworks), why, wrong=True, dtypes=tuple(dtypes), samples=tuple(samples),
                      modes=tuple(modes), strict=strict, within=within)


def _imprecise(frameworks, why, *, dtypes=LOW, samples=(), modes=(), factor=IMPRECISION,
               floor=0.0) -> tuple[Expectation, ...]:
    """A declared imprecision at drawn points: judged at ``factor`` times the dtype's tolerance (and, for a sum
    that cancels, against the size ``floor`` of its terms rather than of the sum), so the check still fails beyond
    that. At drawn inputs (and a drawn cotangent) the error moves with the seed: measured at seeds 0–3, from within
    tolerance to 3.3x, so a wrong-value declaration would be right at one seed and wrong at the next."""
    judged = f"judged at {factor:g}x {{}}'s tolerance" + (f", scale ≥ {floor:g}" if floor else "")
    return tuple(divergence(tuple(frameworks), f"{why} ({judged.format(dtype)})", dtypes=(dtype,),
                            samples=tuple(samples), modes=tuple(modes),
                            tolerance=dataclasses.replace(TABLE[dtype], rtol=factor * TABLE[dtype].rtol,
                                                          atol=factor * TABLE[dtype].atol, floor=floor))
                 for dtype in dtypes)


FOUND: dict[str, tuple[Expectation, ...]] = {
    "tanh": (_wrong(ALL, "tanh'(x) = 1 − tanh(x)² cancels: tanh(±5) rounds to ±1 in float16/bfloat16, so the "
                    "gradient (1.8e-4) comes out 0 in every framework", samples=("hard",), modes=("rev", "fwd")),
             *(_wrong(ALL, "the same cancellation at drawn |x| ≥ 2: at x = 2.82 (--grad-seed 2) every framework's "
                      "derivative is 2% (float16) to 21% (bfloat16) off, 1.1–1.8x the tolerance", within=within,
                      samples=("scalar", "vector", "matrix"), modes=("rev", "fwd", "order2"))
               for within in ((-3.0, -2.0), (2.0, 3.0))),
             *_imprecise((JAX,), JAX_BF16 + " (up to 1.0x at drawn points)", dtypes=("bfloat16",),
                         samples=("scalar",), modes=("rev",))),
    # non-strict: the other hard points and the drawn cotangent can keep the whole check inside tolerance (seed 2)
    "sigmoid": (_wrong(ALL, "σ'(x) = σ(1 − σ) cancels: σ(30) rounds to 1 in bfloat16, so the gradient (8.4e-14, "
                       "a normal bfloat16 number) comes out 0 in every framework", dtypes=("bfloat16",),
                       samples=("hard",), modes=("rev",), strict=False),
                *_imprecise((JAX,), JAX_BF16 + " (up to 1.7x)", dtypes=("bfloat16",), samples=("scalar",),
                            modes=("rev",)),
                *_imprecise(ALL, "σ''(x) = σ(1 − σ)(1 − 2σ) cancels in float16/bfloat16: at x = −0.90 (--grad-seed 3) "
                            "TF's second derivative is 1.9–2.1x the tolerance", samples=("scalar",), modes=("order2",))),
    "sinc": (_wrong(ALL, "sinc'(x) = (cos(πx)·πx − sin(πx))/(πx²) cancels near 0: at |x| = 1e-4 float16/bfloat16 "
                    "give 0, inf or noise where the exact value is −3.3e-4", samples=("hard",), modes=("rev", "fwd")),
             _wrong(ALL, "the same cancellation at drawn x near 0: at x = 0.0104 (--grad-seed 1) the second derivative "
                    "comes out 0, inf or 2x off in float16/bfloat16 in every framework", within=(-0.25, 0.25),
                    samples=("scalar", "vector", "matrix"), modes=("rev", "fwd", "order2")),
             *_imprecise(ALL, "sinc's derivatives cancel terms of size ~π (second: ~π²) for drawn x: rounding reaches "
                         "1.1–1.5x the dtype's tolerance in every framework at some seeds", samples=("scalar", "matrix"),
                         modes=("rev", "fwd", "order2"))),
    "exp2": (_wrong((JAX,), JAX_BF16 + ": exp2'(100) = 2¹⁰⁰·ln 2 is 27% off (2.3x)", dtypes=("bfloat16",),
                    samples=("hard",)),),
    "abs": (_wrong((JAX,), "x = ±1e-30 rounds to ±0 in float16, onto abs's kink: JAX answers the one-sided "
                   "derivative ±1 where torch and the central difference give 0 (no derivative exists there)",
                   dtypes=("float16",), samples=("hard",)),),
    "celu": (_wrong((JAX,), JAX_LOW + ": at drawn x ≤ −2 (exp(x) small) its derivative is 5–9% off in float16 and 0 "
                    "(underflow, 8x) or 16% off in bfloat16 (--grad-seed 2), in every mode", within=(-10.0, -2.0),
                    samples=("scalar", "vector", "matrix"), modes=("rev", "fwd", "order2")),),
    "log_sigmoid": _imprecise((JAX,), JAX_LOW + ": its second derivative (up to 3.3x)", samples=("scalar",),
                              modes=("order2",)),
    "std": _imprecise(ALL, "the second derivative of std sums rounded terms over the reduced axis (up to 1.5x)",
                      samples=("keepdims",), modes=("order2",)),
    "sort": (_wrong(ALL, "drawn values that differ in float32 can round to the same bfloat16 number: at such a tie "
                    "the sort has no derivative, and every framework routes the gradient by position where the "
                    "reference (taken at the rounded inputs, which tie) averages (--grad-seed 2)", dtypes=("bfloat16",),
                    samples=("columns",), modes=("rev",), strict=False),),
    "log2": (_wrong((TF,), "TF's float16 gradient of log2 at x = 2.7e-5 forms 1/(x·ln 2) = 5.3e4 before the cotangent: "
                    "with a drawn cotangent below 1.2 that intermediate exceeds float16's range (inf) although the "
                    "weighted gradient fits (--grad-seed 3)", dtypes=("float16",), samples=("hard",), modes=("rev",),
                    strict=False),),
    "trigamma": (_wrong((TORCH, JAX), "near 0 trigamma's derivative (−2/x³) overflows float16 inside torch and JAX at "
                        "some drawn tangents although the result (3.6e4) fits (--grad-seed 3)", dtypes=("float16",),
                        samples=("hard",), modes=("fwd",), strict=False),),
    "digamma": (_wrong((TORCH, JAX), "near 0 digamma's derivative (trigamma ≈ 1/x² = 1.1e4) fits float16, but torch's and "
                       "JAX's overflow to inf at some drawn cotangents (--grad-seed 2)", dtypes=("float16",),
                       samples=("hard",), modes=("rev",), strict=False),),
    "silu": _imprecise((JAX,), JAX_BF16 + " (second order, up to 2.2x)", dtypes=("bfloat16",), samples=("vector",),
                       modes=("order2",)),
    "softmax": _imprecise((JAX,), JAX_BF16 + " (second order, up to 1.6x)", dtypes=("bfloat16",), samples=("rows",),
                          modes=("order2",)),
    "softplus": _imprecise((JAX,), JAX_BF16 + " (second order)", dtypes=("bfloat16",), samples=("matrix",),
                           modes=("order2",)),
    "sigmoid_cross_entropy": _imprecise((JAX,), JAX_LOW + ": its second derivative exceeds the dtype's tolerance "
                                        "(up to 1.3x)", samples=("logits",), modes=("order2",)),
    "minimum": (*_imprecise((TF,), "TF's float16 gradient of minimum(x, y) summed over a (3, 5) broadcast sums the 15 "
                            "cotangents in float16 (up to 1.6x)", dtypes=("float16",), samples=("broadcast-scalar",),
                            modes=("rev",)),
                *_imprecise((JAX,), JAX_BF16 + ": the broadcast sum of 15 cotangents (up to 2.9x)", dtypes=("bfloat16",),
                            samples=("broadcast-scalar",), modes=("rev",))),
    "hypot": (_wrong((JAX,), JAX_BF16 + ": at 1e20 the gradient is 50% off (4.2x)", dtypes=("bfloat16",),
                     samples=("hard",)),
              *_imprecise((TF, TORCH), "the broadcast second derivative sums 15 rounded terms of hypot's curvature "
                          "x·y/r³: up to 2.1x the dtype's tolerance", samples=("broadcast-scalar",), modes=("order2",)),
              _wrong((JAX,), JAX_BF16 + ": the broadcast second derivative, 99% off at one entry (--grad-seed 2)",
                     dtypes=("bfloat16",), samples=("broadcast-scalar",), modes=("order2",), strict=False),
              *_imprecise((JAX,), "the broadcast second derivative sums 15 rounded terms", dtypes=("float16",),
                          samples=("broadcast-scalar",), modes=("order2",))),
    "logaddexp": (*_imprecise((JAX,), JAX_BF16 + " (up to 1.8x)", dtypes=("bfloat16",), samples=("hard",),
                              modes=("rev", "fwd")),
                  # x's gradient sums 15 terms of size up to ~1 that cancel to ~1e-3: judged against the terms' size
                  *_imprecise(ALL, "x's broadcast gradient sums 15 cotangent-weighted softmax weights rounded to the "
                              "dtype, which cancel (0.0039 from terms of size ~1: 12% off in TF float16, 80% in torch "
                              "bfloat16 at --grad-seed 1)", samples=("broadcast-scalar",), modes=("rev",), factor=1.0,
                              floor=1.0),
                  *_imprecise(ALL, "the broadcast second derivative sums 15 rounded terms", samples=("broadcast-scalar",),
                              modes=("order2",))),
    "xlogy": (_wrong((JAX,), "JAX's float16 gradient of xlogy at y = 1e-6 (a float16 subnormal) overflows to inf "
                     "although the exact one (1e3 and −13.8) fits", dtypes=("float16",), samples=("hard",),
                     modes=("rev",)),),
    "logsumexp": (_wrong((TORCH,), "torch's low-precision logsumexp gradient at ±1000 (the stable form's shift) is "
                         "21% off in float16 (4.9x) and bfloat16, TF and JAX are right (forward mode is too)",
                         samples=("large",), modes=("rev", "order2")),),
    # wrong by up to 9.3x at seed 0 and right at seed 1: too wide for a tolerance, so a non-strict expected failure
    "cumlogsumexp": (_wrong((TF, TORCH), "the second derivative of a cumulative logsumexp in float16/bfloat16 is up "
                            "to 16% off (3.3–9.3x) in TF and torch at some drawn points; JAX is within tolerance",
                            samples=("vector", "axis"), modes=("order2",), strict=False),),
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
