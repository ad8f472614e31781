"""``python -m harness bench``: verify, then time each framework in its own process, then report.

1. Every workload size of the profile is verified across frameworks (and against the float64
   reference at its smallest size) in this process; the results go to ``<stamp>-verify.jsonl``.
2. Each framework is timed by ``pytest harness/bench/worker.py`` (inside the installed package, so
   this works from any directory) in a fresh process with
   the same thread count and CPU affinity, appending each measurement to ``<stamp>.jsonl`` as it
   is taken (a rich progress bar follows that log).
3. The log becomes ``results/bench/<machine>/<stamp>.json`` in pytest-benchmark's format (so
   ``pytest-benchmark compare`` reads it), and the reports are rendered from it.
"""

from __future__ import annotations

import datetime
import json
import os
import platform
import re
import subprocess
import sys
import time
from pathlib import Path

from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
)

from harness import compile_cache, env, frameworks, reference_cache
from harness.bench import log, verify, worker
from harness.bench.timing import PHASES
from harness.bench.workloads import WORKLOADS

#: the benchmark module: part of the package, so an installed gradparity can run it from anywhere
SUITE = Path(worker.__file__)
#: the timing processes' environment: no start-up banners, and JAX as it comes (no persistent cache, which the test
#: run turns on: harness.compile_cache), so its first call's time includes compiling
WORKER_ENV = {"TF_CPP_MIN_LOG_LEVEL": "2", "JAX_ENABLE_COMPILATION_CACHE": "false"}
#: pytest-benchmark settings of a run: warm-up on, at least 5 rounds, up to 0.1 s of timing each (0.25 s took 4 min 58 s here with no less noise)
BENCHMARK_ARGS = ["--benchmark-enable", "--benchmark-only", "--benchmark-warmup=on",
                  "--benchmark-min-rounds=5", "--benchmark-max-time=0.1"]


class BenchError(ValueError):
    """A bad request (unknown workload, GPU absent...), with the fix in the message."""


class BenchInterrupted(Exception):
    """Ctrl-C during a run: what was measured is kept (``kept`` measurements, merged into ``merged``)."""

    def __init__(self, kept: int, log_path: Path, merged: Path):
        super().__init__(f"interrupted: {kept} measurements kept in {log_path} (merged into {merged})")
        self.kept, self.log_path, self.merged = kept, log_path, merged


def run_logs(out_dir: Path) -> list[Path]:
    """The run logs of one machine, oldest first: ``<stamp>.jsonl`` (not the ``-verify`` logs beside them)."""
    return sorted(p for p in out_dir.glob("*.jsonl") if re.fullmatch(r"\d{8}T\d{6}Z", p.stem))


def machine_dir(results: Path) -> Path:
    return results / "bench" / (platform.node() or "machine")


def expected_count(profile: str, names: list[str], framework: str, modes: list[str]) -> int:
    return sum(len(WORKLOADS[n].cases(profile)) * len(PHASES)
               for n in names for m in modes if not WORKLOADS[n].left_out(profile, framework, m))


def check_request(names: list[str], framework_names: list[str], device: str) -> None:
    unknown = sorted(set(names) - set(WORKLOADS))
    if unknown:
        raise BenchError(f"unknown workload(s) {unknown}: choose from {', '.join(WORKLOADS)}")
    for name in framework_names:
        cls = frameworks.adapter_class(name)  # raises FrameworkUnavailable with the install command
        if device not in cls.device_names():
            raise BenchError(f"--device {device}: {name} sees no such device here; run with --device cpu "
                             "or on a machine with a GPU")


def run(*, profile: str = "quick", framework_names: list[str] | None = None, workloads: list[str] | None = None,
        modes: list[str] | None = None, threads: int = 1, device: str = "cpu", dtype: str = "float32",
        resume: bool = False, results: Path = Path("results"), checker: bool = True) -> Path:
    """Run the benchmark; return the path of the merged pytest-benchmark JSON."""
    names = workloads or list(WORKLOADS)
    framework_names = framework_names or list(frameworks.FRAMEWORKS)
    modes = modes or ["eager", "compiled"]
    check_request(names, framework_names, device)
    out_dir = machine_dir(results)
    out_dir.mkdir(parents=True, exist_ok=True)
    logs = run_logs(out_dir)
    if resume and logs:
        log_path = logs[-1]
    else:
        log_path = out_dir / f"{datetime.datetime.now(datetime.timezone.utc):%Y%m%dT%H%M%SZ}.jsonl"
    verify_path = log_path.with_name(log_path.stem + "-verify.jsonl")
    workers: list[subprocess.Popen] = []
    try:
        failures = _measure(profile, names, framework_names, modes, threads, device, dtype, log_path, verify_path,
                            workers, checker=checker and device == "cpu")
    except KeyboardInterrupt:
        for worker_process in workers:
            if worker_process.poll() is None:
                worker_process.terminate()  # its measurements so far are already on disk
                worker_process.wait()
        raise BenchInterrupted(len(log.read(log_path)), log_path, merge(log_path)) from None
    merged = merge(log_path)
    if failures:
        print(f"some benchmarks failed: {', '.join(failures)}; the measurements taken are kept in {log_path}",
              file=sys.stderr)
    return merged


def _measure(profile: str, names: list[str], framework_names: list[str], modes: list[str], threads: int, device: str,
             dtype: str, log_path: Path, verify_path: Path, workers: list[subprocess.Popen],
             checker: bool = True) -> list[str]:
    """Verify, then time each framework in its own process (each started one is appended to ``workers``, so
    Ctrl-C can stop it); return the frameworks whose process failed."""
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn()) as bar:
        cases = [(c, i == 0) for n in names for i, c in enumerate(WORKLOADS[n].cases(profile))]
        task = bar.add_task("verifying gradients across frameworks", total=len(cases))
        already = {v["case"] for v in log.read(verify_path)}
        for case, smallest in cases:
            if case.id not in already:
                log.append(verify_path, verify.verify(case, framework_names, against_reference=smallest, device=device))
            bar.advance(task)
        failures = []
        for name in framework_names:
            total = expected_count(profile, names, name, modes)
            task = bar.add_task(f"timing {name}", total=total)
            # -c devnull: the worker is configured by these flags alone, not by whatever project the
            # current directory belongs to
            command = [sys.executable, "-m", "pytest", str(SUITE), "-q", "-c", os.devnull, "--rootdir", str(log_path.parent),
                       "-p", "harness.suite_plugin", "-p", "no:xdist",
                       "-p", "no:cacheprovider", "--framework", name, "--device", device, "--threads", str(threads),
                       "--bench-profile", profile, "--bench-workloads", ",".join(names), "--bench-modes",
                       ",".join(modes), "--bench-dtype", dtype, "--bench-log", str(log_path), "--bench-resume",
                       "--bench-verified", str(verify_path), "--compile-cache", compile_cache.OFF,
                       "--reference-cache", reference_cache.OFF, *BENCHMARK_ARGS]
            output = log_path.with_name(f"{log_path.stem}-{name}.log").open("w")
            process = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT,
                                       env={**os.environ, **WORKER_ENV})
            workers.append(process)
            while process.poll() is None:
                time.sleep(1.0)
                bar.update(task, completed=sum(1 for r in log.read(log_path) if r["extra_info"]["framework"] == name))
            bar.update(task, completed=total)
            if process.returncode not in (0, 5):
                failures.append(f"{name} (exit {process.returncode}, see {output.name})")
            if checker:
                # the checker beside the framework's own, and the suite's throughput: same thread count, own process
                task = bar.add_task(f"timing the checks in {name}", total=None)
                command = [sys.executable, "-m", "harness.bench.checker_speed", "--framework", name,
                           "--threads", str(threads), "--log", str(log_path)]
                process = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT,
                                           env={**os.environ, **WORKER_ENV})
                workers.append(process)
                process.wait()
                bar.update(task, total=1, completed=1)
                if process.returncode != 0:
                    failures.append(f"{name}'s checker timing (exit {process.returncode}, see {output.name})")
    return failures


def merge(log_path: Path) -> Path:
    """The log as one pytest-benchmark JSON beside it (same stem)."""
    records = log.read(log_path)
    conditions = env.conditions()
    data = {
        "machine_info": {"node": platform.node(), "processor": platform.processor(), "machine": platform.machine(),
                         "python_version": platform.python_version(), "system": platform.system(),
                         "release": platform.release(), "cpu": {"brand_raw": conditions["cpu"],
                                                            "flags": conditions["cpu_features"]},
                         "cores_usable": conditions["cores_usable"], "packages": conditions["packages"]},
        "commit_info": {"id": conditions["commit"]},
        "datetime": conditions["date"],
        "version": conditions["packages"].get("pytest-benchmark", ""),
        "benchmarks": [{k: v for k, v in r.items() if k != "machine"} for r in records],
    }
    path = log_path.with_suffix(".json")
    path.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n")
    return path
