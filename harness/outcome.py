"""The records a check leaves behind: one :class:`Outcome` per case × framework × dtype × device,
one :class:`Parity` per case × dtype across frameworks. Plain data, rendered elsewhere.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import numpy as np


def classify(grads: dict[str, np.ndarray | None] | BaseException) -> str:
    """The raw result kind: ``error:<Type>``, ``value``, or the non-value gradients by name.

    A gradient is ``none`` where the framework answered ``None`` and ``zeros`` where every entry
    is exactly 0; e.g. ``"y:none"`` (TF, an unconnected source) or ``"y:zeros"`` (JAX, same).
    """
    if isinstance(grads, BaseException):
        return f"error:{type(grads).__name__}"
    odd = []
    for name in sorted(grads):
        g = grads[name]
        if g is None:
            odd.append(f"{name}:none")
        elif g.size and not np.any(g):
            odd.append(f"{name}:zeros")
    return ",".join(odd) or "value"


@dataclass
class Outcome:
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

    def to_dict(self) -> dict[str, Any]:
        return {"record": "outcome", **dataclasses.asdict(self)}


@dataclass
class Parity:
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

    def to_dict(self) -> dict[str, Any]:
        return {"record": "parity", **dataclasses.asdict(self)}
