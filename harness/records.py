"""Every record a run leaves behind, as a dataclass: correctness (:class:`Outcome`, :class:`Parity`),
the op sweep (:class:`OpCheckRecord`, :class:`OpParity`, :class:`OpConvention`, :class:`ExtremeRecord`), semantics
(:class:`BehaviourRecord`, :class:`TrainingRecord`). Plain data with ``to_dict``/:func:`from_dict`;
renderers read only these dicts, so any stored run can be re-rendered.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import numpy as np

# -- the registry of record types: every record carries its tag, and any stored one can be rebuilt --

RECORD_TYPES: dict[str, type] = {}


def _tagged(tag: str):
    def register(cls):
        cls.TAG = tag
        RECORD_TYPES[tag] = cls
        return cls
    return register


class Record:
    """A record's plain-dict form (``{"record": tag, **fields}``), for JSON and renderers."""

    TAG = ""

    def to_dict(self) -> dict[str, Any]:
        return {"record": self.TAG, **dataclasses.asdict(self)}


def to_dict(item: Record | dict) -> dict[str, Any]:
    """A record as the plain dict results files hold (a dict passes through)."""
    return item if isinstance(item, dict) else item.to_dict()


def from_dict(data: dict[str, Any]) -> Record:
    """Rebuild a record from its dict (unknown keys are an error: the schema changed).

    Raises:
        ValueError: no such record type, or fields that type does not have.
    """
    cls = RECORD_TYPES.get(data.get("record", ""))
    if cls is None:
        raise ValueError(f"unknown record type {data.get('record')!r}; known: {', '.join(RECORD_TYPES)}")
    return cls(**{k: v for k, v in data.items() if k != "record"})


@_tagged("outcome")
@dataclass
class Outcome(Record):
    """One check of one case on one framework, dtype and device."""

    case: str
    category: str
    mode: str
    framework: str
    version: str
    dtype: str
    device: str
    inputs: str
    kind: str
    expected_kind: str
    max_abs_err: float | None
    max_rel_err: float | None
    worst_ratio: float | None  # max over entries of |error| / allowance; <= 1 passes
    worst_at: str
    tolerance: str
    verdict: str  # "pass" or "fail"
    message: str
    raw_error: str = ""
    regime: str = "eager"  # see harness.regimes
    #: in a compiled regime: max over entries of |compiled - eager| / (their joint allowance); <= 1 agrees
    vs_eager: float | None = None
    #: the entries where the reference has no value (a kink, a tie, outside the domain), named; not compared
    undefined: str = ""


@_tagged("parity")
@dataclass
class Parity(Record):
    """The frameworks' gradients for one case and dtype, compared with each other."""

    case: str
    category: str
    dtype: str
    device: str
    frameworks: list[str]
    max_abs_diff: dict[str, float]  # "a~b" -> max |a - b| over every compared entry
    worst_ratio: float
    verdict: str
    message: str
    regime: str = "eager"


# -- the op sweep --------------------------------------------------------------------------------

@dataclass
class _OpBase(Record):
    """Where an op-sweep record was taken: op, family, sample, mode, the sample's inputs, dtype, device."""

    op: str
    family: str
    sample: str
    mode: str
    id: str
    inputs: str
    framework: str | None
    dtype: str
    device: str


def _sample_values(sample: Any) -> str:
    """The sample's given inputs, written out (drawn ones by shape and domain)."""
    parts = []
    for name, spec in sample.inputs.items():
        shown = np.array2string(spec.values, separator=", ") if spec.values is not None else repr(spec)
        parts.append(f"{name}={shown}")
    parts += [f"{k}={v!r}" for k, v in sample.kwargs.items()]
    return ", ".join(parts).replace("\n", "")


def _where(op_check: Any, framework: str | None, dtype: str, device: str) -> dict[str, Any]:
    return {"op": op_check.op.name, "family": op_check.op.family, "sample": op_check.sample.label,
            "mode": op_check.mode, "id": op_check.id, "inputs": _sample_values(op_check.sample),
            "framework": framework, "dtype": dtype, "device": device}


@_tagged("op")
@dataclass
class OpCheckRecord(_OpBase):
    """One op at one sample and mode on one framework and dtype, against the reference.

    ``verdict`` is ``pass``, ``fail``, ``known`` (fails as a declared wrong value) or ``n/a`` (the
    framework lacks the op; ``why`` says so, and the comparison fields are empty).
    """

    verdict: str = ""
    why: str = ""
    version: str | None = None
    kind: str | None = None
    expected_kind: str | None = None
    tolerance: str = ""
    max_abs_err: float | None = None
    max_rel_err: float | None = None
    worst_ratio: float | None = None
    worst_at: str = ""
    message: str = ""
    raw_error: str = ""
    link: str = ""
    composite: str = ""
    regime: str = "eager"
    vs_eager: float | None = None  # as Outcome.vs_eager
    undefined: str = ""  # as Outcome.undefined

    @classmethod
    def unavailable(cls, op_check: Any, framework: str, dtype: str, device: str, why: str,
                    regime: str = "eager") -> OpCheckRecord:
        """The record of an op a framework lacks (in that dtype or regime)."""
        return cls(**_where(op_check, framework, dtype, device), verdict="n/a", why=why, regime=regime)

    @classmethod
    def checked(cls, op_check: Any, outcome: Outcome, known: Any, composite: str = "") -> OpCheckRecord:
        """The record of one check; ``known`` is the declared expectation of wrong values, if any."""
        o = dataclasses.asdict(outcome)
        expected = op_check.case.expected(outcome.framework, outcome.regime, outcome.dtype)
        declared = known if known is not None else (expected if expected.kind != "value" else None)
        keep = ("version", "kind", "expected_kind", "max_abs_err", "max_rel_err", "worst_ratio", "worst_at",
                "tolerance", "message", "raw_error", "regime", "vs_eager", "undefined")
        return cls(**_where(op_check, outcome.framework, outcome.dtype, outcome.device), **{k: o[k] for k in keep},
                   verdict="known" if known is not None and o["verdict"] == "fail" else o["verdict"],
                   why=declared.why if declared else "", link=declared.link if declared else "", composite=composite)


@_tagged("op-parity")
@dataclass
class OpParity(_OpBase):
    """The frameworks compared with each other at a smooth sample."""

    frameworks: list[str] = dataclasses.field(default_factory=list)
    max_abs_diff: dict[str, float] = dataclasses.field(default_factory=dict)
    worst_ratio: float = 0.0
    verdict: str = ""
    message: str = ""
    regime: str = "eager"

    @classmethod
    def of(cls, op_check: Any, agreement: Parity) -> OpParity:
        return cls(**_where(op_check, None, agreement.dtype, agreement.device), frameworks=agreement.frameworks,
                   max_abs_diff=agreement.max_abs_diff, worst_ratio=agreement.worst_ratio,
                   verdict=agreement.verdict, message=agreement.message, regime=agreement.regime)


@_tagged("op-extreme")
@dataclass
class ExtremeRecord(Record):
    """One op's gradient across its whole domain on one framework and dtype, against the exact derivative.

    ``verdict``: ``pass`` (every point within tolerance), ``known`` (the points that are not lie in declared
    ranges), ``fail``, or ``n/a``. ``failing`` lists the ranges of x where points fail; ``profile`` is
    ``[x, ulps]`` pairs, the worst error per bin of log|x| on each side of 0, for plots.
    """

    op: str
    framework: str
    dtype: str
    device: str
    version: str = ""
    verdict: str = ""
    why: str = ""
    points: int = 0
    ok: int = 0
    defects: int = 0
    inexact: int = 0
    failing: str = ""
    # the worst point: where, what the framework gave, the exact derivative; then its error against the allowance
    worst_x: float | None = None
    worst_got: float | None = None
    worst_exact: float | None = None
    tolerance_ulps: float = 0.0
    worst_ulps: float | None = None
    worst_allowed: float | None = None
    declared: list[list[Any]] = dataclasses.field(default_factory=list)  # [low, high, why] per declared range
    profile: list[list[float]] = dataclasses.field(default_factory=list)


def summarize(answer: Any) -> str:
    """One framework's answer at a kink, short: ``x=[0, 0.5, 0.5]`` or ``error:RuntimeError``."""
    if isinstance(answer, BaseException):
        return f"error:{type(answer).__name__}"
    return " ".join(f"{k}={'None' if v is None else np.array2string(np.asarray(v).ravel()[:8], precision=4, separator=', ', max_line_width=10**6)}"
                    for k, v in sorted(answer.items()))


@_tagged("op-convention")
@dataclass
class OpConvention(_OpBase):
    """The frameworks' answers at a kink or tie (no reference exists), and what the table declares."""

    answers: dict[str, str] = dataclasses.field(default_factory=dict)
    groups: list[list[str]] = dataclasses.field(default_factory=list)
    declared: list[dict[str, Any]] = dataclasses.field(default_factory=list)
    verdict: str = ""
    #: what the reference's one-sided differences find there (the entries with no derivative, named)
    reference: str = ""

    @classmethod
    def of(cls, op_check: Any, dtype: str, device: str, answers: dict, found: list[list[str]], declared: list,
           verdict: str, reference: str = "") -> OpConvention:
        merged: dict[tuple[str, str], list[str]] = {}  # at_kink states one reason for every framework it names
        for d in declared:
            merged.setdefault((d.why, d.link), []).extend(fw for fw in d.frameworks if fw not in merged.get((d.why, d.link), []))
        return cls(**_where(op_check, None, dtype, device), answers={fw: summarize(a) for fw, a in answers.items()},
                   groups=found, declared=[{"frameworks": fws, "why": why, "link": link}
                                           for (why, link), fws in merged.items()], verdict=verdict,
                   reference=reference)


# -- semantics -----------------------------------------------------------------------------------

@_tagged("behaviour")
@dataclass
class BehaviourRecord(Record):
    """One behaviour on one framework: the expected and observed raw answers, and the verified fix."""

    id: str
    section: str
    title: str
    framework: str
    expected: str
    why: str
    link: str
    observed: str
    detail: str
    fix: str
    fix_verified: bool | None
    fix_detail: str
    verdict: str  # "pass", "fail", or "n/a" (no such concept, or not characterized, in this framework)
    message: str


@_tagged("training")
@dataclass
class TrainingRecord(Record):
    """One training run on one framework, method and dtype against the float64 NumPy trajectory."""

    run: str
    doc: str
    framework: str
    method: str
    dtype: str
    steps: int
    max_trajectory_diff: float
    relative_diff: float
    final_vs_closed_form: float | None
    tolerance: str
    verdict: str
    message: str


# -- benchmarks ----------------------------------------------------------------------------------

@_tagged("bench")
@dataclass
class BenchInfo(Record):
    """What one benchmark measured besides pytest-benchmark's own stats (its ``extra_info``): the
    conditions (framework, version, mode, dtype, device, threads) and what the timer cannot see."""

    workload: str
    case: str
    framework: str
    version: str
    mode: str  # eager or compiled
    phase: str  # forward, forward_backward or backward
    dtype: str
    device: str
    threads: int | None
    method: str
    first_call_s: float
    verified: list[str]  # the frameworks (or the reference) its gradient was verified against
    peak_device_bytes: int | None
    process_peak_rss_bytes: int | None
    #: floating-point operations of one call of this phase (harness.bench.flops; None where not counted)
    flops: float | None = None
    flops_counter: str = ""
    #: this process's measured matmul peak in the bench's dtype and threads (GFLOP/s)
    peak_gflops: float | None = None
