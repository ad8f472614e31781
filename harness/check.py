"""Run a case on a framework, compare with the float64 reference, and classify what happened.

Flow for one case × framework × dtype: the :class:`Plan` (inputs, cotangents, tangents; one per
case and seed, shared by every framework and dtype) → the framework's *raw* answer (a value,
``None``s, or an error: recorded as its kind) → where the raw answer is not a plain value, the
framework's idiomatic *fix* (zeros for unconnected sources, a persistent recording) → the fixed
values compared with the reference → an :class:`~harness.records.Outcome`.

The reference is computed once per case and seed (it dominates the cost otherwise: a Richardson
gradient costs ~3x a torch gradient), never once per framework or dtype.
"""

from __future__ import annotations

import dataclasses
import functools
import re
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from harness import complexes, numpy_ops, reference
from harness.cases import Case
from harness.comparison import Comparison, compare
from harness.expectations import COMPLEX, LOW_PRECISION, UNDERFLOW, VALUE, classify
from harness.frameworks.base import Adapter, Namespace, NotAvailable, Vocabulary
from harness.records import Outcome, Parity
from harness.tolerances import for_dtype
from harness.trees import leaves, paths

NUMPY = Namespace(np, conv2d=numpy_ops.conv2d, ops=Vocabulary("numpy", numpy_ops.OPS))


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
    """The inputs, cotangents and tangents of ``case`` for ``seed`` (cached)."""
    inputs = case.draw(seed)
    inputs |= _recorded_taps(case, inputs) if case.taps else {}
    # at a kink or a domain edge the value may be ±inf or NaN by design: only the output's structure is used here
    with np.errstate(divide="ignore", invalid="ignore"):
        out = bind(case)(NUMPY, **inputs)
    rng = np.random.default_rng([seed, 1, *case.id.encode()])
    round32 = lambda a: np.asarray(a, np.float32).astype(np.float64)  # noqa: E731
    cotangents = [round32(rng.standard_normal(np.shape(o))) for o in leaves(out)] if case.mode == "vjp" else None
    tangents = {n: round32(rng.standard_normal(inputs[n].shape)) for n in case.sources}
    return Plan(case, seed, inputs, paths(out), cotangents, tangents)


def numpy_dtype(dtype: str) -> np.dtype:
    """The NumPy dtype of a dtype name (bfloat16 from ``ml_dtypes``, which JAX brings)."""
    if dtype == "bfloat16":
        import ml_dtypes  # only where bfloat16 is asked for

        return np.dtype(ml_dtypes.bfloat16)
    return np.dtype(dtype)


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


# -- the modes: how a framework answers, and how the reference answers the same question ---------

def _vector(p: Plan) -> Callable:
    f = bind(p.case)
    return lambda point: np.concatenate([np.ravel(o) for o in leaves(f(NUMPY, **point))]).astype(np.float64)


def _weighted_sum(p: Plan, weights: list[np.ndarray | float] | None) -> Callable:
    f = bind(p.case)

    def scalar(point):
        outs = leaves(f(NUMPY, **point))
        w = weights if weights is not None else [1.0] * len(outs)
        return np.atleast_1d(sum(np.sum(wi * np.asarray(o)) for wi, o in zip(w, outs)))
    return scalar


def _per_target_reference(p: Plan) -> dict:
    result = {}
    n = len(p.out_paths)
    for i, target in enumerate(p.out_paths):
        one_hot = [1.0 if j == i else 0.0 for j in range(n)]
        grads = reference.gradient(_weighted_sum(p, one_hot), p.inputs, p.case.sources)
        result |= {f"{target}/{s}": g for s, g in grads.items()}
    return result


def _split_outputs(p: Plan, est: reference.Estimate) -> dict:
    shapes = [np.shape(o) for o in leaves(bind(p.case)(NUMPY, **p.inputs))]
    out, start = {}, 0
    for path, shape in zip(p.out_paths, shapes):
        size = int(np.prod(shape))
        out[path] = reference.Estimate(est.value[start:start + size].reshape(shape),
                                       est.error[start:start + size].reshape(shape),
                                       terms=None if est.terms is None else est.terms[start:start + size].reshape(shape))
        start += size
    return out


def _flat_targets(result: dict[str, dict]) -> dict:
    return {f"{target}/{s}": g for target, grads in result.items() for s, g in grads.items()}


@dataclass(frozen=True)
class Mode:
    """One kind of question: the framework's call (raw, or with its idiomatic fix) and the reference's."""

    framework: Callable[[Adapter, Plan, dict, Callable, bool], dict]
    reference: Callable[[Plan], dict]


MODES: dict[str, Mode] = {
    "grad": Mode(lambda a, p, x, f, fix: a.vjp(f, x, p.case.sources, zero_unconnected=fix),
                 lambda p: reference.gradient(_weighted_sum(p, None), p.inputs, p.case.sources, step=p.step)),
    "model": Mode(lambda a, p, x, f, fix: a.model_vjp(p.case.model, f, x, p.case.sources),
                  lambda p: reference.gradient(_weighted_sum(p, None), p.inputs, p.case.sources, step=p.step)),
    "vjp": Mode(lambda a, p, x, f, fix: a.vjp(f, x, p.case.sources, p.cotangents, zero_unconnected=fix),
                lambda p: _vjp_reference(p)),
    "jacobian": Mode(lambda a, p, x, f, fix: a.jacobian(f, x, p.case.sources, zero_unconnected=fix),
                     lambda p: reference.jacobian(_vector(p), p.inputs, p.case.sources, step=p.step)),
    "jvp": Mode(lambda a, p, x, f, fix: dict(zip(p.out_paths, a.jvp(f, x, _cast_like(p.tangents, x)))),
                lambda p: _split_outputs(p, _jvp_reference(p))),
    "hvp": Mode(lambda a, p, x, f, fix: a.hvp(f, x, _cast_like(p.tangents, x), zero_unconnected=fix),
                lambda p: reference.hvp(_weighted_sum(p, None), p.inputs, p.tangents, step=p.step)),
    "per_target": Mode(lambda a, p, x, f, fix: _flat_targets(a.per_target(f, x, p.case.sources,
                                                                          zero_unconnected=fix)),
                       _per_target_reference),
    # raw: the framework's default one-shot recording used twice; fix: a persistent recording
    "reuse": Mode(lambda a, p, x, f, fix: _flat_targets(a.per_target(f, x, p.case.sources, persistent=fix)),
                  _per_target_reference),
}


def _jvp_reference(p: Plan) -> reference.Estimate:
    """J·t: from the full Jacobian where the sources are small (each coordinate then gets a step
    its own magnitude allows, so 1e-3 beside 1e4 is fine, and the size of the summed terms is known),
    else one directional derivative."""
    if not _small(p, p.tangents):
        return reference.jvp(_vector(p), p.inputs, p.tangents, step=p.step)
    moved = [n for n in p.tangents if p.inputs[n].size]  # an empty source contributes nothing
    columns = reference.jacobian(_vector(p), p.inputs, moved, step=p.step)
    value = sum(columns[n].value @ p.tangents[n].ravel() for n in moved)
    error = sum(columns[n].error @ np.abs(p.tangents[n]).ravel() for n in moved)
    # the framework sums J·t term by term: a sum that cancels (the mean of a tangent, a norm's <a, t>/|a|)
    # keeps the rounding of its terms, so the allowance is taken relative to Σ|J|·|t|
    terms = sum(np.abs(columns[n].value) @ np.abs(p.tangents[n]).ravel() for n in moved)
    return reference.Estimate(np.asarray(value, np.float64), np.asarray(error, np.float64),
                              terms=np.asarray(terms, np.float64))


def _small(p: Plan, names) -> bool:
    """Whether the full Jacobian w.r.t. ``names`` is cheap: as many coordinates as a gradient differences one by one
    anyway, up to an eighth of :data:`reference.FULL_LIMIT`."""
    return 0 < sum(p.inputs[n].size for n in names) <= reference.FULL_LIMIT // 8


def _vjp_reference(p: Plan) -> dict[str, reference.Estimate]:
    """cᵀJ: from the full Jacobian where the sources are small (the same coordinate ladders a gradient runs, each
    output entry keeping its own best step), with the size of its terms, Σ|c|·|J|: a broadcast's gradient sums
    the cotangents of every output it reached, which can cancel. Else the gradient of the weighted sum."""
    c = np.concatenate([np.ravel(w) for w in p.cotangents]).astype(np.float64)
    if not _small(p, p.case.sources) or not c.size:
        return reference.gradient(_weighted_sum(p, p.cotangents), p.inputs, p.case.sources, step=p.step)
    moved = [n for n in p.case.sources if p.inputs[n].size]  # an empty source's gradient is empty
    empty = {n: np.zeros(p.inputs[n].shape) for n in p.case.sources if n not in moved}
    result = {n: reference.Estimate(zeros, zeros, terms=zeros) for n, zeros in empty.items()}
    for n, est in reference.jacobian(_vector(p), p.inputs, moved, step=p.step).items():
        shape = p.inputs[n].shape
        result[n] = reference.Estimate((c @ est.value).reshape(shape), (np.abs(c) @ est.error).reshape(shape),
                                       terms=(np.abs(c) @ np.abs(est.value)).reshape(shape))
    return result


def _cast_like(arrays: dict[str, np.ndarray], like: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    return {n: v.astype(like[n].dtype) for n, v in arrays.items()}


def reference_for(case: Case, seed: int, dtype: str = "float64") -> dict[str, reference.Estimate]:
    """The float64 reference answer to ``case`` for ``seed`` at the inputs ``dtype`` computes on (cached:
    once per case, and once more per low-precision dtype; never per framework)."""
    return _reference(case, seed, dtype if dtype in LOW_PRECISION else "float64")


@functools.lru_cache(maxsize=None)
def _reference(case: Case, seed: int, rounding: str) -> dict[str, reference.Estimate]:
    p = plan_for(case, seed, rounding)
    if case.is_complex:
        if case.mode != "grad":
            raise ValueError(f"{case.id}: a complex case asks for the gradient of a real loss (mode='grad')")
        return complexes.gradient(_weighted_sum(p, None), p.inputs, case.sources, step=p.step)
    return MODES[case.mode].reference(p)


@dataclass
class Result:
    """An outcome plus the compared values, kept for the cross-framework parity check."""

    outcome: Outcome
    comparison: Comparison | None


#: how each framework says it has no kernel for a dtype (torch, TF, XLA), so low precision reads "n/a"
NO_KERNEL = re.compile(r"not implemented for '(Half|BFloat16)'|No registered '\w+' OpKernel for '?\w+'? devices"
                       r"|Could not find device for node|of (half|bfloat16) is not in the list of allowed values"
                       r"|Unsupported dtype (float16|bfloat16)|Unimplemented.*(F16|BF16)|Low precision dtypes not supported"
                       r"|No OpKernel was registered to support Op|has DataType (bfloat16|half) not in list of allowed"
                       r"|doesn't handle types other than float and double|dtype=(float16|bfloat16) is not supported"
                       r"|does not support matrices of type <dtype: '(bfloat16|half)'>"
                       r"|not in list of allowed values: float32, float64$|of float, double, cfloat or cdouble types"
                       r"|precision '\w*F16\w*' is not supported|EagerTensor object has no attribute 'astype'",
                       re.IGNORECASE | re.MULTILINE)


def _attempt(call: Callable[[], dict], dtype: str = "float64", framework: str = "") -> dict | BaseException:
    try:
        return call()
    except NotAvailable:
        raise  # the framework lacks the op: not a result, an n/a the caller reports
    except Exception as exc:  # the framework's error is a result to record, not a crash
        if dtype in LOW_PRECISION and NO_KERNEL.search(str(exc)):
            first = str(exc).strip().splitlines()[0][:200]
            raise NotAvailable(f"{framework} has no {dtype} kernel for an op this calls ({first})") from None
        return exc


def beyond_range(case: Case, seed: int, dtype: str) -> str | None:
    """Why ``case`` has no answer in the low-precision ``dtype`` at ``seed``'s inputs, if it has none: an input
    rounds to ±inf, or the exact derivative at the rounded inputs is not finite (a pole: bfloat16 rounds 0.999 to
    1) or beyond the dtype's largest number (exp'(80) in float16). A framework's inf there is the right rounding."""
    if dtype not in LOW_PRECISION:
        return None
    largest = float(np.finfo(numpy_dtype(dtype)).max)
    p = plan_for(case, seed, dtype)
    if any(not np.all(np.isfinite(v)) for v in p.inputs.values()):
        return f"outside {dtype}'s range: an input rounds to ±inf in {dtype} (largest {largest:g})"
    ref = reference_for(case, seed, dtype)
    values = np.concatenate([np.ravel(np.asarray(e.value, np.float64)) for e in ref.values()] or [np.zeros(0)])
    if not np.all(np.isfinite(values)):
        return f"outside {dtype}'s range: at the inputs rounded to {dtype} the exact derivative is not finite (a pole)"
    if values.size and np.max(np.abs(values)) > largest:
        return (f"outside {dtype}'s range: the exact derivative reaches {np.max(np.abs(values)):.3g}, beyond {dtype}'s "
                f"largest number {largest:g}")
    return None


def run(case: Case, adapter: Adapter, dtype: str, seed: int = 0, *, zeros_are_values: bool = False) -> Result:
    """Check ``case`` on ``adapter`` in ``dtype``: raw kind, fixed values vs reference, verdict.

    ``zeros_are_values``: an all-zero gradient counts as a value (the op sweep, where relu's
    gradient at a negative point is 0), not as the ``zeros`` kind the semantics cases track.
    """
    outside = beyond_range(case, seed, dtype)
    if outside:
        raise NotAvailable(outside)
    p = plan_for(case, seed, dtype)
    mode = MODES[case.mode]
    x, f = p.cast(dtype), bind(case)
    raw = _attempt(lambda: mode.framework(adapter, p, x, f, False), dtype, adapter.name)
    return _judge(case, adapter, dtype, seed, raw,
                  lambda: _attempt(lambda: mode.framework(adapter, p, x, f, True), dtype, adapter.name),
                  zeros_are_values)


#: the modes :func:`run_many` can ask of a framework in one call
JOINT_MODES = ("vjp", "jvp", "hvp")


def run_many(cases: list[Case], adapter: Adapter, dtype: str, seed: int = 0, *,
             zeros_are_values: bool = False) -> list[Result]:
    """:func:`run` for several cases of one mode, asked of the framework in one call.

    The cases' inputs are independent, so one VJP (JVP, HVP) of all their outputs together is each
    case's answer side by side; under a compiling adapter (JAX's one program per check) that is one
    compilation instead of one per case, which is where the op sweep's time goes. Each case is then
    judged alone, exactly as :func:`run` judges it. Where the joint call raises, or a case's answer
    is not a plain value (its idiomatic fix needs a call of its own), those cases run one by one.

    Raises:
        NotAvailable: the framework lacks an op the cases call.
    """
    if (len(cases) < 2 or cases[0].mode not in JOINT_MODES or any(c.mode != cases[0].mode for c in cases)
            or any(beyond_range(c, seed, dtype) for c in cases)):
        return [run(c, adapter, dtype, seed, zeros_are_values=zeros_are_values) for c in cases]
    plans = [plan_for(c, seed, dtype) for c in cases]
    names = [{n: f"{i}:{n}" for n in p.inputs} for i, p in enumerate(plans)]
    functions = [bind(c) for c in cases]
    mode = cases[0].mode

    def joint(xp, **tensors):
        outs = [fn(xp, **{n: tensors[names[i][n]] for n in plans[i].inputs}) for i, fn in enumerate(functions)]
        return sum(leaves(o)[0] for o in outs) if mode == "hvp" else tuple(outs)

    inputs = {names[i][n]: v for i, p in enumerate(plans) for n, v in p.cast(dtype).items()}
    tangents = {names[i][n]: t.astype(numpy_dtype(dtype)) for i, p in enumerate(plans) for n, t in p.tangents.items()}
    try:
        if mode == "vjp":
            sources = [names[i][s] for i, c in enumerate(cases) for s in c.sources]
            answer = adapter.vjp(joint, inputs, sources, [c for p in plans for c in p.cotangents])
        elif mode == "jvp":
            answer = iter(adapter.jvp(joint, inputs, tangents))
        else:
            answer = adapter.hvp(joint, inputs, tangents)
    except NotAvailable:
        raise
    except Exception as exc:  # one case raises: each case's own error is its raw kind
        return [_judge(c, adapter, dtype, seed, exc, lambda: exc, zeros_are_values) if _declares(c, adapter, dtype, exc)
                else run(c, adapter, dtype, seed, zeros_are_values=zeros_are_values) for c in cases]
    results = []
    for i, (case, p) in enumerate(zip(cases, plans)):
        if mode == "jvp":
            raw = {path: next(answer) for path in p.out_paths}
        else:
            raw = {s: answer[names[i][s]] for s in case.sources}
        if ":none" in classify(raw, dtype):
            results.append(run(case, adapter, dtype, seed, zeros_are_values=zeros_are_values))
        else:
            results.append(_judge(case, adapter, dtype, seed, raw, None, zeros_are_values))
    return results


#: the regime label of :func:`mixed`'s records: float32 weights computing in the record's (low) dtype
MIXED = "mixed"


def mixed(case: Case, adapter: Adapter, compute: str, seed: int = 0) -> Result:
    """A model case under the framework's own mixed precision (``torch.autocast``, a Keras
    ``mixed_<dtype>`` policy, JAX's explicit casts): float32 weights, the model computing in ``compute``.

    Judged against the float64 reference of the float32 model (what mixed precision stands in for)
    with ``compute``'s tolerance; recorded as dtype ``compute``, regime ``mixed``.
    """
    if case.mode != "model":
        raise ValueError(f"{case.id}: mixed precision is a model's mechanism (mode='model'), not {case.mode!r}")
    p = plan_for(case, seed, "float32")
    x, f = p.cast("float32"), bind(case)
    raw = _attempt(lambda: adapter.model_vjp(case.model, f, x, case.sources, compute=compute), compute, adapter.name)
    return _judge(case, adapter, "float32", seed, raw, lambda: raw, False, compute=compute)


def _declares(case: Case, adapter: Adapter, dtype: str, error: Exception) -> bool:
    """Whether ``case`` is declared to raise ``error``'s type here with no fix (torch's compiled double backward):
    the joint call's error is then its answer, not worth a compilation of its own."""
    expected = case.expected(adapter.name, adapter.regime, dtype)
    return expected.kind == f"error:{type(error).__name__}" and not expected.fixable


def _judge(case: Case, adapter: Adapter, dtype: str, seed: int, raw: dict | BaseException,
           fix: Callable[[], dict | BaseException] | None, zeros_are_values: bool, *,
           compute: str | None = None) -> Result:
    """A framework's raw answer to ``case`` (and, where it is not a plain value, ``fix()``'s) against the reference.

    ``compute``: the answer of a mixed-precision model (weights in ``dtype``), judged in ``compute``'s tolerance."""
    p = plan_for(case, seed, dtype)
    ref = reference_for(case, seed, dtype)
    low, regime = (compute, MIXED) if compute else (dtype, adapter.regime)
    kind = classify(raw, low)
    if zeros_are_values and all(part.endswith(":zeros") for part in kind.split(",")):
        kind = "value"
    fixed = raw if isinstance(raw, dict) and ":none" not in kind else fix()
    if dtype in COMPLEX and isinstance(fixed, dict):
        # each framework's convention turned into the canonical one, then compared as (re, im) pairs
        fixed = {k: None if v is None else complexes.as_pairs(complexes.to_canonical(adapter.name, v))
                 for k, v in fixed.items()}
    tol = for_dtype(low, dict(case.tolerances), adapter.name, order=2 if case.mode == "hvp" else 1)
    expected = case.expected(adapter.name, regime, low)
    if kind == VALUE and low in LOW_PRECISION and _underflowed(fixed, ref, tol, low):
        kind = UNDERFLOW

    problems, comparison, judged = [], None, True
    if kind != expected.kind:
        problems.append(f"result kind {kind!r}, expected {expected.kind!r} ({expected.why})")
    if isinstance(fixed, BaseException):
        if expected.fixable or kind != expected.kind:
            problems.append(f"no values even with the idiomatic fix: {type(fixed).__name__}: {fixed}")
    elif kind == expected.kind and kind != VALUE and not expected.fixable:
        # declared without a fix (an error, an overflow): the values are recorded, but they are no answer to
        # judge or compare with other frameworks
        comparison, judged = compare(fixed, ref, tol), False
    else:
        comparison = compare(fixed, ref, tol)
        if comparison.worst_ratio > 1.0:
            problems.append(f"max abs error {comparison.max_abs:.3g}, max rel {comparison.max_rel:.3g}, "
                            f"{comparison.worst_ratio:.3g}x the tolerance ({tol}) at {comparison.worst_at}")
    outcome = Outcome(
        case=case.id, category=case.category, mode=case.mode, framework=adapter.name, version=adapter.version,
        dtype=low, device=adapter.device, inputs=p.describe(), kind=kind, expected_kind=expected.kind,
        max_abs_err=comparison.max_abs if comparison else None, max_rel_err=comparison.max_rel if comparison else None,
        worst_ratio=comparison.worst_ratio if comparison else None, worst_at=comparison.worst_at if comparison else "",
        tolerance=str(tol), verdict="fail" if problems else "pass", message="; ".join(problems),
        raw_error=f"{type(raw).__name__}: {raw}"[:300] if isinstance(raw, BaseException) else "",
        regime=regime)
    return Result(outcome, comparison if judged else None)


def _underflowed(values: dict, ref: dict[str, reference.Estimate], tol, dtype: str) -> bool:
    """Whether some entry is exactly 0 and out of tolerance where the reference is a normal number of ``dtype``."""
    tiny = float(np.finfo(numpy_dtype(dtype)).tiny)
    comparison = compare(values, ref, tol)
    for key, est in ref.items():
        got = comparison.got[key]
        lost = (got == 0) & (np.abs(est.value) >= tiny) & (np.abs(est.value) > comparison.allowance[key])
        if np.any(lost):
            return True
    return False


def unavailable(case: Case, adapter: Adapter, dtype: str, why: str) -> Outcome:
    """The record of a check the framework cannot run in ``dtype`` (no kernel for an op it calls): ``n/a``."""
    return Outcome(case=case.id, category=case.category, mode=case.mode, framework=adapter.name,
                   version=adapter.version, dtype=dtype, device=adapter.device, inputs=plan(case, 0).describe(),
                   kind="n/a", expected_kind="value", max_abs_err=None, max_rel_err=None, worst_ratio=None,
                   worst_at="", tolerance="", verdict="n/a", message=why, regime=adapter.regime)


def against_eager(compiled: Result, eager: Result) -> Result:
    """``compiled`` with its difference from the same framework's eager values stated (``vs_eager``, in units
    of their joint allowance) and judged: beyond it, the compiled gradient fails unless its kind is declared."""
    if compiled.comparison is None or eager.comparison is None:
        return compiled
    ratio = _worst_ratio(compiled.comparison, eager.comparison)
    o = dataclasses.replace(compiled.outcome, vs_eager=ratio)
    if ratio > 1.0 and o.verdict == "pass":
        o = dataclasses.replace(o, verdict="fail", message=f"differs from {o.framework}'s eager gradient by "
                                f"{ratio:.3g}x their joint tolerance")
    return Result(o, compiled.comparison)


def _worst_ratio(a: Comparison, b: Comparison) -> float:
    """max over entries of |a - b| / (allowance_a + allowance_b)."""
    return max((float(np.max(np.abs(a.got[k] - b.got[k]) / np.maximum(a.allowance[k] + b.allowance[k], 1e-300),
                             initial=0.0)) for k in a.got), default=0.0)


def parity(case: Case, results: dict[str, Result], dtype: str, device: str, regime: str = "eager") -> Parity:
    """Compare the frameworks' fixed values with each other: |a - b| <= allowance_a + allowance_b."""
    usable = {name: r.comparison for name, r in results.items() if r.comparison is not None}
    names = sorted(usable)
    diffs, worst, worst_pair = {}, 0.0, ""
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            ca, cb = usable[a], usable[b]
            d = max((float(np.max(np.abs(ca.got[k] - cb.got[k]), initial=0.0)) for k in ca.got), default=0.0)
            r = _worst_ratio(ca, cb)
            diffs[f"{a}~{b}"] = d
            if r >= worst:
                worst, worst_pair = r, f"{a}~{b}"
    ok = worst <= 1.0
    message = "" if ok else f"{worst_pair} differ by {diffs[worst_pair]:.3g}, {worst:.3g}x their joint tolerance"
    return Parity(case=case.id, category=case.category, dtype=dtype, device=device, frameworks=names,
                  max_abs_diff=diffs, worst_ratio=worst, verdict="pass" if ok else "fail", message=message,
                  regime=regime)


# -- where no reference exists: kinks and ties ----------------------------------------------------

def observe(case: Case, adapter: Adapter, dtype: str, seed: int = 0, *,
            fix: bool = True) -> dict[str, np.ndarray | None] | BaseException:
    """The framework's answer to ``case`` (with its idiomatic fix unless ``fix=False``), or its error; no reference.

    Raises:
        NotAvailable: the framework lacks an op the case calls.
    """
    p = plan_for(case, seed, dtype)
    return _attempt(lambda: MODES[case.mode].framework(adapter, p, p.cast(dtype), bind(case), fix), dtype, adapter.name)
