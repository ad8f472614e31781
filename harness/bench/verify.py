"""Before any timing: a workload's gradients must agree across frameworks (float64, every size)
and with the float64 finite-difference reference (at the smallest size, where it is cheap, and at
every size when only one framework is benchmarked: the reference then probes sampled coordinates
and random projections, which stays cheap at any size)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from harness import check, frameworks
from harness.cases import Case

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
