"""What the extreme-value sweep found (``suites/test_extremes.py``): per swept op, where each framework's
reverse-mode gradient is a defect (0, ±inf or NaN where the exact derivative is a finite normal number)
or inexact (beyond the sweep's ULP tolerance), with the reason and the range of x where it holds.

Measured 2026-11-25 with TF 2.21, torch 2.13 and JAX 0.10 on CPU (the sweep's points are fixed, so the
ranges are exact: each is the span of failing points, merged per side of 0 and of |x| = 1). A range
that no longer fails is reported by ``test_extreme_declared`` (a strict expected failure); a failing
point outside every range fails ``test_extreme_values``, whose message gives the range to add here and
a one-line reproduction. These declarations concern the sweep only: the op table declares what its
own samples meet.
"""

import numpy as np

from harness import exact
from harness.expectations import Expectation, divergence
from harness.frameworks.registry import JAX, TF, TORCH

DAZ = ("TF and JAX on CPU treat subnormal inputs as zero (denormals-are-zero in Eigen/XLA): the gradient at a "
       "subnormal x is the gradient at 0 (inf for log and sqrt, NaN for lgamma, a kink's convention for abs, relu "
       "and selu) where the exact derivative is finite; torch keeps subnormals")
TAIL_EXP = ("the derivative is computed from the output, (e^x - 1) + 1, which cancels to 0 once e^x < ulp(1) "
            "(x < -17 in float32, -37 in float64) although e^x is a normal number down to x = -87 / -708")


def found(frameworks: tuple[str, ...], why: str, dtype: str, low: float, high: float, versions: str = "") -> Expectation:
    """Wrong reverse-mode gradients of ``frameworks`` in ``dtype`` at the sweep's points in [low, high] (in the
    releases ``versions``, a PEP 440 range; every release where empty)."""
    return divergence(frameworks, why, wrong=True, modes=("rev",), dtypes=(dtype,), within=(low, high),
                      versions=versions)


def subnormal(frameworks: tuple[str, ...], dtype: str, why: str = "") -> Expectation:
    """Wrong gradients at the subnormal points of ``dtype`` (|x| below its smallest normal)."""
    tiny = float(np.finfo(dtype).tiny)
    return found(frameworks, "; ".join(filter(None, [why, DAZ])), dtype, -tiny, tiny)


WHY_ERFINV = ("TF's erfinv is +inf one ULP below 1 (1 - 2^-24 in float32, 1 - 2^-53 in float64), so its gradient "
              "sqrt(π)/2·exp(erfinv(x)²) is +inf where the exact 2.1e6 / 7.6e14 is finite")
WHY_ATAN = "TF's float32 gradient 1/(1 + x²) loses up to 3600 ULPs where 1 + x² nears float32's largest value (|x| ≈ 1e17 to 1e19) and its reciprocal the smallest normal (new in TF 2.21: 2.20 passes there, within the sweep's 64 ULPs; measured with tox -e previous); where it starts depends on the CPU: at the sweep's |x| = 1.5e17 on the reference's Intel Xeon (its 2026-11-25 run), already at 8.6e16 (179 ULPs) on an AMD EPYC with AVX-512 (measured 2026-12-05)"
WHY_TANH = "d tanh = 1 - tanh(x)² cancels in the tails: 0 once tanh(x) rounds to ±1 (|x| > 9 in float32, 19 in float64) although 4 / (e^x + e^-x)² is a normal number to |x| = 44 / 355; before that it costs up to 1e7 ULPs (x = 4.5 in float32)"
WHY_ASINH_TENSORFLOW = "TF's gradient 1/sqrt(x² + 1) survives huge |x| but loses 67 to 933 ULPs there"
WHY_ASINH = "1/sqrt(x² + 1) with x² overflowing: 0 for |x| > 1.8e19 (float32) / 1.3e154 (float64) where the exact 1/|x| is a normal number"
WHY_ACOSH_TENSORFLOW = "TF's gradient 1/sqrt(x² - 1) survives huge x but loses 67 to 933 ULPs there"
WHY_ACOSH = "1/sqrt(x² - 1) with x² overflowing: 0 for x > 1.8e19 (float32) / 1.3e154 (float64) where the exact 1/x is a normal number"
WHY_EXPM1 = "d expm1 is computed from the output as expm1(x) + 1, which cancels to 0 once e^x < ulp(1) (x < -17 in float32, -37 in float64) although e^x is a normal number down to x = -87 / -708"
WHY_LOG = "TF's float32 1/x for x > 9e33 (a result near the smallest normal) loses up to 3200 ULPs (new in TF 2.21: 2.20 passes there, within the sweep's 64 ULPs; measured with tox -e previous)"
WHY_LOG1P = "TF's float32 1/(1 + x) for x > 9e33 (a result near the smallest normal) loses up to 3200 ULPs (new in TF 2.21: 2.20 passes there, within the sweep's 64 ULPs; measured with tox -e previous)"
WHY_LOG2 = "TF's float32 1/(x·ln 2) for x > 9e33 loses up to 3200 ULPs, and is 0 at 9.6e37 where the exact 1.5e-38 is normal"
WHY_LOG10 = "TF's float32 1/(x·ln 10) for x > 9e33 loses up to 2800 ULPs (new in TF 2.21: 2.20 passes there, within the sweep's 64 ULPs; measured with tox -e previous)"
WHY_RECIPROCAL = "JAX's float32 -1/x² squares first: x² underflows to a subnormal, flushed to 0, so the gradient is -inf at |x| ≈ 7e-20 where the exact -1.9e38 is a normal number"
WHY_NDTRI = "the gradient sqrt(2π)·exp(z²/2) is taken from the output z = ndtri(p), whose rounding it amplifies by z²: 66 to 292 ULPs (float32) and up to 2300 ULPs (float64) for p < 1e-14"
WHY_DIGAMMA_TORCH = "torch's float64 trigamma (the derivative of digamma) is good to ~5e-10 only: 2e6 ULPs at x = 1.41"
WHY_DIGAMMA = "polygamma(1, x) answers 0 for x > 1.5e19 (float32) / 3.6e154 (float64) where the exact 1/x is a normal number"
WHY_TRIGAMMA = "polygamma(2, x) answers 0 for large x (float32 from 4.8e12, float64 from 2.6e103) where the exact -1/x² is a normal number"
WHY_I0E = "the gradient of the scaled Bessel function i0e, i1e(x) - sign(x)·i0e(x), cancels for large |x|: 0 (or -1.4e-20 for 1.8e-38 in torch and JAX float32) where the exact -sign(x)·x^-1.5/(2·sqrt(2π)) is normal"
WHY_I1E_TENSORFLOW = "the gradient of i1e, i0e - i1e/x - sign(x)·i1e, cancels for large |x| (0 where the exact -x^-1.5/(2·sqrt(2π)) is normal), and TF answers 1 instead of 0.5 next to 0 (at the smallest normals)"
WHY_I1E = "the gradient of i1e, i0e - i1e/x - sign(x)·i1e, cancels for large |x|: 0 (or -1.4e-20 for -1.8e-38 in float32) where the exact -x^-1.5/(2·sqrt(2π)) is normal; 176 to 208 ULPs at |x| = 8 in float32"
WHY_SINC = "(cos(πx)·πx - sin(πx)) / (πx²) cancels near 0 (0 or -inf for |x| < 0.04 in float32, 0.014 in float64, where the exact -π²x/3 is normal) and breaks for huge |x|, where π·x keeps no fractional bits and πx² overflows (NaN or 0 from |x| = 8e6 in float32, 1.6e16 in float64)"
WHY_SIGMOID = "s·(1 - s) is 0 once s rounds to 1 (x > 17 in float32, 37 in float64) although e^-x / (1 + e^-x)² is a normal number to x = 87 / 708; before that the cancellation costs up to 1e7 ULPs"
WHY_LOGIT = DAZ
WHY_SOFTSIGN = "autograd of the composite x / (1 + |x|) gives 1/(1 + |x|) - |x|/(1 + |x|)², which cancels for large |x|: 0 or orders of magnitude off from |x| = 250 (torch float32) / 1.4e4 (torch float64), 450 / 1440 (JAX) where 1/(1 + |x|)² is normal (TF's SoftsignGrad is exact)"
WHY_ELU = TAIL_EXP
WHY_SELU_TENSORFLOW = "TF's SeluGrad picks the branch from the output: where scale·alpha·(e^x - 1) rounds to 0 (-2.4e-8 < x < 0 in float32, -1.3e-17 in float64) it takes the positive slope 1.05 instead of 1.76; and its negative tail cancels like elu's (the derivative is computed from the output, (e^x - 1) + 1, which cancels to 0 once e^x < ulp(1) (x < -17 in float32, -37 in float64) although e^x is a normal number down to x = -87 / -708)"
WHY_SELU = "the negative tail cancels like elu's: " + TAIL_EXP
WHY_CELU = "JAX's negative tail cancels like elu's: " + TAIL_EXP
WHY_GELU_TENSORFLOW = "TF's float64 gelu gradient is off by up to ~1e-9 relative for |x| < 0.14 (1.7e7 ULPs) and by 2e10 ULPs at x = -14 (cause inside TF not traced)"
WHY_GELU_TORCH = "Φ(x) + x·φ(x) cancels in the left tail: 0 at x = -8 in float32 where the exact -4.6e-14 is normal, 5e-4 relative off at x = -14 in float64"
WHY_GELU_TANH_TENSORFLOW = "0.044715·x³ overflows for |x| > 2.8e19 (float32) / 3.6e154 (float64): NaN where the exact derivative is 1 or 0; the left tail 1 + tanh(u) cancels to 0 (x < -4.5 in float32); and TF's float64 gradient is off by up to 3.6e6 ULPs for 0.014 < |x| < 14"
WHY_GELU_TANH = "0.044715·x³ overflows for |x| > 1.6e19 to 2.8e19 (float32) / 3.6e154 (float64): NaN where the exact derivative is 1 or 0; the left tail 1 + tanh(u) cancels to 0 (x < -4.5 in float32, -14 in float64) where the exact derivative is normal"
WHY_ABS = DAZ
WHY_RELU = DAZ
WHY_RELU6 = DAZ
WHY_LEAKY_RELU_TENSORFLOW = "TF's LeakyRelu takes alpha as a float32 attribute: in float64 the negative slope is 0.2000000030 (1e8 ULPs from 0.2); and TF and JAX on CPU treat subnormal inputs as zero (denormals-are-zero in Eigen/XLA): the gradient at a subnormal x is the gradient at 0 (inf for log and sqrt, NaN for lgamma, a kink's convention for abs, relu and selu) where the exact derivative is finite; torch keeps subnormals"
WHY_LEAKY_RELU = DAZ
WHY_HARD_SIGMOID = "torch's float64 hardsigmoid gradient is 1/6 rounded to float32 (0.1666666716, 1.8e8 ULPs off)"
WHY_DIVIDE_1_Y = "JAX's float32 gradient -x/y² squares first: y² underflows to a subnormal, flushed to 0, so it is -inf at |y| ≈ 7e-20 where the exact -1.9e38 is a normal number"
WHY_POW_X_2_5 = "2.5·x^1.5 passes through the subnormal x^1.5 ≈ 7.9e-39, flushed to 0: the gradient is 0 at x = 4e-26 where the exact 2e-38 is a normal number"
WHY_HYPOT_X_X_TORCH = "torch's gradient x / hypot(x, y) is 0 at the largest finite x, where hypot overflows, and wrong at subnormal x"
WHY_HYPOT_X_X = "the gradient x / hypot(x, y) squares x: NaN, inf, 0 or 1.5× too large where x² + y² overflows (|x| > 1.6e19 float32, 3.6e154 float64) or underflows (|x| < 7e-20 / 5.6e-155)"

FOUND: dict[str, tuple[Expectation, ...]] = {
    'erfinv': (
        found((TF,), WHY_ERFINV, "float32", 0.9999999403953552, 0.9999999403953552),
        found((TF,), WHY_ERFINV, "float64", 0.9999999999999999, 0.9999999999999999),
    ),
    'atan': (
        found((TF,), WHY_ATAN, "float32", -8.712322880555188e+18, -8.62795621948457e+16, versions=">=2.21"),
        found((TF,), WHY_ATAN, "float32", 8.62795621948457e+16, 8.712322880555188e+18, versions=">=2.21"),
    ),
    'tanh': (
        found((TF, TORCH, JAX,), WHY_TANH, "float32", -25.302082061767578, -4.483028411865234),
        found((TF, TORCH, JAX,), WHY_TANH, "float32", 4.483028411865234, 25.302082061767578),
        found((TF, TORCH, JAX,), WHY_TANH, "float64", -143.13550657568118, -14.227584990308968),
        found((TF, TORCH, JAX,), WHY_TANH, "float64", 14.227584990308968, 143.13550657568118),
    ),
    'asinh': (
        found((TF,), WHY_ASINH_TENSORFLOW, "float32", -1.684935983267683e+36, -1.6285171485612443e+29),
        found((TF,), WHY_ASINH_TENSORFLOW, "float32", 1.6285171485612443e+29, 1.684935983267683e+36),
        found((TORCH, JAX,), WHY_ASINH, "float32", -5.367263572040969e+37, -2.761788710922171e+19),
        found((TORCH, JAX,), WHY_ASINH, "float32", 2.761788710922171e+19, 5.367263572040969e+37),
        found((TF,), WHY_ASINH_TENSORFLOW, "float64", -8.934481902720714e+306, -1.9697245152587768e+55),
        found((TF,), WHY_ASINH_TENSORFLOW, "float64", 1.9697245152587768e+55, 8.934481902720714e+306),
        found((TORCH, JAX,), WHY_ASINH, "float64", -8.934481902720714e+306, -3.5760894747433513e+154),
        found((TORCH, JAX,), WHY_ASINH, "float64", 3.5760894747433513e+154, 8.934481902720714e+306),
    ),
    'acosh': (
        found((TF,), WHY_ACOSH_TENSORFLOW, "float32", 1.6285171485612443e+29, 1.684935983267683e+36),
        found((TORCH, JAX,), WHY_ACOSH, "float32", 2.761788710922171e+19, 5.367263572040969e+37),
        found((TF,), WHY_ACOSH_TENSORFLOW, "float64", 1.9697245152587768e+55, 8.934481902720714e+306),
        found((TORCH, JAX,), WHY_ACOSH, "float64", 3.5760894747433513e+154, 8.934481902720714e+306),
    ),
    'expm1': (
        found((TORCH, JAX,), WHY_EXPM1, "float32", -80.20709228515625, -7.981780052185059),
        found((TORCH, JAX,), WHY_EXPM1, "float64", -143.13550657568118, -14.227584990308968),
    ),
    'log': (
        found((TF,), WHY_LOG, "float32", 9.37193214922337e+33, 1.6931537501225175e+37, versions=">=2.21"),
        subnormal((TF, JAX,), "float32"),
        subnormal((TF, JAX,), "float64"),
    ),
    'log1p': (
        found((TF,), WHY_LOG1P, "float32", 9.37193214922337e+33, 3.014565158776306e+37, versions=">=2.21"),
    ),
    'log2': (
        found((TF,), WHY_LOG2, "float32", 9.37193214922337e+33, 9.556111033145934e+37),
        subnormal((TF, JAX,), "float32"),
        subnormal((TF, JAX,), "float64"),
    ),
    'log10': (
        found((TF,), WHY_LOG10, "float32", 9.37193214922337e+33, 1.6931537501225175e+37, versions=">=2.21"),
        subnormal((TF, JAX,), "float32"),
        subnormal((TF, JAX,), "float64"),
    ),
    'reciprocal': (
        found((JAX,), WHY_RECIPROCAL, "float32", -7.241683212035899e-20, -7.241683212035899e-20),
        found((JAX,), WHY_RECIPROCAL, "float32", 7.241683212035899e-20, 7.241683212035899e-20),
    ),
    'ndtri': (
        found((TF,), WHY_NDTRI, "float32", 1.1754943508222875e-38, 7.420011159046513e-15),
        found((TORCH,), WHY_NDTRI, "float32", 2.0929016142507767e-38, 7.420011159046513e-15),
        found((TF, TORCH,), WHY_NDTRI, "float64", 2.2250738585072014e-308, 1.284268840126871e-16),
        subnormal((TF, JAX,), "float32"),
        subnormal((TF, JAX,), "float64"),
    ),
    'digamma': (
        found((TF, JAX,), WHY_DIGAMMA, "float32", 1.551180009350103e+19, 5.367263572040969e+37),
        found((TF, JAX,), WHY_DIGAMMA, "float64", 3.5760894747433513e+154, 8.934481902720714e+306),
        found((TORCH,), WHY_DIGAMMA_TORCH, "float64", 0.013972773407848539, 14.227584990308968),
    ),
    'trigamma': (
        found((TF, JAX,), WHY_TRIGAMMA, "float32", 4752560095232.0, 8.712322880555188e+18),
        found((TF, JAX,), WHY_TRIGAMMA, "float64", 2.6301628979326066e+103, 3.5546118606118646e+153),
        found((TORCH,), WHY_TRIGAMMA, "float64", 2.6460548225758293e+104, 3.5546118606118646e+153),
        subnormal((TF, JAX,), "float32"),
        subnormal((TF, JAX,), "float64"),
    ),
    'i0e': (
        found((TF,), WHY_I0E, "float32", -5.038296951091041e+24, -45.04893112182617),
        found((TF,), WHY_I0E, "float32", 45.04893112182617, 5.038296951091041e+24),
        found((TORCH, JAX,), WHY_I0E, "float32", -3.4028234663852886e+38, -142.80421447753906),
        found((TORCH, JAX,), WHY_I0E, "float32", 142.80421447753906, 3.4028234663852886e+38),
        found((TF, JAX,), WHY_I0E, "float64", -4.8039859012285025e+203, -143.13550657568118),
        found((TF, JAX,), WHY_I0E, "float64", 143.13550657568118, 4.8039859012285025e+203),
        found((TORCH,), WHY_I0E, "float64", -4.8039859012285025e+203, -1440.0035745090956),
        found((TORCH,), WHY_I0E, "float64", 1440.0035745090956, 4.8039859012285025e+203),
        subnormal((TF, JAX,), "float32"),
        subnormal((TF, JAX,), "float64"),
    ),
    'i1e': (
        found((TF,), WHY_I1E_TENSORFLOW, "float32", -5.038296951091041e+24, -142.80421447753906),
        found((TF,), WHY_I1E_TENSORFLOW, "float32", -2.0929016142507767e-38, -1.1754943508222875e-38),
        found((TF,), WHY_I1E_TENSORFLOW, "float32", 1.1754943508222875e-38, 2.0929016142507767e-38),
        found((TF,), WHY_I1E_TENSORFLOW, "float32", 142.80421447753906, 5.038296951091041e+24),
        found((TORCH, JAX,), WHY_I1E, "float32", -3.4028234663852886e+38, -7.981780052185059),
        found((TORCH, JAX,), WHY_I1E, "float32", 7.981780052185059, 3.4028234663852886e+38),
        found((TF,), WHY_I1E_TENSORFLOW, "float64", -4.8039859012285025e+203, -143.13550657568118),
        found((TF,), WHY_I1E_TENSORFLOW, "float64", -2.2250738585072014e-308, -2.2250738585072014e-308),
        found((TF,), WHY_I1E_TENSORFLOW, "float64", 2.2250738585072014e-308, 2.2250738585072014e-308),
        found((TF,), WHY_I1E_TENSORFLOW, "float64", 143.13550657568118, 4.8039859012285025e+203),
        found((TORCH, JAX,), WHY_I1E, "float64", -4.8039859012285025e+203, -143.13550657568118),
        found((TORCH, JAX,), WHY_I1E, "float64", 143.13550657568118, 4.8039859012285025e+203),
    ),
    'sinc': (
        found((TF, TORCH, JAX,), WHY_SINC, "float32", -3.4028234663852886e+38, -8218221.0),
        found((TF, JAX,), WHY_SINC, "float32", -0.04439616575837135, -1.1754943508222875e-38),
        found((TF, JAX,), WHY_SINC, "float32", 1.1754943508222875e-38, 0.04439616575837135),
        found((TF, TORCH, JAX,), WHY_SINC, "float32", 8218221.0, 3.4028234663852886e+38),
        found((TORCH,), WHY_SINC, "float32", -0.02493545040488243, -1.1754943508222875e-38),
        found((TORCH,), WHY_SINC, "float32", 1.1754943508222875e-38, 0.02493545040488243),
        found((TF, TORCH, JAX,), WHY_SINC, "float64", -1.7976931348623157e+308, -1.5573063345537766e+16),
        found((TF, JAX,), WHY_SINC, "float64", -0.013972773407848539, -2.2250738585072014e-308),
        found((TF, JAX,), WHY_SINC, "float64", 2.2250738585072014e-308, 0.013972773407848539),
        found((TF, TORCH, JAX,), WHY_SINC, "float64", 1.5573063345537766e+16, 1.7976931348623157e+308),
        found((TORCH,), WHY_SINC, "float64", -0.0013888854412610868, -2.2250738585072014e-308),
        found((TORCH,), WHY_SINC, "float64", 2.2250738585072014e-308, 0.0013888854412610868),
        subnormal((TF, TORCH, JAX,), "float32", "torch too: sinc's gradient at subnormal x is 0 or -inf"),
        subnormal((TF, TORCH, JAX,), "float64", "torch too: sinc's gradient at subnormal x is 0 or -inf"),
    ),
    'sigmoid': (
        found((TF, TORCH, JAX,), WHY_SIGMOID, "float32", 7.981780052185059, 80.20709228515625),
        found((TF, TORCH, JAX,), WHY_SIGMOID, "float64", 14.227584990308968, 143.13550657568118),
    ),
    'logit': (
        subnormal((JAX,), "float32"),
        subnormal((JAX,), "float64"),
    ),
    'softsign': (
        found((TORCH,), WHY_SOFTSIGN, "float32", -8.712322880555188e+18, -254.25485229492188),
        found((TORCH,), WHY_SOFTSIGN, "float32", 254.25485229492188, 8.712322880555188e+18),
        found((JAX,), WHY_SOFTSIGN, "float32", -5.315289073458721e+35, -452.68646240234375),
        found((JAX,), WHY_SOFTSIGN, "float32", 452.68646240234375, 5.315289073458721e+35),
        found((TORCH,), WHY_SOFTSIGN, "float64", -3.5546118606118646e+153, -14487.043391311487),
        found((TORCH,), WHY_SOFTSIGN, "float64", 14487.043391311487, 3.5546118606118646e+153),
        found((JAX,), WHY_SOFTSIGN, "float64", -8.82748507472774e+304, -1440.0035745090956),
        found((JAX,), WHY_SOFTSIGN, "float64", 1440.0035745090956, 8.82748507472774e+304),
    ),
    'elu': (
        found((TF, JAX,), WHY_ELU, "float32", -80.20709228515625, -7.981780052185059),
        found((TF, JAX,), WHY_ELU, "float64", -143.13550657568118, -14.227584990308968),
    ),
    'selu': (
        found((TF,), WHY_SELU_TENSORFLOW, "float32", -80.20709228515625, -7.981780052185059),
        found((TF,), WHY_SELU_TENSORFLOW, "float32", -2.4218048011448445e-08, -1.1754943508222875e-38),
        found((JAX,), WHY_SELU, "float32", -80.20709228515625, -7.981780052185059),
        found((TF,), WHY_SELU_TENSORFLOW, "float64", -143.13550657568118, -14.227584990308968),
        found((TF,), WHY_SELU_TENSORFLOW, "float64", -1.2765556576732032e-17, -2.2250738585072014e-308),
        found((JAX,), WHY_SELU, "float64", -143.13550657568118, -14.227584990308968),
        subnormal((TF, JAX,), "float32"),
        subnormal((TF, JAX,), "float64"),
    ),
    'celu': (
        found((JAX,), WHY_CELU, "float32", -25.302082061767578, -7.981780052185059),
        found((JAX,), WHY_CELU, "float64", -143.13550657568118, -14.227584990308968),
        subnormal((TF,), "float32"),
        subnormal((TF,), "float64"),
    ),
    'gelu': (
        found((TORCH,), WHY_GELU_TORCH, "float32", -7.981780052185059, -4.483028411865234),
        found((TF,), WHY_GELU_TENSORFLOW, "float64", -14.227584990308968, -1.364010938850098e-06),
        found((TF,), WHY_GELU_TENSORFLOW, "float64", 1.364010938850098e-06, 0.14057199456983707),
        found((TORCH,), WHY_GELU_TORCH, "float64", -14.227584990308968, -14.227584990308968),
    ),
    'gelu_tanh': (
        found((TF,), WHY_GELU_TANH_TENSORFLOW, "float32", -3.4028234663852886e+38, -4.483028411865234),
        found((TF,), WHY_GELU_TANH_TENSORFLOW, "float32", 2.761788710922171e+19, 3.4028234663852886e+38),
        found((TORCH, JAX,), WHY_GELU_TANH, "float32", -3.4028234663852886e+38, -4.483028411865234),
        found((TORCH,), WHY_GELU_TANH, "float32", 2.761788710922171e+19, 3.4028234663852886e+38),
        found((JAX,), WHY_GELU_TANH, "float32", 1.551180009350103e+19, 3.4028234663852886e+38),
        found((TF,), WHY_GELU_TANH_TENSORFLOW, "float64", -1.7976931348623157e+308, -0.013972773407848539),
        found((TF,), WHY_GELU_TANH_TENSORFLOW, "float64", 0.14057199456983707, 1.7976931348623157e+308),
        found((TORCH, JAX,), WHY_GELU_TANH, "float64", -1.7976931348623157e+308, -14.227584990308968),
        found((TORCH, JAX,), WHY_GELU_TANH, "float64", 3.5760894747433513e+154, 1.7976931348623157e+308),
    ),
    'abs': (
        subnormal((TF, JAX,), "float32"),
        subnormal((TF, JAX,), "float64"),
    ),
    'relu': (
        subnormal((TF, JAX,), "float32"),
        subnormal((TF, JAX,), "float64"),
    ),
    'relu6': (
        subnormal((TF, JAX,), "float32"),
        subnormal((TF, JAX,), "float64"),
    ),
    'leaky_relu': (
        found((TF,), WHY_LEAKY_RELU_TENSORFLOW, "float64", -1.7976931348623157e+308, -2.2250738585072014e-308),
        subnormal((TF, JAX,), "float32"),
        subnormal((TF, JAX,), "float64"),
    ),
    'hard_sigmoid': (
        found((TORCH,), WHY_HARD_SIGMOID, "float64", -1.4142135623730487, -2.2250738585072014e-308),
        found((TORCH,), WHY_HARD_SIGMOID, "float64", 2.2250738585072014e-308, 1.4142135623730487),
        found((TORCH,), WHY_HARD_SIGMOID, "float64", -2.2250738585072014e-308, 2.2250738585072014e-308),
    ),
    'divide(1, y)': (
        found((JAX,), WHY_DIVIDE_1_Y, "float32", -7.241683212035899e-20, -7.241683212035899e-20),
        found((JAX,), WHY_DIVIDE_1_Y, "float32", 7.241683212035899e-20, 7.241683212035899e-20),
    ),
    'pow(x, 2.5)': (
        found((TF, JAX,), WHY_POW_X_2_5, "float32", 3.95032821867352e-26, 3.95032821867352e-26),
    ),
    'hypot(x, x)': (
        found((TF, JAX,), WHY_HYPOT_X_X, "float32", -3.4028234663852886e+38, -1.551180009350103e+19),
        found((TF, JAX,), WHY_HYPOT_X_X, "float32", -7.241683212035899e-20, -1.1754943508222875e-38),
        found((TF, JAX,), WHY_HYPOT_X_X, "float32", 1.1754943508222875e-38, 7.241683212035899e-20),
        found((TF, JAX,), WHY_HYPOT_X_X, "float32", 1.551180009350103e+19, 3.4028234663852886e+38),
        found((TORCH,), WHY_HYPOT_X_X_TORCH, "float32", -3.4028234663852886e+38, -3.4028234663852886e+38),
        found((TORCH,), WHY_HYPOT_X_X_TORCH, "float32", 3.4028234663852886e+38, 3.4028234663852886e+38),
        found((TF, JAX,), WHY_HYPOT_X_X, "float64", -1.7976931348623157e+308, -3.5760894747433513e+154),
        found((TF, JAX,), WHY_HYPOT_X_X, "float64", -5.592701228883577e-155, -2.2250738585072014e-308),
        found((TF, JAX,), WHY_HYPOT_X_X, "float64", 2.2250738585072014e-308, 5.592701228883577e-155),
        found((TF, JAX,), WHY_HYPOT_X_X, "float64", 3.5760894747433513e+154, 1.7976931348623157e+308),
        found((TORCH,), WHY_HYPOT_X_X_TORCH, "float64", -1.7976931348623157e+308, -1.7976931348623157e+308),
        found((TORCH,), WHY_HYPOT_X_X_TORCH, "float64", 1.7976931348623157e+308, 1.7976931348623157e+308),
        subnormal((TF, TORCH, JAX,), "float32", "torch too answers wrong values at subnormal x (2 instead of 1.41)"),
        subnormal((TF, TORCH, JAX,), "float64", "torch too answers wrong values at subnormal x (2 instead of 1.41)"),
    ),
    'sqrt': (
        subnormal((TF, JAX,), "float32"),
        subnormal((TF, JAX,), "float64"),
    ),
    'square': (
        subnormal((TF, JAX,), "float32"),
        subnormal((TF, JAX,), "float64"),
    ),
    'lgamma': (
        subnormal((TF, JAX,), "float32"),
        subnormal((TF, JAX,), "float64"),
    ),
}

# the keys name the sweeps of harness/exact.py; one that names none would never be read: it fails here, at import
_unknown = sorted(set(FOUND) - set(exact.BY_KEY))
if _unknown:
    raise ValueError(f"suites/ops/extreme_values.py declares findings for {_unknown}, which no sweep of "
                     f"harness/exact.py has: use a sweep's key ({', '.join(list(exact.BY_KEY)[:4])}, ...)")
