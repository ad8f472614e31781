"""The Case type: one gradient question, written once, and the registry that holds them.

A case is a function of a NumPy-like namespace ``xp`` and named inputs, plus how to draw those
inputs and what to ask of it (``mode``). The same function runs on NumPy in float64 (the
reference) and on each framework. Known divergences are data on the case (:class:`~harness.expectations.Expectation`), never
an ``if framework == ...`` in a test body.

Inside a case function, ``xp.tap(name, value)`` marks an intermediate value: it returns
``value`` unchanged, and the case can list ``name`` in ``taps`` to be differentiated against it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from harness import regimes
from harness.domains import ComplexDomain, Domain, signed
from harness.expectations import REGIMES, VALUE, Expectation, installed_version
from harness.frameworks.registry import FRAMEWORKS
from harness.tolerances import Tolerance

#: what a case can ask of a framework (see harness.check for how each is computed)
MODES = ("grad", "vjp", "jacobian", "jvp", "hvp", "per_target", "reuse", "model")


@dataclass(frozen=True)
class Input:
    """One named input: a constant or a source (differentiated against), drawn or given."""

    role: str
    shape: tuple[int, ...]
    domain: Domain | None = None
    values: np.ndarray | None = None

    def draw(self, rng: np.random.Generator) -> np.ndarray:
        if self.values is not None:
            return self.values.copy()
        return self.domain(rng, self.shape)

    def __repr__(self) -> str:
        where = "given" if self.values is not None else repr(self.domain)
        return f"{self.role}[{self.shape}, {where}]"


def _input(role: str, spec: Any, domain: Domain) -> Input:
    if isinstance(spec, tuple) and all(isinstance(n, int) for n in spec):
        return Input(role, spec, domain)
    values = np.asarray(spec, dtype=np.float64)
    if not np.array_equal(values, values.astype(np.float32)):
        raise ValueError(f"given {role} values must be exactly representable in float32: {spec!r}")
    return Input(role, values.shape, values=values)


def source(spec: Any, domain: Domain = signed) -> Input:
    """A source: a shape tuple drawn from ``domain``, or the given values (number/list/array)."""
    return _input("source", spec, domain)


def const(spec: Any, domain: Domain = signed) -> Input:
    """A constant input, same forms as :func:`source`."""
    return _input("const", spec, domain)


@dataclass(frozen=True, eq=False)  # eq=False: hashed by identity, so a case can key a cache
class Case:
    """One gradient question. ``id`` is ``"<category>/<name>"`` and appears in test ids."""

    id: str
    fn: Callable[..., Any]
    inputs: Mapping[str, Input]
    mode: str = "grad"
    taps: tuple[str, ...] = ()
    model: str | None = None
    expect: Mapping[str, Expectation] = field(default_factory=dict)
    tolerances: Mapping[str, Tolerance] = field(default_factory=dict)
    doc: str = ""
    #: the reference's first finite-difference step, where the default would leave the domain
    step: float | None = None

    def __post_init__(self):
        if self.id.count("/") != 1:
            raise ValueError(f"case id {self.id!r} must read '<category>/<name>'")
        if self.mode not in MODES:
            raise ValueError(f"{self.id}: unknown mode {self.mode!r}; use one of {', '.join(MODES)}")
        if not self.sources:
            raise ValueError(f"{self.id}: nothing to differentiate: give a source(...) input or taps")
        clash = set(self.taps) & set(self.inputs)
        if clash:
            raise ValueError(f"{self.id}: taps {sorted(clash)} share a name with inputs; rename one")
        unknown = {k for k in self.expect if k.split(":")[0] not in FRAMEWORKS
                   or k.count(":") > 1 or (":" in k and k.split(":")[1] not in REGIMES)}
        if unknown:
            raise ValueError(f"{self.id}: expect names unknown frameworks or regimes {sorted(unknown)}: keys read "
                             f"'<framework>' or '<framework>:<regime>', from {FRAMEWORKS} and {REGIMES}")
        if (self.mode == "model") != (self.model is not None):
            raise ValueError(f"{self.id}: mode='model' and model=... go together")
        if self.mode == "model" and not {"x", "t"} <= set(self.inputs):
            raise ValueError(f"{self.id}: a model case needs const inputs 'x' (features) and 't' (targets)")

    @property
    def category(self) -> str:
        return self.id.split("/")[0]

    @property
    def is_complex(self) -> bool:
        """Whether any input is complex (drawn from a complex domain): the case then runs in complex dtypes only."""
        return any(isinstance(i.domain, ComplexDomain) for i in self.inputs.values())

    @property
    def sources(self) -> tuple[str, ...]:
        """Names differentiated against: source inputs, then taps."""
        return tuple(n for n, i in self.inputs.items() if i.role == "source") + self.taps

    def expected(self, framework: str, regime: str = "eager", dtype: str | None = None) -> Expectation:
        """The expectation for ``framework`` in ``regime`` and ``dtype``: this case's declaration for that
        regime (key ``"<framework>:<regime>"``), else the regime's own for this mode (:data:`harness.regimes.KNOWN`),
        else this case's declaration for the framework (as the regime re-raises it: :func:`harness.regimes.traced`),
        else a plain value."""
        for found in (self.expect.get(f"{framework}:{regime}"), regimes.known(framework, regime, self.mode),
                      regimes.traced(framework, regime, self.expect.get(framework))):
            if found is not None and found.applies(dtype=dtype, regime=regime) and found.holds_in(
                    installed_version(framework)):
                return found
        return Expectation(VALUE, "a gradient like the reference's")

    def draw(self, seed: int) -> dict[str, np.ndarray]:
        """The inputs (float64, float32-representable) for ``seed``; stable per case id."""
        rng = np.random.default_rng([seed, *self.id.encode()])
        return {name: spec.draw(rng) for name, spec in self.inputs.items()}


class Registry:
    """Cases by id, in declaration order; a duplicate id is an error, not a silent overwrite."""

    def __init__(self, cases: list[Case] | None = None):
        self._cases: dict[str, Case] = {}
        for case in cases or []:
            self.add(case)

    def add(self, case: Case) -> Case:
        if case.id in self._cases:
            raise ValueError(f"duplicate case id {case.id!r}")
        self._cases[case.id] = case
        return case

    def __iter__(self) -> Iterator[Case]:
        return iter(self._cases.values())

    def __len__(self) -> int:
        return len(self._cases)

    def __getitem__(self, case_id: str) -> Case:
        return self._cases[case_id]

    def categories(self) -> list[str]:
        return list(dict.fromkeys(c.category for c in self))
