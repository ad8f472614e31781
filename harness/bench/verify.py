"""Before any timing: a workload's gradients must agree across frameworks (float64, every size)
and with the float64 finite-difference reference (at the smallest size, where it is cheap, and at
every size when only one framework is benchmarked: the reference then probes sampled coordinates
and random projections, which stays cheap at any size). A compiled gradient is verified as the
very callable the bench times computes it (:func:`compiled`): against the framework's eager gradient
at every size and the reference at the smallest."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import numpy as np

from harness import check, frameworks, reference
from harness.cases import Case
from harness.comparison import compare
from harness.tolerances import for_dtype

#: frameworks' float64 gradients must agree to this, relative to the largest entry
AGREEMENT_RTOL = 1e-7


def verify(case: Case, names: Sequence[str], *, against_reference: bool, device: str = "cpu") -> dict:
    """``{"case", "frameworks", "ok", "message"}`` for one workload size.

    Frameworks that are not installed are left out (named in the message); with fewer than two
    left there is no second framework to compare with, so the reference judges them.
    """
    grads, missing, problems, adapters = {}, [], [], {}
    for name in names:
        try:
            adapters[name] = frameworks.load(name, device)
        except frameworks.FrameworkError as exc:
            missing.append(f"{name} ({exc})")
    against_reference = against_reference or len(adapters) < 2
    for name, adapter in adapters.items():
        if against_reference:
            outcome = check.run(case, adapter, "float64").outcome
            if outcome.verdict != "pass":
                problems.append(f"{name} vs float64 reference: {outcome.message}")
        plan = check.plan(case, 0)
        grads[name] = adapter.vjp(check.bind(case), plan.inputs, case.sources)
    available = sorted(grads)
    for i, a in enumerate(available):
        for b in available[i + 1:]:
            for source in case.sources:
                ga, gb = grads[a][source], grads[b][source]
                scale = max(float(np.max(np.abs(ga))), 1e-300)
                diff = float(np.max(np.abs(ga - gb)))
                if diff > AGREEMENT_RTOL * scale:
                    problems.append(f"{a} and {b} differ on d/d{source} by {diff:.3g} (scale {scale:.3g})")
    if not available:
        problems.append("nothing to verify: no selected framework is installed")
    message = "; ".join(problems + ([f"not installed: {', '.join(missing)}"] if missing else []))
    return {"case": case.id, "frameworks": available, "ok": not problems, "message": message}


def compiled(case: Case, adapter, timed, dtype: str, *, against_reference: bool) -> dict:
    """``{"case", "frameworks", "ok", "message"}`` for the gradient a compiled ``timed`` computes (its first
    ``forward_backward``): against the same framework's eager gradient at every size, and against the float64
    reference where ``against_reference`` (the smallest size), at the tolerance of ``dtype``. The bench times
    no compiled gradient that fails this, and says why."""
    plan = check.plan(case, 0)
    _, grads = timed.forward_backward()
    if isinstance(grads, dict):
        got = {s: adapter.numpy(grads[s]) for s in case.sources}
    else:
        got = {s: None if g is None else adapter.numpy(g) for s, g in zip(case.sources, grads)}
    tol = for_dtype(dtype, dict(case.tolerances), adapter.name)
    eager = adapter.vjp(check.bind(case), plan.cast(dtype), case.sources)
    problems = []
    as_reference = {s: reference.Estimate(np.asarray(g, np.float64), np.zeros(np.shape(g))) for s, g in eager.items()}
    # against eager: both computed in dtype, so each may be off by the dtype's tolerance: twice it between them
    doubled = dataclasses.replace(tol, rtol=2 * tol.rtol, atol=2 * tol.atol)
    versus_eager = compare(got, as_reference, doubled)
    if versus_eager.worst_ratio > 1:
        problems.append(f"{adapter.name} compiled vs eager ({dtype}): {versus_eager.worst_ratio:.3g}x the tolerance "
                        f"at {versus_eager.worst_at}")
    if against_reference:
        versus_reference = compare(got, check.reference_for(case, 0), tol)
        if versus_reference.worst_ratio > 1:
            problems.append(f"{adapter.name} compiled vs float64 reference ({dtype}): "
                            f"{versus_reference.worst_ratio:.3g}x the tolerance at {versus_reference.worst_at}")
    return {"case": case.id, "frameworks": [adapter.name], "ok": not problems, "message": "; ".join(problems)}
