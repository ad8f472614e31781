"""In which releases each fact was measured: a behaviour as the semantics page states it, a declared op divergence
(an expected failure that failed as declared). A results directory's own run is one measurement; the version-set runs
beside it (``<dir>/versions/<set>/``, written by ``tox -e previous`` and ``tox -e latest``) are the others. The
reports show, per fact, the releases of the framework in which it held ("tensorflow-cpu 2.20.0, 2.21.0")."""

from __future__ import annotations

import json
from pathlib import Path

from harness.frameworks import registry
from harness.report.store import ResultsFileError, load


def release(data: dict, framework: str) -> str | None:
    """The framework's release in a run (its registry row's first package the run recorded)."""
    packages = data.get("conditions", {}).get("packages", {})
    row = registry.BY_NAME.get(framework)
    return next((f"{p} {packages[p]}" for p in (row.packages if row else ()) if p in packages), None)


def fact(r: dict) -> str | None:
    """The key of a record that states a fact and held: a behaviour as stated, a declared divergence that failed as
    declared; ``None`` for other records."""
    if r["record"] == "behaviour" and r["verdict"] == "pass":
        return f"behaviour {r['id']} {r['framework']}"
    if r["record"] == "op" and r.get("verdict") == "known":
        return f"op {r['id']} {r['framework']} {r['dtype']} {r.get('regime') or 'eager'}"
    return None


def attach(data: dict, directory: str | Path, name: str) -> dict:
    """``data`` with ``measured_in``: fact key -> the releases it held in, over this run and the version-set runs under
    ``directory/versions/*/<name>.json`` (unreadable ones are skipped: they are another run's files)."""
    runs = [data]
    for path in sorted(Path(directory).glob(f"versions/*/{name}.json")):
        try:
            runs.append(load(path, data["schema"]))
        except (ResultsFileError, json.JSONDecodeError):
            continue
    found: dict[str, set[str]] = {}
    for run in runs:
        for r in run["records"]:
            key = fact(r)
            version = key and release(run, r["framework"])
            if version:
                found.setdefault(key, set()).add(version)
    return {**data, "measured_in": {k: sorted(v, key=_release_order) for k, v in found.items()}}


def _release_order(text: str) -> tuple:
    from packaging.version import InvalidVersion, Version

    package, _, version = text.partition(" ")
    try:
        return package, Version(version)
    except InvalidVersion:
        return package, Version("0")


def text(data: dict, key: str) -> str:
    """The releases a fact held in, as a table cell ("" where the data has no such knowledge)."""
    return "; ".join(data.get("measured_in", {}).get(key, []))
