"""Exact derivatives of the elementwise ops, at the points of the extreme-value sweep.

Finite differences cannot judge a gradient at 1e-300, 1e30 or one ULP from a pole; arbitrary
precision can. Each swept op has its derivative written in closed form in mpmath (in a form with no
cancellation: ``1 + tanh(u)`` as ``2·sigmoid(2u)``), evaluated at a working precision that grows with
the point's magnitude and its closeness to an edge, and checked against a second evaluation 30
digits finer: a value the two disagree on is an error, never a silent "exact" value.

The values live in a committed data file (``harness/data/exact_derivatives.csv.gz``: op, dtype,
point, derivative rounded to float64, and its condition number), so a test run never computes them.
``python -m harness exact`` regenerates it (about two minutes on two cores).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import mpmath as mp
import numpy as np
from scipy import special

DATA = Path(__file__).parent / "data" / "exact_derivatives.csv.gz"
DTYPES = ("float32", "float64")
#: log-spaced magnitudes per decade, from the smallest normal to the largest finite value
PER_DECADE = {"float32": 4, "float64": 1}
#: points each side of an edge or pole, log-spaced from one ULP away to 1/2 away
NEAR = {"float32": 12, "float64": 24}
#: selu's constants, as every framework writes them (torch, TF, JAX agree to the last digit)
SELU_ALPHA, SELU_SCALE = 1.6732632423543772848170429916717, 1.0507009873554804934193349852946
GELU_TANH_C = 0.044715


@dataclass(frozen=True)
class Swept:
    """One elementwise op of the sweep: its exact derivative and where it is defined.

    Args:
        op: the op table's name (``xp.ops.<op>``).
        derivative: ``d(x)`` in mpmath: the derivative w.r.t. the swept argument at ``x``.
        low, high: the open domain of the swept argument.
        poles: points inside the domain where the derivative is infinite (points are placed beside them).
        kinks: points where it is undefined (never swept).
        kwargs: static arguments, as in the op table's samples.
        partner: for a binary op, the other argument: a number, or ``"same"`` (``hypot(x, x)``).
        wrt: which argument is swept, ``x`` or ``y``.
        scaled: whether the working precision grows with the point (see :func:`_precision`).
    """

    op: str
    derivative: Callable[[Any], Any]
    low: float = -math.inf
    high: float = math.inf
    poles: tuple[float, ...] = ()
    kinks: tuple[float, ...] = ()
    kwargs: dict[str, Any] = field(default_factory=dict)
    partner: float | str | None = None
    wrt: str = "x"
    #: True where the closed form cancels more the larger or smaller x is (sinc); elsewhere mpmath's own
    #: functions add the precision they need (argument reduction of sin at 1e300), and 40 digits do
    scaled: bool = False

    @property
    def key(self) -> str:
        """The name in the data file and in reports: ``pow(x, 2.5)``, ``divide(1, y)``, ``hypot(x, x)``."""
        if self.partner is None:
            return self.op
        other = self.wrt if self.partner == "same" else f"{self.partner:g}"
        args = (self.wrt, other) if self.wrt == "x" else (other, self.wrt)
        return f"{self.op}({args[0]}, {args[1]})"


def _sig(x):
    """sigmoid without cancellation at either tail."""
    return 1 / (1 + mp.exp(-x)) if x >= 0 else mp.exp(x) / (1 + mp.exp(x))


def _phi(x):
    return mp.exp(-x * x / 2) / mp.sqrt(2 * mp.pi)


def _ncdf(x):
    """Φ(x); beyond |x| = 1e4 from its tail series (to ~1e-30 relative), where mpmath's erfc overflows a float."""
    if abs(x) < 1e4:
        return mp.ncdf(x)
    tail = _phi(x) / abs(x) * (1 - 1 / x ** 2 + 3 / x ** 4 - 15 / x ** 6)
    return tail if x < 0 else 1 - tail


def _ndtri(p):
    """Φ⁻¹(p) by Newton from SciPy's float64 value: mpmath's erfinv loses the tail (2p - 1 beside -1)."""
    if p > 0.5:
        return -_ndtri(1 - p)
    return mp.findroot(lambda z: mp.ncdf(z) - p, mp.mpf(float(special.ndtri(float(p)))))


def _erfinv(x):
    """erf⁻¹(x) as the root of erfc(z) = 1 - x, for the same reason."""
    if x < 0:
        return -_erfinv(-x)
    return mp.findroot(lambda z: mp.erfc(z) - (1 - x), mp.mpf(float(special.erfcinv(float(1 - x)))))


#: beyond this |x|, i0e and i1e come from their asymptotic series: mpmath's besseli takes seconds per point
ASYMPTOTIC = 1000.0


def _ie_series(order, x, derivative=False):
    """e^-x·I_order(x) for x ≥ ASYMPTOTIC, or its derivative: (2πx)^-1/2 Σ c_k x^-k, summed while the terms
    fall below the working precision (at x ≥ 1000 they shrink for ~2000 terms)."""
    total, c, k = mp.mpf(0), mp.mpf(1), 0
    while True:
        power = -(k + mp.mpf(0.5))
        term = c * (power * x ** (power - 1) if derivative else x ** power)
        total += term
        if abs(term) < mp.eps * abs(total):
            return total / mp.sqrt(2 * mp.pi)
        k += 1
        c *= -(4 * order ** 2 - (2 * k - 1) ** 2) / (k * mp.mpf(8))


def _i0e_derivative(x):
    if abs(x) >= ASYMPTOTIC:
        return mp.sign(x) * _ie_series(0, abs(x), derivative=True)
    return (mp.besseli(1, x) - mp.sign(x) * mp.besseli(0, x)) * mp.exp(-abs(x))


def _i1e_derivative(x):
    if abs(x) >= ASYMPTOTIC:  # i1e is odd, so its derivative is even
        return _ie_series(1, abs(x), derivative=True)
    i0, i1 = mp.besseli(0, x), mp.besseli(1, x)
    return (i0 - i1 / x - mp.sign(x) * i1) * mp.exp(-abs(x))


def _gelu_tanh(x):
    u = mp.sqrt(2 / mp.pi) * (x + GELU_TANH_C * x ** 3)
    du = mp.sqrt(2 / mp.pi) * (1 + 3 * GELU_TANH_C * x ** 2)
    # 1 + tanh(u) = 2σ(2u), 1 - tanh²(u) = 4σ(2u)σ(-2u)
    return _sig(2 * u) + x * 2 * _sig(2 * u) * _sig(-2 * u) * du


def _mish(x):
    sp = mp.log1p(mp.exp(x)) if x < 0 else x + mp.log1p(mp.exp(-x))
    return mp.tanh(sp) + x * mp.sech(sp) ** 2 * _sig(x)


SWEPT: tuple[Swept, ...] = (
    Swept("sin", mp.cos),
    Swept("cos", lambda x: -mp.sin(x)),
    Swept("tan", lambda x: mp.sec(x) ** 2, poles=(math.pi / 2, -math.pi / 2)),
    Swept("asin", lambda x: 1 / mp.sqrt(1 - x * x), -1.0, 1.0),
    Swept("acos", lambda x: -1 / mp.sqrt(1 - x * x), -1.0, 1.0),
    Swept("atan", lambda x: 1 / (1 + x * x)),
    Swept("sinh", mp.cosh),
    Swept("cosh", mp.sinh),
    Swept("tanh", lambda x: mp.sech(x) ** 2),
    Swept("asinh", lambda x: 1 / mp.sqrt(1 + x * x)),
    Swept("acosh", lambda x: 1 / mp.sqrt(x * x - 1), 1.0),
    Swept("atanh", lambda x: 1 / (1 - x * x), -1.0, 1.0),
    Swept("exp", mp.exp),
    Swept("expm1", mp.exp),
    Swept("exp2", lambda x: mp.ln2 * mp.power(2, x)),
    Swept("log", lambda x: 1 / x, 0.0),
    Swept("log1p", lambda x: 1 / (1 + x), -1.0),
    Swept("log2", lambda x: 1 / (x * mp.ln2), 0.0),
    Swept("log10", lambda x: 1 / (x * mp.ln10), 0.0),
    Swept("sqrt", lambda x: 1 / (2 * mp.sqrt(x)), 0.0),
    Swept("rsqrt", lambda x: -mp.power(x, -1.5) / 2, 0.0),
    Swept("reciprocal", lambda x: -1 / (x * x), kinks=(0.0,)),
    Swept("square", lambda x: 2 * x),
    Swept("erf", lambda x: 2 / mp.sqrt(mp.pi) * mp.exp(-x * x)),
    Swept("erfc", lambda x: -2 / mp.sqrt(mp.pi) * mp.exp(-x * x)),
    Swept("erfinv", lambda x: mp.sqrt(mp.pi) / 2 * mp.exp(_erfinv(x) ** 2), -1.0, 1.0),
    Swept("ndtri", lambda p: 1 / _phi(_ndtri(p)), 0.0, 1.0),
    Swept("lgamma", mp.digamma, 0.0),
    Swept("digamma", lambda x: mp.polygamma(1, x), 0.0),
    Swept("trigamma", lambda x: mp.polygamma(2, x), 0.0),
    Swept("i0e", _i0e_derivative, kinks=(0.0,)),
    Swept("i1e", _i1e_derivative),
    Swept("sinc", lambda x: (mp.cos(mp.pi * x) * mp.pi * x - mp.sin(mp.pi * x)) / (mp.pi * x * x), scaled=True),
    Swept("sigmoid", lambda x: _sig(x) * _sig(-x)),
    Swept("log_sigmoid", lambda x: _sig(-x)),
    Swept("logit", lambda x: 1 / (x * (1 - x)), 0.0, 1.0),
    Swept("softplus", _sig),
    Swept("softsign", lambda x: 1 / (1 + abs(x)) ** 2),
    Swept("elu", lambda x: 1 if x > 0 else mp.exp(x), kinks=(0.0,)),
    Swept("selu", lambda x: SELU_SCALE * (1 if x > 0 else SELU_ALPHA * mp.exp(x)), kinks=(0.0,)),
    Swept("celu", lambda x: 1 if x > 0 else mp.exp(x / mp.mpf(0.5)), kinks=(0.0,), kwargs={"alpha": 0.5}),
    # scaled: ncdf(x) is erfc(-x/√2)/2, and x/√2 rounded to 40 digits misplaces e^(-x²/2) at x = -1e38
    Swept("gelu", lambda x: _ncdf(x) + x * _phi(x), scaled=True),
    Swept("gelu_tanh", _gelu_tanh, scaled=True),  # scaled: e^(2u) with u ~ x³ misplaced at 40 digits, as gelu
    Swept("silu", lambda x: _sig(x) + x * _sig(x) * _sig(-x)),
    Swept("mish", _mish),
    # piecewise linear: exact answers everywhere off the kinks; the sweep asks whether that survives the tails
    Swept("abs", mp.sign, kinks=(0.0,)),
    Swept("relu", lambda x: 1 if x > 0 else 0, kinks=(0.0,)),
    Swept("relu6", lambda x: 1 if 0 < x < 6 else 0, kinks=(0.0, 6.0)),
    Swept("leaky_relu", lambda x: 1 if x > 0 else mp.mpf(0.2), kinks=(0.0,), kwargs={"slope": 0.2}),
    Swept("hardtanh", lambda x: 1 if -1 < x < 1 else 0, kinks=(-1.0, 1.0)),
    Swept("hard_sigmoid", lambda x: mp.mpf(1) / 6 if -3 < x < 3 else 0, kinks=(-3.0, 3.0)),
    # binary ops along one argument, the other fixed
    Swept("multiply", lambda x: mp.mpf(3), partner=3.0),
    Swept("divide", lambda y: -1 / (y * y), partner=1.0, wrt="y", kinks=(0.0,)),
    Swept("pow", lambda x: mp.mpf(2.5) * mp.power(x, 1.5), 0.0, partner=2.5),
    Swept("pow", lambda y: mp.power(2, y) * mp.ln2, partner=2.0, wrt="y"),
    Swept("atan2", lambda x: 1 / (1 + x * x), partner=1.0),
    # hypot(x, x) = √2·|x|: the gradient sums both arguments' shares, x / hypot(x, x) each
    Swept("hypot", lambda x: mp.sqrt(2) * mp.sign(x), kinks=(0.0,), partner="same"),
)

BY_KEY = {s.key: s for s in SWEPT}


def _round(values: list[float] | np.ndarray, dtype: str) -> np.ndarray:
    return np.asarray(values, np.float64).astype(dtype).astype(np.float64)


def points(spec: Swept, dtype: str) -> np.ndarray:
    """Where ``spec`` is swept in ``dtype``: log-spaced magnitudes of both signs from the smallest normal to
    the largest finite value, three subnormals, and points from one ULP to 1/2 beside each edge and pole;
    each representable in ``dtype``, inside the domain and off the kinks (float64, sorted)."""
    info = np.finfo(dtype)
    decades = math.log10(float(info.max)) - math.log10(float(info.tiny))
    # up to max / 2 and then max itself: geomspace's last power of 10 overflows float64 at its largest value
    magnitudes = [*np.geomspace(float(info.tiny), float(info.max) / 2, int(decades * PER_DECADE[dtype])), float(info.max)]
    subnormals = [float(info.tiny) / 2, float(info.tiny) * 2.0 ** -(info.nmant // 2), float(info.smallest_subnormal)]
    values = [*magnitudes, *subnormals]
    values = [*values, *(-v for v in values)]
    for edge in [e for e in (spec.low, spec.high, *spec.poles) if math.isfinite(e) and e != 0.0]:
        e = float(_round([edge], dtype)[0])
        offsets = np.geomspace(abs(float(np.spacing(np.asarray(e, dtype)))), 0.5, NEAR[dtype])
        # and the two neighbours themselves: below a power of 2 the neighbour is half a ULP of it away
        neighbours = [float(np.nextafter(np.asarray(e, dtype), np.asarray(d, dtype))) for d in (-np.inf, np.inf)]
        values += [e, *(e + offsets), *(e - offsets), *neighbours]
    x = np.unique(_round(values, dtype))
    x = x[np.isfinite(x) & (x > spec.low) & (x < spec.high)]
    return x[~np.isin(x, spec.kinks)]


def _precision(spec: Swept, x: float) -> int:
    """Decimal digits enough for ``x``: 40, or for a ``scaled`` op more with |log10 x| (sinc's cancellation at
    1e-300, and π·x at 1e300 needs all 300 integer digits) and with closeness to an edge."""
    if not spec.scaled:
        return 40
    digits = 40 + 3 * abs(math.log10(abs(x))) if x else 40
    for edge in (spec.low, spec.high, *spec.poles):
        if math.isfinite(edge) and x != edge:
            digits += 3 * max(0.0, -math.log10(abs(x - edge)))
    return int(min(digits, 2500))


def derivative(spec: Swept, x: float) -> float:
    """The exact derivative at ``x`` rounded to float64 (±inf beyond its range, 0 below it)."""
    return _evaluate(spec, x)[0]


def _evaluate(spec: Swept, x: float) -> tuple[float, float]:
    """The exact derivative at ``x`` and its condition number |x·f''(x) / f'(x)|, each rounded to float64.

    The condition number is how much a relative change of x moves the derivative: an implementation that is
    exact for an input within k ULPs of x is off by about k times it (the sweep's tolerance grows with it).

    Raises:
        ArithmeticError: two evaluations, 30 digits apart in precision, disagree.
    """
    digits = _precision(spec, x)
    values = []
    for dps in (digits, digits + 30):
        with mp.workdps(dps):
            values.append(mp.mpf(spec.derivative(mp.mpf(x))))
    a, b = values
    if a != b and abs(a - b) > mp.mpf(10) ** -25 * max(abs(a), abs(b)):
        raise ArithmeticError(f"{spec.key} at x={x!r}: {mp.nstr(a, 20)} at {digits} digits, "
                              f"{mp.nstr(b, 20)} at {digits + 30}: raise the precision")
    # a central difference in mpmath at a step far below float64's resolution: exact enough for a tolerance. The
    # difference of two derivatives a relative step 10^-(digits/2) apart loses digits/2 digits on top of what the
    # closed form itself cancels: where that grows with |log x| (a scaled op: sinc' at 1e-150 cancels 300 of its 490
    # digits) it is taken with that many more
    with mp.workdps(digits + 30 + (digits // 2 if spec.scaled else 0)):
        X = mp.mpf(x)
        h = abs(X) * mp.mpf(10) ** -(digits // 2) if x else mp.mpf(10) ** -(digits // 2)
        second = (mp.mpf(spec.derivative(X + h)) - mp.mpf(spec.derivative(X - h))) / (2 * h)
        condition = abs(X * second / b) if b else mp.inf
    return float(b), float(condition)


def _rows(key: str) -> list[tuple[str, str, float, float, float]]:
    spec = BY_KEY[key]
    return [(spec.key, dtype, float(x), *_evaluate(spec, float(x))) for dtype in DTYPES for x in points(spec, dtype)]


def generate(path: Path = DATA, workers: int = 2, keys: list[str] | None = None) -> int:
    """Recompute every exact derivative (or those of the ops ``keys``, keeping the file's other rows) and write the
    data file; returns the number of rows."""
    import concurrent.futures

    import pandas as pd

    unknown = sorted(set(keys or ()) - set(BY_KEY))
    if unknown:
        raise ValueError(f"no swept op {unknown}; the swept ops are {sorted(BY_KEY)}")
    kept = load(path) if keys else None
    rows = []
    with concurrent.futures.ProcessPoolExecutor(workers) as pool:
        for key, chunk in zip(keys or BY_KEY, pool.map(_rows, list(keys or BY_KEY))):
            print(f"  {key}: {len(chunk)} points", flush=True)
            rows += chunk
    frame = pd.DataFrame(rows, columns=["op", "dtype", "x", "derivative", "condition"])
    if kept is not None:  # the sweep's order: op by op as BY_KEY lists them
        frame = pd.concat([kept[~kept["op"].isin(keys)], frame]).sort_values(
            "op", key=lambda ops: ops.map(list(BY_KEY).index), kind="stable", ignore_index=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    # repr-exact floats: the points must come back bit for bit, to be found by key
    frame.to_csv(path, index=False, float_format="%.17g")
    return len(frame)


def load(path: Path = DATA):
    """The data file as a DataFrame (op, dtype, x, derivative, condition).

    Raises:
        FileNotFoundError: with the command that writes it.
    """
    import pandas as pd

    if not path.exists():
        raise FileNotFoundError(f"{path} is missing: regenerate it with `python -m harness exact`")
    # read as text and converted by Python's float(), which rounds correctly: the points must match bit for bit
    frame = pd.read_csv(path, dtype=str)
    return frame.astype({"x": float, "derivative": float, "condition": float})
