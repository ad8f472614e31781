"""results/correctness.json (the records) and results/correctness.md (the table people read).

The Markdown shows, per category, a (case, regime) × framework matrix: in each cell the verdict,
the raw result kind where it is not a plain value (``y:none``, ``error:RuntimeError``), and the
worst relative error against the float64 reference per dtype; a last column gives the largest
difference between frameworks in that regime.
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
    if (group["verdict"] == "n/a").all():
        return "n/a"
    mark = "✗" if (group["verdict"] == "fail").any() else ("?" if (group["verdict"] == "undefined").all() else "✓")
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
    # records written before regimes existed were all eager
    outcomes = pd.DataFrame([{"regime": "eager", **r} for r in records if r["record"] == "outcome"])
    parity = pd.DataFrame([{"regime": "eager", **r} for r in records if r["record"] == "parity"])
    lines = ["# Gradient correctness", "", *store.header(data), ""]
    if outcomes.empty:
        return "\n".join(lines + ["No checks were recorded.", ""])
    passed = int((outcomes["verdict"] == "pass").sum())
    lines += [
        f"**{len(outcomes)} checks** ({outcomes['case'].nunique()} cases × frameworks × dtypes): "
        f"{passed} pass, {int((outcomes['verdict'] == 'fail').sum())} fail, "
        f"{int((outcomes['verdict'] == 'n/a').sum())} n/a (no kernel for the dtype); regimes: {', '.join(outcomes['regime'].unique())}. "
        f"{len(parity)} cross-framework comparisons: {int((parity['verdict'] == 'pass').sum()) if len(parity) else 0} agree.",
        "",
        "Each cell: ✓/✗, the raw result kind where it is not a plain value (`y:none`: that gradient was "
        "`None`; `y:zeros`: all zeros; `error:T`: the call raised T; the values then come from the "
        "framework's idiomatic fix), and the worst relative error against the float64 finite-difference "
        f"reference for {' · '.join(sorted(outcomes['dtype'].unique()))}. "
        "*Parity*: the largest absolute difference between frameworks in that regime. Regimes: `eager`; "
        "`compiled` (`tf.function`, `torch.compile`, `jax.jit` — also compared with the framework's own eager "
        "gradient); `xla` (`tf.function(jit_compile=True)`; TensorFlow only); `mixed` (the model cases with float32 "
        "weights computing in float16/bfloat16 by `torch.autocast`, a Keras `mixed_<dtype>` policy or JAX casts, "
        "against the float32 model's reference and the framework's own float32 gradient).",
        "",
    ]
    summary = pd.crosstab([outcomes["framework"], outcomes["regime"]], outcomes["verdict"]).reset_index()
    lines += ["## By framework and regime", "", summary.to_markdown(index=False), ""]
    for category, group in outcomes.groupby("category", sort=False):
        table = group.groupby(["case", "regime", "framework"], sort=False).apply(
            _cell, include_groups=False).unstack("framework")
        if not parity.empty:
            par = parity[parity["category"] == category].groupby(["case", "regime"], sort=False).apply(
                _parity_cell, include_groups=False)
            table["parity"] = par
        lines += [f"## {category}", "", table.fillna("—").reset_index().to_markdown(index=False), ""]
    failures = outcomes[outcomes["verdict"] == "fail"]
    lines += ["## Failures", ""]
    if failures.empty and (parity.empty or (parity["verdict"] == "pass").all()):
        lines += ["None.", ""]
    for r in failures.itertuples():
        lines.append(f"- `{r.case}-{r.framework}-{r.dtype}` ({r.regime}): {r.message}")
    if not parity.empty:
        for r in parity[parity["verdict"] == "fail"].itertuples():
            lines.append(f"- parity `{r.case}-{r.dtype}` ({r.regime}): {r.message}")
    lines += _regime_findings(outcomes)
    undefined = outcomes[outcomes["undefined"].map(store.has_text)] if "undefined" in outcomes else outcomes[:0]
    if not undefined.empty:
        lines += ["## Where the reference is undefined", "",
                  *(f"- `{r.case}-{r.framework}-{r.dtype}` ({r.regime}): {r.undefined}" for r in undefined.itertuples()),
                  ""]
    return "\n".join(lines).rstrip() + "\n"


def _regime_findings(outcomes: pd.DataFrame) -> list[str]:
    """Where a compiled regime answers differently from eager (a declared error kind, or different values);
    mixed precision is compared with float32, not eager in its own dtype, so it is not listed here."""
    beyond = outcomes[~outcomes["regime"].isin(["eager", "mixed"])]
    eager = outcomes[outcomes["regime"] == "eager"].set_index(["case", "framework", "dtype"])["kind"]
    rows = []
    for r in beyond.itertuples():
        before = eager.get((r.case, r.framework, r.dtype))
        differs = r.kind != before or (getattr(r, "vs_eager", None) or 0) > 1
        if differs:
            what = f"`{r.kind}` (eager: `{before}`)" if r.kind != before else f"{r.vs_eager:.3g}x apart from eager"
            rows.append(f"- `{r.case}` on {r.framework} ({r.dtype}, {r.regime}): {what}"
                        + (f": {r.message}" if r.verdict == "fail" else ""))
    return ["## Where compiling changes the answer", "", *(rows or ["Nowhere."]), ""] if len(beyond) else []
