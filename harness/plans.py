"""What a check of one case asks, fixed by the seed: its inputs, cotangents and tangents (a :class:`Plan`), as every
framework and dtype sees them, and the case as a function of a namespace (:func:`bind`).

The plan is drawn once per case and seed and shared by every framework and dtype, so their answers are to the same
question; in float16/bfloat16 it is rounded to the dtype (:func:`plan_for`), so the reference is taken where the
framework computes.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from harness import domains, numpy_ops, reference
from harness.cases import Case
from harness.expectations import LOW_PRECISION
from harness.frameworks.base import Namespace
from harness.trees import leaves, paths

#: the reference's namespace: NumPy in float64, with the op sweep's vocabulary (harness/numpy_ops.py)
NUMPY = Namespace(np, conv2d=numpy_ops.conv2d, ops=numpy_ops.REFERENCE)


def bind(case: Case) -> Callable:
    """The case as ``f(xp, **tensors)``, with its tap probes taken from ``tensors``.

    ``xp.tap(name, value)`` returns ``value + probe`` for a tapped name (the probe is a zero
    source, so the value is unchanged and its gradient is the gradient w.r.t. the intermediate)
    and ``value`` otherwise. This works the same in every framework and in NumPy.
    """
    def f(xp, **tensors):
        probes = {name: tensors.pop(name) for name in case.taps}
        tapped = Namespace(xp, tap=lambda name, value: value + probes[name] if name in probes else value)
        return case.fn(tapped, **tensors)
    return f


def _recorded_taps(case: Case, inputs: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Zero probes shaped like each tapped intermediate, found by one NumPy run."""
    shapes = {}

    def tap(name, value):
        shapes[name] = np.shape(value)
        return value

    case.fn(Namespace(NUMPY, tap=tap), **inputs)
    missing = set(case.taps) - set(shapes)
    if missing:
        raise ValueError(f"{case.id}: taps {sorted(missing)} are never passed to xp.tap(...)")
    return {name: np.zeros(shapes[name]) for name in case.taps}


def numpy_dtype(dtype: str) -> np.dtype:
    """The NumPy dtype of a dtype name (bfloat16 from ``ml_dtypes``, which JAX brings)."""
    if dtype == "bfloat16":
        import ml_dtypes  # only where bfloat16 is asked for

        return np.dtype(ml_dtypes.bfloat16)
    return np.dtype(dtype)


@dataclass(frozen=True)
class Plan:
    """Everything a check of one case needs besides the framework, fixed by the seed."""

    case: Case
    seed: int
    inputs: dict[str, np.ndarray]  # float64, float32-representable; includes zero tap probes
    out_paths: list[str]
    cotangents: list[np.ndarray] | None
    tangents: dict[str, np.ndarray]

    @property
    def step(self) -> float:
        return self.case.step if self.case.step is not None else reference.STEP

    def cast(self, dtype: str) -> dict[str, np.ndarray]:
        """The inputs in ``dtype``; in a complex dtype, real inputs in its real counterpart (float32 for complex64)."""
        real = {"complex64": "float32", "complex128": "float64"}.get(dtype, dtype)
        return {n: v.astype(numpy_dtype(dtype if np.iscomplexobj(v) else real)) for n, v in self.inputs.items()}

    def describe(self) -> str:
        """``x=Array[(5, 3)], w=Array[(2, 3)]`` with roles, for failure messages and records."""
        roles = {n: i.role for n, i in self.case.inputs.items()} | {t: "tap" for t in self.case.taps}
        return ", ".join(f"{n}:{roles[n]}{list(v.shape)}" for n, v in self.inputs.items())


@functools.lru_cache(maxsize=None)
def plan(case: Case, seed: int) -> Plan:
    """The inputs, cotangents and tangents of ``case`` for ``seed`` (cached); the weights are
    :func:`harness.domains.weights`, exact in float32."""
    inputs = case.draw(seed)
    inputs |= _recorded_taps(case, inputs) if case.taps else {}
    # at a kink or a domain edge the value may be ±inf or NaN by design: only the output's structure is used here
    with np.errstate(divide="ignore", invalid="ignore"):
        out = bind(case)(NUMPY, **inputs)
    rng = np.random.default_rng([seed, 1, *case.id.encode()])
    drawn = lambda shape: domains.weights(rng, shape, np.float32).astype(np.float64)  # noqa: E731
    cotangents = [drawn(np.shape(o)) for o in leaves(out)] if case.mode == "vjp" else None
    tangents = {n: drawn(inputs[n].shape) for n in case.sources}
    return Plan(case, seed, inputs, paths(out), cotangents, tangents)


def _rounded(values: np.ndarray, dtype: str) -> np.ndarray:
    return np.asarray(values, np.float64).astype(numpy_dtype(dtype)).astype(np.float64)


@functools.lru_cache(maxsize=None)
def plan_for(case: Case, seed: int, dtype: str) -> Plan:
    """:func:`plan` as ``dtype`` sees it: in float16/bfloat16 every input, cotangent and tangent rounded to
    the dtype, so the reference is taken where the framework computes (a float16 input is 1e-3 away from
    the float32 one: that difference is the input's, not the gradient's); float32/float64: :func:`plan`."""
    p = plan(case, seed)
    if dtype not in LOW_PRECISION:
        return p
    return Plan(case, seed, {n: _rounded(v, dtype) for n, v in p.inputs.items()}, p.out_paths,
                None if p.cotangents is None else [_rounded(c, dtype) for c in p.cotangents],
                {n: _rounded(t, dtype) for n, t in p.tangents.items()})
