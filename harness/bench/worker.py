"""The benchmark worker: forward and backward timings of the workloads (pytest-benchmark), per
framework, eager and compiled. It ships inside the package, so ``python -m harness bench`` runs it
(``pytest <this file>``) once per framework, each in its own process with the same thread count,
from any directory. ``suites/bench/test_workloads.py`` collects it into the test run, where
(benchmarks disabled) it is a smoke test: smallest sizes, eager, one call each."""

from __future__ import annotations

import functools

import pytest

from harness import env
from harness.bench import flops, log, timing, verify
from harness.bench.timing import PHASES
from harness.bench.workloads import WORKLOADS
from harness.records import BenchInfo
from harness.suite_plugin import load_adapter, over


def measurements(config: pytest.Config) -> list[tuple]:
    """workload size × framework × mode × phase; with benchmarks disabled (the test run), a smoke
    test: the smallest size of each workload, eager, each phase once."""
    chosen = [w.strip() for w in config.getoption("--bench-workloads").split(",") if w.strip()]
    unknown = sorted(set(chosen) - set(WORKLOADS))
    if unknown:
        raise pytest.UsageError(f"--bench-workloads: unknown {unknown}; choose from {', '.join(WORKLOADS)}")
    modes = [m.strip() for m in config.getoption("--bench-modes").split(",") if m.strip()]
    if set(modes) - {"eager", "compiled"}:
        raise pytest.UsageError(f"--bench-modes: use eager and/or compiled, not {modes}")
    smoke = config.getoption("benchmark_disable", False) and not config.getoption("benchmark_enable", False)
    profile = config.getoption("--bench-profile")
    combos = []
    for name in chosen or WORKLOADS:
        cases = WORKLOADS[name].cases(profile)
        for case in cases[:1] if smoke else cases:
            for fw in config.gradparity_frameworks:
                for mode in ["eager"] if smoke else modes:
                    if not WORKLOADS[name].left_out(profile, fw, mode):
                        combos += [(case, fw, mode, phase) for phase in PHASES]
    return combos


@functools.cache
def verification(case, frameworks: tuple[str, ...], device: str, verified_file: str) -> dict:
    if verified_file:
        found = {v["case"]: v for v in log.read(verified_file)}
        if case.id in found:
            return found[case.id]
    workload = WORKLOADS[case.id.split("/")[0]]
    smallest = any(case.id == c.id for profile in workload.sizes for c in workload.cases(profile)[:1])
    return verify.verify(case, frameworks, against_reference=smallest, device=device)


@functools.cache
def compiled_verification(case, framework: str, dtype: str, device: str) -> dict:
    """The compiled gradient the bench would time, verified once per workload size (see ``verify.compiled``)."""
    workload = WORKLOADS[case.id.split("/")[0]]
    smallest = any(case.id == c.id for profile in workload.sizes for c in workload.cases(profile)[:1])
    prepared = timing.prepare(case, framework, "compiled", dtype, device)
    return verify.compiled(case, load_adapter(framework, device), prepared.timed, dtype, against_reference=smallest)


def _arithmetic(checked: dict, phase: str, framework: str, dtype: str, device: str) -> dict:
    """The phase's operation count (from the verification, where the workload was counted once) and this process's
    matmul peak."""
    counted = (checked.get("flops") or {}).get(dtype)
    if counted:
        ops = counted["forward_backward"] - counted["forward"] if phase == "backward" else counted[phase]
        out = {"flops": ops, "flops_counter": counted["counter"]}
    else:
        out = {}
    return {**out, "peak_gflops": flops.peak_gflops(framework, dtype, device)}


@over(measurements, args=("bench_case", "framework", "mode", "phase"), ids=lambda m: "-".join(
    (m[0].id, *m[1:])), group=lambda m: f"bench/{m[0].id}")  # one worker verifies a workload once for all its items
def test_workload(bench_case, framework, mode, phase, device, benchmark, request):
    config = request.config
    adapter = load_adapter(framework, device)
    dtype = config.getoption("--bench-dtype")
    fullname = request.node.nodeid
    log_path = config.getoption("--bench-log")
    if config.getoption("--bench-resume") and log_path and fullname in log.done(log_path):
        pytest.skip("already measured in --bench-log (--bench-resume)")
    checked = verification(bench_case, tuple(config.gradparity_frameworks), device, config.getoption("--bench-verified"))
    if not checked["ok"]:
        pytest.skip(f"not timed: {bench_case.id} failed verification: {checked['message']}")
    prepared = timing.prepare(bench_case, framework, mode, dtype, device)
    if mode == "compiled":
        compiled = compiled_verification(bench_case, framework, dtype, device)
        if not compiled["ok"]:
            pytest.skip(f"not timed: {framework}'s compiled gradient of {bench_case.id} disagrees: {compiled['message']}")
    timed = prepared.timed
    adapter.reset_peak_memory()
    if phase == "backward":
        if timed.backward is None:
            pytest.skip(f"{framework} {mode}: backward is derived in the report (forward_backward − forward)")
        budget = 0.0 if benchmark.disabled else benchmark._max_time
        benchmark.pedantic(timed.backward, setup=lambda: ((timed.backward_setup(),), {}),
                           rounds=timing.backward_rounds(timed, budget, low=1 if benchmark.disabled else 5),
                           warmup_rounds=0 if benchmark.disabled else 2)
    else:
        benchmark(getattr(timed, phase))
    info = BenchInfo(workload=bench_case.category, case=bench_case.id, framework=framework, version=adapter.version,
                     mode=mode, phase=phase, dtype=dtype, device=device, threads=config.getoption("--threads"),
                     method=timing.METHOD[phase], first_call_s=prepared.first_call_s, verified=checked["frameworks"],
                     peak_device_bytes=adapter.peak_memory_bytes(),
                     # the whole process's peak resident size so far: imports included
                     process_peak_rss_bytes=env.peak_rss_bytes(), **_arithmetic(checked, phase, framework, dtype, device))
    benchmark.extra_info.update(info.to_dict())
    if log_path and not benchmark.disabled:
        record = benchmark.stats.as_dict(include_data=False)
        record["params"] = {k: getattr(v, "id", v) for k, v in (record.get("params") or {}).items()}
        record["fullname"] = fullname
        record["machine"] = env.conditions()
        log.append(log_path, record)
