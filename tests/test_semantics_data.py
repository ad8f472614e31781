"""The semantics table is data that the suite holds frameworks to: change one expectation and its
row fails for that framework alone, naming itself."""

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


def test_changing_one_expectation_fails_its_row_for_that_framework_alone():
    frameworks = [fw for fw in FRAMEWORKS if available(fw)]
    if "torch" not in frameworks:
        pytest.skip("needs torch, whose row is the one changed")
    target = next(b for b in BEHAVIOURS if b.id == "accumulation/backward-twice")
    changed = dataclasses.replace(target, expect={**target.expect, "torch": dataclasses.replace(
        target.expect["torch"], value=[4.0], why="pretend .grad does not accumulate")})
    # rows are evaluated one by one (suites/test_semantics.py passes every unchanged one): the changed row fails
    # for the framework whose expectation changed, and only for it
    failing = [(fw, problems) for fw in frameworks for _, problems in [semantics.evaluate(changed, fw)] if problems]
    assert [fw for fw, _ in failing] == ["torch"]
    assert "value [8.], expected [4.]" in failing[0][1][0]


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
