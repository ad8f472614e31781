"""Before any timing: a workload's gradients must agree across frameworks (float64, every size)
and with the float64 finite-difference reference (at the smallest size, where it is cheap, and at
every size when only one framework is benchmarked: the reference then probes sampled coordinates
and random projections, which stays cheap at any size). A compiled gradient is verified as the
very callable the bench times computes it (:func:`compiled`): against the framework's eager gradient
at every size and the reference at the smallest. Every verdict here is the one judge's
(:mod:`harness.judge`), on the suite's tolerances: two computed answers may be apart by twice one's
(:func:`harness.tolerances.between`)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from harness import check, frameworks, judge, modes, plans
from harness.bench import flops
from harness.cases import Case
from harness.tolerances import between, for_dtype


def _judged(label: str, got: dict, ref: dict, tol) -> list[str]:
    """The problem with ``got`` against ``ref`` as one line, if there is one."""
    found = judge.judge(got, ref, tol)
    if found.verdict == judge.WRONG:
        return [f"{label}: {found.worst_ratio:.3g}x the tolerance at {found.summary()}"]
    return []


def verify(case: Case, names: Sequence[str], *, against_reference: bool, device: str = "cpu") -> dict:
    """``{"case", "frameworks", "ok", "message"}`` for one workload size.

    Frameworks that are not installed are left out (named in the message); with fewer than two
    left there is no second framework to compare with, so the reference judges them.
    """
    missing, problems, adapters = [], [], {}
    for name in names:
        try:
            adapters[name] = frameworks.load(name, device)
        except frameworks.FrameworkError as exc:
            missing.append(f"{name} ({exc})")
    against_reference = against_reference or len(adapters) < 2
    if against_reference:
        results = {name: check.run(case, adapter, "float64") for name, adapter in adapters.items()}
        problems += [f"{name} vs float64 reference: {r.outcome.message}" for name, r in results.items()
                     if r.outcome.verdict == "fail"]
        agreement = check.parity(case, results, "float64", device)
        problems += [] if agreement.verdict == "pass" else [agreement.message]
    else:
        plan = plans.plan(case, 0)
        grads = {name: a.vjp(plans.bind(case), plan.inputs, case.sources) for name, a in adapters.items()}
        names_here = sorted(grads)
        for i, a in enumerate(names_here):
            tol = between(for_dtype("float64", dict(case.tolerances), a))
            for b in names_here[i + 1:]:
                problems += _judged(f"{b} vs {a}", grads[b], judge.exact(grads[a]), tol)
    if not adapters:
        problems.append("nothing to verify: no selected framework is installed")
    message = "; ".join(problems + ([f"not installed: {', '.join(missing)}"] if missing else []))
    return {"case": case.id, "frameworks": sorted(adapters), "ok": not problems, "message": message,
            "flops": {dtype: flops.count(case, dtype) for dtype in ("float32", "float64")}}


def compiled(case: Case, adapter, timed, dtype: str, *, against_reference: bool) -> dict:
    """``{"case", "frameworks", "ok", "message"}`` for the gradient a compiled ``timed`` computes (its first
    ``forward_backward``): against the same framework's eager gradient at every size, and against the float64
    reference where ``against_reference`` (the smallest size), at the tolerance of ``dtype``. The bench times
    no compiled gradient that fails this, and says why."""
    plan = plans.plan(case, 0)
    _, grads = timed.forward_backward()
    if isinstance(grads, dict):
        got = {s: adapter.numpy(grads[s]) for s in case.sources}
    else:
        got = {s: None if g is None else adapter.numpy(g) for s, g in zip(case.sources, grads)}
    got = {s: None if g is None else np.asarray(g, np.float64) for s, g in got.items()}
    tol = for_dtype(dtype, dict(case.tolerances), adapter.name)
    eager = adapter.vjp(plans.bind(case), plan.cast(dtype), case.sources)
    problems = _judged(f"{adapter.name} compiled vs eager ({dtype})", got, judge.exact(eager), between(tol))
    if against_reference:
        problems += _judged(f"{adapter.name} compiled vs float64 reference ({dtype})", got,
                            modes.reference_for(case, 0), tol)
    return {"case": case.id, "frameworks": [adapter.name], "ok": not problems, "message": "; ".join(problems)}
