"""The page's opening picture: per run, a grid of (part of the suite, regime, dtype) rows and framework columns, each
cell coloured by the worst verdict of its checks (fail, known, reference undefined, pass, n/a), counting them, and
one click from the checks themselves (the section below, filtered to that framework, dtype and regime; for the
reference run, the same place on its own page)."""

from __future__ import annotations

import html

import pandas as pd

from harness.frameworks.registry import FRAMEWORKS, LABELS, PACKAGES
from harness.reproduce import EAGER

#: worst first: a cell takes the colour of the worst verdict among its checks (n/a only where all are)
ORDER = ("fail", "known", "undefined", "pass", "n/a")
SYMBOL = {"fail": "✗", "known": "K", "undefined": "?", "pass": "✓", "n/a": "n/a"}
#: which record type is which part of the suite, and the page section that lists its checks
PARTS = {"outcome": ("cases", "correctness"), "op": ("ops", "ops"), "op-extreme": ("extreme values", "ops"),
         "behaviour": ("semantics", "semantics")}
NO_AXIS = "—"


def frame(*loaded: dict | None) -> pd.DataFrame:
    """One row per check of the loaded results files: part, section, regime, dtype, framework, verdict."""
    rows = []
    for data in loaded:
        for r in (data or {}).get("records", []):
            if r["record"] not in PARTS or not r.get("framework"):
                continue
            part, section = PARTS[r["record"]]
            rows.append({"part": part, "section": section, "regime": r.get("regime") or (EAGER if part in ("cases", "ops")
                                                                                        else NO_AXIS),
                         "dtype": r.get("dtype") or NO_AXIS, "framework": r["framework"], "verdict": r["verdict"]})
    return pd.DataFrame(rows, columns=["part", "section", "regime", "dtype", "framework", "verdict"])


def _cell(group: pd.DataFrame) -> tuple[str, str]:
    counts = group["verdict"].value_counts()
    present = [v for v in ORDER if counts.get(v, 0)]
    worst = next((v for v in present if v != "n/a"), "n/a")
    text = " · ".join(f"{int(counts[v]):,} {SYMBOL[v]}" for v in present if v != "n/a" or worst == "n/a")
    return worst, text


def label(*loaded: dict | None) -> str:
    """What a run is: its commit, date, framework versions and machine (from any of its results files)."""
    cond = next((d["conditions"] for d in loaded if d), None)
    if cond is None:
        return "no results"
    versions = ", ".join(f"{k} {v}" for k, v in cond.get("packages", {}).items() if k in PACKAGES)
    return (f"commit {cond.get('commit', '?')}, {str(cond.get('date', ''))[:10]}; {versions}; "
            f"{cond.get('cpu', '?')}, {cond.get('cores_usable', '?')} cores")


def render(title: str, checks: pd.DataFrame, page: str = "") -> str:
    """The grid of ``checks`` under ``title``; a cell links to ``page#section?framework=...`` (``page`` empty: here)."""
    if checks.empty:
        return f"<div class='grid'><h3>{html.escape(title)}</h3><p class='muted'>No checks recorded.</p></div>"
    head = "".join(f"<th>{html.escape(LABELS[fw])}</th>" for fw in FRAMEWORKS)
    body = []
    keys = ["part", "section", "regime", "dtype"]
    for (part, section, regime, dtype), group in checks.groupby(keys, sort=False):
        tds = []
        for fw in FRAMEWORKS:
            mine = group[group["framework"] == fw]
            if mine.empty:
                tds.append("<td class='none'>—</td>")
                continue
            worst, text = _cell(mine)
            query = "&".join(f"{k}={v}" for k, v in (("framework", fw), ("dtype", dtype), ("regime", regime))
                             if v != NO_AXIS)
            tds.append(f"<td class='{worst.replace('/', '')}'><a href='{html.escape(f'{page}#{section}?{query}')}'>"
                       f"{html.escape(text)}</a></td>")
        body.append(f"<tr><td>{html.escape(part)}</td><td>{html.escape(regime)}</td><td>{html.escape(dtype)}</td>"
                    f"{''.join(tds)}</tr>")
    return (f"<div class='grid'><h3>{html.escape(title)}</h3><table><thead><tr><th>part</th><th>regime</th>"
            f"<th>dtype</th>{head}</tr></thead><tbody>{''.join(body)}</tbody></table></div>")
