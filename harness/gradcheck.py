"""The public checker: is the gradient of *your* function right, custom gradients included?

``gradcheck(fn, args, framework="torch")`` differentiates ``fn`` with the framework's own reverse
mode (and forward mode where asked), and compares with float64 finite differences of ``fn``
itself evaluated in the same framework. The reverse-mode check uses a random output cotangent, so
every Jacobian entry contributes; inputs up to :data:`harness.reference.FULL_LIMIT` elements are
checked at every coordinate, so an error confined to one Jacobian entry is caught. Larger inputs
are probed along sampled coordinates plus random projections.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from harness import frameworks, reference
from harness.comparison import compare
from harness.tolerances import Tolerance, for_dtype

__all__ = ["GradientMismatch", "GradcheckResult", "gradcheck"]

MODES = ("rev", "fwd")


class GradientMismatch(AssertionError):
    """The framework's derivative differs from finite differences beyond the tolerance."""


@dataclass(frozen=True)
class GradcheckResult:
    """What was checked and how close it came.

    Attributes:
        framework: canonical framework name.
        modes: the modes checked (``"rev"``, ``"fwd"``).
        max_abs_err, max_rel_err: the largest errors against finite differences, over all modes.
        worst_ratio: the largest error as a fraction of its allowance (``<= 1`` passed).
        checked: the number of compared entries (coordinates and projections).
        tolerance: the tolerance used, as text.
    """

    framework: str
    modes: tuple[str, ...]
    max_abs_err: float
    max_rel_err: float
    worst_ratio: float
    checked: int
    tolerance: str


def _worst_entries(got: np.ndarray, ref: reference.Estimate, allowance: np.ndarray, name: str, k: int = 3) -> list[str]:
    diff = np.abs(got - ref.value)
    ratio = diff / np.maximum(allowance, 1e-300)
    order = np.argsort(ratio, axis=None)[::-1][:k]
    label = "probe" if ref.directions is not None else "entry"
    lines = []
    for flat in order:
        if ratio.flat[flat] <= 1.0:
            break
        index = [int(i) for i in np.unravel_index(flat, ratio.shape)] if ratio.ndim else []
        lines.append(f"{name} {label}{index}: got {got.flat[flat]:.10g}, finite differences "
                     f"{ref.value.flat[flat]:.10g} (|diff| {diff.flat[flat]:.3g} > allowed {allowance.flat[flat]:.3g})")
    return lines


def _fastest_forward(adapter: frameworks.Adapter, fn: Callable, args: list[np.ndarray]) -> Callable:
    """``fn`` compiled where it compiles to the same float64 values, else ``fn`` itself.

    Finite differences evaluate ``fn`` thousands of times; un-jitted JAX pays ~0.2 ms of dispatch
    per call. A function that does not compile (Python control flow on values) stays eager.
    """
    if not adapter.compile_small_calls:
        return fn
    compiled = adapter.compile(fn)
    tensors = [adapter.tensor(a) for a in args]
    try:
        fast = np.asarray(adapter.numpy(compiled(*tensors)), dtype=np.float64)
    except Exception:  # noqa: BLE001 - any failure to compile means: use eager
        return fn
    eager = np.asarray(adapter.numpy(fn(*tensors)), dtype=np.float64)
    close = fast.shape == eager.shape and np.allclose(fast, eager, rtol=1e-13, atol=1e-300)
    return compiled if close else fn


def gradcheck(fn: Callable[..., Any], args: Sequence[np.ndarray], *, framework: str,
              modes: Sequence[str] = ("rev",), device: str = "cpu", tolerance: Tolerance | None = None,
              seed: int = 0) -> GradcheckResult:
    """Check ``fn``'s derivatives in ``framework`` against float64 finite differences.

    Args:
        fn: takes framework tensors positionally (one per entry of ``args``) and returns a tensor
            of any shape. It may use ``tf.custom_gradient``, ``torch.autograd.Function`` or
            ``jax.custom_vjp``; its forward pass must work in float64.
        args: NumPy float arrays, the point to check at. Their dtype is the dtype checked;
            the finite differences always run in float64.
        framework: ``"tensorflow"`` (or ``"tf"``), ``"torch"`` or ``"jax"``.
        modes: ``"rev"`` (reverse mode, VJP) and/or ``"fwd"`` (forward mode, JVP; not available for
            ``jax.custom_vjp`` functions).
        device: ``"cpu"`` or ``"cuda"``.
        tolerance: overrides the per-dtype table of :mod:`harness.tolerances`.
        seed: seed of the random cotangent, tangent and probes.

    Returns:
        A :class:`GradcheckResult` with the errors measured.

    Raises:
        GradientMismatch: a derivative differs beyond the tolerance (the message lists the worst
            entries, their values and the allowance).
        ValueError: ``args`` are not floating-point arrays of one dtype, or a mode is unknown.
        harness.frameworks.FrameworkError: unknown framework, not installed, or device absent.
    """
    args = [np.asarray(a) for a in args]
    dtypes = {a.dtype for a in args}
    if not args or len(dtypes) != 1 or not np.issubdtype(next(iter(dtypes)), np.floating):
        raise ValueError(f"gradcheck needs float arrays of one dtype; got {sorted(map(str, dtypes)) or 'no args'}: "
                         "pass e.g. np.asarray(x, dtype=np.float64)")
    unknown = set(modes) - set(MODES)
    if unknown:
        raise ValueError(f"unknown modes {sorted(unknown)}: use {MODES}")
    dtype = str(next(iter(dtypes)))
    adapter = frameworks.load(frameworks.canonical(framework), device)
    tol = tolerance or for_dtype(dtype)
    names = [f"arg{i}" for i in range(len(args))]
    point = {n: a.astype(np.float64) for n, a in zip(names, args)}
    inputs = {n: a for n, a in zip(names, args)}

    def neutral(xp, **tensors):
        return fn(*(tensors[n] for n in names))

    forward = _fastest_forward(adapter, fn, [a.astype(np.float64) for a in args])

    def in_float64(p):
        return np.asarray(adapter.numpy(forward(*(adapter.tensor(p[n]) for n in names))), dtype=np.float64).ravel()

    out_shape = np.shape(adapter.numpy(neutral(adapter.xp, **{n: adapter.tensor(a) for n, a in inputs.items()})))
    rng = np.random.default_rng(seed)
    failures, checked, max_abs, max_rel, worst = [], 0, 0.0, 0.0, 0.0

    def judge(label: str, got: dict, ref: dict) -> None:
        nonlocal checked, max_abs, max_rel, worst
        result = compare(got, ref, tol)
        checked += sum(v.size for v in result.got.values())
        max_abs, max_rel, worst = max(max_abs, result.max_abs), max(max_rel, result.max_rel), max(worst, result.worst_ratio)
        for key, est in ref.items():
            failures.extend(f"[{label}] {line}" for line in
                            _worst_entries(result.got[key], est, result.allowance[key], key))

    if "rev" in modes:
        cot = rng.standard_normal(out_shape)
        got = adapter.vjp(neutral, inputs, names, [cot.astype(dtype)], zero_unconnected=True)
        scalar = lambda p: np.atleast_1d(np.dot(cot.ravel(), in_float64(p)))  # noqa: E731
        judge("reverse mode", got, reference.gradient(scalar, point, names, rng=rng))
    if "fwd" in modes:
        tangents = {n: rng.standard_normal(a.shape) for n, a in point.items()}
        (out_tangent,) = adapter.jvp(neutral, inputs, {n: t.astype(dtype) for n, t in tangents.items()})
        est = reference.jvp(in_float64, point, tangents)
        judge("forward mode", {"output": np.ravel(out_tangent)}, {"output": est})

    if failures:
        raise GradientMismatch(f"{adapter.name} {adapter.version} ({dtype}): derivative differs from finite "
                               f"differences, max abs error {max_abs:.3g}, tolerance {tol}:\n  " + "\n  ".join(failures))
    return GradcheckResult(adapter.name, tuple(modes), max_abs, max_rel, worst, checked, str(tol))
