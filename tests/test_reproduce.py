"""Every command a committed report prints to rerun a finding selects exactly its item: its node id, with the options
(``--regimes``, ``--dtype``, ``--framework``, ``--grad-seed``) the item needs to exist, collected by pytest itself.
Commands that share their options are collected together (one pytest run per set of options)."""

from __future__ import annotations

import collections
import html
import re
from pathlib import Path

import pytest

from harness import reproduce
from harness.report import kinds
from tests.pytest_runs import in_one_python

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = ROOT / "results" / kinds.REFERENCE
#: ``pytest "suites/test_ops.py::test_op[ops/…]" --regimes eager --dtype float32 ...`` as the reports print it
COMMAND = re.compile(r'pytest "(?P<node>suites/[^"\s]+\[[^"]+\])"(?P<options>(?: --[a-z-]+ [\w.,-]+)*)')


def printed_commands() -> list[tuple[str, str]]:
    """(node id, options) of every command in the committed reports (Markdown and the page)."""
    found = set()
    for path in [*REFERENCE.glob("*.md"), REFERENCE / "index.html"]:
        if path.exists():
            text = html.unescape(path.read_text())
            found |= {(m["node"], m["options"].strip()) for m in COMMAND.finditer(text)}
    return sorted(found)


def test_the_command_names_every_option_the_item_needs():
    command = reproduce.command("suites/test_ops.py::test_op", "ops/erf/vector/fwd", framework="torch",
                                dtype="float16", regime="compiled", seed=3)
    assert command == ('pytest "suites/test_ops.py::test_op[ops/erf/vector/fwd-torch-float16-compiled]" '
                       "--regimes compiled --dtype float16 --framework torch --grad-seed 3")
    match = COMMAND.search(command)
    assert match and match["options"].strip().startswith("--regimes compiled")


def collect(requests: list[tuple[list[str], str]]) -> list[tuple[int, str]]:
    """(exit status, output) of ``pytest --collect-only -q`` for each (targets, options), in one Python: 24 sets of
    options cost 24 interpreter and framework start-ups (27 s of the default run) when each had its own process."""
    return in_one_python([["--collect-only", "-q", *targets, *options.split()]
                          for targets, options in requests])


def test_every_printed_command_selects_exactly_its_item():
    commands = printed_commands()
    if not commands:
        pytest.skip(f"no reports with commands under {REFERENCE}")
    by_options = collections.defaultdict(list)
    for node, options in commands:
        by_options[options].append(node)
    results = dict(zip(by_options, collect([(nodes, options) for options, nodes in by_options.items()])))
    # one id that names nothing makes pytest collect none: look each up in its file
    retry = {options: sorted({node.split("::")[0] for node in by_options[options]})
             for options, (code, _) in results.items() if code != 0}
    for (options, files), (code, output) in zip(retry.items(), collect([(f, o) for o, f in retry.items()])):
        assert code == 0, f"collecting {files} {options}: {output[-2000:]}"
        results[options] = (code, output)
    unselected = []
    for options, nodes in by_options.items():
        collected = collections.Counter(line.strip() for line in results[options][1].splitlines())
        unselected += [f"{node} {options}" for node in nodes if collected[node] != 1]
    assert not unselected, f"{len(unselected)} of {len(commands)} commands select nothing (or more): {unselected[:5]}"
