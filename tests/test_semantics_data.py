"""The semantics table is data that the suite holds frameworks to: change one expectation and
exactly one row fails, naming itself."""

import dataclasses

import pytest

from harness import semantics
from harness.expectations import NA
from harness.frameworks import FRAMEWORKS, FrameworkError, adapter_class
from suites.semantics import BEHAVIOURS


def available(framework: str) -> bool:
    try:
        adapter_class(framework)
        return True
    except FrameworkError:
        return False


def test_changing_one_expectation_fails_exactly_that_row():
    frameworks = [fw for fw in FRAMEWORKS if available(fw)]
    if "torch" not in frameworks:
        pytest.skip("needs torch, whose row is the one changed")
    target = next(b for b in BEHAVIOURS if b.id == "accumulation/backward-twice")
    changed = dataclasses.replace(target, expect={**target.expect, "torch": dataclasses.replace(
        target.expect["torch"], value=[4.0], why="pretend .grad does not accumulate")})
    table = [changed if b is target else b for b in BEHAVIOURS]
    failing = [(b.id, fw, problems) for b in table for fw in frameworks
               for _, problems in [semantics.evaluate(b, fw)] if problems]
    assert [(i, fw) for i, fw, _ in failing] == [("accumulation/backward-twice", "torch")]
    assert "value [8.], expected [4.]" in failing[0][2][0]


def test_a_framework_a_row_does_not_name_reads_not_characterized():
    row = BEHAVIOURS[0]
    only_torch = dataclasses.replace(row, expect={"torch": row.expect["torch"]},
                                     observe={"torch": row.observe["torch"]})
    record, problems = semantics.evaluate(only_torch, "jax")
    assert (record.verdict, record.expected, problems) == (NA, NA, [])
    assert record.why.startswith("not characterized for jax")


def test_behaviour_rejects_a_missing_reference():
    with pytest.raises(ValueError, match="no_reference"):
        dataclasses.replace(BEHAVIOURS[0], reference=None)
