"""``python -m harness``: re-render reports from raw results, and show the run conditions.

  python -m harness report [RESULTS.json ...]   re-render the Markdown beside each results file
                                                (default: results/correctness.json results/semantics.json)
  python -m harness env                                 machine, Python, package versions (JSON)

Errors (a missing or corrupt results file, say) are one line on stderr naming the fix, exit 2.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from harness import env
from harness.report import correctness, semantics, store


RENDERERS = {correctness.SCHEMA: correctness, semantics.SCHEMA: semantics}
DEFAULT_RESULTS = ["results/correctness.json", "results/semantics.json"]


def _report(args: argparse.Namespace) -> int:
    for name in args.results or DEFAULT_RESULTS:
        path = Path(name)
        data = store.load(path, tuple(RENDERERS))
        out = path.with_suffix(".md")
        out.write_text(RENDERERS[data["schema"]].render(data))
        print(f"{out} ({len(data['records'])} records)")
    return 0


def _env(args: argparse.Namespace) -> int:
    print(json.dumps(env.conditions(), indent=1))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m harness", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    report = sub.add_parser("report", help="re-render the Markdown reports from their JSON")
    report.add_argument("results", nargs="*", help=f"results files (default: {' '.join(DEFAULT_RESULTS)})")
    report.set_defaults(run=_report)
    sub.add_parser("env", help="print the conditions a run would record").set_defaults(run=_env)
    args = parser.parse_args(argv)
    try:
        return args.run(args)
    except store.ResultsFileError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
