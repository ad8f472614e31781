"""``python -m harness``: run benchmarks, re-render reports from raw results, compare runs.

  python -m harness bench [--profile quick|full] [--frameworks tf,torch] [--threads 1] ...
  python -m harness report [RESULTS.json ...]   re-render reports; benchmark runs from several
                                                machines merge into one comparison
  python -m harness compare A.json B.json [--threshold median:10%]
  python -m harness merge DIR1 DIR2 ... [--out results]   join the shards of one run (pytest-split groups)
  python -m harness diff A B [--out DIR]        what changed between two runs; exit 1 when a verdict changed
  python -m harness env                         machine, Python, package versions (JSON)
  python -m harness check mod:fn --framework torch --arg x=3,4   check your function's gradient

Errors (a missing or corrupt results file, an unknown workload, a GPU asked for and absent) are
one line on stderr naming the fix, exit 2. ``compare`` exits 1 when something got slower, ``check``
when the gradient is wrong.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from harness import env, frameworks, gradcheck_cli
from harness.report import bench, compare, html, kinds, store
from harness.report.store import ResultsFileError


def _is_bench_run(path: Path) -> bool:
    try:
        return "benchmarks" in json.loads(path.read_text())
    except (OSError, json.JSONDecodeError, UnicodeDecodeError):
        return False


def _report(args: argparse.Namespace) -> int:
    # a directory stands for what a run wrote there (results/reference: the committed reference run, page included)
    if len(args.results) == 1 and Path(args.results[0]).is_dir():
        args.out, args.results = args.results[0], [str(p) for p in kinds.default_paths(args.results[0])]
        bench_runs = bench.latest_runs(Path(args.out))
        args.results += [str(p) for p in bench_runs]
    paths = [Path(p) for p in args.results] or kinds.default_paths()
    bench_runs = [p for p in paths if p.exists() and _is_bench_run(p)]
    if not args.results:
        bench_runs = bench.latest_runs()
    for path in paths:
        if path in bench_runs:
            continue
        out, count = kinds.rerender(path)
        print(f"{out} ({count} records)")
    if bench_runs:
        for out in bench.write(bench_runs, Path(args.out)):
            print(f"{out} (from {len(bench_runs)} run(s))")
    # the page goes beside the results files it was asked to render (./results when none were named)
    named = [p for p in paths if p not in bench_runs]
    print_page(named[0].parent if args.results and named else Path(args.out), bench_runs)
    return 0


def print_page(results: Path, bench_runs: list[Path]) -> None:
    """Write results/index.html and print where it is, with the five lines it opens on."""
    page, lines = html.write(results, bench_runs)
    print(f"report: {page}")
    for line in lines:
        print(f"  {line}")


def _bench(args: argparse.Namespace) -> int:
    from harness.bench import runner

    try:
        merged = runner.run(profile=args.profile, framework_names=frameworks.parse_list(args.frameworks),
                            workloads=[w for w in args.workloads.split(",") if w] or None,
                            modes=[m for m in args.modes.split(",") if m], threads=args.threads,
                            device=args.device, dtype=args.dtype, resume=args.resume,
                            results=Path(args.results_dir), checker=not args.no_checker)
    except runner.BenchError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except runner.BenchInterrupted as stop:
        same = [f"--{k.replace('_', '-')} {v}" for k in ("profile", "frameworks", "workloads", "modes", "threads",
                                                          "device", "dtype", "results_dir")
                if (v := getattr(args, k)) not in ("", None)]
        print(f"{stop}; resume with: python -m harness bench {' '.join(same)} --resume", file=sys.stderr)
        return 130
    print(f"{merged}")
    runs = bench.latest_runs(Path(args.results_dir))
    for out in bench.write(runs, Path(args.results_dir)):
        print(out)
    print_page(Path(args.results_dir), runs)
    return 0


def _merge(args: argparse.Namespace) -> int:
    from harness.report import merge

    try:
        paths = merge.merge([Path(d) for d in args.shards], Path(args.out))
    except ResultsFileError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for path in paths:
        print(path)
    print_page(Path(args.out), bench.latest_runs(Path(args.out)))
    return 0


def _diff(args: argparse.Namespace) -> int:
    from harness.report import diff

    changes, text = diff.diff(Path(args.a), Path(args.b), Path(args.out) if args.out else None)
    print(text)
    if args.out:
        print(f"written: {Path(args.out) / 'diff.md'}, {Path(args.out) / 'diff.json'}")
        if kinds.default_paths(args.out):  # a results directory: its page shows the changes too
            print_page(Path(args.out), bench.latest_runs(Path(args.out)))
    return 1 if any(c.verdict_changed for c in changes) else 0


def _compare(args: argparse.Namespace) -> int:
    try:
        joined, slower = compare.compare(Path(args.before), Path(args.after), args.threshold)
    except ValueError as exc:  # a bad threshold, or a file error (ResultsFileError is a ValueError)
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(compare.render(joined))
    return 1 if slower else 0


def _env(args: argparse.Namespace) -> int:
    print(json.dumps(env.conditions(), indent=1))
    return 0


def _exact(args: argparse.Namespace) -> int:
    from harness import exact

    started = time.perf_counter()
    try:
        rows = exact.generate(Path(args.out), workers=args.workers, keys=args.ops.split(",") if args.ops else None)
    except (ValueError, FileNotFoundError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"wrote {rows} exact derivatives to {args.out} in {time.perf_counter() - started:.0f} s")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m harness", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    report = sub.add_parser("report", help="re-render reports from their raw results")
    report.add_argument("results", nargs="*", help="results files, or one directory a run wrote (default: "
                        "results/*.json and the newest benchmark run of each machine)")
    report.add_argument("--out", default="results", help="where bench.md/.csv and report.html go")
    report.set_defaults(run=_report)
    run = sub.add_parser("bench", help="verify, then time every workload per framework in its own process")
    run.add_argument("--profile", choices=("quick", "full"), default="quick")
    run.add_argument("--frameworks", default="", help="comma-separated (default: all)")
    run.add_argument("--workloads", default="", help="comma-separated (default: all)")
    run.add_argument("--modes", default="eager,compiled")
    run.add_argument("--threads", type=int, default=1)
    run.add_argument("--device", choices=("cpu", "cuda"), default="cpu")
    run.add_argument("--dtype", choices=("float32", "float64"), default="float32")
    run.add_argument("--resume", action="store_true", help="continue the newest run, skipping what it measured")
    run.add_argument("--results-dir", default="results", help="where the run and its reports go (default: ./results)")
    run.add_argument("--no-checker", action="store_true", help="leave out the checker beside its peers and the "
                     "suite's throughput (timed on CPU after each framework's workloads)")
    run.set_defaults(run=_bench)
    mg = sub.add_parser("merge", help="join the results of a run's shards (pytest-split) into one run's reports")
    mg.add_argument("shards", nargs="+", help="each shard's --results-dir, group 1 first")
    mg.add_argument("--out", default="results", help="where the joined reports go (default: ./results)")
    mg.set_defaults(run=_merge)
    df = sub.add_parser("diff", help="what changed between two runs (verdicts, kinds, conventions, extreme ranges, "
                        "behaviours, benchmarks); exit 1 when a verdict changed")
    df.add_argument("a", help="results directory of the first run (e.g. results/versions/previous)")
    df.add_argument("b", help="results directory of the second run (e.g. results/reference)")
    df.add_argument("--out", default="", help="also write diff.md and diff.json there (the page shows them)")
    df.set_defaults(run=_diff)
    cmp = sub.add_parser("compare", help="compare two benchmark runs (asv-style marks)")
    cmp.add_argument("before")
    cmp.add_argument("after")
    cmp.add_argument("--threshold", default="median:10%")
    cmp.set_defaults(run=_compare)
    sub.add_parser("env", help="print the conditions a run would record").set_defaults(run=_env)
    ex = sub.add_parser("exact", help="recompute the extreme-value sweep's exact derivatives (mpmath; minutes)")
    ex.add_argument("--out", default=str(Path(__file__).parent / "data" / "exact_derivatives.csv.gz"))
    ex.add_argument("--workers", type=int, default=2)
    ex.add_argument("--ops", default="", help="only these ops (comma-separated), keeping the file's other rows")
    ex.set_defaults(run=_exact)
    gradcheck_cli.add_parser(sub)
    args = parser.parse_args(argv)
    try:
        return args.run(args)
    except (store.ResultsFileError, frameworks.FrameworkError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
