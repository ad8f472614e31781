"""The one registry of report kinds: which records each report owns, its schema and file name.

Both the pytest plugin (writing a run's records) and ``python -m harness report`` (re-rendering any
stored results file) go through it, so a new report kind is one module plus one line here.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from types import ModuleType

from harness.report import correctness, measured, ops, semantics, store

#: where a run writes its results unless told otherwise (gitignored: a user's run is the user's own)
RESULTS = Path("results")
#: the committed reference run, inside it: ``results/reference/`` (regenerated there on purpose, never by a plain run)
REFERENCE = "reference"
#: schema -> report module (each has SCHEMA, NAME, RECORDS and a pure ``render(data) -> str``)
REPORTS: dict[str, ModuleType] = {module.SCHEMA: module for module in (correctness, semantics, ops)}


def write(module: ModuleType, records: list[dict], run: dict, directory: str | Path,
          conditions: dict | None = None) -> list[Path]:
    """Save ``<NAME>.json`` and render it to ``<NAME>.md`` (and any files the kind draws beside it, such as
    plots) under ``directory``; return every path written."""
    paths = store.write_report(directory, module.NAME, module.SCHEMA, records, run,
                               lambda data: module.render(measured.attach(data, directory, module.NAME)), conditions)
    if hasattr(module, "write_files"):
        paths += module.write_files(load(paths[0]), directory)
    return paths


def write_all(records: list[dict], run: dict, directory: str | Path) -> list[Path]:
    """Each report kind's share of ``records`` to its own files; kinds with no records are left as they are."""
    paths = []
    for module in REPORTS.values():
        mine = [r for r in records if r["record"] in module.RECORDS]
        if mine:
            paths += write(module, mine, run, directory)
    return paths


def load(path: str | Path) -> dict:
    """Any results file of a known report kind (raises :class:`~harness.report.store.ResultsFileError`)."""
    return store.load(path, tuple(REPORTS))


def rerender(path: str | Path) -> tuple[Path, int]:
    """Render a stored results file to the Markdown beside it; return that path and the record count."""
    data = load(path)
    out = Path(path).with_suffix(".md")
    module = REPORTS[data["schema"]]
    out.write_text(module.render(measured.attach(data, Path(path).parent, module.NAME)))
    if hasattr(module, "write_files"):
        module.write_files(data, out.parent)
    return out, len(data["records"])


def default_paths(directory: str | Path = RESULTS) -> list[Path]:
    """The results files a run writes under ``directory``, those that exist."""
    return [p for p in (Path(directory) / f"{m.NAME}.json" for m in REPORTS.values()) if p.exists()]


def keep_somewhere(records: list[dict], run: dict) -> Path:
    """Where the results directory could not be written: every record in one temporary JSON file."""
    with tempfile.NamedTemporaryFile("w", prefix="gradparity-records-", suffix=".json", delete=False) as f:
        json.dump({"run": run, "records": records}, f)
    return Path(f.name)
