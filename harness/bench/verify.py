"""Before any timing: a workload's gradients must agree across frameworks (float64, every size)
and with the float64 finite-difference reference (at the smallest size, where it is cheap)."""

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
    left and no reference, there is nothing to compare and ``ok`` is False.
    """
    grads, missing, problems = {}, [], []
    for name in names:
        try:
            adapter = frameworks.load(name, device)
        except frameworks.FrameworkError as exc:
            missing.append(f"{name} ({exc})")
            continue
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
    if len(available) < 2 and not against_reference:
        problems.append(f"nothing to compare: only {available or 'no framework'} available; run "
                        "`python -m harness bench` (it verifies across frameworks first) or select two frameworks")
    message = "; ".join(problems + ([f"not installed: {', '.join(missing)}"] if missing else []))
    return {"case": case.id, "frameworks": available, "ok": not problems, "message": message}
