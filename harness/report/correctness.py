"""results/correctness.json (the records) and results/correctness.md (the table people read).

The Markdown shows, per category, a case × framework matrix: in each cell the verdict, the
raw result kind where it is not a plain value (``y:none``, ``error:RuntimeError``), and the worst
relative error against the float64 reference per dtype; a last column gives the largest
difference between frameworks.
"""

from __future__ import annotations

import pandas as pd

from harness.report import store

SCHEMA = "gradparity/correctness/1"
#: the files it writes under the results directory: <NAME>.json and <NAME>.md
NAME = "correctness"
#: the record types this report renders
RECORDS = ("outcome", "parity")


def _cell(group: pd.DataFrame) -> str:
    mark = "✓" if (group["verdict"] == "pass").all() else "✗"
    kinds = sorted(set(group["kind"]) - {"value"})
    errs = " · ".join(f"{'—' if pd.isna(r) else f'{r:.0e}'}" for r in group.sort_values("dtype")["max_rel_err"])
    return " ".join(part for part in (mark, ", ".join(f"`{k}`" for k in kinds), errs) if part)


def _parity_cell(group: pd.DataFrame) -> str:
    mark = "✓" if (group["verdict"] == "pass").all() else "✗"
    worst = max((max(d.values(), default=0.0) for d in group["max_abs_diff"]), default=0.0)
    return f"{mark} {worst:.0e}"


def render(data: dict) -> str:
    """The Markdown report for a loaded results dict."""
    records = data["records"]
    outcomes = pd.DataFrame([r for r in records if r["record"] == "outcome"])
    parity = pd.DataFrame([r for r in records if r["record"] == "parity"])
    lines = ["# Gradient correctness", "", *store.header(data), ""]
    if outcomes.empty:
        return "\n".join(lines + ["No checks were recorded.", ""])
    passed = int((outcomes["verdict"] == "pass").sum())
    lines += [
        f"**{len(outcomes)} checks** ({outcomes['case'].nunique()} cases × frameworks × dtypes): "
        f"{passed} pass, {len(outcomes) - passed} fail. "
        f"{len(parity)} cross-framework comparisons: {int((parity['verdict'] == 'pass').sum()) if len(parity) else 0} agree.",
        "",
        "Each cell: ✓/✗, the raw result kind where it is not a plain value (`y:none`: that gradient was "
        "`None`; `y:zeros`: all zeros; `error:T`: the call raised T; the values then come from the "
        "framework's idiomatic fix), and the worst relative error against the float64 finite-difference "
        f"reference for {' · '.join(sorted(outcomes['dtype'].unique()))}. "
        "*Parity*: the largest absolute difference between frameworks.",
        "",
    ]
    summary = pd.crosstab(outcomes["framework"], outcomes["verdict"]).reset_index()
    lines += ["## By framework", "", summary.to_markdown(index=False), ""]
    for category, group in outcomes.groupby("category", sort=False):
        table = group.groupby(["case", "framework"], sort=False).apply(_cell, include_groups=False).unstack("framework")
        if not parity.empty:
            par = parity[parity["category"] == category].groupby("case", sort=False).apply(
                _parity_cell, include_groups=False)
            table["parity"] = par
        lines += [f"## {category}", "", table.fillna("—").reset_index().to_markdown(index=False), ""]
    failures = outcomes[outcomes["verdict"] == "fail"]
    lines += ["## Failures", ""]
    if failures.empty and (parity.empty or (parity["verdict"] == "pass").all()):
        lines += ["None.", ""]
    for r in failures.itertuples():
        lines.append(f"- `{r.case}-{r.framework}-{r.dtype}`: {r.message}")
    if not parity.empty:
        for r in parity[parity["verdict"] == "fail"].itertuples():
            lines.append(f"- parity `{r.case}-{r.dtype}`: {r.message}")
    return "\n".join(lines).rstrip() + "\n"
