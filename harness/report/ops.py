"""results/ops.json (the op sweep's records) and results/ops.md (op × framework × dtype, per mode,
the conventions at kinks, and every disagreement found, each with how to reproduce it)."""

from __future__ import annotations

from dataclasses import fields

import pandas as pd

from harness.frameworks.registry import FRAMEWORKS, LABELS
from harness.records import OpCheckRecord, OpConvention, OpParity
from harness.report import store

SCHEMA = "gradparity/ops/1"
#: the files it writes under the results directory: <NAME>.json and <NAME>.md
NAME = "ops"
#: the record types this report renders
RECORDS = ("op", "op-parity", "op-convention")
MODE_TITLES = {"rev": "Reverse mode (VJP with a random cotangent)", "fwd": "Forward mode (JVP)",
               "order2": "Second order (HVP of sum(w · op))"}
SYMBOL = {"pass": "✓", "known": "K", "fail": "✗", "n/a": "n/a"}


def _cell(group: pd.DataFrame) -> str:
    verdicts = set(group["verdict"])
    for worst in ("fail", "known", "n/a"):
        if worst in verdicts:
            return SYMBOL[worst] + ("" if worst == "n/a" else f" {int((group['verdict'] == worst).sum())}")
    err = group["max_rel_err"].max()
    return "✓" + ("" if pd.isna(err) else f" {err:.0e}")


def _mode_table(checks: pd.DataFrame) -> str:
    checks = checks.assign(column=checks["framework"].map(LABELS)
                           + " " + checks["dtype"].str.replace("float", "f"))
    table = checks.groupby(["family", "op", "column"], sort=False).apply(_cell, include_groups=False).unstack("column")
    order = [c for fw in (LABELS[f] for f in FRAMEWORKS) for c in (f"{fw} f32", f"{fw} f64") if c in table.columns]
    return table[order].fillna("—").reset_index().to_markdown(index=False)


def _reproduce(test: str, ident: str) -> str:
    return f'`pytest "suites/test_ops.py::{test}[ops/{ident}]"`'


def render(data: dict) -> str:
    """The Markdown report for a loaded ops.json."""
    records = pd.DataFrame(data["records"])
    lines = ["# Op sweep: gradients of every common op in TensorFlow, PyTorch and JAX", "",
             *store.header(data), ""]
    if records.empty or "record" not in records:
        return "\n".join(lines + ["No op checks were recorded.", ""])
    # every field of its record type as a column, so a run without one kind of record still renders
    checks, par, conv = (records[records["record"] == cls.TAG].reindex(columns=[f.name for f in fields(cls)])
                         for cls in (OpCheckRecord, OpParity, OpConvention))
    counts = checks["verdict"].value_counts()
    by_family = checks.groupby("family", sort=False)["op"].nunique()
    lines += [
        f"**{checks['op'].nunique()} ops** ({', '.join(f'{n} {f}' for f, n in by_family.items())}) × "
        f"{checks['framework'].nunique()} frameworks × {checks['dtype'].nunique()} dtypes: "
        f"**{len(checks)} checks** — {counts.get('pass', 0)} pass, {counts.get('known', 0)} known divergences, "
        f"{counts.get('fail', 0)} fail, {counts.get('n/a', 0)} n/a (the framework has no such op). "
        f"{len(par)} cross-framework comparisons ({int((par['verdict'] == 'pass').sum()) if len(par) else 0} agree); "
        f"{len(conv)} conventions at kinks and ties ({int((conv['verdict'] == 'pass').sum()) if len(conv) else 0} "
        "as declared).",
        "",
        "Each smooth sample is checked against a float64 central-difference reference (Richardson "
        "extrapolation) in reverse mode, forward mode and, for ops with a nonzero second derivative, second "
        "order. Cells: ✓ and the worst relative error over the op's samples; K n: n checks fail as a declared, "
        "known divergence; ✗ n: n checks fail; n/a: the framework has no such op (reason below); — not run. "
        "The raw result kinds (None, zeros, errors) are in `results/ops.json`.",
        "",
    ]
    for mode, title in MODE_TITLES.items():
        subset = checks[checks["mode"] == mode]
        if not subset.empty:
            lines += [f"## {title}", "", _mode_table(subset), ""]
    lines += _conventions(conv) + _disagreements(checks, par, conv) + _unavailable(checks) + _composites(checks)
    return "\n".join(lines).rstrip() + "\n"


def _conventions(conv: pd.DataFrame) -> list[str]:
    if conv.empty:
        return []
    lines = ["## Conventions at kinks and ties", "",
             "No derivative exists here, so no reference: each framework's answer (the gradient for the "
             "sample's cotangent, after the framework's idiomatic fix for None) is shown, and the table "
             "declares which frameworks answer differently.", ""]
    rows = []
    for r in conv.itertuples():
        answers = r.answers
        rows.append({"op / sample": f"{r.op} / {r.sample}", "dtype": r.dtype, "inputs": r.inputs,
                     **{fw: answers.get(fw, "—") for fw in FRAMEWORKS},
                     "split": " · ".join("=".join(g) for g in r.groups),
                     "verdict": "as declared" if r.verdict == "pass" else "✗ undeclared"})
    return lines + [pd.DataFrame(rows).to_markdown(index=False), ""]


def _disagreements(checks: pd.DataFrame, par: pd.DataFrame, conv: pd.DataFrame) -> list[str]:
    lines = ["## Disagreements found", "",
             "Every place the sweep found frameworks answering differently from the reference or from each "
             "other, with the reason where it is known and the command that reproduces it.", ""]
    found = False
    odd_kinds = checks[(checks["verdict"] != "n/a") & checks["kind"].notna()
                       & (checks["kind"] != "value")].drop_duplicates(["op", "framework", "kind", "mode"])
    for r in odd_kinds.itertuples():
        found = True
        lines.append(f"- **{r.op}** ({r.mode}, {r.framework}): the raw result is `{r.kind}` where a gradient value is "
                     f"due{' — ' + r.why if r.why else ''}{' (' + r.link + ')' if r.link else ''}. "
                     f"Reproduce: {_reproduce('test_op', f'{r.id}-{r.framework}-{r.dtype}')}.")
    for r in checks[checks["verdict"].isin(["known", "fail"])].itertuples():
        found = True
        label = "known" if r.verdict == "known" else "**unexplained**"
        lines.append(f"- **{r.op}** / {r.sample} ({r.mode}, {r.framework} {r.dtype}), {label}: {r.message}"
                     f"{' — ' + r.why if r.why else ''}{' (' + r.link + ')' if r.link else ''}. "
                     f"Inputs: {r.inputs}. Reproduce: {_reproduce('test_op', f'{r.id}-{r.framework}-{r.dtype}')}.")
    for r in par[par["verdict"] == "fail"].itertuples() if not par.empty else []:
        found = True
        lines.append(f"- **{r.op}** / {r.sample} ({r.mode}, {r.dtype}), frameworks disagree: {r.message}. "
                     f"Reproduce: {_reproduce('test_op_frameworks_agree', f'{r.id}-{r.dtype}')}.")
    split = conv[conv["groups"].map(len) > 1] if not conv.empty else conv
    for r in split.itertuples():
        found = True
        why = "; ".join(d["why"] + (f" ({d['link']})" if d["link"] else "") for d in r.declared) or "undeclared"
        lines.append(f"- **{r.op}** / {r.sample} ({r.dtype}) at {r.inputs}: "
                     + "; ".join(f"{fw} {a}" for fw, a in r.answers.items())
                     + f" — {why}. Reproduce: {_reproduce('test_op_convention', f'{r.id}-{r.dtype}')}.")
    return lines + ([] if found else ["None."]) + [""]


def _unavailable(checks: pd.DataFrame) -> list[str]:
    na = checks[checks["verdict"] == "n/a"].drop_duplicates(["op", "framework", "why"])
    if na.empty:
        return []
    return ["## Not available", ""] + [f"- **{r.op}** on {r.framework}: {r.why}" for r in na.itertuples()] + [""]


def _composites(checks: pd.DataFrame) -> list[str]:
    if "composite" not in checks:
        return []
    comp = checks[checks["composite"].fillna("") != ""].drop_duplicates(["op", "framework"])
    if comp.empty:
        return []
    return (["## Entries that are not one native op", "",
             "Where a framework's idiom is a composition (JAX has no loss or pooling layers in core; TF takes a few "
             "activations from Keras), the sweep tests that composition:", ""]
            + [f"- **{r.op}** on {r.framework}: {r.composite}" for r in comp.itertuples()] + [""])
