"""Benchmark runs (pytest-benchmark JSON, any number, any machines) → one table → bench.md,
bench.csv and a self-contained report.html with plots.

Per workload size, mode and framework: median and IQR of forward, forward + backward and
backward alone (derived as fb − f where a framework cannot time it alone, and marked so), the
ratio to the fastest framework, and fb/f against the cheap-gradient bound (reverse mode costs at
most about 4× the function, Griewank & Walther). Cells whose IQR exceeds 10% of the median are
flagged as noisy.
"""

from __future__ import annotations

import base64
import io
from pathlib import Path

import numpy as np
import pandas as pd

from harness.frameworks import registry
from harness.report import store
from harness.report.store import ResultsFileError

NOISY = 0.10          # IQR / median above this is flagged
CHEAP_GRADIENT = 4.0  # fb / f above this exceeds the cheap-gradient bound


def load(paths: list[Path]) -> tuple[pd.DataFrame, list[dict]]:
    """Every benchmark of every run as one row, and each run's machine info.

    Raises:
        ResultsFileError: a file is missing, not JSON, or not a benchmark run of ours.
    """
    rows, machines = [], []
    for path in paths:
        data = store.read_json(path, "tox -e bench")
        if not isinstance(data, dict) or not isinstance(data.get("benchmarks"), list) or "machine_info" not in data:
            raise ResultsFileError(f"{path}: not a pytest-benchmark run file; pass results/bench/<machine>/<stamp>.json")
        info = data["machine_info"]
        machines.append({"file": str(path), "node": info.get("node", "?"), "cpu": info.get("cpu", {}).get("brand_raw", "?"),
                         "features": info.get("cpu", {}).get("flags", []),
                         "cores": info.get("cores_usable", "?"), "packages": info.get("packages", {}),
                         "date": data.get("datetime", ""), "commit": data.get("commit_info", {}).get("id", "")})
        for bench in data["benchmarks"]:
            extra, stats = bench.get("extra_info", {}), bench.get("stats", {})
            if "workload" not in extra:
                continue  # a benchmark of something else (e.g. the checker's own speed)
            rows.append({"machine": info.get("node", "?"), "workload": extra["workload"], "case": extra["case"],
                         "framework": extra["framework"], "version": extra.get("version", ""), "mode": extra["mode"],
                         "phase": extra["phase"], "dtype": extra["dtype"], "threads": extra.get("threads"),
                         "device": extra.get("device", "cpu"), "median": stats["median"], "iqr": stats["iqr"],
                         "rounds": stats["rounds"], "first_call_s": extra.get("first_call_s"), "derived": False,
                         "peak_device_bytes": extra.get("peak_device_bytes"),
                         "process_peak_rss_bytes": extra.get("process_peak_rss_bytes"),
                         "flops": extra.get("flops"), "flops_counter": extra.get("flops_counter", ""),
                         "peak_gflops": extra.get("peak_gflops")})
    frame = pd.DataFrame(rows)
    return (with_derived_backward(frame) if not frame.empty else frame), machines


def checks(paths: list[Path]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The correctness machinery's own speed in the runs (``harness.bench.checker_speed``): the checker beside each
    framework's own, per size (with the ratio to the peer timed in the same rounds), and the suite's throughput."""
    checker, suite = [], []
    for path in paths:
        data = store.read_json(path, "tox -e bench")
        node = data.get("machine_info", {}).get("node", "?")
        for b in data.get("benchmarks", []):
            extra, median = b.get("extra_info", {}), b.get("stats", {}).get("median")
            if "checker" in extra:
                checker.append({"machine": node, "framework": extra["framework"], "size": extra["size"],
                                "checker": extra["checker"], "median": median, "iqr": b["stats"].get("iqr"),
                                "rounds": b["stats"].get("rounds"), "compares": extra.get("compares", ""),
                                "left_out": extra.get("left_out", "")})
            elif "suite" in extra:
                suite.append({"machine": node, "framework": extra["framework"], "regime": extra["suite"],
                              "checks": extra["checks"], "cases": extra.get("cases"), "median": median,
                              "checks/s": extra["checks_per_second"], "threads": extra["threads"],
                              "checks/s per core": extra["checks_per_second_per_core"]})
    return pd.DataFrame(checker), pd.DataFrame(suite)


def checker_table(frame: pd.DataFrame) -> pd.DataFrame:
    """Per machine, size and framework: ours and the framework's own checker, their medians and ours ÷ theirs."""
    rows = []
    for (machine, size, framework), group in frame.groupby(["machine", "size", "framework"], sort=False):
        ours = group[group["checker"] == "harness.gradcheck"]
        peer = group[group["checker"] != "harness.gradcheck"]
        if ours.empty:
            continue
        o = ours.iloc[0]
        p = peer.iloc[0] if len(peer) else None
        rows.append({"machine": machine, "elements": size, "framework": framework,
                     "harness.gradcheck": _time(o["median"]), "what it compares": o["compares"],
                     "peer": "—" if p is None else p["checker"], "peer's time": "—" if p is None else _time(p["median"]),
                     "peer compares": o["left_out"] if p is None else p["compares"],
                     "ours ÷ peer": "—" if p is None else f"{o['median'] / p['median']:.2f}×"})
    return pd.DataFrame(rows)


def suite_table(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.assign(**{"checks/s": frame["checks/s"].map(lambda v: f"{v:.3g}"),
                          "checks/s per core": frame["checks/s per core"].map(lambda v: f"{v:.3g}"),
                          "median": frame["median"].map(_time)})
    return out[["machine", "framework", "regime", "cases", "checks", "median", "checks/s", "threads",
                "checks/s per core"]]


CHECKS_INTRO = ("The checker's own speed on a correct `sin(x)·x` in float64, interleaved round by round with the "
                "framework's own checker in the same process (medians). The two do not compare the same thing: each "
                "row says what each compared. Then the suite's throughput: the correctness checks of every case "
                "(float32 and float64; compiled: the first few cases, each compiled afresh) per second, references "
                "cached as in a suite run.")


def with_derived_backward(frame: pd.DataFrame) -> pd.DataFrame:
    """Add backward = forward_backward − forward where backward alone was not measured."""
    keys = ["machine", "case", "framework", "mode", "dtype"]
    phase = {p: frame[frame["phase"] == p].set_index(keys) for p in ("forward", "forward_backward", "backward")}
    todo = phase["forward_backward"].index.intersection(phase["forward"].index).difference(phase["backward"].index)
    if todo.empty:
        return frame
    derived = phase["forward_backward"].loc[todo].copy()
    derived["median"] -= phase["forward"].loc[todo, "median"]
    if "flops" in derived:  # the backward's share of the operations, as of its time
        derived["flops"] = pd.to_numeric(derived["flops"]) - pd.to_numeric(phase["forward"].loc[todo, "flops"])
    derived = derived.assign(phase="backward", iqr=np.nan, rounds=0, first_call_s=None, derived=True,
                             peak_device_bytes=None)
    return pd.concat([frame, derived.reset_index()], ignore_index=True)


def _time(seconds: float) -> str:
    if pd.isna(seconds):
        return "—"
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6)):
        if abs(seconds) >= scale:
            return f"{seconds / scale:.3g} {unit}"
    return f"{seconds / 1e-9:.3g} ns"


def _bytes(count) -> str:
    if count is None or pd.isna(count):
        return "—"
    return f"{count / 2 ** 20:.1f} MiB"


def _cell(row: pd.Series | None) -> str:
    if row is None:
        return "—"
    text = _time(row["median"])
    if row["derived"]:
        return text + " (fb−f)"
    if row["median"] > 0 and row["iqr"] / row["median"] > NOISY:
        return f"{text} ±{100 * row['iqr'] / row['median']:.0f}% ⚠"
    return text


def _achieved(row: pd.Series | None) -> float:
    """GFLOP/s of a measured call (NaN where its operations were not counted)."""
    if row is None or row.get("flops") is None or pd.isna(row.get("flops")) or not row["median"] > 0:
        return np.nan
    return row["flops"] / row["median"] / 1e9


def _gflops(row: pd.Series | None) -> str:
    rate = _achieved(row)
    return "—" if pd.isna(rate) else f"{rate:.3g}"


def _of_peak(row: pd.Series | None) -> str:
    rate = _achieved(row)
    peak = None if row is None else row.get("peak_gflops")
    return "—" if pd.isna(rate) or peak is None or pd.isna(peak) else f"{100 * rate / peak:.2g}%"


def table(frame: pd.DataFrame) -> pd.DataFrame:
    """One row per machine, case, mode and framework, with formatted phases and ratios."""
    keys = ["machine", "case", "mode", "framework"]
    indexed = {tuple(r[k] for k in keys) + (r["phase"],): r for _, r in frame.iterrows()}
    fb = frame[frame["phase"] == "forward_backward"]
    fastest = fb.groupby(["machine", "case", "mode"])["median"].min()
    rows = []
    for key in dict.fromkeys(tuple(r[k] for k in keys) for _, r in frame.iterrows()):
        f, fbw = indexed.get(key + ("forward",)), indexed.get(key + ("forward_backward",))
        ratio = fbw["median"] / f["median"] if f is not None and fbw is not None and f["median"] > 0 else np.nan
        rows.append({"machine": key[0], "case": key[1], "mode": key[2], "framework": key[3],
                     "forward": _cell(f), "forward+backward": _cell(fbw),
                     "backward": _cell(indexed.get(key + ("backward",))),
                     "fb/f": "—" if pd.isna(ratio) else f"{ratio:.2f}" + (" !" if ratio > CHEAP_GRADIENT else ""),
                     "× fastest": "—" if fbw is None else f"{fbw['median'] / fastest[key[:3]]:.2f}×",
                     "GFLOP/s": _gflops(fbw), "% of peak": _of_peak(fbw),
                     "first call": "—" if fbw is None or fbw["first_call_s"] is None else _time(fbw["first_call_s"]),
                     "peak device memory": _bytes(None if fbw is None else fbw.get("peak_device_bytes"))})
    return pd.DataFrame(rows)


def conditions(frame: pd.DataFrame, machines: list[dict]) -> list[str]:
    lines = []
    for m in machines:
        packages = ", ".join(f"{k} {v}" for k, v in m["packages"].items()
                             if k in (*registry.PACKAGES, "numpy"))
        lines.append(f"- `{Path(m['file']).name}`: {m['node']} — {m['cpu']}{store.cpu_features_text(m['features'])}, "
                     f"{m['cores']} usable cores; {packages}; commit {m['commit']}; {m['date']}")
    if not frame.empty and "process_peak_rss_bytes" in frame:
        peaks = frame.groupby(["machine", "framework"])["process_peak_rss_bytes"].max().dropna()
        if len(peaks):
            lines.append("- peak resident memory of each framework's benchmark process (imports and every workload "
                         "included; the CPU measure): " + ", ".join(f"{fw} {_bytes(v)}" for (_, fw), v in peaks.items()))
    if not frame.empty and "peak_gflops" in frame and frame["peak_gflops"].notna().any():
        peaks = frame.groupby(["machine", "framework", "dtype", "threads"])["peak_gflops"].max().dropna()
        counters = sorted(c for c in frame["flops_counter"].dropna().unique() if c)
        lines.append("- the machine's measured peak (a 1024² matmul in each framework's benchmark process, same "
                     "threads and dtype; best of 5): " + ", ".join(f"{fw} {v:.3g} GFLOP/s ({dtype}, {threads} thread"
                                                                  f"{'s' if threads != 1 else ''})"
                                                                  for (_, fw, dtype, threads), v in peaks.items())
                     + f"; operations counted by {', '.join(counters) or 'nothing (JAX not installed)'}")
    if not frame.empty:
        lines.append(f"- dtype {', '.join(sorted(frame['dtype'].unique()))}; threads per framework "
                     f"{', '.join(str(t) for t in sorted(frame['threads'].dropna().unique()))}; device "
                     f"{', '.join(sorted(frame['device'].unique()))}; each framework timed in its own process")
    return lines


def checks_markdown(checker: pd.DataFrame, suite: pd.DataFrame) -> list[str]:
    if checker.empty and suite.empty:
        return []
    lines = ["## The checker and the suite", "", CHECKS_INTRO, ""]
    if not checker.empty:
        lines += [checker_table(checker).to_markdown(index=False, disable_numparse=True), ""]
    if not suite.empty:
        lines += [suite_table(suite).to_markdown(index=False, disable_numparse=True), ""]
    return lines


def markdown(frame: pd.DataFrame, machines: list[dict], checked: tuple[pd.DataFrame, pd.DataFrame] | None = None) -> str:
    lines = ["# Backward-pass benchmarks", "", "Conditions:", *conditions(frame, machines), "",
             "Median time per call (pytest-benchmark, warm-up on). *fb/f*: forward+backward ÷ forward, `!` above "
             f"the cheap-gradient bound of {CHEAP_GRADIENT:g}. *× fastest*: forward+backward ÷ the fastest framework "
             f"for that size and mode. `⚠`: IQR above {100 * NOISY:.0f}% of the median. `(fb−f)`: backward alone "
             "could not be timed separately (tf.function keeps its tape inside) and is derived. *first call*: the "
             "first forward+backward, tracing and compilation included (never part of the medians). *GFLOP/s*: the "
             "workload's operations per forward+backward (the same count for every framework, see Conditions) ÷ its "
             "median; *% of peak*: that ÷ the matmul peak measured in the same process. *peak device "
             "memory*: the GPU allocator's peak around that forward+backward (— on CPU; see the process peak above).", ""]
    extra = checks_markdown(*checked) if checked else []
    if frame.empty:
        return "\n".join(lines + ["No measurements.", ""] + extra)
    formatted = table(frame)
    multi = formatted["machine"].nunique() > 1
    for workload, group in frame.groupby("workload", sort=False):
        rows = formatted[formatted["case"].isin(group["case"].unique())]
        shown = rows if multi else rows.drop(columns="machine")
        lines += [f"## {workload}", "", shown.to_markdown(index=False, disable_numparse=True), ""]
    return "\n".join(lines + extra).rstrip() + "\n"


def _png(fig) -> str:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=90, bbox_inches="tight")
    return base64.b64encode(buffer.getvalue()).decode()


def _bar_colours(columns: pd.MultiIndex) -> list:
    """The registry's colour of each (framework, mode) column, lighter for compiled, as in the line plots."""
    from matplotlib.colors import to_rgba

    return [to_rgba(registry.COLOURS.get(fw, "grey"), 1.0 if mode == "eager" else 0.45) for fw, mode in columns]


def plots(frame: pd.DataFrame) -> list[tuple[str, str]]:
    """(title, base64 PNG) per plot: time against size per workload, fb/f ratios, eager vs compiled."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out = []
    fb = frame[frame["phase"] == "forward_backward"]
    for workload, group in fb.groupby("workload", sort=False):
        fig, ax = plt.subplots(figsize=(6, 3.5))
        sizes = list(dict.fromkeys(group["case"]))
        for (framework, mode), line in group.groupby(["framework", "mode"]):
            line = line.set_index("case").reindex(sizes)
            # one colour per framework (the registry's), one line style per mode, in every plot
            ax.plot(range(len(sizes)), line["median"], marker="o", label=f"{framework} {mode}",
                    color=registry.COLOURS.get(framework), linestyle="-" if mode == "eager" else "--")
        ax.set_yscale("log")
        ax.set_xticks(range(len(sizes)), [s.split("/", 1)[1] for s in sizes], rotation=20, fontsize=7)
        ax.set_ylabel("forward+backward, s (log)")
        ax.set_title(f"{workload}: time against size")
        ax.legend(fontsize=7)
        out.append((f"{workload}: time against size", _png(fig)))
        plt.close(fig)
    wide = frame.pivot_table(index=["workload", "case", "framework", "mode"], columns="phase", values="median")
    if {"forward", "forward_backward"} <= set(wide.columns):
        ratio = (wide["forward_backward"] / wide["forward"]).groupby(level=["workload", "framework", "mode"]).median()
        fig, ax = plt.subplots(figsize=(8, 3.5))
        bars = ratio.unstack(["framework", "mode"])
        bars.plot.bar(ax=ax, color=_bar_colours(bars.columns))
        ax.axhline(CHEAP_GRADIENT, color="red", linestyle="--", label="cheap-gradient bound")
        ax.set_ylabel("fb / f (median over sizes)")
        ax.set_title("forward+backward ÷ forward")
        ax.legend(fontsize=7)
        out.append(("fb/f ratios", _png(fig)))
        plt.close(fig)
        largest = fb.groupby("workload").tail(1)["case"]
        modes = fb[fb["case"].isin(largest)].pivot_table(index="workload", columns=["framework", "mode"], values="median")
        fig, ax = plt.subplots(figsize=(8, 3.5))
        modes.plot.bar(ax=ax, logy=True, color=_bar_colours(modes.columns))
        ax.set_ylabel("forward+backward, s (log)")
        ax.set_title("eager vs compiled, largest size of each workload")
        out.append(("eager vs compiled", _png(fig)))
        plt.close(fig)
    return out


def html(frame: pd.DataFrame, machines: list[dict]) -> str:
    parts = ["<!doctype html><html><head><meta charset='utf-8'><title>gradparity benchmarks</title>",
             "<style>body{font-family:sans-serif;max-width:1100px;margin:auto}table{border-collapse:collapse;"
             "font-size:12px}td,th{border:1px solid #ccc;padding:2px 6px}</style></head><body>",
             "<h1>Backward-pass benchmarks</h1><ul>", *[f"<li>{line[2:]}</li>" for line in conditions(frame, machines)],
             "</ul>"]
    if not frame.empty:
        for title, png in plots(frame):
            parts.append(f"<h3>{title}</h3><img src='data:image/png;base64,{png}'>")
        formatted = table(frame)
        for workload, group in frame.groupby("workload", sort=False):
            rows = formatted[formatted["case"].isin(group["case"].unique())]
            parts += [f"<h2>{workload}</h2>", rows.to_html(index=False, escape=True)]
    parts.append("</body></html>")
    return "\n".join(parts)


def latest_runs(results: Path = Path("results")) -> list[Path]:
    """The newest run file of every machine under ``results/bench/``."""
    runs = []
    for machine in sorted((Path(results) / "bench").glob("*/")):
        runs += sorted(machine.glob("*[0-9]Z.json"))[-1:]
    return runs


def write(paths: list[Path], out_dir: Path = Path("results")) -> list[Path]:
    """Render bench.md, bench.csv and report.html under ``out_dir`` from run files."""
    frame, machines = load(paths)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = [out_dir / "bench.md", out_dir / "bench.csv", out_dir / "report.html"]
    written[0].write_text(markdown(frame, machines, checks(paths)))
    frame.to_csv(written[1], index=False)
    written[2].write_text(html(frame, machines))
    return written
