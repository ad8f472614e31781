"""The op sweep: every op of ``suites/ops`` on every framework and dtype, in reverse mode, forward
mode and second order, against the float64 reference; then the frameworks against each other;
then, at kinks and ties (where the reference's one-sided differences find no derivative), the frameworks'
conventions against what the table declares.

Ids read ``ops/<op>/<sample>/<mode>-<framework>-<dtype>``; ``pytest suites -k ops`` runs the sweep.
"""

from __future__ import annotations

import functools

import pytest

from harness import check, comparison, judge, modes
from harness.frameworks.base import NotAvailable
from harness.optable import OpCheck
from harness.records import OpCheckRecord, OpConvention, OpParity, summarize
from harness.suite_plugin import load_adapter, over
from harness.tolerances import for_dtype
from suites.ops import DEEP_BY_DEFAULT, TABLE

CHECKS = [c for op in TABLE for c in op.checks() if c.sample.smooth]
KINKS = [c for op in TABLE for c in op.checks() if not c.sample.smooth]


def selected(config) -> list[OpCheck]:
    """The checks ``--regimes`` selects: every one, or reverse mode for every op and the rest for
    ``DEEP_BY_DEFAULT`` (the default run's budget: measured, forward mode and second order together cost 2.3x reverse mode)."""
    if config.gradparity_selection.full:
        return CHECKS
    return [c for c in CHECKS if c.mode == "rev" or c.op.name in DEEP_BY_DEFAULT]


@functools.cache
def sweep_adapter(framework: str, device: str, regime: str = "eager"):
    """The framework's adapter for many small checks in ``regime`` (JAX: one jitted program per check)."""
    return load_adapter(framework, device, regime).one_program_per_check()


def checked(op_check: OpCheck, framework: str, dtype: str, device: str, seed: int,
            regime: str = "eager") -> check.Result | NotAvailable:
    """One check, or why the framework cannot run it; computed with the op's other samples in that mode;
    beyond eager, judged against the framework's eager values too (as the correctness cases are)."""
    result = checked_together(op_check.op, op_check.mode, framework, dtype, device, seed, regime)[op_check]
    if regime == "eager" or isinstance(result, NotAvailable):
        return result
    eager = checked_together(op_check.op, op_check.mode, framework, dtype, device, seed)[op_check]
    return result if isinstance(eager, NotAvailable) else check.against_eager(result, eager)


@functools.cache
def checked_together(op, mode: str, framework: str, dtype: str, device: str, seed: int, regime: str = "eager") -> dict:
    """Every smooth sample of ``op`` in ``mode`` on one framework and dtype, in one call where they can be
    (one compiled program under JAX: ``check.run_many``); cached for the parity test, which runs on the same
    xdist worker (``--dist loadgroup``, grouped by op). A sample with a declared non-value kind or wrong
    values runs alone, so its own answer is what is judged."""
    mine = [c for c in CHECKS if c.op is op and c.mode == mode]
    alone = [c for c in mine if c.expectation(framework, regime) or c.known_wrong(framework, dtype, seed, regime)]
    together = [c for c in mine if c not in alone]
    adapter = sweep_adapter(framework, device, regime)
    results = {}
    try:
        results |= dict(zip(together, check.run_many([c.case for c in together], adapter, dtype, seed,
                                                     zeros_are_values=True)))
    except NotAvailable:  # some sample needs what the framework lacks (a nuclear norm): find which, one by one
        alone = mine
    for c in alone:
        try:
            results[c] = check.run(c.case, adapter, dtype, seed, zeros_are_values=True)
        except NotAvailable as exc:
            results[c] = exc
    return results


@functools.cache
def observed(op_check: OpCheck, framework: str, dtype: str, device: str, seed: int):
    try:
        return check.observe(op_check.case, sweep_adapter(framework, device), dtype, seed)
    except NotAvailable as exc:
        return exc


def op_id(op_check: OpCheck) -> str:
    return f"ops/{op_check.id}"


def op_group(op_check: OpCheck) -> str:
    """The xdist group: every check of one op shares a worker, so its samples are computed together once."""
    return f"ops/{op_check.op.name}"


@over(selected, args=("op_check",), frameworks=True, dtypes=True, regimes="ops", ids=op_id, group=op_group,
      known_wrong=lambda c, framework, dtype, seed, regime: c.known_wrong(framework, dtype, seed, regime))
def test_op(op_check, framework, dtype, regime, device, grad_seed, record):
    result = checked(op_check, framework, dtype, device, grad_seed, regime)
    if isinstance(result, NotAvailable):
        record(OpCheckRecord.unavailable(op_check, framework, dtype, device, str(result), regime))
        pytest.skip(f"n/a: {result}")
    known = op_check.known_wrong(framework, dtype, grad_seed, regime)
    composite = sweep_adapter(framework, device, regime).xp.ops.composites.get(op_check.op.name, "")
    record(OpCheckRecord.checked(op_check, result.outcome, known, composite))
    o = result.outcome
    if o.verdict == "undefined":
        pytest.skip(f"{op_check.id} at {op_check.sample!r}: nothing to judge, {o.undefined}")
    if o.verdict != "pass":
        pytest.fail(f"{op_check.id} on {o.framework} {o.version} ({o.dtype}, {o.device}) at {op_check.sample!r}: "
                    f"{o.message}" + (f"\n  raw error: {o.raw_error}" if o.raw_error else ""), pytrace=False)


@over(selected, args=("op_check",), dtypes=True, regimes="ops", ids=op_id, group=op_group)
def test_op_frameworks_agree(op_check, dtype, regime, device, grad_seed, selected_frameworks, record):
    results = {}
    for name in selected_frameworks:
        if op_check.known_wrong(name, dtype, grad_seed, regime):
            continue  # its disagreement is declared, and checked by test_op
        try:
            result = checked(op_check, name, dtype, device, grad_seed, regime)
        except pytest.skip.Exception:
            continue  # not installed or no such device: test_op says why
        if not isinstance(result, NotAvailable):
            results[name] = result
    if len(results) < 2:
        pytest.skip(f"parity needs two frameworks with this op; here: {sorted(results) or 'none'}")
    agreement = check.parity(op_check.case, results, dtype, device, regime)
    record(OpParity.of(op_check, agreement))
    assert agreement.verdict == "pass", f"{op_check.id} ({dtype}): {agreement.message}"


@over(KINKS, args=("kink_check",), dtypes=True, ids=op_id, group=op_group)
def test_op_convention(kink_check, dtype, device, grad_seed, selected_frameworks, record):
    answers, missing = {}, {}
    for name in selected_frameworks:
        try:
            answer = observed(kink_check, name, dtype, device, grad_seed)
        except pytest.skip.Exception:
            continue
        if isinstance(answer, NotAvailable):
            missing[name] = str(answer)
        else:
            answers[name] = answer
    if len(answers) < 2:
        pytest.skip(f"a convention needs two frameworks with this op; here: {sorted(answers) or 'none'}")
    tol = for_dtype(dtype)
    # the checker's detection, at the same point: a kink or tie has entries with no derivative
    undefined = judge.judge({}, modes.reference_for(kink_check.case, grad_seed, dtype), tol).undefined_text(answer=False)
    assert undefined, (f"{kink_check.id} ({dtype}) is declared a kink or tie, but the reference's one-sided "
                       f"differences agree at every entry: the derivative exists there, so make it a smooth sample "
                       f"judged against the reference")
    found = comparison.groups(answers, tol)
    odd = comparison.odd_ones_out(found)
    declared = kink_check.conventions(dtype)
    expected = {fw for d in declared if d.convention for fw in d.frameworks} & set(answers)
    values = kink_check.declared_values(dtype)
    # where the table declares a framework's exact answer, that is the check; the split is then shown, not judged
    wrong_values = sorted(fw for fw, d in values.items() if fw in answers and not comparison.matches(answers[fw], d.value, tol))
    if values:
        odd, expected = set(wrong_values), set()
    elif len(answers) < 3:  # no majority among two: only "they differ or not" can be checked
        odd, expected = ({"differ"} if odd else set()), ({"differ"} if expected else set())
    verdict = "pass" if odd == expected else "fail"
    record(OpConvention.of(kink_check, dtype, device, answers, found, declared, verdict, undefined))
    assert verdict == "pass", (
        f"{kink_check.id} ({dtype}) at {kink_check.sample!r}: frameworks split {found}; the table declares "
        + (f"values that {wrong_values} no longer give: " + "; ".join(f"{fw} {values[fw].value}" for fw in wrong_values)
           if values else f"{sorted(expected) or 'agreement'}")
        + ". Answers: " + "; ".join(f"{fw}: {summarize(a)}" for fw, a in answers.items()))


def test_table_is_large_enough():
    """The sweep's promise: at least 120 ops, each with a reverse-mode check."""
    assert len(TABLE) >= 120
    assert {c.op.name for c in CHECKS if c.mode == "rev"} == {op.name for op in TABLE}
