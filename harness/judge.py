"""The one judge: a framework's derivative against the float64 reference, entry by entry.

The op sweep, the correctness cases, the public checker and the bench's verification all call :func:`judge`; what
they add is only how they ask the framework and how they word the verdict. Each entry of a derivative is one of:

- **passed**: within its allowance (:meth:`harness.tolerances.Tolerance.allowance`);
- **wrong**: beyond it. A NaN or ±inf where the reference is finite is always beyond it (a NaN compares false
  against any allowance, so "not over" is not "within");
- **undefined**: the reference has no value there: it is not finite (outside the domain, at a pole), or the
  one-sided derivatives differ by more than the allowance (a kink, a jump, a tie: :attr:`Estimate.jump`). Such an
  entry is neither passed nor failed, and it is named.

The allowance's scale comes from the finite entries only, so one undefined entry never loosens another's, and the
detection power counts only the entries actually compared.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from harness import tolerances
from harness.reference import Estimate
from harness.tolerances import Tolerance

PASSED, WRONG, UNDEFINED = "passed", "wrong gradient", "reference undefined"


@dataclass(frozen=True)
class Entry:
    """One judged entry worth naming: where it is, what the framework gave, what the reference says."""

    key: str
    index: tuple[int, ...]
    probe: bool
    got: float
    ref: float
    error: float
    allowed: float
    left: float | None = None
    right: float | None = None

    @property
    def where(self) -> str:
        """``" probe[3]"`` or ``"[2, 3]"``: the entry's index as a suffix of its key's path."""
        index = f"[{', '.join(map(str, self.index))}]" if self.index else ""
        return (" probe" if self.probe else "") + index

    def wrong(self) -> str:
        """``got 0.1, reference 0.2 ± 1e-12 (|diff| 0.1 > allowed 2e-8)``."""
        if not np.isfinite(self.got):
            return f"got {self.got}, reference {self.ref:.10g} ± {self.error:.2g} (not finite where the reference is)"
        diff = abs(self.got - self.ref)
        return (f"got {self.got:.10g}, reference {self.ref:.10g} ± {self.error:.2g} "
                f"(|diff| {diff:.3g} > allowed {self.allowed:.3g})")

    def undefined(self, answer: bool = True) -> str:
        """Why the reference has no value here, in the words a user can act on (with the framework's ``answer``)."""
        got = f" (got {self.got:.6g})" if answer else ""
        sides = self.left is not None and np.isfinite(self.left) and np.isfinite(self.right) and self.left != self.right
        if np.isfinite(self.ref) and sides:
            return f"not differentiable here — one-sided derivatives {self.left:.6g} and {self.right:.6g}{got}"
        return (f"no derivative here: the function is not finite or not continuous at this point, or no finite "
                f"difference converged{got}")


@dataclass
class Judgement:
    """A derivative judged against the reference, per comparison key (a source, an output leaf)."""

    got: dict[str, np.ndarray]        # per key: the framework's values, projected where the reference was
    allowance: dict[str, np.ndarray]  # per key: the permitted |got - ref|
    wrong: dict[str, np.ndarray]      # per key: entries beyond their allowance (non-finite answers included)
    undefined: dict[str, np.ndarray]  # per key: entries where the reference has no value
    ref: dict[str, Estimate] = field(repr=False)
    max_abs: float = 0.0
    max_rel: float = 0.0
    worst_ratio: float = 0.0
    worst: Entry | None = None

    @property
    def verdict(self) -> str:
        if any(m.any() for m in self.wrong.values()):
            return WRONG
        return UNDEFINED if any(m.any() for m in self.undefined.values()) else PASSED

    @property
    def compared(self) -> int:
        """How many entries were compared (every one but the undefined)."""
        return sum(int(m.size - m.sum()) for m in self.undefined.values())

    @property
    def worst_at(self) -> str:
        """The worst compared entry as one line: ``x entry[2]: got 0.1, reference 0.2 ± 1e-12``."""
        w = self.worst
        if w is None:
            return ""
        return f"{w.key}{w.where}: got {w.got:.9g}, reference {w.ref:.9g} ± {w.error:.2g}"

    def entry(self, key: str, flat: int) -> Entry:
        est = self.ref[key]
        value = self.got[key]
        index = tuple(int(i) for i in np.unravel_index(flat, value.shape)) if value.ndim else ()
        side = lambda a: None if a is None else float(np.ravel(a)[flat])  # noqa: E731
        return Entry(key, index, est.directions is not None, float(value.flat[flat]), float(est.value.flat[flat]),
                     float(est.error.flat[flat]), float(self.allowance[key].flat[flat]), side(est.left),
                     side(est.right))

    def entries(self, key: str, which: str, most: int = 3) -> list[Entry]:
        """The worst ``most`` wrong entries of ``key`` (``which="wrong"``), or its first undefined ones."""
        if which == "wrong":
            ratio = _ratio(self.got[key], self.ref[key].value, self.allowance[key], self.wrong[key])
            order = [int(i) for i in np.argsort(ratio, axis=None)[::-1] if self.wrong[key].flat[i]]
        else:
            order = [int(i) for i in np.flatnonzero(self.undefined[key])]
        return [self.entry(key, i) for i in order[:most]]

    def excuse(self, masks: Mapping[str, np.ndarray]) -> None:
        """Read the entries of ``masks`` as undefined, not wrong: non-finite answers where the function itself is
        not finite at the point (an output outside its domain), whose derivative the reference left out."""
        for key, mask in masks.items():
            self.undefined[key] = self.undefined[key] | mask
            self.wrong[key] = self.wrong[key] & ~mask

    def subgradients(self) -> bool:
        """Whether every undefined entry's answer lies between its one-sided derivatives (within its allowance): at a
        kink, a subgradient is what an idiomatic fix can promise (the zero of a norm at the zero vector)."""
        for key, mask in self.undefined.items():
            est = self.ref[key]
            if not mask.any():
                continue
            if est.left is None:
                return False
            low, high = np.minimum(est.left, est.right), np.maximum(est.left, est.right)
            got, allow = self.got[key], self.allowance[key]
            with np.errstate(invalid="ignore"):
                inside = (got >= low - allow) & (got <= high + allow)
            if not inside[mask].all():
                return False
        return True

    def summary(self) -> str:
        """One line for a record: the worst wrong entry, else nothing (undefined entries: :meth:`undefined_text`)."""
        for key in self.got:
            for e in self.entries(key, "wrong", 1):
                count = int(self.wrong[key].sum())
                return f"{key}{e.where}: {e.wrong()}; {count} of {self.wrong[key].size} entries of {key} over"
        return ""

    def undefined_text(self, most: int = 3, answer: bool = True) -> str:
        """The undefined entries, named (at most ``most``; with the framework's ``answer``), for a record."""
        parts, total = [], 0
        for key in self.got:
            total += int(self.undefined[key].sum())
            parts += [f"{key}{e.where}: {e.undefined(answer)}" for e in self.entries(key, "undefined", most)]
        if not total:
            return ""
        more = f" (and {total - len(parts[:most])} more)" if total > most else ""
        return f"reference undefined at {total} entr{'y' if total == 1 else 'ies'}: " + "; ".join(parts[:most]) + more


def _ratio(got: np.ndarray, ref: np.ndarray, allow: np.ndarray, wrong: np.ndarray) -> np.ndarray:
    """|got − ref| / allowance, 0 where equal, infinite where the answer is not finite and wrong."""
    with np.errstate(invalid="ignore", over="ignore"):
        diff = np.abs(got - ref)
        ratio = np.where(diff == 0, 0.0, diff / np.maximum(allow, 1e-300))
    return np.where(np.isnan(ratio) | (wrong & ~np.isfinite(got)), np.inf, ratio)


def judge(values: Mapping[str, np.ndarray | None], ref: Mapping[str, Estimate], tol: Tolerance | None, *,
          allowance: Mapping[str, np.ndarray] | None = None, exact_infinities: bool = False) -> Judgement:
    """A framework's (fixed) values against the reference, entry by entry; ``None`` counts as zeros (the value
    every framework's idiomatic fix gives).

    Args:
        values: key -> the framework's values (shaped like the source; projected where the reference probed).
        ref: key -> the reference's estimate.
        tol: the tolerance (:mod:`harness.tolerances`) the allowance follows.
        allowance: key -> a per-entry allowance instead of ``tol``'s (the extreme-value sweep's ULPs).
        exact_infinities: a non-finite reference entry is the answer itself, compared exactly (NaN with NaN, +inf
            with +inf: an exact derivative that overflows the dtype, a declared convention), not undefined.
    """
    got_all, allow_all, wrong_all, undefined_all = {}, {}, {}, {}
    max_abs = max_rel = worst_ratio = 0.0
    worst: Entry | None = None
    result = Judgement(got_all, allow_all, wrong_all, undefined_all, dict(ref))
    for key, est in ref.items():
        got = values.get(key)
        if got is None:
            got = np.zeros(est.value.shape if est.directions is None else est.directions.shape[1])
        got = np.asarray(got, dtype=np.float64)
        if est.directions is not None:
            with np.errstate(invalid="ignore", over="ignore"):
                got = est.directions @ got.ravel()
        got = got.reshape(est.value.shape)
        finite = np.isfinite(est.value)
        sizes = tolerances.size(np.where(finite, est.value, 0.0),
                                None if est.terms is None else np.where(finite, est.terms, 0.0))
        scale = float(np.max(sizes, initial=0.0))
        with np.errstate(invalid="ignore"):
            allow = allowance[key] if allowance is not None else tol.allowance(est.value, est.error, scale, est.terms)
            jump = np.zeros(est.value.shape) if est.jump is None else est.jump
            same = (got == est.value) | (np.isnan(got) & np.isnan(est.value))
            undefined = (~finite if not exact_infinities else np.zeros(finite.shape, bool)) | (jump > allow)
            diff = np.where(same, 0.0, np.abs(got - est.value))
            # NaN and ±inf answers are never within, not even an infinite allowance (inf <= inf)
            wrong = ~undefined & (~(diff <= allow) | (~np.isfinite(got) & ~same))
        got_all[key], allow_all[key], wrong_all[key], undefined_all[key] = got, allow, wrong, undefined
        if not (~undefined).any():
            continue
        ratio = np.where(undefined, -1.0, _ratio(got, est.value, allow, wrong))
        compared_diff = np.where(undefined, 0.0, np.where(np.isnan(diff), np.inf, diff))
        rel = compared_diff / np.maximum(np.abs(np.where(finite, est.value, 0.0)), max(1e-3 * scale, 1e-300))
        max_abs, max_rel = max(max_abs, float(compared_diff.max())), max(max_rel, float(rel.max()))
        i = int(np.argmax(ratio))
        if worst is None or ratio.flat[i] >= worst_ratio:
            worst_ratio, worst = float(ratio.flat[i]), result.entry(key, i)
    result.max_abs, result.max_rel, result.worst_ratio, result.worst = max_abs, max_rel, worst_ratio, worst
    return result


def exact(values: Mapping[str, np.ndarray | None]) -> dict[str, Estimate]:
    """Known values as a reference with no error bar (a closed form, or another computed answer to compare with
    under :func:`harness.tolerances.between`)."""
    return {k: Estimate(np.asarray(v, np.float64), np.zeros(np.shape(v))) for k, v in values.items() if v is not None}


def apart(a: Judgement, b: Judgement) -> tuple[float, float]:
    """How far two judged answers to the same question are from each other: the largest ``|a − b|`` and the largest
    ``|a − b| / (allowance_a + allowance_b)`` over the entries both compared. Non-finite values agree only with the
    same non-finite value (NaN with NaN, +inf with +inf); otherwise they are infinitely apart."""
    largest = ratio = 0.0
    for k in a.got:
        both = ~a.undefined[k] & ~b.undefined[k]
        x, y = a.got[k][both], b.got[k][both]
        with np.errstate(invalid="ignore"):
            same = (x == y) | (np.isnan(x) & np.isnan(y))
            diff = np.where(same, 0.0, np.abs(x - y))
        diff = np.where(np.isnan(diff), np.inf, diff)
        if diff.size:
            largest = max(largest, float(diff.max()))
            ratio = max(ratio, float(np.max(diff / np.maximum(a.allowance[k][both] + b.allowance[k][both], 1e-300))))
    return largest, ratio


@dataclass(frozen=True)
class DetectionPower:
    """What a check could have missed.

    Attributes:
        entries: derivative entries compared one by one (a weighted gradient entry per input coordinate in reverse
            mode, an output entry in forward mode); undefined entries are not counted.
        probes: random projections compared (sources larger than ``reference.FULL_LIMIT``).
        unsampled: input coordinates of large sources compared only through the projections.
        single_entry: the smallest error, confined to one Jacobian (or second-derivative) entry, that the check is
            guaranteed to catch, relative to the largest entry of that derivative; ``None`` where some coordinates
            were unsampled (no guarantee there).
    """

    entries: int = 0
    probes: int = 0
    unsampled: int = 0
    single_entry: float | None = 0.0
    #: ``single_entry`` is an absolute size, not a fraction: the derivative is 0 (or below its own allowance) here
    absolute: bool = False

    def __str__(self) -> str:
        compared = f"{self.entries} entries compared one by one, {self.probes} random probes"
        if self.single_entry is None:
            return (f"{compared}; {self.unsampled} coordinates only inside random projections: no single-entry "
                    f"guarantee for them")
        if self.absolute:
            return (f"{compared}; catches any error in a single Jacobian entry above {self.single_entry:.2g} "
                    f"(absolute: the derivative is 0 here, within its allowance)")
        return (f"{compared}; catches any error in a single Jacobian entry above {self.single_entry:.2g} of the "
                f"derivative's largest entry")

    def merged(self, other: DetectionPower) -> DetectionPower:
        if None in (self.single_entry, other.single_entry):
            return DetectionPower(self.entries + other.entries, self.probes + other.probes,
                                  self.unsampled + other.unsampled, None)
        # the weaker guarantee stands; an absolute one and a relative one are not comparable, so both are kept apart
        worse = max((self, other), key=lambda p: (p.absolute, p.single_entry))
        return DetectionPower(self.entries + other.entries, self.probes + other.probes,
                              self.unsampled + other.unsampled, worse.single_entry, worse.absolute)


def power(judged: Judgement, weight_floor: float) -> DetectionPower:
    """What ``judged`` could have missed, where each compared entry weighs every Jacobian entry it sums by at least
    ``weight_floor``: an error confined to one Jacobian entry moves one compared entry by at least ``weight_floor``
    times itself, and is caught once that exceeds the entry's allowance."""
    full = [k for k, est in judged.ref.items() if est.directions is None]
    compared = {k: ~judged.undefined[k] for k in judged.ref}
    scale = max((float(np.max(np.abs(judged.ref[k].value[compared[k]]), initial=0.0)) for k in full), default=0.0)
    widest = max((float(np.max(judged.allowance[k][compared[k]], initial=0.0)) for k in full), default=0.0)
    catches = widest / weight_floor
    # relative to the derivative's largest entry, unless that is itself within the allowance (a zero derivative)
    absolute = scale <= widest
    single = catches if absolute else catches / scale
    found = DetectionPower(absolute=absolute)
    for key, est in judged.ref.items():
        counted = int(compared[key].sum())
        if est.directions is None:
            found = found.merged(DetectionPower(entries=counted, single_entry=single, absolute=absolute))
            continue
        singles = (np.count_nonzero(est.directions, axis=1) == 1) & compared[key]
        sampled = int(singles.sum())
        found = found.merged(DetectionPower(entries=sampled, probes=counted - sampled,
                                            unsampled=est.directions.shape[1] - sampled, single_entry=None))
    return found
