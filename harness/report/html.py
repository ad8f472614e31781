"""results/index.html: the one page a person opens, over every results file (correctness, semantics,
ops, benchmarks). Self-contained: inline CSS and JavaScript, plots as embedded PNGs, nothing fetched.

It opens on a summary (checks by framework, regime and dtype; every disagreement found with the command
that reproduces it; the benchmark headline), then a section per report. Tables filter and sort in the
browser. It renders only the loaded results dicts (and the benchmark frame), like every other renderer.
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import pandas as pd

from harness import reproduce
from harness.frameworks.registry import COLOURS, FRAMEWORKS, LABELS
from harness.report import bench, extremes, grid, ops

SECTIONS = {"summary": "Summary", "correctness": "Correctness", "semantics": "Semantics", "ops": "Op sweep",
            "benchmarks": "Benchmarks", "changes": "Changes between releases"}
#: the regime of records written before regimes existed
DEFAULT_REGIME = "eager"

STYLE = """
body{font-family:system-ui,sans-serif;margin:0;color:#222}
nav{position:sticky;top:0;background:#1f2933;padding:8px 16px;z-index:2}
nav a{color:#fff;margin-right:18px;text-decoration:none;font-weight:600}
main{max-width:1360px;margin:auto;padding:0 16px 40px}
section{border-bottom:2px solid #e4e7eb;padding-bottom:16px}
table{border-collapse:collapse;font-size:12px;margin:8px 0}
th,td{border:1px solid #d3d8de;padding:3px 6px;text-align:left;vertical-align:top}
th{background:#f0f3f6;cursor:pointer}
td.pass{background:#e8f6ec} td.fail{background:#fde8e8} td.known{background:#fff4d6}
.filters label{margin-right:14px;font-size:13px} .muted{color:#66717d;font-size:12px}
code{background:#f0f3f6;padding:1px 4px;font-size:11px} li{margin:4px 0;font-size:13px}
.plots{display:flex;flex-wrap:wrap;gap:10px} figure{margin:0} figcaption{font-size:12px;color:#66717d}
img.plot{max-width:660px;border:1px solid #e4e7eb}
details summary{cursor:pointer;font-weight:600}
ol.findings{max-height:460px;overflow:auto;border:1px solid #e4e7eb;padding:8px 8px 8px 36px}
.grids{display:flex;flex-wrap:wrap;gap:24px} .grid td.undefined{background:#eef0ff} .grid td.na{color:#8a939c}
.grid td a{color:inherit;text-decoration:none;display:block} .grid td.fail{font-weight:700}
"""

SCRIPT = """
function applyFilters(section){
  const root=document.getElementById(section);
  const chosen={};
  root.querySelectorAll('select[data-filter]').forEach(s=>{chosen[s.dataset.filter]=s.value;});
  root.querySelectorAll('tr[data-row]').forEach(tr=>{
    let show=true;
    for(const [key,value] of Object.entries(chosen)){
      if(value!=='all'&&key in tr.dataset&&tr.dataset[key]!==value) show=false;  // rows that carry the key
    }
    tr.style.display=show?'':'none';
  });
  if('framework' in chosen){
    root.querySelectorAll('[data-framework]').forEach(cell=>{
      cell.style.display=(chosen.framework==='all'||cell.dataset.framework===chosen.framework)?'':'none';
    });
  }
  root.querySelectorAll('[data-col]').forEach(cell=>{
    const col=JSON.parse(cell.dataset.col); let show=true;
    for(const [key,value] of Object.entries(chosen)){ if(value!=='all'&&key in col&&col[key]!==value) show=false; }
    cell.style.display=show?'':'none';
  });
  const shown=root.querySelectorAll('tr[data-row]:not([style*="none"])').length;
  const counter=root.querySelector('.shown'); if(counter) counter.textContent=shown+' rows shown';
}
function sortBy(th){
  const table=th.closest('table'); const body=table.tBodies[0]; const index=[...th.parentNode.children].indexOf(th);
  const ascending=th.dataset.order!=='asc'; th.dataset.order=ascending?'asc':'desc';
  const rows=[...body.rows];
  rows.sort((a,b)=>{const x=a.cells[index].textContent, y=b.cells[index].textContent;
    return (ascending?1:-1)*x.localeCompare(y,undefined,{numeric:true});});
  rows.forEach(r=>body.appendChild(r));
}
function openChecks(){
  // #ops?framework=torch&dtype=float32&regime=eager: that section, filtered to a cell of the summary grid
  const [section,query]=location.hash.slice(1).split('?'); const root=document.getElementById(section);
  if(!root||!query) return;
  root.querySelectorAll('select[data-filter]').forEach(s=>{s.value='all';});
  for(const [key,value] of new URLSearchParams(query)){
    const s=root.querySelector(`select[data-filter='${key}']`);
    if(s&&[...s.options].some(o=>o.value===value)) s.value=value;
  }
  applyFilters(section); root.scrollIntoView();
}
document.querySelectorAll('select[data-filter]').forEach(s=>s.addEventListener('change',()=>applyFilters(s.closest('section').id)));
document.querySelectorAll('#summary ~ section th, #summary .plain th').forEach(th=>th.addEventListener('click',()=>sortBy(th)));
window.addEventListener('hashchange',openChecks); openChecks();
"""


def _e(text: object) -> str:
    return html.escape("" if text is None or (isinstance(text, float) and pd.isna(text)) else str(text))


def _md(text: str) -> str:
    """The Markdown the reports write (**bold**, `code`) as HTML."""
    escaped = _e(text)
    escaped = re.sub(r"\*\*(.+?)\*\*", r"<b>\1</b>", escaped)
    return re.sub(r"`(.+?)`", r"<code>\1</code>", escaped)


def _table(frame: pd.DataFrame, *, row_data: list[dict] | None = None, framework_columns: bool = False,
           columns: dict[str, dict] | None = None) -> str:
    """A sortable table; ``row_data`` gives each row's data-* attributes (for the filters), ``columns`` each named
    column's (framework, dtype, regime), so the filters hide the columns of other ones."""
    if frame.empty:
        return "<p class='muted'>Nothing recorded.</p>"

    def attr(column: str) -> str:
        meta = (columns or {}).get(column)
        col = f" data-col='{_e(json.dumps(meta))}'" if meta else ""
        return (_fw_attr(column) if framework_columns else "") + col
    head = "".join(f"<th{attr(c)}>{_e(c)}</th>" for c in frame.columns)
    rows = []
    for i, values in enumerate(frame.itertuples(index=False)):
        attrs = "".join(f" data-{k}='{_e(v)}'" for k, v in (row_data[i] if row_data else {}).items())
        cells = "".join(f"<td{attr(c)}{_verdict_class(v)}>{_e(v)}</td>" for c, v in zip(frame.columns, values))
        rows.append(f"<tr data-row{attrs}>{cells}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def _fw_attr(column: str) -> str:
    return f" data-framework='{column}'" if column in FRAMEWORKS else ""


def _verdict_class(value: object) -> str:
    text = str(value)
    return " class='fail'" if text.startswith("✗") else " class='known'" if text.startswith("K") else (
        " class='pass'" if text.startswith("✓") else "")


def _select(name: str, values: list[str]) -> str:
    options = "".join(f"<option value='{_e(v)}'>{_e(v)}</option>" for v in ["all", *values])
    return f"<label>{name}: <select data-filter='{name}'>{options}</select></label>"


# -- the sections --------------------------------------------------------------------------------

def findings(correctness: dict | None, semantics: dict | None, op_data: dict | None) -> list[tuple[str, str, str]]:
    """(date of the run, what was found, the command that reproduces it), newest run first."""
    found = []
    for r in (correctness or {}).get("records", []):
        if r["record"] == "outcome" and r["verdict"] == "fail":
            regime = r.get("regime", DEFAULT_REGIME)
            test = "test_mixed_precision" if regime == "mixed" else "test_gradient"
            found.append((correctness["conditions"]["date"], f"**{r['case']}** on {r['framework']} {r['dtype']} "
                          f"({regime}): {r['message']}",
                          reproduce.command(f"suites/test_gradients.py::{test}", r["case"], framework=r["framework"],
                                            dtype=r["dtype"], regime=None if regime == "mixed" else regime,
                                            seed=ops.run_seed(correctness))))
    for r in (semantics or {}).get("records", []):
        if r["record"] == "behaviour" and r["verdict"] == "fail":
            found.append((semantics["conditions"]["date"], f"**{r['id']}** on {r['framework']} changed: {r['message']}",
                          reproduce.command("suites/test_semantics.py::test_behaviour", r["id"],
                                            framework=r["framework"], seed=None)))
    if op_data:
        found += [(op_data["conditions"]["date"], text, command)
                  for text, command in ops.disagreements(*ops.frames(op_data), ops.run_seed(op_data))
                  + extremes.findings(extremes.frame(op_data))]
    return sorted(found, key=lambda f: f[0], reverse=True)  # stable: within a run, the reports' order


def benchmark_headline(frame: pd.DataFrame) -> pd.DataFrame:
    """Per workload at its largest size: the fastest framework eager and compiled, and their fb/f."""
    if frame.empty:
        return pd.DataFrame()
    rows = []
    wide = frame.pivot_table(index=["workload", "case", "framework", "mode"], columns="phase", values="median")
    for workload, group in frame.groupby("workload", sort=False):
        case = list(dict.fromkeys(group["case"]))[-1]
        row = {"workload": workload, "largest size": case.split("/", 1)[-1]}
        for mode in ("eager", "compiled"):
            at = wide.xs((workload, case), level=("workload", "case"), drop_level=True)
            at = at[at.index.get_level_values("mode") == mode] if "forward_backward" in at else at.iloc[0:0]
            if at.empty or at["forward_backward"].isna().all():
                row[f"fastest {mode}"], row[f"fb/f {mode}"] = "—", "—"
                continue
            best = at["forward_backward"].idxmin()
            ratio = at.loc[best, "forward_backward"] / at.loc[best, "forward"] if "forward" in at else float("nan")
            row[f"fastest {mode}"] = f"{best[0]} {bench._time(at.loc[best, 'forward_backward'])}"
            row[f"fb/f {mode}"] = "—" if pd.isna(ratio) else f"{ratio:.2f}" + (
                f" ! above {bench.CHEAP_GRADIENT:g}" if ratio > bench.CHEAP_GRADIENT else f" ≤ {bench.CHEAP_GRADIENT:g}")
        rows.append(row)
    return pd.DataFrame(rows)


def _summary(correctness, semantics, op_data, bench_frame, machines, reference: dict | None = None) -> str:
    grids = [grid.render(f"This run — {grid.label(correctness, semantics, op_data)}",
                         grid.frame(correctness, op_data, semantics))]
    if reference:
        grids.append(grid.render(f"Reference run — {grid.label(*reference['loaded'])}", grid.frame(*reference["loaded"]),
                                 page=reference["page"]))
    parts = ["<h1>gradparity: is this gradient right?</h1>",
             "<p class='muted'>Every check by part of the suite, regime and dtype (rows) and framework (columns), "
             "coloured by its worst verdict: ✗ fail, K a known (declared) divergence, ? reference undefined at every "
             "entry, ✓ pass, n/a. Click a cell for its checks. Every cell comes from the raw results files"
             + (" of this run (results/), beside the committed reference run (results/reference/)." if reference
                else ".") + "</p>",
             f"<div class='grids'>{''.join(grids)}</div>",
             "<h2>Benchmark headline</h2>", f"<div class='plain'>{_table(benchmark_headline(bench_frame))}</div>"]
    found = findings(correctness, semantics, op_data)
    parts += [f"<h2>Disagreements found ({len(found)})</h2><p class='muted'>Newest run first; each with the command "
              "that reproduces it.</p><ol class='findings'>"]
    parts += [f"<li>{_md(text)}<br><code>{_e(command)}</code></li>" for _, text, command in found] or ["<li>None.</li>"]
    return "".join(parts + ["</ol>"])


def _correctness(data: dict | None) -> str:
    if not data:
        return "<p class='muted'>No correctness results.</p>"
    outcomes = pd.DataFrame([r for r in data["records"] if r["record"] == "outcome"])
    if outcomes.empty:
        return "<p class='muted'>No checks recorded.</p>"
    outcomes["regime"] = outcomes.get("regime", DEFAULT_REGIME)
    outcomes["cell"] = [{"pass": "✓", "undefined": "?"}.get(r.verdict, "✗") + (f" {r.kind}" if r.kind != "value" else "")
                        + ("" if pd.isna(r.max_rel_err) else f" {r.max_rel_err:.0e}") for r in outcomes.itertuples()]
    matrix = outcomes.pivot_table(index=["category", "case", "dtype", "regime"], columns="framework", values="cell",
                                  aggfunc="first", sort=False)
    matrix = matrix.reindex(columns=[f for f in FRAMEWORKS if f in matrix.columns]).fillna("—").reset_index()
    row_data = [{"category": r.category, "dtype": r.dtype, "regime": r.regime} for r in matrix.itertuples()]
    filters = "".join(_select(name, sorted(outcomes[name].unique())) for name in ("category", "framework", "dtype", "regime"))
    return (f"<p class='muted'>Each cell: ✓/✗, the raw result kind where it is not a plain value, the worst relative "
            f"error against the float64 reference.</p><div class='filters'>{filters} <span class='shown muted'></span>"
            f"</div>" + _table(matrix, row_data=row_data, framework_columns=True))


def _semantics(data: dict | None) -> str:
    if not data:
        return "<p class='muted'>No semantics results.</p>"
    rows = [r for r in data["records"] if r["record"] == "behaviour"]
    by_id: dict[str, list[dict]] = {}
    for r in rows:
        by_id.setdefault(r["id"], []).append(r)
    head = "".join(f"<th data-framework='{fw}'>{_e(LABELS[fw])}</th>" for fw in FRAMEWORKS)
    body = []
    for behaviour, group in by_id.items():
        first = group[0]
        details = "".join(f"<li><b>{_e(r['framework'])}</b>: {_e(r['why'])}"
                          + (f" (<a href='{_e(r['link'])}'>link</a>)" if r["link"] else "")
                          + (f" — fix checked: {'✓' if r['fix_verified'] else '✗'} {_e(r['fix_detail'])}"
                             if r["fix_verified"] is not None else "") + "</li>" for r in group)
        cells = {r["framework"]: r for r in group}
        tds = "".join(
            f"<td data-framework='{fw}'{_verdict_class('✓' if cells[fw]['verdict'] == 'pass' else '✗' if cells[fw]['verdict'] == 'fail' else '')}>"
            f"{_e(cells[fw]['observed'])}</td>" if fw in cells else f"<td data-framework='{fw}'>—</td>"
            for fw in FRAMEWORKS)
        body.append(f"<tr data-row data-section='{_e(first['section'])}'><td><details><summary>{_e(behaviour)} — "
                    f"{_e(first['title'])}</summary><ul>{details}</ul><p><b>Fix:</b> {_e(first['fix'])}</p></details>"
                    f"</td>{tds}</tr>")
    sections = sorted({r["section"] for r in rows})
    return (f"<div class='filters'>{_select('section', sections)}{_select('framework', list(FRAMEWORKS))}"
            f" <span class='shown muted'></span></div><table><thead><tr><th>behaviour (click to expand: why, fix, "
            f"links)</th>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>")


def _ops(data: dict | None) -> str:
    if not data:
        return "<p class='muted'>No op-sweep results.</p>"
    checks, par, conv = ops.frames(data)
    parts = []
    for mode, title in ops.MODE_TITLES.items():
        subset = checks[checks["mode"] == mode]
        if not subset.empty:
            table = ops.mode_frame(subset)
            parts += [f"<h3>{_e(title)}</h3>", _table(table, row_data=[{"family": f} for f in table["family"]],
                                                     columns=ops.columns())]
    if not conv.empty:
        parts += ["<h3>Conventions at kinks and ties</h3>", _table(ops.conventions_frame(conv))]
    sweep = extremes.frame(data)
    if not sweep.empty:
        rows = [{"framework": r.framework, "dtype": r.dtype} for r in sweep.itertuples()]
        parts += ["<h3>Extreme values</h3>", _md(extremes.section(data)[2]), _table(extremes.table(sweep), row_data=rows),
                  "<div class='sweep-plots'>",
                  *(f"<figure><img class='plot' src='{_e(path)}' alt='{_e(op)}: gradient error in ULPs against x'>"
                    f"<figcaption>{_e(op)}</figcaption></figure>" for op, path in extremes.images(data)), "</div>"]
    found = ops.disagreements(checks, par, conv, ops.run_seed(data)) + extremes.findings(sweep)
    parts += [f"<h3>Disagreements found ({len(found)})</h3><ol class='findings'>",
              *(f"<li>{_md(text)}<br><code>{_e(command)}</code></li>" for text, command in found), "</ol>"]
    families = sorted(checks["family"].dropna().unique())
    filters = [_select("family", families), _select("framework", [f for f in FRAMEWORKS if f in set(checks["framework"])]),
               _select("dtype", sorted(checks["dtype"].dropna().unique())),
               _select("regime", sorted(checks["regime"].fillna(ops.EAGER).unique()))]
    return f"<div class='filters'>{''.join(filters)} <span class='shown muted'></span></div>" + "".join(parts)


def _benchmarks(frame: pd.DataFrame, machines: list[dict], checked: tuple | None = None) -> str:
    if frame.empty:
        return "<p class='muted'>No benchmark runs: <code>tox -e bench</code> makes one.</p>"
    parts = ["<h3>Conditions</h3><ul>", *[f"<li>{_md(line[2:])}</li>" for line in bench.conditions(frame, machines)],
             "</ul><p class='muted'>Colours: " + ", ".join(f"<span style='color:{c}'>■</span> {fw}" for fw, c in COLOURS.items())
             + "; solid lines eager, dashed compiled.</p>"]
    parts += ["<div class='plots'>", *(f"<figure><img class='plot' alt='{_e(title)}' src='data:image/png;base64,{png}'>"
                                       f"<figcaption>{_e(title)}</figcaption></figure>" for title, png in bench.plots(frame)),
              "</div>"]
    formatted = bench.table(frame)
    checker, suite = checked if checked else (pd.DataFrame(), pd.DataFrame())
    if not checker.empty or not suite.empty:
        parts += ["<h3>The checker and the suite</h3>", f"<p>{_md(bench.CHECKS_INTRO)}</p>"]
        parts += [] if checker.empty else [_table(bench.checker_table(checker))]
        parts += [] if suite.empty else [_table(bench.suite_table(suite))]
    if formatted["machine"].nunique() > 1:
        parts += ["<h3>Comparison across runs</h3>", _table(frame[frame["phase"] == "forward_backward"].pivot_table(
            index=["case", "framework", "mode"], columns="machine", values="median").map(bench._time).reset_index())]
    parts.append("<h3>Tables</h3>")
    parts.append(_table(formatted, row_data=[{"workload": c.split("/")[0]} for c in formatted["case"]]))
    return "".join(parts)


def _changes(stored: dict | None) -> str:
    """A stored ``python -m harness diff`` (``diff.json`` beside the results): what changed between two runs."""
    if not stored:
        return ("<p class='muted'>No comparison stored: <code>python -m harness diff A B --out DIR</code> writes one "
                "(e.g. <code>tox -e previous</code>'s run against the default pins).</p>")
    versions = pd.DataFrame([{"framework": fw, "A": a, "B": b} for fw, (a, b) in stored["versions"].items()])
    changes = pd.DataFrame(stored["changes"])
    parts = [f"<p>A: <code>{_e(stored['a'])}</code>, B: <code>{_e(stored['b'])}</code>.</p>", _table(versions)]
    if changes.empty:
        return "".join(parts + ["<p>No change.</p>"])
    for what, group in changes.groupby("what", sort=False):
        parts += [f"<h3>{_e(what)} ({len(group)})</h3>", _table(group.drop(columns=["what", "verdict_changed"]))]
    return "".join(parts)


def render(correctness: dict | None, semantics: dict | None, op_data: dict | None, bench_frame: pd.DataFrame,
           machines: list[dict], reference: dict | None = None, checked: tuple | None = None,
           changes: dict | None = None) -> str:
    """The page, from loaded results dicts (any may be ``None``) and the benchmark frame; ``reference``:
    ``{"loaded": (correctness, semantics, ops), "page": its page's path from here}``, shown beside this run."""
    bodies = {"summary": _summary(correctness, semantics, op_data, bench_frame, machines, reference),
              "correctness": _correctness(correctness), "semantics": _semantics(semantics), "ops": _ops(op_data),
              "benchmarks": _benchmarks(bench_frame, machines, checked), "changes": _changes(changes)}
    nav = "".join(f"<a href='#{key}'>{title}</a>" for key, title in SECTIONS.items())
    sections = "".join(f"<section id='{key}'>{'' if key == 'summary' else f'<h2>{SECTIONS[key]}</h2>'}{bodies[key]}"
                       "</section>" for key in SECTIONS)
    return (f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>gradparity report</title>"
            f"<style>{STYLE}</style></head><body><nav>{nav}</nav><main>{sections}</main>"
            f"<script>{SCRIPT}</script></body></html>\n")


def summary_lines(correctness: dict | None, semantics: dict | None, op_data: dict | None,
                  bench_frame: pd.DataFrame) -> list[str]:
    """Five lines for the terminal: what the page says first."""
    def counts(data: dict | None, record: str) -> str:
        verdicts = pd.Series([r["verdict"] for r in (data or {}).get("records", []) if r["record"] == record])
        return ", ".join(f"{n} {v}" for v, n in verdicts.value_counts().items()) or "none"
    headline = benchmark_headline(bench_frame)
    fastest = "; ".join(f"{r['workload']} {r['fastest compiled']}" for _, r in headline.iterrows()) if not headline.empty else "no runs"
    return [f"correctness: {counts(correctness, 'outcome')}",
            f"op sweep: {counts(op_data, 'op')}; extreme values: {counts(op_data, 'op-extreme')}",
            f"semantics: {counts(semantics, 'behaviour')}",
            f"disagreements found: {len(findings(correctness, semantics, op_data))}",
            f"benchmarks (fastest compiled, largest size): {fastest}"]


def _loaded(results: Path) -> tuple[dict | None, dict | None, dict | None]:
    """The correctness, semantics and ops results files under ``results`` (``None`` where there is none)."""
    from harness.report import kinds

    loaded = {}
    for path in kinds.default_paths(results):
        data = kinds.load(path)
        loaded[kinds.REPORTS[data["schema"]].NAME] = data
    return loaded.get("correctness"), loaded.get("semantics"), loaded.get("ops")


def write(results: Path, bench_runs: list[Path]) -> tuple[Path, list[str]]:
    """Render ``results/index.html`` from the results files there and ``bench_runs``, with the reference run of
    ``results/reference/`` beside it where there is one; return the page and the summary lines."""
    from harness.report import kinds

    args = _loaded(results)
    frame, machines = bench.load(bench_runs) if bench_runs else (pd.DataFrame(), [])
    reference_dir = Path(results) / kinds.REFERENCE
    reference = None
    if Path(results).name != kinds.REFERENCE and kinds.default_paths(reference_dir):
        reference = {"loaded": _loaded(reference_dir), "page": f"{kinds.REFERENCE}/index.html"}
    out = Path(results) / "index.html"
    from harness.report import diff

    out.write_text(render(*args, frame, machines, reference, bench.checks(bench_runs) if bench_runs else None,
                          diff.load(Path(results) / "diff.json")))
    return out, summary_lines(*args, frame)
