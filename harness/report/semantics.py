"""results/semantics.json and results/semantics.md: each pitfall and convention side by side.

The page a person lands on when ``tape.gradient`` returned ``None``: a summary table (behaviour ×
framework, the raw answer) at the top, then per behaviour what each framework does and why, the
idiomatic fix and whether it matched the float64 reference; then the training-parity runs.
"""

from __future__ import annotations

import pandas as pd

from harness.frameworks.registry import FRAMEWORKS
from harness.report import measured, store

SCHEMA = "gradparity/semantics/1"
#: the files it writes under the results directory: <NAME>.json and <NAME>.md
NAME = "semantics"
#: the record types this report renders
RECORDS = ("behaviour", "training")


def _short(row: pd.Series) -> str:
    if row["verdict"] == "n/a":
        return "n/a"
    mark = "✓" if row["verdict"] == "pass" else "✗"
    return f"{mark} {' '.join(row['observed'].split()).replace('|', '/')}"  # one line: a table cell


def _fix_cell(group: pd.DataFrame) -> str:
    verified = group["fix_verified"].dropna()
    if verified.empty:
        return "—"
    return "✓" if verified.all() else "✗"


def _behaviours(frame: pd.DataFrame, data: dict | None = None) -> list[str]:
    summary = frame.pivot(index="id", columns="framework", values="cell").reindex(
        columns=[f for f in FRAMEWORKS if f in set(frame["framework"])])
    summary = summary.loc[list(dict.fromkeys(frame["id"]))]
    summary["fix verified"] = frame.groupby("id", sort=False).apply(_fix_cell, include_groups=False)
    # the releases each row held in, over this run and the version-set runs beside it
    summary["measured in"] = [" · ".join(t for fw in summary.columns[:-1] if (t := measured.text(
        data or {}, f"behaviour {bid} {fw}"))) or "—" for bid in summary.index]
    lines = ["## Summary", "", "Each cell: ✓ if the framework still behaves as this page states (✗: it changed), then "
             "its raw answer. *fix verified*: the idiomatic fix matched the float64 reference in every framework "
             "that has one (— where no reference is defined, e.g. at a kink). *measured in*: the releases in which "
             "the row held as stated (this run, and the version-set runs beside it).", "",
             summary.reset_index().to_markdown(index=False), ""]
    for section, rows in frame.groupby("section", sort=False):
        lines += [f"## {section}", ""]
        for behaviour_id, group in rows.groupby("id", sort=False):
            first = group.iloc[0]
            lines += [f"### `{behaviour_id}` — {first['title']}", ""]
            table = pd.DataFrame({
                "framework": group["framework"],
                "observed": group["cell"],
                "why": [("" if r.verdict != "n/a" else "") + r.why + (f" ([link]({r.link}))" if r.link else "")
                        for r in group.itertuples()],
                "fix checked": [("—" if pd.isna(r.fix_verified) else ("✓ " if r.fix_verified else "✗ ") + r.fix_detail)
                                if r.verdict != "n/a" else "" for r in group.itertuples()],
            })
            lines += [table.to_markdown(index=False), "", f"**Fix:** {first['fix']}", ""]
            failures = group[group["verdict"] == "fail"]
            lines += [f"> ✗ {r.framework}: {r.message}" for r in failures.itertuples()] + ([""] if len(failures) else [])
    return lines


def _training(frame: pd.DataFrame) -> list[str]:
    if frame.empty:
        return []
    table = frame[["run", "framework", "dtype", "method", "steps", "max_trajectory_diff", "final_vs_closed_form",
                   "tolerance", "verdict"]].copy()
    table["max_trajectory_diff"] = table["max_trajectory_diff"].map(lambda v: f"{v:.2e}")
    table["final_vs_closed_form"] = table["final_vs_closed_form"].map(lambda v: "—" if pd.isna(v) else f"{v:.2e}")
    return ["## Training parity", "",
            "Linear regressions trained step for step from identical initial weights. *max trajectory diff*: the "
            "largest difference of any parameter at any step from the float64 NumPy run of the same update; "
            "*final vs closed form*: distance of the final parameters from the least-squares solution (— where "
            "the run is not meant to converge). TF's optimizers keep the learning rate in float32, so their "
            "float64 runs are held to float32's rounding of the rate (rtol 1e-7).", "",
            *[f"- **{name}**: {doc}" for name, doc in frame.groupby("run", sort=False)["doc"].first().items()],
            "", table.to_markdown(index=False, disable_numparse=True), ""]


def render(data: dict) -> str:
    """The Markdown page for a loaded semantics results dict."""
    records = pd.DataFrame(data["records"])
    behaviours = records[records["record"] == "behaviour"].copy() if not records.empty else records
    training = records[records["record"] == "training"] if not records.empty else records
    lines = ["# Gradient semantics: why a gradient is None, side by side", "", *store.header(data), ""]
    if not behaviours.empty:
        behaviours["cell"] = behaviours.apply(_short, axis=1)
        tested = behaviours[behaviours["verdict"] != "n/a"]
        lines += [f"**{behaviours['id'].nunique()} behaviours × {behaviours['framework'].nunique()} frameworks**: "
                  f"{int((tested['verdict'] == 'pass').sum())} as stated, {int((tested['verdict'] == 'fail').sum())} "
                  f"changed, {int((behaviours['verdict'] == 'n/a').sum())} n/a (no such concept). "
                  f"Fixes verified against the float64 reference: {int((behaviours['fix_verified'] == True).sum())}"  # noqa: E712
                  f" of {int(behaviours['fix_verified'].notna().sum())}.", ""]
        lines += _behaviours(behaviours, data)
    lines += _training(training)
    return "\n".join(lines).rstrip() + "\n"
