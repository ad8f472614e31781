"""The one way to declare what a framework answers, and the one vocabulary of result kinds.

Cases (``Case.expect``), ops (``Op.divergences``) and behaviours (``Behaviour.expect``) all declare
:class:`Expectation` s: the raw result *kind* a framework gives, whether its values are known to be
*wrong* or a *convention* at a kink, *why* (and an upstream *link*), and *where* it applies
(frameworks, dtypes, modes, samples, regimes; empty means everywhere). Records and reports use the
same kinds:

- ``value``: a gradient (compared with the reference, or with the declared ``value``);
- ``overflow``: in float16/bfloat16, a gradient with ±inf or NaN entries (an intermediate left the dtype's range);
- ``underflow``: in float16/bfloat16, entries that are exactly 0 and out of tolerance where the reference is a
  normal number of the dtype (an intermediate flushed to zero or cancelled);
- ``none``: the framework answered ``None``; ``zeros``: every entry exactly 0;
- ``error:<Type>``: the call raised ``<Type>``;
- ``<name>:none`` / ``<name>:zeros``, comma-joined: per named gradient, where there are several;
- ``n/a``: the framework has no such concept (or, for a framework a declaration does not name,
  it is *not characterized*: nobody has measured it yet).
"""

from __future__ import annotations

import functools
import importlib.metadata
from dataclasses import dataclass
from typing import Any

import numpy as np
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import InvalidVersion, Version

from harness.frameworks.registry import FRAMEWORKS

VALUE, NONE, ZEROS, NA = "value", "none", "zeros", "n/a"
DTYPES = ("float32", "float64", "float16", "bfloat16", "complex64", "complex128")
#: complex dtypes: only cases with complex inputs run in them, and those only in them
COMPLEX = ("complex64", "complex128")
#: the low-precision dtypes: inputs are rounded to them and the reference taken at the rounded point
LOW_PRECISION = ("float16", "bfloat16")
OVERFLOW, UNDERFLOW = "overflow", "underflow"
#: the regimes a check runs in (see :mod:`harness.regimes`); declarations name them in ``regimes``
REGIMES = ("eager", "compiled", "xla")


def classify(grads: dict[str, np.ndarray | None] | BaseException, dtype: str | None = None) -> str:
    """The raw result kind of named gradients: ``error:<Type>``, ``value``, or the odd ones by name.

    A gradient is ``none`` where the framework answered ``None`` and ``zeros`` where every entry
    is exactly 0; e.g. ``"y:none"`` (TF, an unconnected source) or ``"y:zeros"`` (JAX, same). In a
    low-precision ``dtype``, any ±inf or NaN entry makes the kind ``overflow``.
    """
    if isinstance(grads, BaseException):
        return f"error:{type(grads).__name__}"
    if dtype in LOW_PRECISION and any(g is not None and not np.all(np.isfinite(np.asarray(g, np.float64)))
                                      for g in grads.values()):
        return OVERFLOW
    odd = []
    for name in sorted(grads):
        g = grads[name]
        if g is None:
            odd.append(f"{name}:{NONE}")
        elif g.size and not np.any(g):
            odd.append(f"{name}:{ZEROS}")
    return ",".join(odd) or VALUE


@dataclass(frozen=True)
class Expectation:
    """What a framework answers somewhere, where that is not simply a gradient like the reference's.

    Args:
        kind: the raw result kind (see the module docstring).
        why: the reason, in a sentence a user can act on.
        link: an upstream issue or document, where one exists.
        frameworks: the frameworks it concerns (in a ``{framework: Expectation}`` mapping, the key).
        wrong: the values disagree with the reference: the check is a strict expected failure
            (it fails loudly once the framework is fixed).
        convention: at a kink or tie (no reference), these frameworks answer differently from the others.
        fixable: the framework's idiomatic fix (zeros for unconnected sources, a persistent
            recording) turns the raw answer into values to compare; ``False`` where none exists.
        value: the expected values, where the number is the behaviour (an accumulated ``.grad``); NaN matches NaN.
        grad_dtype: the expected dtype of the gradient, where that is the behaviour.
        grad_type: the expected Python type name of the gradient object (``IndexedSlices``).
        warns: a substring that must appear among the warnings raised or logged.
        samples, modes, dtypes, regimes: where it applies; empty means everywhere.
        within: ``(low, high)``: where the values of x it concerns lie (closed); a check applies it where any
            of its inputs does, the extreme-value sweep to each point inside. A defect is declared by where it
            holds, not by which sample happened to land there.
        tolerance: a :class:`~harness.tolerances.Tolerance` these frameworks' values are judged at instead of
            the dtype's (a known imprecision everywhere, not a wrong value somewhere): stated in every record.
        strict: whether a wrong value here is a strict expected failure (it is not where drawn inputs may
            only sometimes reach the declared range).
        versions: the releases of the named frameworks it holds in, as a PEP 440 specifier (``"<2.21"``: fixed in
            2.21; ``">=0.10"``: new in 0.10); empty: every release measured. A declaration that holds in one release
            and not in another says so here, as data, and does not apply where the installed release is outside it.
    """

    kind: str = VALUE
    why: str = ""
    link: str = ""
    frameworks: tuple[str, ...] = ()
    wrong: bool = False
    convention: bool = False
    fixable: bool = True
    value: Any = None
    grad_dtype: str | None = None
    grad_type: str | None = None
    warns: str | None = None
    samples: tuple[str, ...] = ()
    modes: tuple[str, ...] = ()
    dtypes: tuple[str, ...] = ()
    regimes: tuple[str, ...] = ()
    within: tuple[float, float] | None = None
    tolerance: Any = None
    strict: bool = True
    versions: str = ""

    def __post_init__(self):
        try:
            SpecifierSet(self.versions)
        except InvalidSpecifier:
            raise ValueError(f"versions={self.versions!r}: give a PEP 440 specifier such as '<2.21' or "
                             f"'>=0.9,<0.10'") from None
        if self.tolerance is not None and not (self.dtypes and self.frameworks):
            raise ValueError("a declared tolerance names the frameworks and dtypes it widens")
        if self.within is not None and not self.within[0] <= self.within[1]:
            raise ValueError(f"within={self.within}: give the range of x as (low, high), low <= high")
        for name, known, given in (("frameworks", FRAMEWORKS, self.frameworks), ("dtypes", DTYPES, self.dtypes),
                                   ("regimes", REGIMES, self.regimes)):
            unknown = sorted(set(given) - set(known))
            if unknown:
                raise ValueError(f"expectation names unknown {name} {unknown}: use {', '.join(known)}")
        if self.convention and (self.wrong or self.kind != VALUE):
            raise ValueError("a convention concerns values at a kink: drop wrong= and kind=")
        if not (self.kind in (VALUE, NONE, ZEROS, NA, OVERFLOW, UNDERFLOW) or self.kind.startswith("error:") or ":" in self.kind):
            raise ValueError(f"unknown result kind {self.kind!r}: value, none, zeros, error:<Type>, "
                             "<name>:none/<name>:zeros, or n/a")

    def applies(self, *, framework: str | None = None, sample: str | None = None, mode: str | None = None,
                dtype: str | None = None, regime: str = "eager") -> bool:
        """Whether it holds there (an argument left ``None`` is not a restriction; ``within`` is :meth:`covers`')."""
        def within(value, allowed):
            return value is None or not allowed or value in allowed
        return (within(framework, self.frameworks) and within(sample, self.samples) and within(mode, self.modes)
                and within(dtype, self.dtypes) and within(regime, self.regimes)
                and (framework is None or self.holds_in(installed_version(framework))))

    def holds_in(self, version: str | None) -> bool:
        """Whether a release ``version`` of the framework lies in :attr:`versions` (``None``: not installed, so no
        release excludes it)."""
        if not self.versions or version is None:
            return True
        try:
            return Version(version) in SpecifierSet(self.versions)
        except InvalidVersion:
            return True

    def covers(self, x: Any) -> np.ndarray:
        """Which values of ``x`` lie in the declared range (all of them where none is declared)."""
        x = np.asarray(x, np.float64)
        if self.within is None:
            return np.ones(x.shape, bool)
        return (x >= self.within[0]) & (x <= self.within[1])


@functools.cache
def installed_version(framework: str) -> str | None:
    """The installed release of ``framework`` (its registry row's first installed package), or ``None``."""
    from harness.frameworks.registry import BY_NAME

    row = BY_NAME.get(framework)
    for package in (row.packages if row else ()):
        try:
            return importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            continue
    return None


def divergence(frameworks: tuple[str, ...], why: str, link: str = "", **where: Any) -> Expectation:
    """The op table's form: ``divergence((TF,), "why", "TF#123", kind="x:none", samples=("kink",))``."""
    return Expectation(why=why, link=link, frameworks=tuple(frameworks), **where)


def na(why: str) -> Expectation:
    """A framework with no such concept, and the reason."""
    return Expectation(NA, why)


def not_characterized(framework: str) -> Expectation:
    """What a declaration that does not name ``framework`` says of it."""
    return Expectation(NA, f"not characterized for {framework}: no declaration names it yet")
