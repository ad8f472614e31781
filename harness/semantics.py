"""Framework behaviours as data: what each framework does in a situation, why, and the fix.

A :class:`Behaviour` is one row of the semantics report: a situation (an unwatched tensor, a
reused tape, ``abs`` at 0), and per framework a small function that *observes* the raw answer
(a gradient array, ``None``, or an exception, with any warnings raised or logged on the way), the
expected answer (an :class:`~harness.expectations.Expectation`) with its reason, and the idiomatic *fix*, whose values are checked
against the float64 reference. The functions live with the scenarios (``suites/semantics``) and
import their framework themselves; this module only runs and judges them.
"""

from __future__ import annotations

import functools
import logging
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from harness.comparison import same
from harness.expectations import NA, NONE, VALUE, Expectation, installed_version, not_characterized
from harness.frameworks.registry import FRAMEWORKS, REGISTRY
from harness.judge import PASSED, UNDEFINED
from harness.judge import judge as judge_values
from harness.records import BehaviourRecord
from harness.reference import Estimate
from harness.tolerances import DECLARED, for_dtype


@dataclass(frozen=True)
class Observed:
    """A framework's raw answer: kind (``value``, ``none``, ``error:<Type>``), values, dtype,
    the Python type of the gradient object, and warnings (Python ``warnings`` and log records)."""

    kind: str
    value: np.ndarray | None = None
    dtype: str = ""
    type: str = ""
    warnings: tuple[str, ...] = ()
    detail: str = ""

    def summary(self) -> str:
        """``value [0.5, 0.5] float32 (warns UserWarning)``: short enough for a table cell."""
        parts = [self.kind]
        if self.value is not None:
            # one line, whatever the shape: it is a table cell
            text = np.array2string(np.asarray(self.value), precision=6, separator=", ", max_line_width=10**6)
            parts += [" ".join(text.split()), self.dtype]
        if self.warnings:
            parts.append(f"(warns {', '.join(sorted({w.split(':')[0] for w in self.warnings}))})")
        return " ".join(parts)


@dataclass(frozen=True, eq=False)
class Behaviour:
    """One row: a situation, each framework's expected raw answer, and the verified fix.

    ``observe[fw]()`` returns the raw gradient (array-like or ``None``) or raises.
    ``fixed[fw]()`` returns the gradient obtained with the idiomatic fix, as NumPy.
    ``reference()`` returns the float64 finite-difference answer for the fixed values
    (an :class:`~harness.reference.Estimate`); ``None`` where no reference is defined (a kink).
    """

    id: str
    title: str
    expect: Mapping[str, Expectation]
    observe: Mapping[str, Callable[[], Any]]
    fix: str
    fixed: Mapping[str, Callable[[], Any]] = field(default_factory=dict)
    reference: Callable[[], Estimate] | None = None
    no_reference: str = ""

    def __post_init__(self):
        if self.id.count("/") != 1:
            raise ValueError(f"behaviour id {self.id!r} must read '<section>/<name>'")
        for fw, exp in self.expect.items():
            if exp.kind != NA and fw not in self.observe:
                raise ValueError(f"{self.id}: {fw} is expected {exp.kind!r} but has no observe function")
        if self.reference is None and not self.no_reference:
            raise ValueError(f"{self.id}: give a reference, or no_reference='why none is defined'")

    @property
    def section(self) -> str:
        return self.id.split("/")[0]

    def expected(self, framework: str) -> Expectation:
        """The declared answer for ``framework``; "not characterized" where the row does not name it, or names it for
        other releases than the one installed (its ``versions``)."""
        declared = self.expect.get(framework)
        version = installed_version(framework)
        if declared is not None and not declared.holds_in(version):
            return Expectation(NA, f"not characterized for {framework} {version}: declared for releases "
                                   f"{declared.versions}")
        return declared or not_characterized(framework)


class _LogCapture(logging.Handler):
    def __init__(self):
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(f"log:{record.getMessage()[:120]}")


def observe(fn: Callable[[], Any]) -> Observed:
    """Run an observe function and classify what it did (never raises for the framework's errors)."""
    capture = _LogCapture()
    loggers = [logging.getLogger(name) for f in REGISTRY for name in f.loggers]
    for logger in loggers:
        logger.addHandler(capture)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                raw = fn()
            except Exception as exc:  # the framework's error is the observation
                return Observed(f"error:{type(exc).__name__}", detail=str(exc).splitlines()[0][:200] if str(exc) else "",
                                warnings=tuple(f"{w.category.__name__}:{str(w.message)[:120]}" for w in caught)
                                + tuple(capture.messages))
        warned = tuple(f"{w.category.__name__}:{str(w.message)[:120]}" for w in caught) + tuple(capture.messages)
    finally:
        for logger in loggers:
            logger.removeHandler(capture)
    if raw is None:
        return Observed("none", warnings=warned)
    kind_type = type(raw).__name__
    value = np.asarray(_dense(raw))
    return Observed("value", value=value, dtype=str(value.dtype), type=kind_type, warnings=warned)


def _dense(raw: Any) -> Any:
    """Framework arrays to NumPy (TF's IndexedSlices densified), leaving NumPy as is."""
    if hasattr(raw, "values") and hasattr(raw, "indices") and hasattr(raw, "dense_shape"):
        dense = np.zeros(np.asarray(raw.dense_shape), dtype=np.asarray(raw.values).dtype)
        np.add.at(dense, np.asarray(raw.indices), np.asarray(raw.values))  # repeated indices add up
        return dense
    if hasattr(raw, "detach"):
        return raw.detach().cpu().numpy()
    return raw


def judge(observed: Observed, expected: Expectation) -> list[str]:
    """What differs between the observation and the expectation (empty: as expected)."""
    problems = []
    if observed.kind != expected.kind:
        problems.append(f"kind {observed.kind!r}, expected {expected.kind!r}")
    if expected.value is not None and observed.value is not None:
        # complex where either side is (a complex gradient's convention is in its imaginary part)
        as_type = np.complex128 if np.iscomplexobj(expected.value) or np.iscomplexobj(observed.value) else np.float64
        want = np.asarray(expected.value, dtype=as_type)
        got = np.asarray(observed.value, dtype=as_type)
        if got.shape != want.shape and got.size == want.size:
            got = got.reshape(want.shape)
        if not same(got, want, DECLARED):
            problems.append(f"value {np.array2string(got, precision=6)}, expected {np.array2string(want, precision=6)}")
    if expected.grad_dtype is not None and observed.dtype != expected.grad_dtype:
        problems.append(f"dtype {observed.dtype or 'none'}, expected {expected.grad_dtype}")
    if expected.grad_type is not None and observed.type != expected.grad_type:
        problems.append(f"gradient type {observed.type or 'none'}, expected {expected.grad_type}")
    if expected.warns is not None and not any(expected.warns in w for w in observed.warnings):
        problems.append(f"no warning containing {expected.warns!r} (saw {list(observed.warnings) or 'none'})")
    return problems


def verify_fix(values: Any, ref: Estimate, dtype: str = "float64") -> tuple[bool, str]:
    """Whether the fixed values match the reference within the dtype's tolerance, and how closely. Where the
    reference finds no derivative (a kink: the norm at the zero vector), the fix must give a subgradient there, a
    value between the one-sided derivatives."""
    values = np.asarray(_dense(values))
    if np.iscomplexobj(values):  # compared as (re, im) pairs, as harness.complexes.gradient gives the reference
        from harness.complexes import as_pairs

        values = as_pairs(values)
    result = judge_values({"g": np.asarray(values, dtype=np.float64)}, {"g": ref}, for_dtype(dtype))
    detail = f"max abs error {result.max_abs:.2g} ({result.worst_ratio:.2g}x tolerance)"
    at_kink = result.verdict == UNDEFINED and result.subgradients()
    if at_kink:
        detail += "; a subgradient where no derivative exists"
    return result.verdict == PASSED or at_kink, "; ".join(filter(None, [detail, result.undefined_text()]))


def record(behaviour: Behaviour, framework: str, observed: Observed | None, problems: list[str],
           fix_ok: bool | None, fix_detail: str) -> BehaviourRecord:
    """The record of one behaviour on one framework, for results/semantics.*."""
    expected = behaviour.expected(framework)
    return BehaviourRecord(
        id=behaviour.id, section=behaviour.section, title=behaviour.title, framework=framework,
        expected=expected.kind, why=expected.why, link=expected.link, observed=observed.summary() if observed else NA,
        detail="; ".join(filter(None, [observed.detail, *observed.warnings])) if observed else "",
        fix=behaviour.fix, fix_verified=fix_ok, fix_detail=fix_detail or behaviour.no_reference,
        verdict=NA if observed is None else ("pass" if not problems else "fail"), message="; ".join(problems))


def evaluate(behaviour: Behaviour, framework: str) -> tuple[BehaviourRecord, list[str]]:
    """Observe, judge and verify the fix of one behaviour on one framework.

    Returns:
        The record for the report, and the problems found (empty: the row holds as stated).
    """
    expected = behaviour.expected(framework)
    if expected.kind == NA:
        return record(behaviour, framework, None, [], None, ""), []
    observed = observe(behaviour.observe[framework])
    problems = judge(observed, expected)
    fix_ok, fix_detail = None, ""
    if framework in behaviour.fixed and behaviour.reference is not None:
        fixed = observe(behaviour.fixed[framework])
        if fixed.kind != "value":
            fix_ok, fix_detail = False, f"the fix gave {fixed.kind} {fixed.detail}".strip()
        else:
            fix_ok, fix_detail = verify_fix(fixed.value, behaviour.reference())
        if not fix_ok:
            problems.append(f"fix not verified against the reference: {fix_detail}")
    return record(behaviour, framework, observed, problems, fix_ok, fix_detail), problems


# -- rows written once: against the adapters' namespaces, or generated from the op table ---------

def gradient_in(framework: str, fn: Callable[[Any, Any], Any], x: Any, dtype: str = "float32") -> Any:
    """The raw gradient of ``sum(fn(xp, x))`` w.r.t. ``x``, asked of the framework the idiomatic way (its
    adapter: a ``tf.Variable`` on a tape, a torch leaf with ``requires_grad``, ``jax.vjp``); may be None or raise."""
    from harness import (
        frameworks,  # the adapters import their framework lazily, on first use
    )

    return frameworks.load(framework).vjp(lambda xp, x: fn(xp, x), {"x": np.asarray(x, dtype)}, ["x"])["x"]


def reference_of(fn: Callable[[Any, Any], Any], x: Any) -> Estimate:
    """The float64 finite-difference gradient of ``sum(fn(numpy, x))``."""
    from harness import reference
    from harness.plans import NUMPY

    point = {"x": np.asarray(x, np.float64)}
    return reference.gradient(lambda p: np.atleast_1d(np.sum(fn(NUMPY, p["x"]))), point, ["x"])["x"]


def written_once(fn: Callable[[Any, Any], Any], x: Any, dtype: str = "float32",
                 frameworks: tuple[str, ...] = FRAMEWORKS) -> dict[str, Callable[[], Any]]:
    """Observe functions: the same neutral ``fn(xp, x)`` asked of each framework."""
    return {fw: functools.partial(gradient_in, fw, fn, x, dtype) for fw in frameworks}


def _kink_answer(op_check: Any, framework: str, source: str) -> Any:
    from harness import check, frameworks

    answer = check.observe(op_check.case, frameworks.load(framework), "float32", fix=False)
    if isinstance(answer, BaseException):
        raise answer
    return answer[source]


def from_op_table(op_check: Any, title: str, *, id: str, fix: str, source: str = "x",
                  fixed: Callable[[Any, Any], Any] | None = None, missing: str = "") -> Behaviour:
    """A semantics row generated from a kink or tie of the op table, where its facts are declared once:
    each framework's answer (``at_kink``), its raw kind (a ``none``) and the reasons.

    Args:
        op_check: the op table's check at the kink (its sample's given values are the point).
        title, id, fix: the row's presentation (``id`` reads ``<section>/<name>``).
        source: which gradient the row shows.
        fixed: ``fixed(xp, x)``, the idiomatic fix, verified against the float64 reference at the same point.
        missing: why the frameworks the op table gives no answer for have no such op (n/a); without it
            they read "not characterized".
    """
    declared = op_check.declared_values("float32")
    if not declared:
        raise ValueError(f"{op_check.id}: the op table declares no answers here (use at_kink on the op)")
    expect = {}
    for fw, d in declared.items():
        raw = op_check.expectation(fw)
        if raw is not None and raw.kind == f"{source}:{NONE}":
            expect[fw] = Expectation(NONE, raw.why, raw.link)
        else:
            expect[fw] = Expectation(VALUE, d.why, d.link, value=d.value[source] if isinstance(d.value, dict) else d.value)
    if missing:
        expect |= {fw: Expectation(NA, missing) for fw in FRAMEWORKS if fw not in expect}
    x = op_check.sample.inputs[source].values
    return Behaviour(
        id, title, expect,
        {fw: functools.partial(_kink_answer, op_check, fw, source) for fw in declared}, fix=fix,
        fixed=written_once(fixed, x, "float64", tuple(declared)) if fixed else {},
        reference=functools.partial(reference_of, fixed, x) if fixed else None,
        no_reference="" if fixed else "a kink or tie: no derivative exists, so no reference (declared on the op table)")
