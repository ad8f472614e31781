"""One run split across machines, joined again: ``python -m harness merge DIR...`` reads the results each shard wrote
(``pytest ... --splits N --group i --results-dir DIR``, pytest-split) and writes the reports a single run writes.

pytest-split's default algorithm (``duration_based_chunks``) gives each group a contiguous run of the collection
order, so the shards' records, joined in group order, are in the order one run would have written them. Shards
must be one run: the same seed, device, dtypes, regimes and frameworks, and the same package versions (a merge of
two releases' results would be a report no single run could give); machines may differ, and the report lists
them.
"""

from __future__ import annotations

from pathlib import Path

from harness.report import kinds
from harness.report.store import ResultsFileError

#: options that choose a shard, not what a run checks: dropped from the merged run's command
SHARD_OPTIONS = ("--splits", "--group", "--results-dir", "--durations-path", "--splitting-algorithm")
#: what must be equal across the shards of one run
SAME = ("seed", "device", "dtypes", "regimes", "frameworks")


def whole_command(args: list[str]) -> list[str]:
    """A shard's pytest arguments without the ones that chose the shard."""
    out, skip = [], False
    for a in args:
        if skip:
            skip = False
            continue
        name = a.split("=", 1)[0]
        if name in SHARD_OPTIONS:
            skip = "=" not in a
            continue
        if name == "--store-durations":
            continue
        out.append(a)
    return out


def _option(data: dict, name: str) -> str:
    args = data["run"].get("args", [])
    for i, a in enumerate(args):
        if a == name and i + 1 < len(args):
            return args[i + 1]
        if a.startswith(f"{name}="):
            return a.split("=", 1)[1]
    return "?"


def merge(directories: list[Path], out: Path) -> list[Path]:
    """Join every report kind the shards in ``directories`` wrote (in the order given: group 1 first) into
    ``out``; return the paths written.

    Raises:
        ResultsFileError: a directory holds no results, or the shards are not one run (the message names what
            differs and where).
    """
    if not directories:
        raise ResultsFileError("merge needs the results directories of the shards, group 1 first")
    for d in directories:
        if not kinds.default_paths(d):
            raise ResultsFileError(f"{d}: no results files (correctness/semantics/ops .json): run the shard with "
                                   f"--results-dir {d}")
    paths: list[Path] = []
    for module in kinds.REPORTS.values():
        shards = [(d, kinds.load(d / f"{module.NAME}.json")) for d in directories if (d / f"{module.NAME}.json").exists()]
        if not shards:
            continue
        first_dir, first = shards[0]
        for d, data in shards[1:]:
            for key in SAME:
                if data["run"].get(key) != first["run"].get(key):
                    raise ResultsFileError(f"{d} and {first_dir} are not shards of one run: {key} "
                                           f"{data['run'].get(key)!r} vs {first['run'].get(key)!r}")
            if data["conditions"].get("packages") != first["conditions"].get("packages"):
                differ = sorted(k for k in {**data["conditions"]["packages"], **first["conditions"]["packages"]}
                                if data["conditions"]["packages"].get(k) != first["conditions"]["packages"].get(k))
                raise ResultsFileError(f"{d} and {first_dir} were run with different package versions ("
                                       f"{', '.join(differ)}): merge only shards of one environment")
        run = {**first["run"], "args": whole_command(first["run"].get("args", [])),
               "wall_seconds": max(data["run"].get("wall_seconds", 0.0) for _, data in shards),
               "shards": [{"results": str(d), "args": data["run"].get("args", []), "group": _option(data, "--group"),
                           "wall_seconds": data["run"].get("wall_seconds"), "machine": data["conditions"].get("machine"),
                           "records": len(data["records"])} for d, data in shards]}
        conditions = dict(first["conditions"])
        machines = sorted({data["conditions"].get("machine") for _, data in shards})
        if len(machines) > 1:
            conditions["machine"] = ", ".join(machines)
        records = [r for _, data in shards for r in data["records"]]
        paths += kinds.write(module, records, run, out, conditions)
    return paths
