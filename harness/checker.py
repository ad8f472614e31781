"""One check of a user's function: the questions (reverse mode, forward mode, second order) asked of the framework
twice where that is cheap, each answer judged against the float64 reference by the one judge, and the verdict as a
:class:`GradcheckResult` or the exception of its outcome (:mod:`harness.errors`). :func:`harness.gradcheck` is its
front door."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from harness import complexes, domains, judge, reference, second_order
from harness.errors import (
    Disconnected,
    GradcheckError,
    GradientMismatch,
    ReferenceUndefined,
)
from harness.judge import DetectionPower
from harness.plans import numpy_dtype
from harness.tolerances import Tolerance, for_dtype
from harness.user_call import UserCall, real_vector, split_real

#: coarsest first: the tolerance of a check is that of its least precise leaf
_PRECISION_ORDER = ("bfloat16", "float16", "float32", "complex64", "float64", "complex128")
_LABELS = {"rev": "reverse mode", "fwd": "forward mode"}
_SECOND = {"rev": "second order, reverse-over-reverse", "fwd": "second order, forward-over-reverse"}


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
        nondeterminism: the largest difference seen between two calls at the same inputs (0 unless ``nondet_tol``).
        evaluation: how the reference evaluated fn: batched through the framework's vectorizing map, or one call per
            point (and why); ``fn_calls``: how many calls of fn (or of its batched map) that took.
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
    nondeterminism: float = 0.0
    evaluation: str = ""
    fn_calls: int = 0

    def __str__(self) -> str:
        convention = f"; complex convention {self.convention}" if self.convention else ""
        return (f"{self.framework} {self.version} ({self.regime}, order {self.order}, modes {','.join(self.modes)}): "
                f"passed, worst {self.worst_ratio:.2f} of the allowance at {self.worst_at or '-'}; "
                f"tolerance {self.tolerance}{convention}\n  {self.power}\n  reference: {self.evaluation} "
                f"({self.fn_calls} calls)")


def _coarsest(dtypes: list[str]) -> str:
    known = [d for d in dtypes if d in _PRECISION_ORDER]
    return min(known, key=_PRECISION_ORDER.index) if known else "float64"


class Check:
    """One gradcheck call: the user's call, the judged derivatives, and the verdict."""

    def __init__(self, call: UserCall, tolerance: Tolerance | None, order: int, nondet_tol: float):
        self.call, self.adapter, self.order, self.nondet_tol = call, call.adapter, order, nondet_tol
        dtypes = [str(leaf.value.dtype) for leaf in call.sources] + call.out_dtypes
        self.tol = tolerance or for_dtype(_coarsest(dtypes), order=order)
        self.convention = complexes.CANONICAL if call.complex or any("complex" in d for d in call.out_dtypes) else None
        self.judged: list[tuple[str, judge.Judgement, float]] = []
        self.noise = 0.0  # the largest difference between two calls at the same inputs (within nondet_tol)
        # outputs that are not finite at the point (asin at 1.5) have no derivative: the reverse-mode and second-order
        # references weigh only the finite ones, so one such entry does not leave every input undefined
        with np.errstate(all="ignore"):
            self.finite_outputs = np.isfinite(call.forward64(call.point))

    def twice(self, what: str, compute: Callable[[], Any], labels: Sequence[str]) -> Any:
        """``compute()`` twice where that is cheap (eager), its two answers required to agree; the first answer."""
        first = self.call.guarded(what, compute)
        if self.adapter.regime == "eager":  # a compiled regime compiles each call afresh: once is the budget
            second = self.call.guarded(what, compute)
            as_list = lambda v: list(v.values()) if isinstance(v, dict) else list(v)  # noqa: E731
            self.noise = max(self.noise, self.call.same_twice(f"fn's {what}", as_list(first), as_list(second), labels,
                                                              self.nondet_tol))
        return first

    def _tol(self) -> Tolerance:
        # a derivative accepted as not quite deterministic may be off by what two calls differed by
        return dataclasses.replace(self.tol, resolution=self.tol.resolution + self.noise) if self.noise else self.tol

    def first_order(self, modes: Sequence[str], rng: np.random.Generator) -> None:
        call = self.call
        source_paths = [leaf.path for leaf in call.sources]
        if "rev" in modes:
            cots = [domains.weights(rng, s, numpy_dtype(d)) for s, d in zip(call.out_shapes, call.out_dtypes)]
            cot_vector = real_vector(cots)
            # the conjugate convention's VJP is linear in the cotangent: conj gives Re Σ conj(c)·output's gradient
            passed = [np.conj(c) if c.dtype.kind == "c" and self.adapter.complex_gradient != complexes.CANONICAL else c
                      for c in cots]
            raw = self.twice("reverse-mode derivative", lambda: call.shaped("reverse-mode", self.adapter.vjp(
                call.neutral, call.inputs, call.names, passed, none_unconnected=True)), source_paths)
            got = {n: complexes.to_canonical(self.adapter.complex_gradient, g) if n in call.complex else g
                   for n, g in raw.items()}
            ref = reference.gradient(self.weighted(cot_vector), call.point,
                                     list(call.point), rng=rng, noise=self.noise * float(np.abs(cot_vector).sum()))
            judged = self._excused(judge.judge(split_real(got, call.complex), ref, self._tol()))
            self._disconnected(raw, judged)
            self.judged.append((_LABELS["rev"], judged, domains.WEIGHT_MIN))
        if "fwd" in modes:
            tangents = {n: domains.weights(rng, call.inputs[n].shape, call.inputs[n].dtype) for n in call.names}
            out_tangents = self.twice("forward-mode derivative",
                                      lambda: self.adapter.jvp(call.neutral, call.inputs, tangents), call.out_paths)
            est = reference.jvp(call.forward64, call.point, split_real(tangents, call.complex),
                                noise=self.noise * float(np.abs(real_vector(list(tangents.values()))).sum()))
            got, ref, start = {}, {}, 0
            for path, shape, value in zip(call.out_paths, call.out_shapes, out_tangents):
                value = np.asarray(value)
                size = int(np.prod(shape))
                if value.dtype.kind == "c":  # compared as real and imaginary parts, each shaped like the output
                    for i, (part, values) in enumerate((("re", value.real), ("im", value.imag))):
                        got[f"{path}.{part}"] = values.astype(np.float64)
                        ref[f"{path}.{part}"] = est.reshaped(shape, slice(start + i, start + 2 * size, 2))
                    start += 2 * size
                else:
                    got[path], ref[path] = value.astype(np.float64), est.reshaped(shape, slice(start, start + size))
                    start += size
            self.judged.append((_LABELS["fwd"], judge.judge(got, ref, self._tol()), domains.WEIGHT_MIN))

    def second_order(self, modes: Sequence[str], rng: np.random.Generator) -> None:
        call = self.call
        if call.complex:
            raise GradcheckError("order=2 with complex inputs is not supported: check the real and imaginary parts "
                                 "as separate real arguments (complex outputs of real inputs are checked)")
        weights = {f"w{i}": domains.weights(rng, s, numpy_dtype(d))
                   for i, (s, d) in enumerate(zip(call.out_shapes, call.out_dtypes))}
        weight_vector = real_vector(list(weights.values()))

        def weighted(xp, **named):
            # Re Σ conj(w)·out: the real loss whose Hessian is checked (for a real output, Σ w·out)
            outs = call.neutral(xp, **{n: v for n, v in named.items() if n not in weights})
            return sum(xp.sum(xp.real(xp.conj(named[w]) * o)) if np.iscomplexobj(weights[w]) else xp.sum(named[w] * o)
                       for w, o in zip(weights, outs))
        tangents = {n: domains.weights(rng, call.inputs[n].shape, call.inputs[n].dtype) for n in call.names}
        ref = second_order.hvp(self.weighted(weight_vector), call.point, tangents,
                               noise=self.noise * float(np.abs(weight_vector).sum()))
        for mode in modes:
            got = self.twice(f"{_SECOND[mode]} derivative", lambda: call.shaped("second-order", self.adapter.hvp(
                weighted, call.inputs | weights, tangents, zero_unconnected=True, outer=mode)),
                [leaf.path for leaf in call.sources])
            self.judged.append((_SECOND[mode], self._excused(judge.judge(got, ref, self._tol())),
                                domains.WEIGHT_MIN ** 2))

    def weighted(self, weights: np.ndarray) -> Callable[[Mapping[str, np.ndarray]], np.ndarray]:
        """``Σ w·fn(p)`` in float64 over the outputs that are finite at the point (the real loss the references
        differentiate)."""
        keep, forward = self.finite_outputs, self.call.forward64
        w = np.asarray(weights, np.float64)
        if not keep.all():
            w = np.where(keep, w, 0.0)
        kept = (lambda f: f) if keep.all() else (lambda f: np.where(keep, f, 0.0))  # noqa: E731 (0·NaN is NaN)

        def weighted(p: Mapping[str, np.ndarray]) -> np.ndarray:
            return np.atleast_1d(kept(forward(p)) @ w)
        if forward.stacked is not None:
            weighted.stacked = lambda batch: (kept(forward.stacked(batch)) @ w)[:, None]
        return weighted

    def _excused(self, judged: judge.Judgement) -> judge.Judgement:
        """Where some output is not finite at the point, the weighted references left it out (its derivative does
        not exist), so an input entry the framework answers with NaN or ±inf is undefined there, not wrong."""
        if self.finite_outputs.all():
            return judged
        judged.excuse({k: judged.wrong[k] & ~np.isfinite(judged.got[k]) for k in judged.got})
        return judged

    def _disconnected(self, raw: Mapping[str, Any], judged: judge.Judgement) -> None:
        """No gradient at all (``None``) for an input the output depends on: a one-line error saying why that is."""
        for leaf in self.call.sources:
            keys = [k for k in judged.got if k == leaf.name or k.startswith(f"{leaf.name}.")]
            if raw.get(leaf.name) is None and any(judged.wrong[k].any() for k in keys):
                largest = max(float(np.max(np.abs(judged.ref[k].value), initial=0.0)) for k in keys)
                raise Disconnected(
                    f"no gradient reaches {leaf.path} ({self.adapter.name} answers None: nothing connects the output "
                    f"to it in its graph), but the output depends on it (finite differences: up to {largest:.3g}): fn "
                    f"takes the value out of the framework (.detach(), .numpy(), .item(), float(), stop_gradient) or a "
                    f"custom gradient returns None for it; keep the computation in {self.adapter.name} operations")

    def result(self, modes: Sequence[str]) -> GradcheckResult:
        dtypes = {leaf.path: str(leaf.value.dtype) for leaf in self.call.sources}
        total = sum(j.compared for _, j, _ in self.judged)
        power = DetectionPower(single_entry=None) if not self.judged else judge.power(self.judged[0][1],
                                                                                        self.judged[0][2])
        for _, j, floor in self.judged[1:]:
            power = power.merged(judge.power(j, floor))
        head = f"{self.adapter.name} {self.adapter.version} ({self.adapter.regime}; {_dtype_text(dtypes)})"
        wrong = [line for label, j, _ in self.judged for line in self._lines(label, j, "wrong")]
        undefined = [line for label, j, _ in self.judged for line in self._lines(label, j, "undefined")]
        if wrong:
            counted = sum(int(m.sum()) for _, j, _ in self.judged for m in j.wrong.values())
            raise GradientMismatch(
                f"{head}: {counted} of {total} compared entries differ from the float64 reference beyond the "
                f"tolerance ({self._tol()}):\n  " + "\n  ".join(wrong + undefined) + f"\n  detection power: {power}")
        if undefined:
            count = sum(int(m.sum()) for _, j, _ in self.judged for m in j.undefined.values())
            raise ReferenceUndefined(
                f"{head}: the derivative does not exist at {count} entr{'y' if count == 1 else 'ies'}, so they were "
                f"not judged (the other {total} passed): move the point off the kink, or compare the framework's "
                f"answer there with its documented convention:\n  " + "\n  ".join(undefined))
        worst = max(self.judged, key=lambda item: item[1].worst_ratio)
        worst_at = "" if worst[1].worst is None else self._where(worst[0], worst[1].worst, worst[1])
        return GradcheckResult(self.adapter.name, self.adapter.version, self.adapter.regime, tuple(modes), self.order,
                               dtypes, max(j.max_abs for _, j, _ in self.judged),
                               max(j.max_rel for _, j, _ in self.judged), worst[1].worst_ratio, worst_at, total,
                               str(self._tol()), power, self.convention, self.noise, self.call.evaluation,
                               self.call.calls)

    def _where(self, label: str, entry: judge.Entry, judged: judge.Judgement) -> str:
        return (f"[{label}] {self.call.path(entry.key, entry.where)}: got {entry.got:.10g}, reference "
                f"{entry.ref:.10g} ± {entry.error:.2g}")

    def _lines(self, label: str, judged: judge.Judgement, which: str) -> list[str]:
        lines = []
        for key in judged.got:
            mask = judged.wrong[key] if which == "wrong" else judged.undefined[key]
            for e in judged.entries(key, which):
                where = self.call.path(key, e.where)
                if which == "wrong":
                    lines.append(f"[{label}] {where}: {e.wrong()}; {int(mask.sum())} of {mask.size} "
                                 f"{'probes' if e.probe else 'entries'} of {self.call.path(key)} over")
                else:
                    lines.append(f"[{label}] {where}: {e.undefined()}")
        return lines


def _dtype_text(dtypes: dict[str, str]) -> str:
    kinds = sorted(set(dtypes.values()))
    return kinds[0] if len(kinds) == 1 else ", ".join(f"{p} {d}" for p, d in dtypes.items())
