"""Run a case on a framework, judge it against the float64 reference, and classify what happened: the suite's front
end on the one judge (:mod:`harness.judge`).

Flow for one case × framework × dtype: the :class:`~harness.plans.Plan` (inputs, cotangents, tangents; one per case
and seed, shared by every framework and dtype) → the framework's *raw* answer (a value, ``None``s, or an error:
recorded as its kind) → where the raw answer is not a plain value, the framework's idiomatic *fix* (zeros for
unconnected sources, a persistent recording) → the fixed values judged against the reference
(:func:`harness.modes.reference_for`) → an :class:`~harness.records.Outcome`.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from harness import complexes, judge
from harness.cases import Case
from harness.expectations import COMPLEX, LOW_PRECISION, UNDERFLOW, VALUE, classify
from harness.frameworks.base import Adapter, NotAvailable
from harness.modes import MODES, reference_for
from harness.plans import bind, numpy_dtype, plan, plan_for
from harness.records import Outcome, Parity
from harness.tolerances import for_dtype
from harness.trees import leaves


@dataclass
class Result:
    """An outcome plus the compared values, kept for the cross-framework parity check."""

    outcome: Outcome
    judged: judge.Judgement | None


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
        return [_judge(c, adapter, dtype, seed, exc, lambda error=exc: error, zeros_are_values) if _declares(c, adapter, dtype, exc)
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
        fixed = {k: None if v is None else complexes.as_pairs(complexes.to_canonical(adapter.complex_gradient, v))
                 for k, v in fixed.items()}
    tol = for_dtype(low, dict(case.tolerances), adapter.name, order=2 if case.mode == "hvp" else 1)
    expected = case.expected(adapter.name, regime, low)
    if kind == VALUE and low in LOW_PRECISION and _underflowed(fixed, ref, tol, low):
        kind = UNDERFLOW

    problems, judged, usable = [], None, True
    if kind != expected.kind:
        problems.append(f"result kind {kind!r}, expected {expected.kind!r} ({expected.why})")
    if isinstance(fixed, BaseException):
        if expected.fixable or kind != expected.kind:
            problems.append(f"no values even with the idiomatic fix: {type(fixed).__name__}: {fixed}")
    else:
        judged = judge.judge(fixed, ref, tol)
        # declared without a fix (an error, an overflow): the values are recorded, but they are no answer to
        # judge or compare with other frameworks
        usable = not (kind == expected.kind and kind != VALUE and not expected.fixable)
        if usable and judged.verdict == judge.WRONG:
            problems.append(f"{judged.summary()} (tolerance {tol}; max abs error {judged.max_abs:.3g}, max rel "
                            f"{judged.max_rel:.3g}, {judged.worst_ratio:.3g}x the allowance)")
    nothing_judged = judged is not None and usable and judged.verdict == judge.UNDEFINED and not judged.compared
    verdict = "fail" if problems else ("undefined" if nothing_judged else "pass")
    outcome = Outcome(
        case=case.id, category=case.category, mode=case.mode, framework=adapter.name, version=adapter.version,
        dtype=low, device=adapter.device, inputs=p.describe(), kind=kind, expected_kind=expected.kind,
        max_abs_err=judged.max_abs if judged else None, max_rel_err=judged.max_rel if judged else None,
        worst_ratio=judged.worst_ratio if judged else None, worst_at=judged.worst_at if judged else "",
        tolerance=str(tol), verdict=verdict, message="; ".join(problems),
        raw_error=f"{type(raw).__name__}: {raw}"[:300] if isinstance(raw, BaseException) else "",
        regime=regime, undefined=judged.undefined_text() if judged else "")
    return Result(outcome, judged if usable else None)


def _underflowed(values: dict, ref: dict, tol, dtype: str) -> bool:
    """Whether some entry is exactly 0 and out of tolerance where the reference is a normal number of ``dtype``."""
    tiny = float(np.finfo(numpy_dtype(dtype)).tiny)
    judged = judge.judge(values, ref, tol)
    for key, est in ref.items():
        with np.errstate(invalid="ignore"):
            lost = (judged.got[key] == 0) & (np.abs(est.value) >= tiny) & judged.wrong[key]
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
    if compiled.judged is None or eager.judged is None:
        return compiled
    _, ratio = judge.apart(compiled.judged, eager.judged)
    o = dataclasses.replace(compiled.outcome, vs_eager=ratio)
    if ratio > 1.0 and o.verdict in ("pass", "undefined"):
        o = dataclasses.replace(o, verdict="fail", message=f"differs from {o.framework}'s eager gradient by "
                                f"{ratio:.3g}x their joint tolerance")
    return Result(o, compiled.judged)


def parity(case: Case, results: dict[str, Result], dtype: str, device: str, regime: str = "eager") -> Parity:
    """Compare the frameworks' fixed values with each other: |a - b| <= allowance_a + allowance_b."""
    usable = {name: r.judged for name, r in results.items() if r.judged is not None}
    names = sorted(usable)
    diffs, worst, worst_pair = {}, 0.0, ""
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            d, r = judge.apart(usable[a], usable[b])
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
