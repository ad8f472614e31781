"""Every command a committed report prints to rerun a finding selects exactly its item: its node id, with the options
(``--regimes``, ``--dtype``, ``--framework``, ``--grad-seed``) the item needs to exist, collected by pytest itself.
Commands that share their options are collected together (one pytest process per set of options)."""

from __future__ import annotations

import collections
import html
import re
import subprocess
import sys
from pathlib import Path

import pytest

from harness import reproduce
from harness.report import kinds

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


def collect(targets: list[str], options: str) -> subprocess.CompletedProcess:
    """``pytest --collect-only -q`` of ``targets`` with ``options``, from the project's root."""
    return subprocess.run([sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider", *targets,
                           *options.split()], cwd=ROOT, capture_output=True, text=True, timeout=600, check=False)


def test_every_printed_command_selects_exactly_its_item():
    commands = printed_commands()
    if not commands:
        pytest.skip(f"no reports with commands under {REFERENCE}")
    by_options = collections.defaultdict(list)
    for node, options in commands:
        by_options[options].append(node)
    unselected = []
    for options, nodes in by_options.items():
        proc = collect(nodes, options)
        if proc.returncode != 0:  # one id that names nothing makes pytest collect none: look each up in its file
            files = sorted({node.split("::")[0] for node in nodes})
            proc = collect(files, options)
            assert proc.returncode == 0, f"collecting {files} {options}: {proc.stdout[-1000:]}{proc.stderr[-1000:]}"
        collected = collections.Counter(line.strip() for line in proc.stdout.splitlines())
        unselected += [f"{node} {options}" for node in nodes if collected[node] != 1]
    assert not unselected, f"{len(unselected)} of {len(commands)} commands select nothing (or more): {unselected[:5]}"
