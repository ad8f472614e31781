"""The public checker: is the derivative of *your* function right, custom gradients included?

``gradcheck(fn, args, framework="torch")`` differentiates ``fn`` with the framework's own machinery
and compares with float64 finite differences of ``fn`` itself, evaluated in the same framework
(:mod:`harness.reference`: adaptive steps, Richardson extrapolation, an error bar per entry).

- ``args`` is a pytree (tuples, lists, dicts, nested): a tuple or list is passed positionally, a dict
  as keywords. Floating and complex NumPy leaves (float16, bfloat16, float32, float64, complex64,
  complex128) are differentiated, each in its own dtype; integer and bool arrays pass through as
  constant tensors, anything else (Python numbers, strings) unchanged. Every floating or complex
  leaf of ``fn``'s output (a tensor or a pytree of them) is checked.
- Reverse mode weights the outputs with a random cotangent, forward mode pushes a random tangent;
  every weight has magnitude in [0.5, 1.5], so an error in one Jacobian entry cannot hide behind a
  tiny weight. Sources up to :data:`harness.reference.FULL_LIMIT` elements are compared at every
  coordinate; larger ones at sampled coordinates plus random projections, which the result says.
- ``order=2`` checks the Hessian of the weighted output times a random tangent (reverse-over-reverse
  for ``"rev"``, forward-over-reverse for ``"fwd"``) against finite differences of ``fn``.
- ``compiled=True`` checks the derivative computed under ``tf.function``, ``torch.compile`` or
  ``jax.jit``; ``compiled="xla"`` under ``tf.function(jit_compile=True)`` (TensorFlow).
- Complex leaves are checked in one convention, :data:`harness.complexes.CANONICAL` (∂L/∂x + i·∂L/∂y
  for the real loss ``L = Re Σ conj(cotangent)·output``): TensorFlow and PyTorch return it; JAX returns
  its conjugate (and its VJP is linear, not conjugate-linear, in the cotangent), which is converted.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from harness import complexes, frameworks, reference, trees
from harness.check import numpy_dtype
from harness.comparison import compare
from harness.tolerances import Tolerance, for_dtype

__all__ = ["MODES", "DetectionPower", "GradcheckError", "GradcheckResult", "GradientMismatch", "gradcheck", "gradcheck_model"]

MODES = ("rev", "fwd")
#: random cotangents and tangents have magnitudes in [WEIGHT_MIN, 2 - WEIGHT_MIN] and random signs (phases)
WEIGHT_MIN = 0.5
#: coarsest first: the tolerance of a check is that of its least precise leaf
_PRECISION_ORDER = ("bfloat16", "float16", "float32", "complex64", "float64", "complex128")
_FRAMEWORK_MODULES = ("torch", "tensorflow", "jax", "jaxlib", "keras")


class GradientMismatch(AssertionError):
    """The framework's derivative differs from the float64 reference beyond the tolerance."""


class GradcheckError(ValueError):
    """The check cannot be made as asked; the message names the problem and the fix in one line."""


@dataclass(frozen=True)
class DetectionPower:
    """What the check could have missed.

    Attributes:
        entries: derivative entries compared one by one (a cotangent-weighted gradient entry per input
            coordinate in reverse mode, an output entry in forward mode).
        probes: random projections compared (sources larger than ``reference.FULL_LIMIT``).
        unsampled: input coordinates of large sources compared only through the projections.
        single_entry: the smallest error, confined to one Jacobian (or second-derivative) entry, that the
            check is guaranteed to catch, relative to the largest entry of that derivative; ``None`` where
            some coordinates were unsampled (no guarantee there).
    """

    entries: int = 0
    probes: int = 0
    unsampled: int = 0
    single_entry: float | None = 0.0

    def __str__(self) -> str:
        compared = f"{self.entries} entries compared one by one, {self.probes} random probes"
        if self.single_entry is None:
            return (f"{compared}; {self.unsampled} coordinates only inside random projections: no single-entry "
                    f"guarantee for them")
        return (f"{compared}; catches any error in a single Jacobian entry above {self.single_entry:.2g} of the "
                f"derivative's largest entry")

    def merged(self, other: DetectionPower) -> DetectionPower:
        single = None if None in (self.single_entry, other.single_entry) else max(self.single_entry, other.single_entry)
        return DetectionPower(self.entries + other.entries, self.probes + other.probes,
                              self.unsampled + other.unsampled, single)


@dataclass(frozen=True)
class GradcheckResult:
    """What was checked and how close it came.

    Attributes:
        framework, version: the framework checked.
        regime: ``eager``, ``compiled`` or ``xla``.
        modes: the modes checked (``"rev"``, ``"fwd"``); at ``order=2``, the outer mode over reverse mode.
        order: 1 or 2.
        dtypes: source path -> its dtype.
        max_abs_err, max_rel_err: the largest errors against the reference, over all modes.
        worst_ratio: the largest error as a fraction of its allowance (``<= 1`` passed).
        worst_at: the entry of that largest ratio, with the reference's error bar.
        checked: the number of compared entries (coordinates and projections).
        tolerance: the tolerance used, as text.
        power: what the check could have missed (:class:`DetectionPower`).
        convention: the complex-gradient convention checked, where a leaf is complex.
    """

    framework: str
    version: str
    regime: str
    modes: tuple[str, ...]
    order: int
    dtypes: dict[str, str]
    max_abs_err: float
    max_rel_err: float
    worst_ratio: float
    worst_at: str
    checked: int
    tolerance: str
    power: DetectionPower = field(default_factory=DetectionPower)
    convention: str | None = None

    def __str__(self) -> str:
        convention = f"; complex convention {self.convention}" if self.convention else ""
        return (f"{self.framework} {self.version} ({self.regime}, order {self.order}, modes {','.join(self.modes)}): "
                f"passed, worst {self.worst_ratio:.2f} of the allowance at {self.worst_at or '-'}; "
                f"tolerance {self.tolerance}{convention}\n  {self.power}")


def _kind(dtype: np.dtype) -> str | None:
    if dtype.kind == "c":
        return "complex"
    if dtype.kind == "f" or dtype.name == "bfloat16":  # ml_dtypes' bfloat16 is not a NumPy floating subtype
        return "float"
    return None


def _wide(dtype: np.dtype) -> np.dtype:
    return np.dtype(np.complex128) if dtype.kind == "c" else np.dtype(np.float64)


def _weights(rng: np.random.Generator, shape: tuple[int, ...], dtype: np.dtype) -> np.ndarray:
    """Random weights of magnitude [WEIGHT_MIN, 2 - WEIGHT_MIN], random sign (or phase), exact in ``dtype``."""
    size = rng.uniform(WEIGHT_MIN, 2 - WEIGHT_MIN, shape)
    if dtype.kind == "c":
        w = size * np.exp(1j * rng.uniform(0, 2 * np.pi, shape))
    else:
        w = size * rng.choice([-1.0, 1.0], shape)
    # rounded to the dtype, so the reference weights exactly what the framework weights
    return np.asarray(w).astype(dtype)


def _is_framework_tensor(value: Any) -> bool:
    return type(value).__module__.split(".")[0] in _FRAMEWORK_MODULES


@dataclass
class _Leaf:
    path: str
    name: str | None  # the adapter's input name; None for a value passed through unchanged
    value: Any
    source: bool


def _parse_args(args: Any, path_of: Callable[[tuple], str]) -> list[_Leaf]:
    parsed = []
    for i, (key, leaf) in enumerate(zip(trees.keys(args), trees.leaves(args))):
        path = path_of(key)
        if _is_framework_tensor(leaf):
            raise GradcheckError(f"{path} is a {type(leaf).__module__.split('.')[0]} tensor: pass NumPy arrays "
                                 f"(e.g. x.detach().cpu().numpy(), np.asarray(x)); gradcheck makes the tensors")
        if isinstance(leaf, (np.ndarray, np.generic)):
            array = np.asarray(leaf)
            if _kind(array.dtype):
                parsed.append(_Leaf(path, f"s{i}", array, True))
            elif array.dtype.kind in "biu":
                parsed.append(_Leaf(path, f"c{i}", array, False))
            else:
                raise GradcheckError(f"{path} has dtype {array.dtype}, which no framework differentiates: pass a "
                                     f"float, complex, integer or bool array")
        else:
            parsed.append(_Leaf(path, None, leaf, False))
    return parsed


def _coarsest(dtypes: list[str]) -> str:
    known = [d for d in dtypes if d in _PRECISION_ORDER]
    return min(known, key=_PRECISION_ORDER.index) if known else "float64"


def _split_real(values: Mapping[str, np.ndarray | None], complex_names: set[str]) -> dict[str, np.ndarray | None]:
    """Complex arrays as two real keys (``name.re``, ``name.im``), the space derivatives are compared in."""
    out = {}
    for name, v in values.items():
        if name in complex_names:
            v = None if v is None else np.asarray(v, dtype=np.complex128)
            out[f"{name}.re"], out[f"{name}.im"] = (None, None) if v is None else (v.real.copy(), v.imag.copy())
        else:
            out[name] = None if v is None else np.asarray(v, dtype=np.float64)
    return out


def _real_vector(arrays: Sequence[Any]) -> np.ndarray:
    parts = []
    for a in arrays:
        a = np.asarray(a)
        parts.append(complexes.as_pairs(a).ravel() if a.dtype.kind == "c" else a.astype(np.float64).ravel())
    return np.concatenate(parts) if parts else np.zeros(0)


class _Check:
    """One gradcheck call: the parsed arguments, the adapter, and the judged comparisons."""

    def __init__(self, fn: Callable, args: Any, kwargs: Mapping[str, Any] | None, framework: str, device: str,
                 compiled: bool | str, tolerance: Tolerance | None, path_of: Callable[[tuple], str], order: int = 1):
        if isinstance(args, (list, tuple)):
            self.positional = True
        elif isinstance(args, dict):
            self.positional = False
        else:
            raise GradcheckError(f"args must be a tuple or list (positional arguments) or a dict (keyword "
                                 f"arguments), got {type(args).__name__}: wrap one array as (x,)")
        self.fn, self.args, self.kwargs = fn, args, dict(kwargs or {})
        self.eager = frameworks.load(frameworks.canonical(framework), device)
        regime = {False: "eager", True: "compiled"}.get(compiled, compiled)
        if regime not in ("eager", "compiled", "xla"):
            raise GradcheckError(f"compiled={compiled!r}: use True (tf.function, torch.compile, jax.jit), 'xla' "
                                 f"(TensorFlow's jit_compile=True) or False")
        self.adapter = self.eager.in_regime(regime)
        self.leaves = _parse_args(args, path_of)
        self.sources = [leaf for leaf in self.leaves if leaf.source]
        if not self.sources:
            raise GradcheckError("args hold no floating-point or complex NumPy array to differentiate: pass the "
                                 "inputs as float arrays (np.asarray(x, dtype=np.float64))")
        self.names = [leaf.name for leaf in self.sources]
        self.inputs = {leaf.name: leaf.value for leaf in self.leaves if leaf.name}
        self.complex = {leaf.name for leaf in self.sources if leaf.value.dtype.kind == "c"}
        self.out_paths, self.out_dtypes, self.out_shapes, self.checked = self._outputs()
        dtypes = [str(leaf.value.dtype) for leaf in self.sources] + self.out_dtypes
        self.tol = tolerance or for_dtype(_coarsest(dtypes), order=order)
        self.convention = complexes.CANONICAL if self.complex or any("complex" in d for d in self.out_dtypes) else None
        self.point = _split_real({n: self.inputs[n].astype(_wide(self.inputs[n].dtype)) for n in self.names},
                                 self.complex)
        self.forward64 = self._float64_forward()
        self.failures: list[str] = []
        self.counted = self.total = 0
        self.max_abs = self.max_rel = self.worst = 0.0
        self.worst_at = ""
        self.power = DetectionPower()

    # -- calling fn ------------------------------------------------------------------------------
    def _call(self, named: Mapping[str, Any]) -> Any:
        tree = trees.rebuild(self.args, [named[leaf.name] if leaf.name else leaf.value for leaf in self.leaves])
        return self.fn(*tree, **self.kwargs) if self.positional else self.fn(**tree, **self.kwargs)

    def neutral(self, xp, **named) -> list[Any]:
        """``fn`` in the adapters' form: named tensors in, the checked output leaves out."""
        outs = trees.leaves(self._call(named))
        return [outs[i] for i in self.checked]

    def _outputs(self):
        tensors = {n: self.eager.tensor(v) for n, v in self.inputs.items()}
        try:
            out = self._call(tensors)
        except Exception as exc:
            raise GradcheckError(f"fn failed on the given args ({type(exc).__name__}: {_first_line(exc)}): "
                                 f"fix fn or the args before checking its gradient") from exc
        paths, dtypes, shapes, checked = [], [], [], []
        for i, (key, leaf) in enumerate(zip(trees.keys(out), trees.leaves(out))):
            try:
                value = np.asarray(self.eager.numpy(leaf))
            except Exception:  # noqa: BLE001, S112 - a leaf that is not an array is not checked
                continue
            if _kind(value.dtype):
                paths.append(trees.python_path("output", key))
                dtypes.append(str(value.dtype))
                shapes.append(value.shape)
                checked.append(i)
        if not checked:
            raise GradcheckError("fn's output has no floating-point or complex leaf, so nothing is differentiable: "
                                 "return the float tensor (or pytree of them) whose derivative you want")
        return paths, dtypes, shapes, checked

    def _float64_forward(self) -> Callable[[Mapping[str, np.ndarray]], np.ndarray]:
        """``fn`` at a real-space float64 point, as one float64 vector (complex outputs as pairs)."""
        consts = {n: self.eager.tensor(v) for n, v in self.inputs.items() if n not in self.names}

        def run(*sources):
            return self.neutral(self.eager.xp, **consts, **dict(zip(self.names, sources)))
        forward = run
        if self.eager.compile_small_calls:  # JAX: jit pays for itself over thousands of evaluations
            forward = self.eager.compile(run)

        def joined(point: Mapping[str, np.ndarray]) -> list[np.ndarray]:
            sources = [point[n] if n not in self.complex else point[f"{n}.re"] + 1j * point[f"{n}.im"] for n in self.names]
            return [np.asarray(self.eager.numpy(o)) for o in forward(*(self.eager.tensor(s) for s in sources))]

        try:
            outs = joined(self.point)
        except Exception as exc:
            if forward is run:
                raise self._fails_in_float64(exc) from exc
            forward = run  # not compilable (Python control flow on values): evaluate eagerly
            try:
                outs = joined(self.point)
            except Exception as exc2:
                raise self._fails_in_float64(exc2) from exc2
        shapes = [o.shape for o in outs]
        if shapes != self.out_shapes:
            raise GradcheckError(f"fn's output changes structure in float64 ({len(outs)} checked leaves shaped {shapes}, "
                                 f"{len(self.out_shapes)} shaped {self.out_shapes} at the given dtypes): make fn's "
                                 f"output the same pytree whatever its inputs' dtype")
        return lambda point: _real_vector(joined(point))

    @staticmethod
    def _fails_in_float64(exc: Exception) -> GradcheckError:
        return GradcheckError(f"fn fails with float64 inputs ({type(exc).__name__}: {_first_line(exc)}); the reference "
                              f"evaluates fn in float64: let fn follow its inputs' dtype (no hard-coded float32)")

    # -- paths ------------------------------------------------------------------------------------
    def path(self, key: str, index: str = "") -> str:
        """A comparison key (and an entry's index) as the user's path: ``args['w'][2, 3]``,
        ``output[1][0, 4] (imaginary part)``."""
        base, _, part = key.rpartition(".") if key.endswith((".re", ".im")) else (key, "", "")
        by_name = {leaf.name: leaf.path for leaf in self.sources}
        return by_name.get(base, base) + index + {"re": " (real part)", "im": " (imaginary part)", "": ""}[part]

    # -- judging ----------------------------------------------------------------------------------
    def _entry(self, label: str, key: str, flat: int, value: np.ndarray, est: reference.Estimate) -> str:
        index = ", ".join(str(int(i)) for i in np.unravel_index(flat, value.shape)) if value.ndim else ""
        where = self.path(key, (" probe" if est.directions is not None else "") + (f"[{index}]" if index else ""))
        return (f"[{label}] {where}: got {value.flat[flat]:.10g}, reference {est.value.flat[flat]:.10g} "
                f"± {est.error.flat[flat]:.2g}")

    def judge(self, label: str, got: dict, ref: dict[str, reference.Estimate], weight_floor: float) -> None:
        result = compare(got, ref, self.tol)
        # the guarantee: an error confined to one Jacobian entry moves one compared entry by at least
        # weight_floor times itself, and is caught once that exceeds the entry's allowance
        full = [key for key, est in ref.items() if est.directions is None]
        scale = max((float(np.max(np.abs(ref[k].value), initial=0.0)) for k in full), default=0.0)
        widest = max((float(np.max(result.allowance[k], initial=0.0)) for k in full), default=0.0)
        single = widest / weight_floor / scale if scale else float("inf")
        for key, est in ref.items():
            allowance, value = result.allowance[key], result.got[key]
            diff = np.abs(value - est.value)
            over = diff > allowance
            self.total += value.size
            if est.directions is None:
                part = DetectionPower(entries=value.size, single_entry=single)
            else:
                size = est.directions.shape[1]
                sampled = int(np.sum(np.count_nonzero(est.directions, axis=1) == 1))
                part = DetectionPower(entries=sampled, probes=len(est.directions) - sampled,
                                      unsampled=size - sampled, single_entry=None)
            self.power = self.power.merged(part)
            probe = est.directions is not None
            ratio = np.where(diff == 0, 0.0, diff / np.maximum(allowance, 1e-300))
            if ratio.size and ratio.max() >= self.worst:
                self.worst, self.worst_at = float(ratio.max()), self._entry(label, key, int(np.argmax(ratio)), value, est)
            if not over.any():
                continue
            self.counted += int(over.sum())
            for flat in np.argsort(ratio, axis=None)[::-1][:3]:
                if not over.flat[flat]:
                    break
                self.failures.append(
                    f"{self._entry(label, key, flat, value, est)} (|diff| {diff.flat[flat]:.3g} > allowed "
                    f"{allowance.flat[flat]:.3g}; {int(over.sum())} of {value.size} {'probes' if probe else 'entries'} "
                    f"of {self.path(key)} over)")
        self.max_abs, self.max_rel = max(self.max_abs, result.max_abs), max(self.max_rel, result.max_rel)

    # -- the checks -----------------------------------------------------------------------------
    def first_order(self, modes: Sequence[str], rng: np.random.Generator) -> None:
        if "rev" in modes:
            cots = [_weights(rng, s, numpy_dtype(d)) for s, d in zip(self.out_shapes, self.out_dtypes)]
            cot_vector = _real_vector(cots)
            passed = cots
            if self.eager.name == "jax":  # JAX's VJP is linear in the cotangent: conj gives Re Σ conj(c)·out's
                passed = [np.conj(c) if c.dtype.kind == "c" else c for c in cots]
            raw = self.adapter.vjp(self.neutral, self.inputs, self.names, passed, zero_unconnected=True)
            got = {n: complexes.to_canonical(self.eager.name, g) if n in self.complex else g for n, g in raw.items()}
            scalar = lambda p: np.atleast_1d(cot_vector @ self.forward64(p))  # noqa: E731
            ref = reference.gradient(scalar, self.point, list(self.point), rng=rng)
            self.judge("reverse mode", _split_real(got, self.complex), ref, WEIGHT_MIN)
        if "fwd" in modes:
            tangents = {n: _weights(rng, self.inputs[n].shape, self.inputs[n].dtype) for n in self.names}
            out_tangents = self.adapter.jvp(self.neutral, self.inputs, tangents)
            est = reference.jvp(self.forward64, self.point, _split_real(tangents, self.complex))
            got, ref, start = {}, {}, 0
            for path, shape, value in zip(self.out_paths, self.out_shapes, out_tangents):
                value = np.asarray(value)
                parts = {path: value.astype(np.float64)}
                if value.dtype.kind == "c":  # compared as real and imaginary parts, each shaped like the output
                    parts = {f"{path}.re": value.real.astype(np.float64), f"{path}.im": value.imag.astype(np.float64)}
                    shape = (*shape, 2)
                stop = start + int(np.prod(shape))
                values, errors = est.value[start:stop].reshape(shape), est.error[start:stop].reshape(shape)
                for i, (key, part) in enumerate(parts.items()):
                    got[key] = part
                    pick = (..., i) if len(parts) == 2 else ...
                    ref[key] = reference.Estimate(values[pick], errors[pick])
                start = stop
            self.judge("forward mode", got, ref, WEIGHT_MIN)

    def second_order(self, modes: Sequence[str], rng: np.random.Generator) -> None:
        if self.convention:
            raise GradcheckError("order=2 with complex leaves is not supported: check the real and imaginary parts "
                                 "as separate real arguments")
        weights = {f"w{i}": _weights(rng, s, numpy_dtype(d))
                   for i, (s, d) in enumerate(zip(self.out_shapes, self.out_dtypes))}
        weight_vector = _real_vector(list(weights.values()))

        def weighted(xp, **named):
            outs = self.neutral(xp, **{n: v for n, v in named.items() if n not in weights})
            return sum(xp.sum(named[w] * o) for w, o in zip(weights, outs))
        tangents = {n: _weights(rng, self.inputs[n].shape, self.inputs[n].dtype) for n in self.names}
        scalar = lambda p: np.atleast_1d(weight_vector @ self.forward64(p))  # noqa: E731
        ref = reference.hvp(scalar, self.point, _split_real(tangents, self.complex))
        for mode in modes:
            label = {"rev": "second order, reverse-over-reverse", "fwd": "second order, forward-over-reverse"}[mode]
            got = self.adapter.hvp(weighted, self.inputs | weights, tangents, zero_unconnected=True, outer=mode)
            self.judge(label, _split_real(got, self.complex), ref, WEIGHT_MIN * WEIGHT_MIN)

    def result(self, modes: Sequence[str], order: int) -> GradcheckResult:
        dtypes = {leaf.path: str(leaf.value.dtype) for leaf in self.sources}
        if self.failures:
            raise GradientMismatch(
                f"{self.adapter.name} {self.adapter.version} ({self.adapter.regime}; {_dtype_text(dtypes)}): "
                f"{self.counted} of {self.total} compared entries differ from the float64 reference beyond the "
                f"tolerance ({self.tol}):\n  " + "\n  ".join(self.failures) + f"\n  detection power: {self.power}")
        return GradcheckResult(self.adapter.name, self.adapter.version, self.adapter.regime, tuple(modes), order,
                               dtypes, self.max_abs, self.max_rel, self.worst, self.worst_at, self.total, str(self.tol),
                               self.power, self.convention)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:200] if text else ""


def _dtype_text(dtypes: dict[str, str]) -> str:
    kinds = sorted(set(dtypes.values()))
    return kinds[0] if len(kinds) == 1 else ", ".join(f"{p} {d}" for p, d in dtypes.items())


def _validate(modes: Sequence[str], order: int) -> tuple[str, ...]:
    modes = (modes,) if isinstance(modes, str) else tuple(modes)
    unknown = set(modes) - set(MODES)
    if unknown or not modes:
        raise GradcheckError(f"unknown modes {sorted(unknown) or '(none)'}: use some of {MODES}")
    if order not in (1, 2):
        raise GradcheckError(f"order={order!r}: gradcheck checks order 1 or 2")
    return modes


def run_check(fn: Callable, args: Any, *, framework: str, kwargs: Mapping[str, Any] | None = None,
              modes: Sequence[str] = ("rev",), order: int = 1, compiled: bool | str = False, device: str = "cpu",
              tolerance: Tolerance | None = None, seed: int = 0,
              path_of: Callable[[tuple], str] = lambda key: trees.python_path("args", key)) -> GradcheckResult:
    """:func:`gradcheck` with the leaves' display names chosen by ``path_of`` (a key path -> text)."""
    modes = _validate(modes, order)
    check = _Check(fn, args, kwargs, framework, device, compiled, tolerance, path_of, order)
    rng = np.random.default_rng(seed)
    if order == 1:
        check.first_order(modes, rng)
    else:
        check.second_order(modes, rng)
    return check.result(modes, order)


def gradcheck(fn: Callable[..., Any], args: Any, *, framework: str, kwargs: Mapping[str, Any] | None = None,
              modes: Sequence[str] = ("rev",), order: int = 1, compiled: bool | str = False, device: str = "cpu",
              tolerance: Tolerance | None = None, seed: int = 0) -> GradcheckResult:
    """Check ``fn``'s derivatives in ``framework`` against float64 finite differences of ``fn``.

    Args:
        fn: takes framework tensors in ``args``' structure (a tuple positionally, a dict as keywords)
            and returns a tensor or a pytree of tensors. It may use ``tf.custom_gradient``,
            ``torch.autograd.Function`` or ``jax.custom_vjp``; its forward pass must work in float64.
        args: the point to check at, a pytree of NumPy arrays and Python values (see the module doc).
        framework: ``"tensorflow"`` (or ``"tf"``), ``"torch"`` or ``"jax"``.
        kwargs: passed to ``fn`` unchanged (static).
        modes: ``"rev"`` (reverse mode) and/or ``"fwd"`` (forward mode; not for ``jax.custom_vjp``).
            At ``order=2``: the outer mode over reverse mode.
        order: 1, or 2 for second derivatives.
        compiled: ``True`` (``tf.function``, ``torch.compile``, ``jax.jit``) or ``"xla"`` (TensorFlow).
        device: ``"cpu"`` or ``"cuda"``.
        tolerance: overrides the per-dtype table of :mod:`harness.tolerances` (default: the entry of
            the least precise leaf).
        seed: seed of the random cotangents, tangents and probes.

    Returns:
        A :class:`GradcheckResult` with the errors measured and the check's detection power.

    Raises:
        GradientMismatch: a derivative differs beyond the tolerance; the message names each worst entry
            by its path (``args['w'][2, 3]``), counts the entries over, and gives the reference's error bar.
        GradcheckError: the check cannot be made as asked (one line naming the fix).
        harness.frameworks.FrameworkError: unknown framework, not installed, or device absent.
    """
    return run_check(fn, args, framework=framework, kwargs=kwargs, modes=modes, order=order, compiled=compiled,
                     device=device, tolerance=tolerance, seed=seed)


def gradcheck_model(model: Any, inputs: Any, *, framework: str, loss: Callable[[Any], Any] | None = None,
                    modes: Sequence[str] = ("rev",), order: int = 1, compiled: bool | str = False,
                    device: str = "cpu", tolerance: Tolerance | None = None, seed: int = 0) -> GradcheckResult:
    """Check the gradient of a model's loss w.r.t. every trainable parameter and its floating inputs.

    Args:
        model: a ``torch.nn.Module``, a Keras layer or model (built, or built here by one call on
            ``inputs``), or JAX's pair ``(apply_fn, params)`` with ``apply_fn(params, *inputs)``.
            The model runs on its parameters' values in each dtype (float64 for the reference) through
            ``torch.func.functional_call``, ``stateless_call`` or ``apply_fn``; the model itself is not changed.
            Put it in inference mode first if it has dropout: a random forward has no derivative to check.
        inputs: a NumPy array or a tuple of them (the model's positional inputs). Float inputs are
            differentiated too; integer inputs (token ids) are constants.
        loss: ``loss(output) -> tensor`` in framework tensors. Default: the output itself, weighted by the
            random cotangent (in reverse mode), which is a fixed random projection of the output.
        The rest: as for :func:`gradcheck`.

    Raises:
        GradientMismatch: the message names the parameter and entry (``dense.kernel[3, 1]``).
        GradcheckError: the model has no trainable parameters, or is not of ``framework`` (one line).
    """
    from harness import user_models

    name = frameworks.canonical(framework)
    frameworks.load(name, device)  # the framework's own error first (unknown, not installed, no device)
    inputs = tuple(inputs) if isinstance(inputs, (tuple, list)) else (inputs,)
    model_fn = user_models.function_of(model, name, inputs)
    single = len(inputs) == 1

    def path_of(key: tuple) -> str:
        if key[0] == 0:  # a parameter: its own name (a pytree's keys joined by dots)
            return key[1] if model_fn.flat_names else ".".join(str(k) for k in key[1:])
        return "inputs" if single else trees.python_path("inputs", key[1:2]) + trees.python_path("", key[2:])

    def fn(params, model_inputs):
        out = model_fn.call(params, *model_inputs)
        return out if loss is None else loss(out)
    return run_check(fn, (model_fn.params, inputs), framework=name, modes=modes, order=order, compiled=compiled,
                     device=device, tolerance=tolerance, seed=seed, path_of=path_of)
