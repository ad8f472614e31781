"""What the op sweep found in float16 and bfloat16 (eager, ``--regimes all``; measured 2026-12-02 with TF 2.21,
torch 2.13, JAX 0.10 at --grad-seed 0–9): each a declared wrong value, with the reason, one constant per op, which the
op's own row names (``found=low_precision.TANH``): a misspelt one fails at import, not silently.

Rounding the tolerance table already allows for is not declared here: a sum judged against its terms' size and a
second derivative's 3x (``harness/tolerances.py``). What remains is the dtype's limits met by a formula (1 − tanh²
cancels once tanh rounds to 1), a framework computing in the low dtype where another computes in float32 inside
(JAX's bfloat16 elementwise ops), and intermediates that overflow although the result fits. Values that tie once
rounded (sort, max pool, cummax in bfloat16) and points that round onto a kink (abs at ±1e-30 in float16) are not
declared: the reference's one-sided differences find that no derivative exists there, and those entries read
"reference undefined" in the records. A wrong value at a fixed point is a strict expected failure (the check fails
loudly once the framework answers right); an error at drawn points, which moves with the seed, is a non-strict one or
a declared imprecision judged at IMPRECISION times the dtype's tolerance.
"""

from __future__ import annotations

import dataclasses

from harness.expectations import Expectation, divergence
from harness.frameworks.registry import JAX, TF, TORCH
from harness.tolerances import TABLE

LOW = ("float16", "bfloat16")
ALL = (TF, TORCH, JAX)
JAX_BF16 = ("JAX computes bfloat16 elementwise ops in bfloat16 throughout (torch on CPU computes them in float32 "
            "inside and passes): its gradient exceeds bfloat16's tolerance here")
JAX_LOW = "JAX computes float16/bfloat16 elementwise ops in that dtype throughout (torch on CPU in float32 inside)"
#: how far past the dtype's tolerance a declared imprecision may go (the drawn points of seeds 0–3 reached 3.3x)
IMPRECISION = 4.0


def _wrong(frameworks, why, *, dtypes=LOW, samples=(), modes=(), strict=True, within=None, regimes=()) -> Expectation:
    return divergence(tuple(frameworks), why, wrong=True, dtypes=tuple(dtypes), samples=tuple(samples),
                      modes=tuple(modes), strict=strict, within=within, regimes=tuple(regimes))


def _imprecise(frameworks, why, *, dtypes=LOW, samples=(), modes=(), factor=IMPRECISION) -> tuple[Expectation, ...]:
    """A declared imprecision at drawn points: judged at ``factor`` times the dtype's tolerance, so the check still
    fails beyond that. At drawn inputs (and a drawn cotangent) the error moves with the seed (from within tolerance
    to 3.3x at seeds 0–3), so a wrong-value declaration would be right at one seed and wrong at the next."""
    return tuple(divergence(tuple(frameworks), f"{why} (judged at {factor:g}x {dtype}'s tolerance)", dtypes=(dtype,),
                            samples=tuple(samples), modes=tuple(modes),
                            tolerance=dataclasses.replace(TABLE[dtype], rtol=factor * TABLE[dtype].rtol,
                                                          atol=factor * TABLE[dtype].atol))
                 for dtype in dtypes)


TANH = (_wrong(ALL, "tanh'(x) = 1 − tanh(x)² cancels: tanh(±5) rounds to ±1 in float16/bfloat16, so the "
               "gradient (1.8e-4) comes out 0 in every framework", samples=("hard",), modes=("rev", "fwd")),
        *(_wrong(ALL, "the same cancellation at drawn |x| ≥ 2: at x = 2.82 (--grad-seed 2) every framework's "
                 "derivative is 2% (float16) to 21% (bfloat16) off, 1.1–1.8x the tolerance", within=within,
                 samples=("scalar", "vector", "matrix"), modes=("rev", "fwd", "order2"))
          for within in ((-3.0, -2.0), (2.0, 3.0))),
        *_imprecise((JAX,), JAX_BF16 + " (up to 1.0x at drawn points)", dtypes=("bfloat16",),
                    samples=("scalar",), modes=("rev",)))

# non-strict: the other hard points and the drawn cotangent can keep the whole check inside tolerance (seed 2)
SIGMOID = (_wrong(ALL, "σ'(x) = σ(1 − σ) cancels: σ(30) rounds to 1 in bfloat16, so the gradient (8.4e-14, "
                  "a normal bfloat16 number) comes out 0 in every framework", dtypes=("bfloat16",),
                  samples=("hard",), modes=("rev",), strict=False),
           *_imprecise((JAX,), JAX_BF16 + " (up to 1.7x; forward mode 1.1x at --grad-seed 8)",
                       dtypes=("bfloat16",), samples=("scalar",), modes=("rev", "fwd")))

SINC = (_wrong(ALL, "sinc'(x) = (cos(πx)·πx − sin(πx))/(πx²) cancels near 0: at |x| = 1e-4 float16/bfloat16 "
               "give 0, inf or noise where the exact value is −3.3e-4", samples=("hard",), modes=("rev", "fwd")),
        _wrong(ALL, "the same cancellation at drawn x near 0: at x = 0.0104 (--grad-seed 1) the second derivative "
               "comes out 0, inf or 2x off in float16/bfloat16 in every framework", within=(-0.25, 0.25),
               samples=("scalar", "vector", "matrix"), modes=("rev", "fwd", "order2")),
        *_imprecise(ALL, "sinc's derivatives cancel terms of size ~π (second: ~π²) for drawn x: rounding reaches "
                    "1.1–1.5x the dtype's tolerance in every framework at some seeds", samples=("scalar", "matrix"),
                    modes=("rev", "fwd", "order2")))

# under the magnitude-[0.5, 1.5] tangents of the one judge (2026-12-04), --grad-seed 0 drew one at 1.11x
GELU = _imprecise((JAX,), JAX_BF16 + " (forward mode 1.11x at --grad-seed 0)", dtypes=("bfloat16",),
                  samples=("scalar", "vector", "matrix"), modes=("rev", "fwd"))

EXP2 = (_wrong((JAX,), JAX_BF16 + ": exp2'(100) = 2¹⁰⁰·ln 2 is 27% off (2.3x)", dtypes=("bfloat16",),
               samples=("hard",)),)

CELU = (_wrong((JAX,), JAX_LOW + ": at drawn x ≤ −2 (exp(x) small) its derivative is 5–9% off in float16 and 0 "
               "(underflow, 8x) or 16% off in bfloat16 (--grad-seed 2), in every mode", within=(-10.0, -2.0),
               samples=("scalar", "vector", "matrix"), modes=("rev", "fwd", "order2")),)

LOG_SIGMOID = (_wrong((JAX,), JAX_LOW + ": its second derivative −σ(x)(1 − σ(x)) is up to 3.3x the first-order "
                      "tolerance off in float16 and 0 (underflow) in bfloat16 at drawn x (--grad-seed 7)",
                      samples=("scalar", "vector", "matrix"), modes=("order2",), strict=False),)

LOG = (_wrong((TF,), "log's derivative at x = 1e-6 (1e6) exceeds float16's range: TF's forward mode forms it "
              "before a drawn tangent below 0.066 scales it back into range (6.2e4), and gives inf "
              "(--grad-seed 8)", dtypes=("float16",), samples=("hard",), modes=("fwd",), strict=False),)

LOG2 = (_wrong((TF,), "TF's float16 gradient of log2 at x = 2.7e-5 forms 1/(x·ln 2) = 5.3e4 before the cotangent: "
               "with a drawn cotangent below 1.2 that intermediate exceeds float16's range (inf) although the "
               "weighted gradient fits (--grad-seed 3)", dtypes=("float16",), samples=("hard",), modes=("rev",),
               strict=False),)

LOG10 = (_wrong((TF, JAX), "log10's derivative at x = 1e-6 (4.3e5) exceeds float16's range: TF (reverse and "
                "forward mode) and JAX (forward mode) form it before a drawn cotangent or tangent below 0.15 scales "
                "it back into range (1.0e4, 5.7e4), and give inf (--grad-seed 6, 7)", dtypes=("float16",),
                samples=("hard",), modes=("rev", "fwd"), strict=False),)

TRIGAMMA = (_wrong((TORCH, JAX), "near 0 trigamma's derivative (−2/x³) overflows float16 inside torch and JAX at "
                   "some drawn tangents and cotangents although the result (3.6e4) fits (forward mode at "
                   "--grad-seed 3, reverse at 5)", dtypes=("float16",), samples=("hard",), modes=("rev", "fwd"),
                   strict=False),)

DIGAMMA = (_wrong((TORCH, JAX), "near 0 digamma's derivative (trigamma ≈ 1/x² = 1.1e4) fits float16, but torch's and "
                  "JAX's overflow to inf at some drawn cotangents (--grad-seed 2)", dtypes=("float16",),
                  samples=("hard",), modes=("rev",), strict=False),)

# softplus'' = σ(x)(1 − σ(x)): 1 − σ cancels, and JAX rounds σ to the dtype first
SOFTPLUS = (_wrong((JAX,), JAX_LOW + ": its second derivative σ(1 − σ) is up to 3.7x the second-order tolerance "
                   "off in float16 and 0 (underflow) or 93% off in bfloat16 at drawn x (--grad-seed 4, 5)",
                   samples=("scalar", "vector", "matrix"), modes=("order2",), strict=False),)

ATANH = (_wrong((JAX,), JAX_LOW + ": its second derivative 2x/(1 − x²)² is 3.1x the second-order tolerance off in "
                "float16 and 0 (underflow) in bfloat16 at drawn x (--grad-seed 5)",
                samples=("scalar", "vector", "matrix"), modes=("order2",), strict=False),)

HYPOT = (_wrong((JAX,), JAX_BF16 + ": at 1e20 the gradient is 50% off (4.2x)", dtypes=("bfloat16",),
                samples=("hard",), modes=("rev", "order2")),
         # forward mode weighs the error by the drawn tangent: within tolerance at --grad-seed 5
         _wrong((JAX,), JAX_BF16 + ": at 1e20 the gradient is 50% off (4.2x)", dtypes=("bfloat16",),
                samples=("hard",), modes=("fwd",), strict=False),
         _wrong((JAX,), JAX_BF16 + ": the second derivative, 99% off at one entry (broadcast-scalar at --grad-seed "
                "2, matrix at 6: 0 where the reference is -0.487)", dtypes=("bfloat16",),
                modes=("order2",), strict=False),
         # x's second derivative sums 15 terms of curvature x·y/r³, each rounded: more than the 3x allows
         *_imprecise(ALL, "the broadcast second derivative sums 15 rounded terms of hypot's curvature: 3.3x "
                     "the first-order tolerance in TF float16 (--grad-seed 1), 3.5x in JAX float16 (9)",
                     samples=("broadcast-scalar",), modes=("order2",), factor=5.0))

# x's second derivative sums 15 rounded terms of atan2's curvature, as hypot's does
ATAN2 = _imprecise((TF,), "the broadcast second derivative sums 15 rounded terms of atan2's curvature: 1.06x the "
                   "bfloat16 tolerance in TF (--grad-seed 5)", dtypes=("bfloat16",), samples=("broadcast-scalar",),
                   modes=("order2",))

LOGADDEXP = _imprecise((JAX,), JAX_BF16 + " (up to 1.8x)", dtypes=("bfloat16",), samples=("hard",),
                       modes=("rev", "fwd"))

XLOGY = (_wrong((JAX,), "JAX's float16 gradient of xlogy at y = 1e-6 (a float16 subnormal) overflows to inf "
                "although the exact one (1e3 and −13.8) fits", dtypes=("float16",), samples=("hard",),
                modes=("rev",)),)

# the second derivative's error moves with the drawn weights: inside its 3x tolerance at --grad-seed 8
LOGSUMEXP = tuple(_wrong((TORCH,), "torch's low-precision logsumexp gradient at ±1000 (the stable form's shift) "
                         "is 21% off in float16 (4.9x) and bfloat16, TF and JAX are right (forward mode is too)",
                         samples=("large",), modes=(mode,), strict=mode == "rev") for mode in ("rev", "order2"))

# wrong by up to 9.3x at seed 0 and right at seed 1: too wide for a tolerance, so a non-strict expected failure
CUMLOGSUMEXP = (_wrong((TF, TORCH), "the second derivative of a cumulative logsumexp in float16/bfloat16 is up "
                       "to 16% off (3.3–9.3x the first-order tolerance) in TF and torch at some drawn points "
                       "(along axis 0 at --grad-seed 7); JAX is within tolerance",
                       samples=("vector", "axis", "axis-0"), modes=("order2",), strict=False),)

# under torch.compile the second derivative is right in float16 (Inductor computes it in float32 inside)
MATRIX_EXP = tuple(_wrong((TORCH,), "torch's float16/bfloat16 matrix_exp gradient overflows (inf) for a normal(1) "
                          "3x3 matrix whose exact gradient is small: its scaling-and-squaring overflows inside",
                          modes=modes, regimes=regimes)
                   for modes, regimes in ((("rev", "fwd"), ()), (("order2",), ("eager",))))

LAYER_NORM = tuple(_wrong((fw,), "a constant row has variance 0: (var + eps)^(-3/2) ≈ 3e7 exceeds float16's "
                          "range inside the gradient, so torch (forward mode) and JAX give inf although the "
                          "exact gradient is finite", dtypes=("float16",), samples=("constant-row",), modes=modes,
                          regimes=regimes)
                   # torch.compile's forward mode is right (Inductor computes float16 in float32 inside)
                   for fw, modes, regimes in ((TORCH, ("fwd",), ("eager",)), (JAX, ("rev", "fwd"), ())))

