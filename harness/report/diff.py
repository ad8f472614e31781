"""What changed between two runs (``python -m harness diff A B``): typically the same suite on two releases of the
frameworks (``tox -e previous`` beside the default pins), so the question it answers is "what changes for my
gradients if I upgrade?".

Every check is matched by its identity (case or op sample, framework, dtype, regime; behaviour and framework; ...)
and compared on what it found: its verdict, the framework's raw result kind (a ``None`` that became zeros, an error
that went away), a declared divergence that no longer holds (its expected failure now passes: fixed upstream) or a new
one, the answers at a kink (a changed convention), the ranges where an extreme-value sweep fails, a behaviour's raw
answer. Benchmarks are compared by a significance test over their stored rounds (Welch's t-test on each median's
rounds, from the mean, standard deviation and count pytest-benchmark stores; significant at 1% after a Bonferroni
correction over the benchmarks compared), never by a fixed percentage. Each change carries the check's id and the
command that reruns it; the exit status is 1 when a verdict changed, so a CI job can gate an upgrade on it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path

import pandas as pd

from harness import reproduce
from harness.frameworks import registry
from harness.report import bench, kinds
from harness.report.store import ResultsFileError

#: significance of a benchmark's move, before the Bonferroni correction
ALPHA = 0.01


@dataclass(frozen=True)
class Change:
    """One difference between run A and run B."""

    what: str        # verdict, kind, convention, extreme range, behaviour, benchmark
    check: str       # the check's id
    framework: str
    before: str
    after: str
    meaning: str     # newly broken, fixed, fixed upstream (a declaration no longer holds), ...
    command: str     # the pytest command that reruns the check ("" for a benchmark)
    verdict_changed: bool


def _identity(r: dict) -> tuple[str, str, str] | None:
    """(check id, framework, rerun command) of a record; ``None`` for records that are not checks."""
    tag, fw = r["record"], r.get("framework") or ""
    regime = r.get("regime") or reproduce.EAGER
    if tag == "outcome":
        mixed = regime == "mixed"
        test = "suites/test_gradients.py::" + ("test_mixed_precision" if mixed else "test_gradient")
        return (reproduce.test_id(r["case"], fw, r["dtype"], None if mixed else regime), fw,
                reproduce.command(test, r["case"], framework=fw, dtype=r["dtype"], regime=None if mixed else regime))
    if tag == "parity":
        return (reproduce.test_id(r["case"], None, r["dtype"], regime), "",
                reproduce.command("suites/test_gradients.py::test_frameworks_agree", r["case"], dtype=r["dtype"],
                                  regime=regime))
    if tag == "op":
        base = f"ops/{r['id']}"
        return (reproduce.test_id(base, fw, r["dtype"], regime), fw,
                reproduce.command("suites/test_ops.py::test_op", base, framework=fw, dtype=r["dtype"], regime=regime))
    if tag == "op-parity":
        base = f"ops/{r['id']}"
        return (reproduce.test_id(base, None, r["dtype"], regime), "",
                reproduce.command("suites/test_ops.py::test_op_frameworks_agree", base, dtype=r["dtype"], regime=regime))
    if tag == "op-convention":
        base = f"ops/{r['id']}"
        return (reproduce.test_id(base, None, r["dtype"]), "",
                reproduce.command("suites/test_ops.py::test_op_convention", base, dtype=r["dtype"]))
    if tag == "op-extreme":
        base = f"extremes/{r['op']}"
        return (reproduce.test_id(base, fw, r["dtype"]), fw,
                reproduce.command("suites/test_extremes.py::test_extreme_values", base, framework=fw, dtype=r["dtype"],
                                  seed=None))
    if tag == "behaviour":
        return (reproduce.test_id(r["id"], fw), fw,
                reproduce.command("suites/test_semantics.py::test_behaviour", r["id"], framework=fw, seed=None))
    if tag == "training":
        base = f"training/{r['run']}" if not r["run"].startswith("training/") else r["run"]
        return (f"{base}-{fw}-{r['method']}-{r['dtype']}", fw,
                f'pytest "suites/test_training.py::test_training_parity" -k "{r["run"]} and {fw}"')
    return None


#: what is compared of each record type besides its verdict, and what a change of it is called
COMPARED = {"outcome": ("kind", "kind"), "op": ("kind", "kind"), "op-convention": ("answers", "convention"),
            "op-extreme": ("failing", "extreme range"), "behaviour": ("observed", "behaviour")}


def _meaning(before: str, after: str, declared: bool) -> str:
    if before == after:
        return ""
    if after == "fail":
        return "newly broken" if before in ("pass", "known") else "now failing"
    if before == "fail":
        return "fixed"
    if before == "known" and after == "pass":
        return "fixed upstream: the declared divergence no longer holds" if declared else "fixed upstream"
    if before == "pass" and after == "known":
        return "a declared divergence now holds"
    return f"{before} → {after}"


def _records(directory: Path) -> tuple[dict[tuple, dict], dict[str, dict]]:
    """Every check record under ``directory``, by (record type, id, framework); and each framework's version."""
    paths = kinds.default_paths(directory)
    if not paths:
        raise ResultsFileError(f"{directory}: no results files (correctness/semantics/ops .json): run the suite with "
                               f"--results-dir {directory}")
    out, versions = {}, {}
    for path in paths:
        data = kinds.load(path)
        packages = data["conditions"].get("packages", {})
        for fw in registry.FRAMEWORKS:
            row = registry.BY_NAME[fw]
            found = [f"{p} {packages[p]}" for p in row.packages if p in packages]
            if found:
                versions.setdefault(fw, ", ".join(found))
        for r in data["records"]:
            ident = _identity(r)
            if ident is not None:
                out[(r["record"], ident[0])] = {**r, "_id": ident[0], "_fw": ident[1], "_command": ident[2]}
    return out, versions


def _text(value: object) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, dict):
        return ", ".join(f"{k}: {v}" for k, v in sorted(value.items()))
    return str(value)


def checks(a: Path, b: Path) -> tuple[list[Change], dict[str, tuple[str, str]], pd.DataFrame]:
    """The changes between the check records of runs ``a`` and ``b``, each framework's versions in both, and the
    checks that only one of them ran, counted by record type, regime and dtype (two runs of different selections —
    ``--regimes all`` beside the default — share only part of their checks; what one did not run has not changed)."""
    before, v_a = _records(a)
    after, v_b = _records(b)
    changes, unmatched = [], []
    for key in list(before) + [k for k in after if k not in before]:
        x, y = before.get(key), after.get(key)
        r = y or x
        tag = key[0]
        if x is None or y is None:
            unmatched.append({"only in": "B" if x is None else "A", "record": tag,
                              "regime": r.get("regime") or reproduce.EAGER, "dtype": r.get("dtype") or "—"})
            continue
        declared = bool(x.get("why")) or bool(y.get("why"))
        if x.get("verdict") != y.get("verdict"):
            changes.append(Change("verdict", r["_id"], r["_fw"], x.get("verdict", ""), y.get("verdict", ""),
                                  _meaning(x.get("verdict", ""), y.get("verdict", ""), declared), r["_command"], True))
        field, name = COMPARED.get(tag, (None, None))
        if field and _text(x.get(field)) != _text(y.get(field)):
            changes.append(Change(name, r["_id"], r["_fw"], _text(x.get(field)), _text(y.get(field)),
                                  f"{name} changed", r["_command"], False))
    versions = {fw: (v_a.get(fw, "—"), v_b.get(fw, "—")) for fw in dict.fromkeys([*v_a, *v_b])}
    columns = ["only in", "record", "regime", "dtype"]
    coverage = (pd.DataFrame(unmatched, columns=columns).value_counts().rename("checks").reset_index()
                .sort_values(columns, ignore_index=True))
    return changes, versions, coverage


def benchmarks(a: Path, b: Path, alpha: float = ALPHA,
               same_release: Iterable[str] = ()) -> tuple[list[Change], float | None]:
    """Benchmarks whose time moved beyond their rounds' noise: Welch's t-test per matched benchmark (same case,
    framework, mode, phase, dtype), significant below ``alpha`` / the number compared. And the machine's drift
    between the two runs: the median ratio B/A over the benchmarks of the frameworks whose release is the same in
    both (``same_release``; ``None`` where there are none) — the rounds' noise is within a run, and two runs at
    different times on a shared machine differ by more, so a move of that size is the machine's, not a release's."""
    from scipy.stats import ttest_ind_from_stats

    same_release = set(same_release)
    runs_a, runs_b = bench.latest_runs(a), bench.latest_runs(b)
    if not runs_a or not runs_b:
        return [], None
    rows = []
    for runs, side in ((runs_a, "a"), (runs_b, "b")):
        for path in runs:
            for r in json.loads(path.read_text())["benchmarks"]:
                extra, stats = r.get("extra_info", {}), r.get("stats", {})
                if "workload" not in extra or not stats.get("rounds"):
                    continue
                rows.append({"side": side, "key": (extra["case"], extra["framework"], extra["mode"], extra["phase"],
                                                   extra["dtype"]),
                             "mean": stats["mean"], "stddev": stats["stddev"], "rounds": stats["rounds"],
                             "median": stats["median"]})
    frame = pd.DataFrame(rows)
    if frame.empty:
        return [], None
    joined = frame[frame.side == "a"].set_index("key").join(frame[frame.side == "b"].set_index("key"),
                                                           suffixes=("_a", "_b"), how="inner")
    threshold = alpha / max(1, len(joined))
    unchanged = [r.median_b / r.median_a for key, r in joined.iterrows() if key[1] in same_release]
    drift = float(pd.Series(unchanged).median()) if unchanged else None
    out = []
    for key, r in joined.iterrows():
        if min(r.rounds_a, r.rounds_b) < 2:
            continue
        p = ttest_ind_from_stats(r.mean_a, r.stddev_a, r.rounds_a, r.mean_b, r.stddev_b, r.rounds_b,
                                 equal_var=False).pvalue
        if p < threshold:
            ratio = r.median_b / r.median_a
            same = "; the same release in both runs: the machine moved" if key[1] in same_release else ""
            out.append(Change("benchmark", " ".join(str(k) for k in key), key[1], bench._time(r.median_a),
                              bench._time(r.median_b), f"{'slower' if ratio > 1 else 'faster'} ×{ratio:.2f} "
                              f"(p = {p:.1g} < {threshold:.1g}){same}", "", False))
    return out, drift


def markdown(changes: list[Change], versions: dict[str, tuple[str, str]], a: Path, b: Path,
             coverage: pd.DataFrame | None = None, drift: float | None = None) -> str:
    lines = ["# What changed between two runs", "",
             f"A: `{a}` — B: `{b}`.", "", "| framework | A | B |", "|---|---|---|",
             *[f"| {fw} | {va} | {vb} |" for fw, (va, vb) in versions.items()], ""]
    verdicts = sum(c.verdict_changed for c in changes)
    lines += [(f"{len(changes)} changes, {verdicts} of them verdicts. Benchmarks: a move is listed where Welch's t-test "
              f"over the stored rounds is significant at {ALPHA:g} after a Bonferroni correction."), ""]
    if drift is not None:
        same = ", ".join(fw for fw, (va, vb) in versions.items() if va == vb)
        lines += [(f"Machine drift between the two runs: the benchmarks of the frameworks whose release is the same in "
                  f"both ({same}) moved by ×{drift:.2f} in median; a release's move within that is the machine's."), ""]
    if changes:
        frame = pd.DataFrame([asdict(c) for c in changes]).drop(columns="verdict_changed")
        frame["command"] = frame["command"].map(lambda c: f"`{c}`" if c else "")
        for what, group in frame.groupby("what", sort=False):
            lines += [f"## {what} ({len(group)})", "", group.drop(columns="what").to_markdown(index=False), ""]
    if coverage is not None and not coverage.empty:
        lines += [f"## Not compared: {coverage.checks.sum()} checks ran in only one of the two", "",
                  ("Their runs selected different checks (see each run's command), or a check exists in one "
                  "release's suite only:"), "", coverage.to_markdown(index=False), ""]
    return "\n".join(lines).rstrip() + "\n"


def diff(a: Path, b: Path, out: Path | None = None) -> tuple[list[Change], str]:
    """The changes from run ``a`` to run ``b`` (result directories), as records and Markdown; written as
    ``diff.json`` and ``diff.md`` under ``out`` when given."""
    changes, versions, coverage = checks(a, b)
    moved, drift = benchmarks(a, b, same_release=[fw for fw, (va, vb) in versions.items() if va == vb != "—"])
    changes += moved
    text = markdown(changes, versions, a, b, coverage, drift)
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        (out / "diff.md").write_text(text)
        (out / "diff.json").write_text(json.dumps({"schema": "gradparity-diff/1", "a": str(a), "b": str(b),
                                                   "versions": versions, "changes": [asdict(c) for c in changes],
                                                   "not_compared": coverage.to_dict("records"),
                                                   "machine_drift": drift},
                                                  indent=1) + "\n")
    return changes, text


def load(path: Path) -> dict | None:
    """A stored diff (``diff.json``), or None where there is none."""
    try:
        data = json.loads(Path(path).read_text())
    except (OSError, json.JSONDecodeError):
        return None
    return data if isinstance(data, dict) and data.get("schema") == "gradparity-diff/1" else None


def summary(changes: Iterable[Change]) -> str:
    changes = list(changes)
    return f"{len(changes)} changes ({sum(c.verdict_changed for c in changes)} verdicts)"
