"""Every semantics behaviour (pitfalls, workflows, parameters, conventions), in report order, ids unique."""

from suites.semantics import (
    complex_numbers,
    conventions,
    parameters,
    pitfalls,
    workflows,
)

BEHAVIOURS = [*pitfalls.BEHAVIOURS, *workflows.BEHAVIOURS, *parameters.BEHAVIOURS, *conventions.BEHAVIOURS,
              *complex_numbers.BEHAVIOURS]

_ids = [b.id for b in BEHAVIOURS]
if len(_ids) != len(set(_ids)):
    raise ValueError(f"duplicate behaviour ids: {sorted({i for i in _ids if _ids.count(i) > 1})}")
