"""results/ops.json (the op sweep's records) and results/ops.md (op × framework × dtype, per mode,
the conventions at kinks, and every disagreement found, each with how to reproduce it)."""

from __future__ import annotations

from dataclasses import fields

import pandas as pd

from harness import reproduce
from harness.expectations import REGIMES
from harness.frameworks.registry import FRAMEWORKS, LABELS
from harness.records import ExtremeRecord, OpCheckRecord, OpConvention, OpParity
from harness.report import extremes, measured, store
from harness.reproduce import EAGER

SCHEMA = "gradparity/ops/1"
#: the files it writes under the results directory: <NAME>.json and <NAME>.md
NAME = "ops"
#: the record types this report renders
RECORDS = ("op", "op-parity", "op-convention", ExtremeRecord.TAG)
MODE_TITLES = {"rev": "Reverse mode (VJP with a random cotangent)", "fwd": "Forward mode (JVP)",
               "order2": "Second order (HVP of sum(w · op))"}
SYMBOL = {"pass": "✓", "known": "K", "fail": "✗", "n/a": "n/a", "undefined": "?"}


def _cells(checks: pd.DataFrame, keys: list[str]) -> pd.Series:
    """Each group's cell: its worst verdict and how many (✗ fail, K known, n/a), else ✓ (? where none passed) with
    the largest relative error and the count of undefined entries. Counted column-wise, once for all groups: a
    function applied to each of an ops report's 12,000 groups took 1.2 s."""
    verdict = checks["verdict"]
    counted = checks[keys].assign(**{v: verdict == v for v in ("fail", "known", "n/a", "pass")},
                                  undefined=checks["undefined"].map(store.has_text), err=checks["max_rel_err"])
    groups = counted.groupby(keys, sort=False).agg(
        fail=("fail", "sum"), known=("known", "sum"), na=("n/a", "sum"), passed=("pass", "any"),
        undefined=("undefined", "sum"), err=("err", "max"))

    def cell(g) -> str:
        for worst, n in (("fail", g.fail), ("known", g.known), ("n/a", g.na)):
            if n:
                return SYMBOL[worst] + ("" if worst == "n/a" else f" {int(n)}")
        return ("✓" if g.passed else "?") + ("" if pd.isna(g.err) else f" {g.err:.0e}") + (
            f" ?{int(g.undefined)}" if g.undefined else "")

    return pd.Series([cell(g) for g in groups.itertuples()], index=groups.index)


def frames(data: dict) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The checks, the parity comparisons and the conventions of a loaded ops.json, one frame each."""
    records = pd.DataFrame(data["records"])
    if records.empty or "record" not in records:
        records = pd.DataFrame({"record": pd.Series(dtype=str)})
    # every field of its record type as a column, so a run without one kind of record still renders
    return tuple(records[records["record"] == cls.TAG].reindex(columns=[f.name for f in fields(cls)])
                 for cls in (OpCheckRecord, OpParity, OpConvention))


def mode_frame(checks: pd.DataFrame) -> pd.DataFrame:
    """Op × (framework, dtype, regime) cells for one mode's checks (the regime named where it is not eager)."""
    # records from before regimes existed have none: they were eager
    regime = (checks["regime"].astype(object).fillna("eager") if "regime" in checks
              else pd.Series("eager", index=checks.index))
    checks = checks.assign(column=checks["framework"].map(LABELS) + " " + checks["dtype"].str.replace("float", "f")
                           + regime.map(lambda r: "" if r == "eager" else f" {r}"))
    table = _cells(checks, ["family", "op", "column"]).unstack("column")
    order = [f"{fw} {dt}{'' if r == 'eager' else f' {r}'}" for fw in (LABELS[f] for f in FRAMEWORKS)
             for r in REGIMES for dt in ("f32", "f64", "f16", "bf16")]
    return table[[c for c in order if c in table.columns]].fillna("—").reset_index()


def columns() -> dict[str, dict[str, str]]:
    """What each column of :func:`mode_frame` is: its framework, dtype and regime (the page filters columns by them)."""
    return {f"{LABELS[fw]} {dt.replace('float', 'f')}{'' if r == EAGER else f' {r}'}": {"framework": fw, "dtype": dt,
                                                                                     "regime": r}
            for fw in FRAMEWORKS for r in REGIMES for dt in ("float32", "float64", "float16", "bfloat16")}


def _regime(record) -> str:
    """The record's regime (records from before regimes were eager)."""
    regime = getattr(record, "regime", EAGER)
    return EAGER if pd.isna(regime) else regime


def write_files(data: dict, directory) -> list:
    """The files besides ops.md: the extreme-value sweep's plots."""
    return extremes.write_plots(data, directory)


def _measured(checks: pd.DataFrame, data: dict) -> list[str]:
    """Each declared divergence that held (its checks failed as declared), with the releases it held in."""
    known = checks[checks["verdict"] == "known"].copy()
    if known.empty:
        return []
    known["regime"] = known["regime"].astype(object).fillna(EAGER) if "regime" in known else EAGER
    known["releases"] = [measured.text(data, f"op {r.id} {r.framework} {r.dtype} {r.regime}")
                         for r in known.itertuples()]
    table = (known.groupby(["op", "framework", "dtype", "regime", "why"], sort=False)
             .agg(checks=("id", "size"), releases=("releases", lambda v: " / ".join(sorted(set(v) - {""})) or "—"))
             .reset_index())
    table["why"] = table["why"].map(lambda w: w if len(w) <= 90 else w[:87] + "...")
    return ["## Declared divergences and the releases they were measured in", "",
            "Every declared divergence that held in this run (its checks failed as declared), with the releases of "
            "the framework in which it held: this run and the version-set runs beside it (`tox -e previous`). A "
            "declaration that holds only in some releases says so with `versions=` on it.", "",
            table.rename(columns={"releases": "measured in"}).to_markdown(index=False), ""]


def render(data: dict) -> str:
    """The Markdown report for a loaded ops.json."""
    lines = ["# Op sweep: gradients of every common op in TensorFlow, PyTorch and JAX", "",
             *store.header(data), ""]
    checks, par, conv = frames(data)
    if checks.empty and par.empty and conv.empty:
        return "\n".join(lines + (extremes.section(data) or ["No op checks were recorded.", ""]))
    counts = checks["verdict"].value_counts()
    by_family = checks.groupby("family", sort=False)["op"].nunique()
    lines += [
        f"**{checks['op'].nunique()} ops** ({', '.join(f'{n} {f}' for f, n in by_family.items())}) × "
        f"{checks['framework'].nunique()} frameworks × {checks['dtype'].nunique()} dtypes: "
        f"**{len(checks)} checks** — {counts.get('pass', 0)} pass, {counts.get('known', 0)} known divergences, "
        f"{counts.get('fail', 0)} fail, {counts.get('n/a', 0)} n/a (the framework has no such op), "
        f"{int(checks['undefined'].map(store.has_text).sum())} with entries where the reference is undefined "
        f"({counts.get('undefined', 0)} at every entry). "
        f"{len(par)} cross-framework comparisons ({int((par['verdict'] == 'pass').sum()) if len(par) else 0} agree); "
        f"{len(conv)} conventions at kinks and ties ({int((conv['verdict'] == 'pass').sum()) if len(conv) else 0} "
        "as declared).",
        "",
        "Each smooth sample is checked against a float64 central-difference reference (Richardson "
        "extrapolation) in reverse mode, forward mode and, for ops with a nonzero second derivative, second "
        "order. Cells: ✓ and the worst relative error over the op's samples; K n: n checks fail as a declared, "
        "known divergence; ✗ n: n checks fail; ?n: n checks have entries where no derivative exists (a tie or kink "
        "the drawn or rounded inputs met, found by the reference's one-sided differences; listed below, not judged); "
        "n/a: the framework has no such op (reason below); — not run "
        "(the default run, `--regimes default`, checks forward mode and second order for the ops of "
        "`suites.ops.DEEP_BY_DEFAULT` only; `--regimes all` checks every op in every mode, dtype and regime). "
        "A column is eager unless it names a regime (compiled: tf.function, torch.compile; xla: "
        "tf.function(jit_compile=True)); JAX's op checks run as one jitted program each in every regime. "
        "The raw result kinds (None, zeros, errors) are in `results/ops.json`.",
        "",
    ]
    for mode, title in MODE_TITLES.items():
        subset = checks[checks["mode"] == mode]
        if not subset.empty:
            lines += [f"## {title}", "", mode_frame(subset).to_markdown(index=False), ""]
    lines += (_conventions(conv) + _undefined(checks) + extremes.section(data)
              + _disagreements(checks, par, conv, extremes.frame(data), run_seed(data))
              + _measured(checks, data)
              + _unavailable(checks)
              + _composites(checks))
    return "\n".join(lines).rstrip() + "\n"


def _conventions(conv: pd.DataFrame) -> list[str]:
    if conv.empty:
        return []
    lines = ["## Conventions at kinks and ties", "",
             "No derivative exists here, so no reference: each framework's answer (after its idiomatic fix for "
             "None) is shown: the derivative (the gradient of the sum of the outputs) for elementwise ops and "
             "reductions, the gradient for the sample's cotangent for sorts, pools and scans. The table declares "
             "each framework's exact answer (at_kink) or which frameworks answer differently. *Reference*: what "
             "the reference's one-sided differences find at the same point, the detection the checker uses (a "
             "sample declared a kink where they agree fails: it belongs among the smooth samples).", ""]
    return lines + [conventions_frame(conv).to_markdown(index=False), ""]


def conventions_frame(conv: pd.DataFrame) -> pd.DataFrame:
    """One row per kink or tie: each framework's answer, the split, and whether it is as declared."""
    rows = []
    for r in conv.itertuples():
        answers = r.answers
        rows.append({"op / sample": f"{r.op} / {r.sample}", "dtype": r.dtype, "inputs": r.inputs,
                     **{fw: answers.get(fw, "—") for fw in FRAMEWORKS},
                     "split": " · ".join("=".join(g) for g in r.groups),
                     "reference": _short(r.reference), "verdict": "as declared" if r.verdict == "pass" else "✗ undeclared"})
    return pd.DataFrame(rows)


def _short(text: object) -> str:
    """A record's "reference undefined at n entries: ..." cut to its count and first entry, for a table cell."""
    text = "" if not isinstance(text, str) else text
    return text.split(";")[0].replace("reference undefined at ", "undefined at ") if text else "—"


def _undefined(checks: pd.DataFrame) -> list[str]:
    found = checks[checks["undefined"].map(store.has_text)]
    if found.empty:
        return []
    lines = ["## Where the reference is undefined", "",
             "Smooth samples whose drawn (or, in float16/bfloat16, rounded) inputs met a tie or a kink: the "
             "reference's one-sided differences disagree there, so those entries are named and not judged; the "
             "rest of each check is.", ""]
    return lines + [f"- **{r.op}** / {r.sample} ({r.mode}, {r.framework} {r.dtype}"
                    f"{'' if _regime(r) == EAGER else ', ' + _regime(r)}): {r.undefined}" for r in found.itertuples()] + [""]


def run_seed(data: dict) -> int:
    """The ``--grad-seed`` of the run a results file holds."""
    return int((data.get("run") or {}).get("seed") or 0)


def _disagreements(checks: pd.DataFrame, par: pd.DataFrame, conv: pd.DataFrame, sweep: pd.DataFrame,
                   seed: int) -> list[str]:
    found = disagreements(checks, par, conv, seed) + extremes.findings(sweep)
    return (["## Disagreements found", "",
             "Every place the sweep found frameworks answering differently from the reference or from each "
             "other, with the reason where it is known and the command that reproduces it.", ""]
            + [f"- {text} Reproduce: `{command}`." for text, command in found] + ([] if found else ["None."]) + [""])


def disagreements(checks: pd.DataFrame, par: pd.DataFrame, conv: pd.DataFrame, seed: int = 0) -> list[tuple[str, str]]:
    """(what was found, in Markdown; the pytest command that reproduces it), for every disagreement."""
    found = []

    def rerun(test: str, r, framework: bool = True) -> str:
        return reproduce.command(f"suites/test_ops.py::{test}", f"ops/{r.id}", dtype=r.dtype, seed=seed,
                                 framework=r.framework if framework else None,
                                 regime=None if test == "test_op_convention" else _regime(r))
    odd = checks[(checks["verdict"] != "n/a") & checks["kind"].notna() & (checks["kind"] != "value")].copy()
    odd["regime"] = odd["regime"].astype(object).fillna("eager") if "regime" in odd else "eager"
    odd["why"] = odd["why"].fillna("")
    # one line per reason: a regime-wide one (torch.compile's double backward) concerns every op at once
    for _, group in odd.drop_duplicates(["op", "framework", "kind", "mode", "regime"]).groupby(
            ["framework", "kind", "mode", "regime", "why"], sort=False):
        r = next(group.itertuples())
        where = f"{r.mode}, {r.framework}" + ("" if r.regime == EAGER else f", {r.regime}")
        ops = group["op"].tolist()
        named = f"**{r.op}**" if len(ops) == 1 else f"**{len(ops)} ops** ({', '.join(ops[:8])}{', …' if len(ops) > 8 else ''})"
        found.append((f"{named} ({where}): the raw result is `{r.kind}` where a gradient value is "
                      f"due{' — ' + r.why if r.why else ''}{' (' + r.link + ')' if r.link else ''}.",
                      rerun("test_op", r)))
    for r in checks[checks["verdict"].isin(["known", "fail"])].itertuples():
        label = "known" if r.verdict == "known" else "**unexplained**"
        regime = "" if _regime(r) == EAGER else f", {_regime(r)}"
        found.append((f"**{r.op}** / {r.sample} ({r.mode}, {r.framework} {r.dtype}{regime}), {label}: {r.message}"
                      f"{' — ' + r.why if r.why else ''}{' (' + r.link + ')' if r.link else ''}. Inputs: {r.inputs}.",
                      rerun("test_op", r)))
    for r in par[par["verdict"] == "fail"].itertuples() if not par.empty else []:
        found.append((f"**{r.op}** / {r.sample} ({r.mode}, {r.dtype}), frameworks disagree: {r.message}.",
                      rerun("test_op_frameworks_agree", r, framework=False)))
    split = conv[conv["groups"].map(len) > 1] if not conv.empty else conv
    for r in split.itertuples():
        why = "; ".join(d["why"] + (f" ({d['link']})" if d["link"] else "") for d in r.declared) or "undeclared"
        found.append((f"**{r.op}** / {r.sample} ({r.dtype}) at {r.inputs}: "
                      + "; ".join(f"{fw} {r.answers[fw]}" for fw in _in_order(r.answers)) + f" — {why}.",
                      rerun("test_op_convention", r, framework=False)))
    return found


def _in_order(frameworks) -> list[str]:
    """Frameworks in the table's column order (others after them, by name), not in the order a run's workers
    happened to record them: the same findings render the same text."""
    known = list(FRAMEWORKS)
    return sorted(frameworks, key=lambda fw: (known.index(fw), "") if fw in known else (len(known), fw))


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
