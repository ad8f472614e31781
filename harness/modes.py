"""The questions a case asks (its ``mode``): how a framework answers each, and how the float64 reference answers the
same question. The reference is computed once per case, seed and rounding (:func:`reference_for`), never once per
framework or dtype: a Richardson gradient costs more than the framework's.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from harness import complexes, reference, reference_cache, second_order
from harness.cases import Case
from harness.expectations import LOW_PRECISION
from harness.frameworks.base import Adapter
from harness.plans import NUMPY, Plan, bind, plan_for
from harness.trees import leaves


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
        out[path] = est.reshaped(shape, slice(start, start + size))
        start += size
    return out


def _flat_targets(result: dict[str, dict]) -> dict:
    return {f"{target}/{s}": g for target, grads in result.items() for s, g in grads.items()}


def _small(p: Plan, names) -> bool:
    """Whether the full Jacobian w.r.t. ``names`` is cheap: as many coordinates as a gradient differences one by one
    anyway, up to an eighth of :data:`reference.FULL_LIMIT`."""
    return 0 < sum(p.inputs[n].size for n in names) <= reference.FULL_LIMIT // 8


def _jvp_reference(p: Plan) -> reference.Estimate:
    """J·t: from the full Jacobian where the sources are small (each coordinate then gets a step its own magnitude
    allows, so 1e-3 beside 1e4 is fine, and the size of the summed terms is known: the framework sums J·t term by
    term, and a sum that cancels, such as the mean of a tangent, keeps its terms' rounding), else one directional
    derivative."""
    if not _small(p, p.tangents):
        return reference.jvp(_vector(p), p.inputs, p.tangents, step=p.step)
    moved = [n for n in p.tangents if p.inputs[n].size]  # an empty source contributes nothing
    return reference.pushed(reference.jacobian(_vector(p), p.inputs, moved, step=p.step),
                            {n: p.tangents[n] for n in moved})


def _vjp_reference(p: Plan) -> dict[str, reference.Estimate]:
    """cᵀJ: from the full Jacobian where the sources are small (the same coordinate ladders a gradient runs, each
    output entry keeping its own best step), with the size of its terms, Σ|c|·|J|: a broadcast's gradient sums
    the cotangents of every output it reached, which can cancel. Else the gradient of the weighted sum."""
    c = np.concatenate([np.ravel(w) for w in p.cotangents]).astype(np.float64)
    if not _small(p, p.case.sources) or not c.size:
        return reference.gradient(_weighted_sum(p, p.cotangents), p.inputs, p.case.sources, step=p.step)
    moved = [n for n in p.case.sources if p.inputs[n].size]  # an empty source's gradient is empty
    result = {n: reference.zero(p.inputs[n].shape) for n in p.case.sources if n not in moved}
    for n, est in reference.jacobian(_vector(p), p.inputs, moved, step=p.step).items():
        result[n] = reference.pulled(est, c, p.inputs[n].shape)
    return result


def cast_like(arrays: dict[str, np.ndarray], like: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    return {n: v.astype(like[n].dtype) for n, v in arrays.items()}


@dataclass(frozen=True)
class Mode:
    """One kind of question: the framework's call (raw, or with its idiomatic fix) and the reference's."""

    framework: Callable[[Adapter, Plan, dict, Callable, bool], dict]
    reference: Callable[[Plan], dict]


def _gradient_reference(p: Plan) -> dict:
    return reference.gradient(_weighted_sum(p, None), p.inputs, p.case.sources, step=p.step)


MODES: dict[str, Mode] = {
    "grad": Mode(lambda a, p, x, f, fix: a.vjp(f, x, p.case.sources, zero_unconnected=fix), _gradient_reference),
    "model": Mode(lambda a, p, x, f, fix: a.model_vjp(p.case.model, f, x, p.case.sources), _gradient_reference),
    "vjp": Mode(lambda a, p, x, f, fix: a.vjp(f, x, p.case.sources, p.cotangents, zero_unconnected=fix),
                _vjp_reference),
    "jacobian": Mode(lambda a, p, x, f, fix: a.jacobian(f, x, p.case.sources, zero_unconnected=fix),
                     lambda p: reference.jacobian(_vector(p), p.inputs, p.case.sources, step=p.step)),
    "jvp": Mode(lambda a, p, x, f, fix: dict(zip(p.out_paths, a.jvp(f, x, cast_like(p.tangents, x)))),
                lambda p: _split_outputs(p, _jvp_reference(p))),
    "hvp": Mode(lambda a, p, x, f, fix: a.hvp(f, x, cast_like(p.tangents, x), zero_unconnected=fix),
                lambda p: second_order.hvp(_weighted_sum(p, None), p.inputs, p.tangents, step=p.step)),
    "per_target": Mode(lambda a, p, x, f, fix: _flat_targets(a.per_target(f, x, p.case.sources,
                                                                          zero_unconnected=fix)),
                       _per_target_reference),
    # raw: the framework's default one-shot recording used twice; fix: a persistent recording
    "reuse": Mode(lambda a, p, x, f, fix: _flat_targets(a.per_target(f, x, p.case.sources, persistent=fix)),
                  _per_target_reference),
}


def reference_for(case: Case, seed: int, dtype: str = "float64") -> dict[str, reference.Estimate]:
    """The float64 reference answer to ``case`` for ``seed`` at the inputs ``dtype`` computes on (cached:
    once per case, and once more per low-precision dtype; never per framework)."""
    return _reference(case, seed, dtype if dtype in LOW_PRECISION else "float64")


@functools.lru_cache(maxsize=None)
def _reference(case: Case, seed: int, rounding: str) -> dict[str, reference.Estimate]:
    p = plan_for(case, seed, rounding)
    # kept between runs for the suite's own cases (harness.reference_cache), keyed by what decides the answer
    key = (case.id, case.mode, seed, rounding, case.step, p.inputs, p.tangents, p.cotangents)
    return reference_cache.kept(case, key, lambda: _computed(case, p))


def _computed(case: Case, p: Plan) -> dict[str, reference.Estimate]:
    if case.is_complex:
        if case.mode != "grad":
            raise ValueError(f"{case.id}: a complex case asks for the gradient of a real loss (mode='grad')")
        return complexes.gradient(_weighted_sum(p, None), p.inputs, case.sources, step=p.step)
    return MODES[case.mode].reference(p)
