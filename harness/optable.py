"""The op sweep's declarations: an :class:`Op` per differentiable op, its :class:`Sample` inputs, and
its known divergences (:class:`~harness.expectations.Expectation` s), expanded into the
:class:`~harness.cases.Case` s the checker runs.

An op is one short declaration: its neutral name (looked up in each framework's vocabulary,
``xp.ops.<name>``), its samples (named shapes and the hard values where ops break), the highest
derivative order checked, and what is known to differ, with the reason. Each smooth sample is
checked in reverse mode (a VJP with a random cotangent, so a wrong entry cannot cancel in a sum),
forward mode (a JVP) and, for ``order=2``, second order (the HVP of ``sum(w · op(x))``), each
against the float64 reference. A sample at a kink or tie (``smooth=False``) has no reference:
the frameworks' answers are compared with each other, and a difference is a *convention* the
op must declare.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from harness import exact, numpy_ops
from harness.cases import Case, Input, const, source
from harness.domains import Domain, normal, signed
from harness.expectations import REGIMES, Expectation
from harness.frameworks.registry import FRAMEWORKS
from harness.tolerances import Tolerance

#: named sizes, as OpInfo's S and M: every sample shape is built from these
S, M, B = 5, 3, 2
#: reverse mode, forward mode, second order: how a sample is differentiated
MODES = ("rev", "fwd", "order2")
CASE_MODE = {"rev": "vjp", "fwd": "jvp", "order2": "hvp"}
#: a second-order check costs ~64 reference evaluations per input element: keep samples small
ORDER2_MAX_ELEMENTS = 40


def given(values: Any) -> np.ndarray:
    """Values as the float32-representable float64 array both dtypes evaluate."""
    return np.asarray(values, dtype=np.float32).astype(np.float64)


@dataclass(frozen=True)
class Sample:
    """One call's inputs: array inputs (sources and constants) in call order, static keyword arguments.

    Args:
        label: names the sample in test ids and reports (``vector``, ``at-zero``, ``ties``).
        inputs: name -> :class:`~harness.cases.Input`, in the op's positional order.
        kwargs: static arguments (axes, shapes, integer indices as NumPy arrays).
        smooth: ``False`` where the derivative is undefined (a kink, a tie): no reference exists,
            so the frameworks are compared with each other only.
        step: the reference's first finite-difference step, only where a fixed-scale reference needs a
            smaller one than 2⁻⁵ of max(1, |x|) (the HVP's; state the reason beside it): first-order
            references find their own step.
        second_order: ``False`` where the op is piecewise linear at this sample (an L1 norm):
            its Hessian is zero, so there is no second-order check to make.
    """

    label: str
    inputs: Mapping[str, Input]
    kwargs: Mapping[str, Any] = field(default_factory=dict)
    smooth: bool = True
    step: float | None = None
    second_order: bool = True

    def __post_init__(self):
        if not any(i.role == "source" for i in self.inputs.values()):
            raise ValueError(f"sample {self.label!r}: nothing to differentiate; make one input a source(...)")

    @property
    def size(self) -> int:
        return sum(int(np.prod(i.shape)) for i in self.inputs.values() if i.role == "source")

    def __repr__(self) -> str:
        args = ", ".join(f"{n}={i!r}" for n, i in self.inputs.items())
        extra = "".join(f", {k}={v!r}" for k, v in self.kwargs.items())
        return f"{self.label}({args}{extra})"


def at_kink(why: str, link: str = "", *, samples: tuple[str, ...] = ("kink",), **values: Any) -> tuple[Expectation, ...]:
    """Each framework's answer at a kink or tie, where no reference exists: the gradient of the sum of the
    op's outputs, per source (a list where the only source is ``x``), as measured and declared::

        at_kink("d|x|/dx at 0: ...", "JAX#37820", tensorflow=[0.0], torch=[0.0], jax=[1.0])

    The answers are checked exactly (NaN matches NaN); frameworks outside the largest group of equal
    answers are the convention's odd ones out, as the reports show them.
    """
    def key(value: Any) -> str:
        return repr(sorted(value.items()) if isinstance(value, dict) else value)

    sizes = {k: sum(key(v) == k for v in values.values()) for k in map(key, values.values())}
    largest = max(sizes.values(), default=0)
    unique_majority = list(sizes.values()).count(largest) == 1
    return tuple(Expectation(why=why, link=link, frameworks=(fw,), value=value, samples=samples,
                             convention=not (unique_majority and sizes[key(value)] == largest) and len(sizes) > 1)
                 for fw, value in values.items())


def _named_call(name: str) -> Callable[..., Any]:
    return lambda xp, *arrays, **kwargs: getattr(xp.ops, name)(*arrays, **kwargs)


@dataclass(frozen=True, eq=False)
class Op:
    """One differentiable op of the sweep.

    Args:
        name: the neutral name (``erf``); ``xp.ops.<name>`` in every vocabulary unless ``call`` is given.
        family: ``unary``, ``binary``, ``reduction``, ``linalg``, ``shape``, ``nn``.
        samples: the inputs it is checked at.
        call: ``call(xp, *arrays, **kwargs)`` where the op needs more than its name (a list argument).
        order: 2 adds the second-order check on smooth samples; 1 checks first derivatives only.
        forward: whether forward mode (JVP) is checked.
        divergences: what is known to differ, with reasons.
        tolerances: per-dtype overrides of the tolerance table.
        zero: the derivative is 0 wherever it is defined (floor, sign): only reverse mode is
            checked (the sweep counts an all-zero gradient as a value, so the reference's 0 is the check).
        ref: what the name means in float64 NumPy, where NumPy's or SciPy's function of that name is not it
            (``lambda x: np.maximum(x, 0)`` for relu); declaring the row teaches it to the reference's vocabulary.
        found: what the sweep found in float16/bfloat16 (``suites/ops/low_precision.py``), declared like the
            divergences (it joins them).
    """

    name: str
    family: str
    samples: tuple[Sample, ...]
    call: Callable[..., Any] | None = None
    order: int = 2
    forward: bool = True
    divergences: tuple[Expectation, ...] = ()
    tolerances: Mapping[str, Tolerance] = field(default_factory=dict)
    zero: bool = False
    ref: Callable[..., Any] | None = None
    found: tuple[Expectation, ...] = ()
    #: looked up as ``xp.ops.<name>`` (no ``call``): every vocabulary must have an entry for it
    by_name: bool = field(default=False, init=False, repr=False)

    def __post_init__(self):
        object.__setattr__(self, "divergences", (*self.divergences, *(d for d in self.found if d not in self.divergences)))
        labels = [s.label for s in self.samples]
        if not labels:
            raise ValueError(f"op {self.name!r} has no samples")
        if len(set(labels)) != len(labels):
            raise ValueError(f"op {self.name!r}: duplicate sample labels {labels}")
        for d in self.divergences:
            stray = set(d.samples) - set(labels)
            if stray:
                raise ValueError(f"op {self.name!r}: divergence names samples {sorted(stray)} it does not have")
            if set(d.modes) - set(MODES) or not d.frameworks:
                raise ValueError(f"op {self.name!r}: a divergence names the frameworks it concerns and modes "
                                 f"among {MODES}, not {d.modes}")
        if self.order not in (1, 2):
            raise ValueError(f"op {self.name!r}: order must be 1 or 2, not {self.order}")
        if self.ref is not None:
            numpy_ops.REFERENCE.define(self.name, self.ref)
        if self.call is None:
            object.__setattr__(self, "call", _named_call(self.name))
            object.__setattr__(self, "by_name", True)
        if self.zero:
            object.__setattr__(self, "order", 1)
            object.__setattr__(self, "forward", False)

    @property
    def sweeps(self) -> tuple[exact.Swept, ...]:
        """Its extreme-value sweeps (the exact derivative and the domain it is swept over: ``harness/exact.py``)."""
        return tuple(s for s in exact.SWEPT if s.op == self.name)

    def divergences_for(self, framework: str, sample: str, mode: str, dtype: str | None = None,
                        regime: str = "eager") -> list[Expectation]:
        return [d for d in self.divergences
                if d.applies(framework=framework, sample=sample, mode=mode, dtype=dtype, regime=regime)]

    def checks(self) -> Iterator[OpCheck]:
        """Every (sample, mode) this op is checked in."""
        for sample in self.samples:
            if not sample.smooth:
                yield OpCheck(self, sample, "rev")
                continue
            yield OpCheck(self, sample, "rev")
            if self.forward:
                yield OpCheck(self, sample, "fwd")
            if self.order == 2 and sample.second_order and 0 < sample.size <= ORDER2_MAX_ELEMENTS:
                yield OpCheck(self, sample, "order2")


@dataclass(frozen=True, eq=False)
class OpCheck:
    """One op at one sample in one mode: an id for tests and reports, and the case to run."""

    op: Op
    sample: Sample
    mode: str

    @property
    def id(self) -> str:
        return f"{self.op.name}/{self.sample.label}/{self.mode}"

    @functools.cached_property
    def case(self) -> Case:
        """The case to run (built once, so its reference is computed once)."""
        return _build_case(self)

    def expectation(self, framework: str, regime: str = "eager") -> Expectation | None:
        """The divergence declaring a non-value result kind for ``framework`` here in ``regime``, if any; beyond
        eager, also one declaring a plain value for that regime alone (where a regime-wide error does not hold)."""
        found = self.op.divergences_for(framework, self.sample.label, self.mode, regime=regime)
        return next((d for d in found if d.kind != "value" or (
            regime != "eager" and d.regimes and not (d.wrong or d.convention or d.tolerance is not None))), None)

    def known_wrong(self, framework: str, dtype: str, seed: int = 0, regime: str = "eager") -> Expectation | None:
        """The divergence declaring ``framework``'s values here wrong (in ``regime``), if any; one declared
        ``within`` a range of x applies where the sample's inputs, drawn at ``seed``, reach into it."""
        found = self.op.divergences_for(framework, self.sample.label, self.mode, dtype, regime)
        for d in found:
            if d.wrong and d.within is None:
                return d
            if d.wrong and d.covers(self.source_values(seed)).any():
                # a drawn value inside the range may still land where the error is within tolerance
                drawn = any(i.values is None for i in self.sample.inputs.values() if i.role == "source")
                return dataclasses.replace(d, strict=not drawn)
        return None

    def source_values(self, seed: int) -> np.ndarray:
        """Every value of the sample's sources at ``seed``, flat."""
        from harness.plans import (
            plan,  # imported here to keep the op table importable without the checker
        )

        inputs = plan(self.case, seed).inputs
        names = [n for n, i in self.sample.inputs.items() if i.role == "source"]
        return np.concatenate([np.ravel(inputs[n]) for n in names]) if names else np.zeros(0)

    def conventions(self, dtype: str) -> list[Expectation]:
        """What the table declares at this kink: the odd ones out (``convention=True``) and declared answers."""
        return [d for d in self.op.divergences if (d.convention or d.value is not None)
                and d.applies(sample=self.sample.label, mode=self.mode, dtype=dtype)]

    def declared_values(self, dtype: str) -> dict[str, Expectation]:
        """Framework -> the expectation declaring its exact answer here (see :func:`at_kink`)."""
        return {fw: d for d in self.op.divergences if d.value is not None
                and d.applies(sample=self.sample.label, mode=self.mode, dtype=dtype) for fw in d.frameworks}


def _build_case(check: OpCheck) -> Case:
    op, sample = check.op, check.sample
    names, kwargs = list(sample.inputs), dict(sample.kwargs)

    def call(xp, **tensors):
        return op.call(xp, *(tensors[n] for n in names), **kwargs)

    fn, inputs = call, dict(sample.inputs)
    if check.mode == "order2":
        # second order of a scalar that involves every output entry: sum(w · op(x)), w drawn
        weights = {f"w{i}": const(shape, normal()) for i, shape in enumerate(_output_shapes(call, sample))}
        inputs |= weights

        def fn(xp, **tensors):
            w = [tensors.pop(n) for n in weights]
            outs = call(xp, **tensors)
            return sum(xp.sum(wi * o) for wi, o in zip(w, outs if isinstance(outs, tuple) else (outs,)))

    expect = {}
    for framework in FRAMEWORKS:
        eager = check.expectation(framework)
        for regime in REGIMES:
            d = check.expectation(framework, regime)
            if d is not None and (regime == "eager" or d is not eager):  # "<framework>:<regime>": Case.expected
                key = framework if regime == "eager" else f"{framework}:{regime}"
                expect[key] = Expectation(d.kind, d.why, d.link, fixable=not d.kind.startswith("error:"),
                                          regimes=() if regime == "eager" else (regime,))

    # at the kink of an elementwise op or a reduction the answer is read as a derivative (the gradient of
    # the sum of the outputs), so a declared convention reads like the documented one: d|x|/dx at 0 is 0
    # or 1, not a random multiple. Sorts, pools and scans keep the random cotangent: with ones, every
    # routing of a tie gives the same sum
    as_derivative = not sample.smooth and op.family in ("unary", "binary", "reduction") and op.name != "cummax"
    mode = "grad" if as_derivative else CASE_MODE[check.mode]
    tolerances = dict(op.tolerances)
    for d in op.divergences:
        if d.tolerance is not None and d.applies(sample=sample.label, mode=check.mode):
            tolerances |= {f"{fw}:{dt}": d.tolerance for fw in d.frameworks for dt in d.dtypes}
    return Case(f"{op.name}/{sample.label}-{check.mode}", fn, inputs, mode=mode, expect=expect,
                tolerances=tolerances, doc=repr(sample), step=sample.step)


def _output_shapes(fn: Callable, sample: Sample) -> list[tuple[int, ...]]:
    from harness.plans import (
        NUMPY,  # the reference namespace; imported here to keep this module light
    )

    rng = np.random.default_rng(0)
    out = fn(NUMPY, **{n: i.draw(rng) for n, i in sample.inputs.items()})
    return [np.shape(o) for o in (out if isinstance(out, tuple) else (out,))]


# -- sample factories: the shapes and hard values each family is checked at ----------------------

def elementwise(domain: Domain = signed, *, hard: Any = None, kinks: Any = None, **kwargs: Any) -> tuple[Sample, ...]:
    """A unary elementwise op: scalar, vector, matrix, an empty batch; ``hard`` smooth values where
    implementations break (large, tiny, near the domain's edge); ``kinks`` where the derivative is undefined."""
    samples = [Sample("scalar", {"x": source((), domain)}, kwargs), Sample("vector", {"x": source((S,), domain)}, kwargs),
               Sample("matrix", {"x": source((M, S), domain)}, kwargs),
               Sample("empty", {"x": source((0, S), domain)}, kwargs)]
    if hard is not None:
        samples.append(Sample("hard", {"x": source(given(hard))}, kwargs, second_order=False))
    if kinks is not None:
        samples.append(Sample("kink", {"x": source(given(kinks))}, kwargs, smooth=False))
    return tuple(samples)


def pairwise(dx: Domain = signed, dy: Domain = signed, *, hard: Any = None, ties: Any = None,
             y_constant: bool = False) -> tuple[Sample, ...]:
    """A binary elementwise op: same shapes, broadcasting a row and a scalar, hard pairs, ties/kinks
    (``hard`` and ``ties`` are ``(x values, y values)``); ``y_constant`` where y's derivative is 0."""
    y = const if y_constant else source
    samples = [Sample("matrix", {"x": source((M, S), dx), "y": y((M, S), dy)}),
               Sample("broadcast-row", {"x": source((M, S), dx), "y": y((S,), dy)}),
               Sample("broadcast-scalar", {"x": source((), dx), "y": y((M, S), dy)})]
    if hard is not None:
        samples.append(Sample("hard", {"x": source(given(hard[0])), "y": y(given(hard[1]))},
                              second_order=False))
    if ties is not None:
        samples.append(Sample("kink", {"x": source(given(ties[0])), "y": y(given(ties[1]))}, smooth=False))
    return tuple(samples)


def reducing(domain: Domain = signed, *, ties: Any = None, keepdims: bool = True,
             **kwargs: Any) -> tuple[Sample, ...]:
    """A reduction: a vector, all axes of a matrix, one axis, one axis of a batch with keepdims,
    and ``ties`` (a matrix reduced over its last axis) where the derivative is undefined."""
    samples = [Sample("vector", {"x": source((S,), domain)}, kwargs),
               Sample("all-axes", {"x": source((M, S), domain)}, kwargs),
               Sample("axis", {"x": source((M, S), domain)}, {**kwargs, "axis": -1}),
               Sample("axis-0", {"x": source((M, S), domain)}, {**kwargs, "axis": 0})]
    if keepdims:
        samples.append(Sample("keepdims", {"x": source((B, M, S), domain)}, {**kwargs, "axis": 1, "keepdims": True}))
    if ties is not None:
        samples.append(Sample("ties", {"x": source(given(ties))}, {**kwargs, "axis": -1}, smooth=False))
    return tuple(samples)


def scanning(domain: Domain = signed) -> tuple[Sample, ...]:
    """A cumulative op along an axis: a vector, each axis of a matrix."""
    return (Sample("vector", {"x": source((S,), domain)}, {"axis": 0}),
            Sample("axis", {"x": source((M, S), domain)}, {"axis": -1}),
            Sample("axis-0", {"x": source((M, S), domain)}, {"axis": 0}))


def sample(label: str, *, kwargs: Mapping[str, Any] | None = None, smooth: bool = True,
           step: float | None = None, second_order: bool = True, **inputs: Input) -> Sample:
    """A hand-made sample: ``sample("batched", a=source((B, M, M)), b=source((B, M, 1)))``."""
    return Sample(label, inputs, dict(kwargs or {}), smooth=smooth, step=step, second_order=second_order)
