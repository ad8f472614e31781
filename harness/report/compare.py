"""Compare two benchmark runs, asv-style: ``+`` slower, ``-`` faster, ``~`` within the threshold,
``x`` not comparable (in one run only). Formatting is pure functions over the joined table."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from harness.report import bench

KEYS = ["case", "framework", "mode", "phase", "dtype"]


def parse_threshold(text: str) -> tuple[str, float]:
    """``"median:10%"`` -> ``("median", 0.10)``.

    Raises:
        ValueError: not of the form ``<stat>:<percent>%``.
    """
    match = re.fullmatch(r"(median|min|mean):(\d+(?:\.\d+)?)%", text.strip())
    if not match:
        raise ValueError(f"threshold {text!r}: use <stat>:<percent>%, e.g. median:10%")
    return match.group(1), float(match.group(2)) / 100


def mark(ratio: float, threshold: float) -> str:
    if np.isnan(ratio):
        return "x"
    if ratio > 1 + threshold:
        return "+"
    if ratio < 1 / (1 + threshold):
        return "-"
    return "~"


def compare(before: Path, after: Path, threshold: str = "median:10%") -> tuple[pd.DataFrame, bool]:
    """The joined table (before, after, ratio, mark) and whether anything got slower past the threshold."""
    _, limit = parse_threshold(threshold)
    a, _ = bench.load([before])
    b, _ = bench.load([after])
    joined = a[~a["derived"]].set_index(KEYS)[["median"]].join(
        b[~b["derived"]].set_index(KEYS)[["median"]], how="outer", lsuffix="_before", rsuffix="_after")
    joined["ratio"] = joined["median_after"] / joined["median_before"]
    joined["mark"] = [mark(r, limit) for r in joined["ratio"]]
    return joined.reset_index(), bool((joined["mark"] == "+").any())


def render(joined: pd.DataFrame) -> str:
    shown = joined.copy()
    shown["before"] = shown["median_before"].map(bench._time)
    shown["after"] = shown["median_after"].map(bench._time)
    shown["ratio"] = shown["ratio"].map(lambda r: "—" if np.isnan(r) else f"{r:.2f}")
    return shown[["mark", *KEYS, "before", "after", "ratio"]].to_markdown(index=False, disable_numparse=True)
