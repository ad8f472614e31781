"""Every semantics behaviour on every selected framework: the raw answer is what the data says,
and the idiomatic fix matches the float64 reference. Ids read ``<section>/<name>-<framework>``.
A framework with no such concept is recorded as n/a and skipped with the reason."""

from __future__ import annotations

import pytest

from harness import semantics
from harness.suite_plugin import load_adapter, over
from suites.semantics import BEHAVIOURS


@over(BEHAVIOURS, args=("behaviour",), frameworks=True)
def test_behaviour(behaviour, framework, record):
    expected = behaviour.expected(framework)
    if expected.kind == semantics.NA:
        row, _ = semantics.evaluate(behaviour, framework)
        record(row)
        pytest.skip(f"n/a in {framework}: {expected.why}")
    load_adapter(framework, "cpu")  # skips with the reason where the framework is not installed
    row, problems = semantics.evaluate(behaviour, framework)
    record(row)
    assert not problems, f"{behaviour.id} on {framework}: {'; '.join(problems)} (expected: {expected.why})"
